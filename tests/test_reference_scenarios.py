"""The reference scenarios reproduce what was observed (issue 17).

``scenarios/reference/magdeburg_wohngeld_2023.yaml`` is built from the public figures
of ``facts.md`` (sourced in the file) and marked assumptions. Observed (Volksstimme):
Magdeburg's unprocessed Wohngeld applications rose from ~4,000 to ~14,000 between
October 2022 and September 2023. Stated tolerance: the simulated open applications at
the end of September 2023 lie within 15 % of 14,000 (one replication; replications differ
by about 1 %, far less than the tolerance), start from the observed 4,000 and rise in
every month. The figures are reported "about", so 15 % is the precision of the
observation, not of the model.

Second observation (state government's answer, dpa, June 2023): Magdeburg among the
slowest offices with 24-36 weeks of processing. Stated tolerance: the median lead time
of the applications decided in June 2023 lies in that range widened by 15 %.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from zsa_sim.engine import simulate
from zsa_sim.experiment.cases import CaseTable
from zsa_sim.experiment.open_cases import month_ends, open_at
from zsa_sim.scenario import build_setup, load_scenario

REFERENCE = Path(__file__).parent.parent / "scenarios" / "reference"
TOLERANCE = 0.15


def simulated_cases(path: Path, variant: str, replication: int = 0) -> dict[str, np.ndarray]:
    scenario = load_scenario(path)
    setup = build_setup(scenario, variant, replication)
    table = CaseTable.from_services(setup.services)
    simulate(setup, table)
    columns = table.columns()
    return {k: columns.column(k) for k in ("arrival", "decision", "end")}


def open_by_month(path: Path, cases: dict[str, np.ndarray]) -> list[int]:
    period = load_scenario(path).period
    ends = month_ends(period.epoch, period.horizon)
    return open_at(cases, np.array([minutes for _, minutes in ends])).tolist()


@pytest.mark.slow
def test_magdeburg_backlog_grows_from_4000_to_about_14000() -> None:
    path = REFERENCE / "magdeburg_wohngeld_2023.yaml"
    scenario = load_scenario(path)
    # the observed figures live in the scenario file (with their source), once
    observed = scenario.observed.open_cases["Magdeburg"]
    assert sorted(observed) == [date(2022, 10, 1), date(2023, 9, 30)]
    start, end = observed[date(2022, 10, 1)], observed[date(2023, 9, 30)]
    backlog = scenario.initial_state["Magdeburg"]["wohngeld"].values()
    assert sum(spec.cases for spec in backlog) == start
    cases = simulated_cases(path, "dezentral")
    series = open_by_month(path, cases)
    assert len(series) == 12  # Oct 2022 .. Sep 2023
    assert all(b > a for a, b in zip([start, *series], series, strict=False))
    assert abs(series[-1] - end) <= TOLERANCE * end, series
    # lead times of the applications decided in June 2023 (days 243..273 of the run)
    decided = (cases["decision"] >= 243 * 1440.0) & (cases["decision"] < 273 * 1440.0)
    weeks = (cases["decision"][decided] - cases["arrival"][decided]) / (7 * 1440.0)
    median = float(np.median(weeks))
    assert 24 * (1 - TOLERANCE) <= median <= 36 * (1 + TOLERANCE), median
