"""The report section "Observed and simulated" from a small hand-made results folder."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest
from scipy import stats

from zsa_sim.experiment.comparison import KpiSummary
from zsa_sim.experiment.kpis import KpiValue
from zsa_sim.report.loaders import RunResults, ServiceInfo
from zsa_sim.report.observed import observed_rows, observed_section

PER_CLERK = [32.0, 30.0, 34.0]
FIFO = [14.0, 13.0, 15.0]
OBSERVED = [
    {"kpi": "arrivals", "municipality": "Halle", "service": "wohngeld", "value": 17000,
     "source": "Hallanzeiger, 29 Feb 2024"},
    {"kpi": "lead_time_mean", "municipality": "Halle", "service": "wohngeld",
     "variant": "fifo", "baseline": "per_clerk", "value": 0.5, "source": "Hallanzeiger"},
    {"kpi": "lead_time_p90", "municipality": "Halle", "service": "wohngeld", "value": 180,
     "source": "not in the run"},
]  # fmt: skip


def _results(observed: list[dict]) -> RunResults:
    by_rep = [
        KpiValue(variant, rep, "wohngeld", "Halle", "", "lead_time_mean", "days", value)
        for variant, values in (("per_clerk", PER_CLERK), ("fifo", FIFO))
        for rep, value in enumerate(values)
    ]
    arrivals = KpiSummary(
        "per_clerk",
        "wohngeld",
        "Halle",
        "",
        "arrivals",
        "cases",
        16883.0,
        16500.0,
        17266.0,
        3,
        150.0,
    )
    return RunResults(
        run_dir=Path("/nonexistent/run"),
        summary={"scenario": {"parameters": {"observed": {"kpis": observed}}}},
        kpis=[arrivals],
        kpis_by_replication=by_rep,
        comparison=[],
        cases={},
        activities=[],
        variants=("per_clerk", "fifo"),
        baseline="per_clerk",
        services=(ServiceInfo("wohngeld", "Wohngeld", "wohngeld.bpmn", "Task_Bescheid"),),
        municipalities=("Halle",),
        central_units=(),
        pools=(),
        targets={},
        window_start=0.0,
        window_end=1.0,
        epoch=datetime(2023, 1, 1),
        display_names={"Halle": "Halle (Saale)"},
    )


def test_rows_put_each_observation_beside_the_simulated_mean() -> None:
    rows = observed_rows(_results(OBSERVED), "en")
    assert [r.source for r in rows] == [e["source"] for e in OBSERVED]
    arrivals, ratio, missing = rows
    assert (arrivals.mean, arrivals.ci_low, arrivals.ci_high) == (16883.0, 16500.0, 17266.0)
    assert arrivals.inside is True and arrivals.observed == 17000
    assert arrivals.what == "arrivals, Per clerk, Halle (Saale), Wohngeld"
    # the ratio is paired per replication: mean and Student-t interval of fifo/per_clerk
    ratios = [f / p for f, p in zip(FIFO, PER_CLERK, strict=True)]
    mean = sum(ratios) / 3
    sd = math.sqrt(sum((r - mean) ** 2 for r in ratios) / 2)
    half = stats.t.ppf(0.975, 2) * sd / math.sqrt(3)
    assert ratio.mean == pytest.approx(mean, rel=1e-12)
    assert (ratio.ci_low, ratio.ci_high) == pytest.approx((mean - half, mean + half), rel=1e-9)
    assert ratio.inside is False  # 0.5 lies above [0.43, 0.45]
    assert ratio.unit == "ratio" and "Fifo over Per clerk" in ratio.what
    # a KPI the run lacks: no simulated value, no verdict
    assert math.isnan(missing.mean) and missing.inside is None


def test_section_renders_one_row_per_observation_in_both_languages() -> None:
    results = _results(OBSERVED)
    de = observed_section(results, "de")
    assert de.count("<tr>") == 4  # head + three rows
    assert "Beobachtet" in de and "Simuliert: Mittelwert [95-%-Intervall]" in de
    assert "17.000 Fälle" in de and "16.883,0 Fälle [16.500,0; 17.266,0]" in de
    assert "0,44 [0,43; 0,45]" in de and "<td>ja</td>" in de and "<td>nein</td>" in de
    assert "Hallanzeiger, 29 Feb 2024" in de
    en = observed_section(results, "en")
    assert "Observed" in en and "17,000 cases" in en and "0.44 [0.43, 0.45]" in en
    assert "<td>yes</td>" in en and "<td>no</td>" in en and "<td>–</td>" in en


def test_no_observed_figures_no_section() -> None:
    assert observed_section(_results([]), "de") == ""
