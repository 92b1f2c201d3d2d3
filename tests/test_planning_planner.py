"""The planner end to end, checked by independent confirmation runs through the runner.

A confirmation run is an ordinary ``run_experiment`` (the code path of ``zsa-sim run``)
of the scenario with the ZSA at the found staffing, and one at one step below; the test
reads its ``kpis_by_replication.csv`` and applies the definition of "met with 95%
confidence" itself (one-sided upper bound of the mean over replications, per
participating municipality and service, and not more open cases than the quantile
allows). The planner's answer must meet the target, one step below must miss it.
"""

import csv
import math
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
from scipy.stats import t as t_dist

from tests.planning_fixture import cheap_plan
from zsa_sim.errors import ScenarioError
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.experiment.stats import upper_bound
from zsa_sim.planning import plan_staffing
from zsa_sim.planning.section import format_plan
from zsa_sim.scenario import load_scenario

ROOT = Path(__file__).parent.parent
SMALL = Path(__file__).parent / "data" / "scenarios" / "planning_small.yaml"


def meets_by_runner(scenario, key, fte, replications, target, groups, tmp_path) -> bool:
    """Run the variant at ``fte`` with the runner and judge the target independently."""
    outcome = run_experiment(
        scenario.with_changes({key: fte}),
        RunOptions(
            replications=replications,
            variants=("zentral",),
            eventlog=False,
            xes="none",
            report=False,
            out_root=tmp_path / f"confirm-{fte}",
        ),
    )
    values = defaultdict(dict)
    with open(outcome.run_dir / "kpis_by_replication.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["pool"] == "":
                key_ = (row["service"], row["municipality"], row["kpi"])
                values[key_][int(row["replication"])] = float(row["value"] or "nan")
    quantile = 0.9  # the targets below are p90 targets: at most 10% open cases
    for service, municipality in groups:
        kpi = [values[(service, municipality, target.kpi)][r] for r in range(replications)]
        shares = [
            values[(service, municipality, "open_cases")][r]
            / values[(service, municipality, "arrivals")][r]
            for r in range(replications)
        ]
        if not (upper_bound(kpi) <= target.value and sum(shares) / len(shares) <= 1 - quantile):
            return False
    return True


def open_cases_bound_by_runner(scenario, staff, tmp_path) -> dict[str, float]:
    """Run ``zentral`` with ``zsa.staff = staff`` through the runner; per municipality the
    one-sided 95% upper bound (Student t) of the mean open cases at the end of the run."""
    outcome = run_experiment(
        scenario.with_changes({"zsa.staff": staff}),
        RunOptions(
            variants=("zentral",), eventlog=False, xes="none", report=False,
            out_root=tmp_path / f"ramp-{staff[-1]['fte']}",
        ),
    )  # fmt: skip
    values = defaultdict(list)
    with open(outcome.run_dir / "kpis_by_replication.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["pool"], row["service"], row["kpi"])
            if key == ("", "antrag", "open_cases") and row["municipality"] != "all":
                values[row["municipality"]].append(float(row["value"]))
    return {
        m: statistics.mean(v) + t_dist.ppf(0.95, len(v) - 1) * statistics.stdev(v) / len(v) ** 0.5
        for m, v in values.items()
    }


@pytest.fixture(scope="module")
def small_plan():
    return cheap_plan()  # 3 replications, shared with the section and writer tests


def test_plan_on_the_small_scenario_is_confirmed_by_the_runner(small_plan, tmp_path):
    result = small_plan
    assert result.key == "zsa.staff" and result.start_fte == 1.5
    assert result.fte is not None and result.confirmed
    assert result.fte / 0.25 == round(result.fte / 0.25)  # on the grid
    search = result.search
    assert search.above.value == result.fte and search.above.meets
    assert search.below.value == result.fte - 0.25 and not search.below.meets
    # the search did not try every candidate up to the largest it tried
    staffings = {c.value for c in search.evaluations}
    assert len(staffings) < max(staffings) / 0.25
    reps = search.confirm_replications
    args = (result.key, reps, result.target, result.groups, tmp_path)
    scenario = result.scenario
    assert meets_by_runner(scenario, args[0], result.fte, *args[1:])
    assert not meets_by_runner(scenario, args[0], result.fte - 0.25, *args[1:])


def test_plan_economics_and_break_even_are_consistent(small_plan):
    result = small_plan
    econ = result.economics
    assert econ is not None and econ.zsa_fte == result.fte
    assert set(econ.cost_per_case) == {"dezentral", "zentral"}
    adorf = next(m for m in econ.municipalities if m.municipality == "Adorf")
    assert adorf.fte_freed == pytest.approx(0.8)  # mini: Adorf keeps 0.2 of 1.0 front office
    assert adorf.hours_freed.mean > 0
    be = econ.break_even
    assert be is not None and be.fte == math.floor(be.fte_exact / 0.25 + 1e-9) * 0.25
    verdicts = {c.value: c.meets for c in be.checks}
    # met at the break-even volume, missed one volume step above
    assert be.status == "found"
    assert verdicts[be.volume] and not verdicts[round(be.volume + 0.05, 9)]


def test_plan_refuses_bad_input():
    with pytest.raises(ScenarioError, match=r"target 'p90 foo <= 3': unknown KPI"):
        plan_staffing(SMALL, "p90 foo <= 3")
    with pytest.raises(ScenarioError, match=r"variants.dezentral: has no zsa section"):
        plan_staffing(SMALL, "p90 waiting time <= 3 days", variant="dezentral")
    with pytest.raises(ScenarioError, match=r"unknown service 'dogs'"):
        plan_staffing(SMALL, "p90 waiting time <= 3 days", service="dogs")


@pytest.mark.slow
def test_plan_on_the_pilot_is_confirmed_by_the_runner(tmp_path):
    """Issue 9: on the pilot, the answer meets the target and one step below misses it.

    The full pilot (a year, 10 replications, ~9 s per run) takes many minutes, so the
    pilot is shortened with with_changes to 20 observed days (5 warm-up; 30 cool-down,
    so that cases waiting for documents can finish) and 3 replications, the target
    checked for Wohngeld, the search range 8 to 12 FTE. ``zsa-sim plan`` on the full
    pilot is reported in the planning README text.
    """
    pilot = load_scenario(ROOT / "scenarios" / "pilot.yaml").with_changes(
        {"period.days": 20, "period.warmup_days": 5, "period.cooldown_days": 30}
    )
    result = plan_staffing(
        pilot, "p90 waiting time <= 3 days", service="wohngeld", lo=8.0, hi=12.0,
        replications=3, max_replications=3, jobs=2, break_even=False,
    )  # fmt: skip
    assert result.key == "zsa.staff" and result.groups == (
        ("wohngeld", "Halle"),
        ("wohngeld", "Wittenberg"),
    )
    assert result.fte is not None and result.confirmed and 8.0 < result.fte <= 12.0
    args = (result.key, 3, result.target, result.groups, tmp_path)
    assert meets_by_runner(pilot, args[0], result.fte, *args[1:])
    assert not meets_by_runner(pilot, args[0], result.fte - 0.25, *args[1:])


def test_plan_answers_the_smallest_zsa_that_clears_a_backlog_by_a_day() -> None:
    # issue 17: demand_mini starts with 65 open cases; "at most 40 open at the end of
    # February" needs 1.0 ZSA FTE: the confirmed answer, one step (0.75) misses it
    path = Path(__file__).parent / "data" / "scenarios" / "demand_mini.yaml"
    scenario = load_scenario(path).with_changes({"services.antrag.renewals.share": 0.0})
    plan = plan_staffing(
        scenario, "open cases <= 40 by 2026-02-28", replications=2, max_replications=2,
        jobs=1, break_even=False,
    )  # fmt: skip
    assert plan.target.kpi == "open_cases" and plan.scenario.period.days == 59
    assert (plan.fte, plan.confirmed) == (1.0, True)


def test_plan_answers_the_smallest_ramp_up_that_clears_a_backlog_by_a_day(tmp_path):
    # issue 17: "the ZSA starts with 0.5 FTE in January; how many from February to have at
    # most 40 open cases on 28 February?" ramp_mini starts with 65 open cases; the answer
    # is the second step's FTE, confirmed here by runs through the runner: with 1.5 FTE
    # from February the 95% bound of the open cases is <= 40 everywhere, with 1.25 not
    plan = plan_staffing(
        SMALL.parent / "ramp_mini.yaml", "open cases <= 40 by 2026-02-28", key="zsa.staff.1.fte",
        replications=2, max_replications=2, jobs=1,
    )  # fmt: skip
    assert (plan.key, plan.start_fte, plan.fte, plan.confirmed) == (
        "zsa.staff.1.fte",
        1.0,
        1.5,
        True,
    )
    first = {"from": "2026-01-01", "fte": 0.5}
    assert plan.to_dict()["ramp"] == [first, {"from": "2026-02-01", "fte": 1.5}]
    assert "0.50 FTE from 2026-01-01, 1.50 FTE from 2026-02-01" in format_plan(plan, "en")
    # the ZSA figures are those of the ramp's pool; no break-even for one step of a ramp
    assert plan.economics is not None and plan.economics.zsa_fte == 1.5
    assert plan.economics.break_even is not None and plan.economics.break_even.status == "ramp"
    assert plan.economics.break_even.checks == ()
    cut = plan.scenario  # ends on 28 February (59 days, no cool-down), 2 replications
    assert (cut.period.days, cut.period.cooldown_days, cut.replications) == (59, 0, 2)
    meets = open_cases_bound_by_runner(cut, [first, {"from": "2026-02-01", "fte": 1.5}], tmp_path)
    misses = open_cases_bound_by_runner(cut, [first, {"from": "2026-02-01", "fte": 1.25}], tmp_path)
    assert set(meets) == {"Adorf", "Bdorf"} and max(meets.values()) <= 40 < misses["Adorf"]
