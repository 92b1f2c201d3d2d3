"""The reference scenarios reproduce what was observed (issue 17).

``scenarios/reference/magdeburg_wohngeld_2023.yaml`` is built from the public figures
of ``facts.md`` (sourced in the file) and marked assumptions. Observed (Volksstimme):
Magdeburg's unprocessed Wohngeld applications rose from ~4,000 to ~14,000 between
October 2022 and September 2023. Stated tolerance: the simulated open applications at
the end of September 2023 lie within 15 % of 14,000 (one replication; replications differ
by about 1 %, far less than the tolerance), start from the observed 4,000 and rise in
every month. The figures are reported "about", so 15 % is the precision of the
observation, not of the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zsa_sim.engine import simulate
from zsa_sim.experiment.cases import CaseTable
from zsa_sim.experiment.open_cases import month_ends, open_at
from zsa_sim.scenario import build_setup, load_scenario

REFERENCE = Path(__file__).parent.parent / "scenarios" / "reference"
OBSERVED_START, OBSERVED_END, TOLERANCE = 4_000, 14_000, 0.15


def open_by_month(path: Path, variant: str, replication: int = 0) -> list[int]:
    scenario = load_scenario(path)
    setup = build_setup(scenario, variant, replication)
    table = CaseTable.from_services(setup.services)
    simulate(setup, table)
    columns = table.columns()
    cases = {k: columns.column(k) for k in ("arrival", "decision", "end")}
    ends = month_ends(scenario.period.epoch, scenario.period.horizon)
    return open_at(cases, np.array([minutes for _, minutes in ends])).tolist()


@pytest.mark.slow
def test_magdeburg_backlog_grows_from_4000_to_about_14000() -> None:
    path = REFERENCE / "magdeburg_wohngeld_2023.yaml"
    assert sum(
        spec.cases for spec in load_scenario(path).initial_state["Magdeburg"]["wohngeld"].values()
    ) == OBSERVED_START
    series = open_by_month(path, "dezentral")
    assert len(series) == 12  # Oct 2022 .. Sep 2023
    assert all(b > a for a, b in zip([OBSERVED_START, *series], series, strict=False))
    assert abs(series[-1] - OBSERVED_END) <= TOLERANCE * OBSERVED_END, series
