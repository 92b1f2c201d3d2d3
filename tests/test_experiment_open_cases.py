"""Open applications at given moments (exact on hand-made cases)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np

from zsa_sim.experiment.open_cases import month_ends, open_at

NAN = float("nan")


def test_open_means_arrived_and_neither_decided_nor_ended() -> None:
    cases = {
        # backlog case decided at 50; new case ended without decision at 30 (withdrawn);
        # new case decided at 80, ended at 90; new case still open
        "arrival": np.array([-100.0, 10.0, 20.0, 40.0]),
        "decision": np.array([50.0, NAN, 80.0, NAN]),
        "end": np.array([60.0, 30.0, 90.0, NAN]),
    }
    assert open_at(cases, np.array([0.0, 10.0, 25.0, 30.0, 50.0, 85.0, 1000.0])).tolist() == [
        1, 2, 3, 2, 2, 1, 1,
    ]  # fmt: skip


def test_month_ends_inside_the_run() -> None:
    ends = month_ends(datetime(2022, 10, 1), 92 * 1440.0)
    assert ends == [
        (date(2022, 10, 31), 31 * 1440.0),
        (date(2022, 11, 30), 61 * 1440.0),
        (date(2022, 12, 31), 92 * 1440.0),
    ]
