"""Cross-checks of the demand keys: key paths for unknown municipalities, channels, end
events and bad conditions (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import load_scenario
from zsa_sim.scenario.checks import check_scenario
from zsa_sim.scenario.demand_checks import renewal_end_event, waiting_nodes

DEMAND = Path(__file__).parent / "data" / "scenarios" / "demand_mini.yaml"
#: a valid observed KPI (made up)
OBS = {"kpi": "arrivals", "municipality": "Adorf", "value": 300, "source": "made up"}


def test_the_demand_test_scenario_is_clean() -> None:
    scenario = load_scenario(DEMAND)
    assert [f for f in check_scenario(scenario) if f.severity == "error"] == []


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"services.antrag.renewals.end_event": "End_Foo"},
         "services.antrag.renewals.end_event", "'End_Foo' is no end event of the main process"),
        ({"services.antrag.renewals.condition": "missing_documents =="},
         "services.antrag.renewals.condition", ""),
        ({"services.antrag.arrival_profiles": {"fax": "uniform"}},
         "services.antrag.arrival_profiles.fax", "unknown channel (known: online, paper)"),
        ({"services.antrag.volume_changes": [{"from": "2026-02-01", "factor": 2.0,
                                              "municipalities": ["Zdorf"]}]},
         "services.antrag.volume_changes.0.municipalities", "unknown municipality 'Zdorf'"),
        ({"observed.open_cases": {"Zdorf": {"2026-02-01": 5}}},
         "observed.open_cases.Zdorf", "unknown municipality"),
        ({"observed.open_cases": {"Adorf": {"2027-02-01": 5}}},
         "observed.open_cases.Adorf.2027-02-01", "outside the run (2026-01-01 .. 2026-05-30)"),
        ({"observed.kpis": [{**OBS, "kpi": "lead_tme_mean"}]},
         "observed.kpis.0.kpi", "unknown kpi 'lead_tme_mean'"),
        ({"observed.kpis": [OBS, {**OBS, "municipality": "Zdorf"}]},
         "observed.kpis.1.municipality", "unknown municipality 'Zdorf' (known: all, Adorf, Bdorf)"),
        ({"observed.kpis": [{**OBS, "service": "hund"}]},
         "observed.kpis.0.service", "unknown service 'hund' (known: all, antrag)"),
        ({"observed.kpis": [{**OBS, "variant": "zentral", "baseline": "fifo"}]},
         "observed.kpis.0.baseline", "unknown baseline 'fifo'"),
        ({"observed.kpis": [{**OBS, "source": " "}]},
         "observed.kpis.0.source", "must not be empty"),
        ({"observed.kpis": [{"kpi": "arrivals", "municipality": "Adorf", "value": 3}]},
         "observed.kpis.0.source", "required key missing"),
    ],
)  # fmt: skip
def test_bad_demand_keys_are_reported_by_key_path(changes, path, message) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(DEMAND).with_changes(changes)
    text = str(info.value)
    assert f"{path}: {message}" in text


def test_observed_kpis_are_accepted() -> None:
    ratio = {**OBS, "kpi": "lead_time_mean", "variant": "zentral", "baseline": "dezentral"}
    scenario = load_scenario(DEMAND).with_changes({"observed.kpis": [OBS, ratio]})
    assert [k.kpi for k in scenario.observed.kpis] == ["arrivals", "lead_time_mean"]
    assert scenario.observed.kpis[0].service == "all"
    assert scenario.observed.kpis[1].baseline == "dezentral"


def test_renewal_end_event_by_id_or_name() -> None:
    process = load_scenario(DEMAND).definitions("antrag").main_process
    assert renewal_end_event(process, "End_Fertig") == "End_Fertig"
    assert renewal_end_event(process, "Beschieden") == "End_Fertig"
    assert renewal_end_event(process, "Task_Pruefen") is None
    assert "Gw_Warten" in waiting_nodes(process) and "Start_Antrag" not in waiting_nodes(process)


def test_renewal_delay_must_be_in_days() -> None:
    with pytest.raises(ScenarioError, match="renewal delay in days"):
        load_scenario(DEMAND).with_changes(
            {"services.antrag.renewals.after": {"fixed": 12, "unit": "h"}}
        )


def test_volume_changes_dump_as_written() -> None:
    # results folders and what-if copies dump the scenario: 'from', as in the file
    dumped = load_scenario(DEMAND).model_dump(mode="json")["services"]["antrag"]
    assert dumped["volume_changes"][0] == {"from": "2026-03-01", "factor": 2.0,
                                           "municipalities": None}  # fmt: skip
