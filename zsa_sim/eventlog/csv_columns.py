"""The event log's CSV text made a batch of rows at a time, column by column (issue 19).

:class:`~zsa_sim.eventlog.csv_log.CsvEventLogWriter` formats a row at a time in
``record``; the engine hands it rows in batches (``record_many``), and this module
formats such a batch per column instead: the times of all rows in a few numpy
operations, the cached cells looked up with one ``map`` per column. The text is the
same, cell for cell, as ``record`` writes (the tests compare the two on awkward rows);
a batch this module cannot format exactly (a time that is not a finite number of
reasonable size) returns None, and the writer takes its rows one at a time, which
formats them or names the bad row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from zsa_sim.eventlog.csv_log import WallClock

#: Larger times (in minutes; ~1.9 million years) go the row path, which counts in
#: Python integers and fails with a named error past year 9999.
_MAX_MINUTES = 1e12
#: a batch whose times span fewer days looks their dates up by day (else: np.unique)
_DAY_SPAN = 4096
#: ``THH:MM:`` by minute of the day and ``SS`` by second, as numpy object arrays: the
#: text of a time is three lookups and two string additions done by numpy (a table of
#: all 86,400 seconds of a day would save one addition for ~6 MB)
_HOUR_MINUTE = np.array([f"T{m // 60:02d}:{m % 60:02d}:" for m in range(1440)], dtype=object)
_SECOND = np.array([f"{s:02d}" for s in range(60)], dtype=object)


def time_texts(clock: WallClock, columns: Sequence[Sequence[float]]) -> list[list[str]] | None:
    """Columns of minutes as :meth:`WallClock.format` writes each ('' for NaN).

    The same arithmetic as the row path, element-wise: ``np.rint`` rounds half to
    even, as Python's ``round`` does, and ``divmod`` floors as Python's does. None if a
    value is infinite or too large for that (the caller then formats row by row).
    """
    minutes = np.array(columns, dtype=float)
    never = np.isnan(minutes)
    if never.any():  # any time of the batch stands in (its text is dropped below)
        known = minutes[~never]
        minutes[never] = known[0] if len(known) else 0.0
    if not (np.abs(minutes) < _MAX_MINUTES).all():  # also false for inf
        return None
    second = np.rint(minutes * 60.0).astype(np.int64) + clock.offset_seconds
    day, second = np.divmod(second, 86400)
    first, last = int(day.min()), int(day.max())
    if last - first < _DAY_SPAN:  # the dates of the days the batch spans
        dates = np.array([clock.date_text(d) for d in range(first, last + 1)], dtype=object)
        text = dates[day - first] + _HOUR_MINUTE[second // 60] + _SECOND[second % 60]
    else:  # the dates of the days it has
        days, inverse = np.unique(day.ravel(), return_inverse=True)
        dates = np.array([clock.date_text(d) for d in days.tolist()], dtype=object)
        text = dates[inverse.reshape(day.shape)] + _HOUR_MINUTE[second // 60] + _SECOND[second % 60]
    if never.any():
        text[never] = ""
    return text.tolist()  # type: ignore[no-any-return]
