"""Effort as working time: closed hours, absences and part-timers' own hours taken out."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from zsa_sim.calibrate.effort import clerk_calendars, estimate_efforts, estimated_starts
from zsa_sim.calibrate.reader import read_log
from zsa_sim.engine.calendar import WorkingCalendar

OFFICE = {d: ((420.0, 960.0),) for d in range(5)}  # Mon-Fri 7:00-16:00
MONDAY = datetime(2026, 1, 5)


def _log(tmp_path: Path, steps: list[tuple[str, str, datetime, datetime]]) -> Path:
    path = tmp_path / "log.csv"
    lines = ["case,activity,start,end,resource"]
    for i, (activity, clerk, a, b) in enumerate(steps):
        lines.append(f"c{i},{activity},{a:%Y-%m-%d %H:%M},{b:%Y-%m-%d %H:%M},{clerk}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _day(n: int, hh: int, mm: int) -> datetime:
    """The n-th working day (Mon-Fri) after MONDAY, at hh:mm."""
    weeks, day = divmod(n, 5)
    return MONDAY + timedelta(weeks=weeks, days=day, hours=hh, minutes=mm)


def test_part_timer_step_over_her_closing_time_counts_her_hours_only(tmp_path: Path) -> None:
    steps = []
    for n in range(30):  # the part-timer works 7:00-11:00, the full-timer 7:00-16:00
        steps.append(("T", "P", _day(n, 7, 30), _day(n, 7, 50)))
        steps.append(("T", "P", _day(n, 10, 20), _day(n, 10, 40)))
        steps.append(("T", "F", _day(n, 7, 10), _day(n, 7, 30)))
        steps.append(("T", "F", _day(n, 15, 20), _day(n, 15, 40)))
    # 20 minutes of work: 10 before her 11:00, 10 after 7:00 the next morning
    steps.append(("T", "P", _day(30, 10, 50), _day(31, 7, 10)))
    # the full-timer: 10 before 16:00, then away a whole day, 10 after 7:00
    steps.append(("T", "F", _day(30, 15, 50), _day(32, 7, 10)))
    table = read_log(_log(tmp_path, steps))
    calendar = WorkingCalendar(epoch=table.epoch, weekly=OFFICE)
    rows = np.ones(len(table), dtype=bool)
    own = clerk_calendars(table, rows, calendar)
    p = table.resource_names.index("P")
    assert set(own) == {p}
    assert own[p].weekly[0] == ((420.0, 660.0),)  # 7:00-11:00, from her steps
    node_ids = np.array(["T"] * len(table), dtype=object)
    fit = estimate_efforts(table, node_ids, ["T"], calendar, rows)["T"]
    assert fit.fit.kind == "fixed" and fit.fit.params["value"] == pytest.approx(20.0)
    assert fit.spanning == 2


def test_start_times_estimated_from_case_and_clerk(tmp_path: Path) -> None:
    path = tmp_path / "ends.csv"
    path.write_text(
        "case,activity,end,resource\n"
        "a,X,2026-01-05 08:00,R\n"
        "a,Y,2026-01-05 08:30,R\n"
        "b,X,2026-01-05 08:40,R\n",
        encoding="utf-8",
    )
    table = read_log(path)
    start = estimated_starts(table)
    assert np.isnan(start[0])  # nothing before it: unknown
    assert start[1] == 480.0  # the case's previous step ended at 8:00
    assert start[2] == 510.0  # the clerk finished case a at 8:30
