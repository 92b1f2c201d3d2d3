"""The event log as the calibration reads it: one compact column per field.

Every reader (CSV, XES, zsa-sim's own logs) produces a :class:`LogTable`: parallel
numpy arrays, one entry per activity instance, with texts stored once and referred to
by integer codes. A million events take a few tens of megabytes this way, where a list
of dicts would take gigabytes.

Times are minutes since :attr:`LogTable.epoch`, midnight of the first day seen, on the
local wall clock (an XES offset is dropped: office hours are wall-clock hours). NaN is
a time that was not recorded (no start time in the export, work not finished).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from zsa_sim.errors import ZsaError


class CalibrationError(ZsaError):
    """An event log or counts file cannot be used for calibration (one line, exit 2)."""


class Codes:
    """Texts to small integer codes, in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def code(self, text: str) -> int:
        """The code of a text, new if unseen."""
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.names)
            self.names.append(text)
        return found


@dataclass
class LogTable:
    """Columns of an event log (see the module docstring)."""

    source: str
    epoch: datetime
    case: np.ndarray
    case_names: list[str]
    activity: np.ndarray
    activity_names: list[str]
    start: np.ndarray
    end: np.ndarray
    resource: np.ndarray
    resource_names: list[str]
    org: np.ndarray
    org_names: list[str]
    #: role per row ('' unknown), where the log has it (zsa-sim's own logs do)
    role: np.ndarray
    role_names: list[str]
    #: case attributes as read (text), per case code
    attributes: dict[str, dict[int, str]] = field(default_factory=dict)
    #: 1-based line (CSV) or trace number (XES) of each row, for messages
    line: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.case)

    @property
    def n_cases(self) -> int:
        """Number of distinct cases."""
        return len(self.case_names)

    def to_datetime(self, minutes: float) -> datetime:
        """Minutes since the epoch as a wall-clock datetime."""
        return self.epoch + timedelta(minutes=float(minutes))

    def time(self) -> np.ndarray:
        """The best single time of each row: its end, else its start."""
        return np.where(np.isnan(self.end), self.start, self.end)

    def case_rows(self) -> list[np.ndarray]:
        """Row indices of each case (by case code), ordered by time, then log order."""
        t = self.time()
        order = np.lexsort((np.arange(len(t)), np.nan_to_num(t, nan=math.inf), self.case))
        bounds = np.searchsorted(self.case[order], np.arange(self.n_cases + 1))
        return [order[bounds[i] : bounds[i + 1]] for i in range(self.n_cases)]

    def select(self, mask: np.ndarray) -> LogTable:
        """The rows where ``mask`` is true (codes and names unchanged)."""
        return LogTable(
            source=self.source,
            epoch=self.epoch,
            case=self.case[mask],
            case_names=self.case_names,
            activity=self.activity[mask],
            activity_names=self.activity_names,
            start=self.start[mask],
            end=self.end[mask],
            resource=self.resource[mask],
            resource_names=self.resource_names,
            org=self.org[mask],
            org_names=self.org_names,
            role=self.role[mask],
            role_names=self.role_names,
            attributes=self.attributes,
            line=None if self.line is None else self.line[mask],
        )
