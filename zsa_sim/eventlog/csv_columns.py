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
#: ``THH:MM:SS`` by second of the day, made when a log is first written (~5 MB)
_clock_texts: np.ndarray | None = None


def _time_of_day() -> np.ndarray:
    global _clock_texts
    if _clock_texts is None:
        texts = [f"T{m // 60:02d}:{m % 60:02d}:{s:02d}" for m in range(1440) for s in range(60)]
        _clock_texts = np.array(texts, dtype=object)
    return _clock_texts


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
        text = dates[day - first] + _time_of_day()[second]
    else:  # the dates of the days it has
        days, inverse = np.unique(day.ravel(), return_inverse=True)
        dates = np.array([clock.date_text(d) for d in days.tolist()], dtype=object)
        text = dates[inverse.reshape(day.shape)] + _time_of_day()[second]
    if never.any():
        text[never] = ""
    return text.tolist()  # type: ignore[no-any-return]
