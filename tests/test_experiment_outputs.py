"""Output files of a run on a full disk: one line, and no partial folder (issue 14).

Writing ``cases.csv.gz`` or merging ``eventlog.csv.gz`` raised a raw ``OSError``
traceback when the disk filled up. The writer is replaced by one whose writes fail with
ENOSPC, as a full disk makes them fail.
"""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest

from zsa_sim.errors import ResultsError
from zsa_sim.experiment import outputs
from zsa_sim.experiment.outputs import merge_event_logs, write_cases
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.scenario import load_scenario

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"
SHORT = {"period.days": 10, "period.warmup_days": 0, "period.cooldown_days": 0}


class FullDisk(io.RawIOBase):
    """A file whose writes fail as on a full disk once ``room`` bytes are written."""

    def __init__(self, room: int = 0) -> None:
        self.room = room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return len(data)


@pytest.fixture
def full_disk(monkeypatch):
    """Every file the output writers open for writing is on a full disk."""
    real_open = open

    def fake_open(path, mode="r", *args, **kwargs):
        if "w" in mode and Path(path).name in ("cases.csv.gz", "eventlog.csv.gz"):
            return FullDisk()
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(outputs, "open", fake_open, raising=False)


def test_cases_on_a_full_disk_is_one_line(tmp_path, full_disk):
    record = tuple(range(len(outputs.CASE_FIELDS)))
    with pytest.raises(ResultsError, match="cannot write the cases: No space left on device"):
        write_cases(tmp_path / "cases.csv.gz", [record] * 10)


def test_merging_the_event_log_on_a_full_disk_is_one_line(tmp_path, full_disk):
    part = tmp_path / "part.csv.gz"
    import gzip

    with gzip.open(part, "wt") as f:
        f.write("case_id\n" + "c1\n" * 10)
    target = tmp_path / "eventlog.csv.gz"
    with pytest.raises(ResultsError, match="cannot merge the event log: No space left") as info:
        merge_event_logs([part], target)
    assert str(info.value).startswith(str(target))


def test_a_run_on_a_full_disk_keeps_no_partial_folder(tmp_path, full_disk):
    scenario = load_scenario(MINI).with_changes(SHORT)
    options = RunOptions(out_root=tmp_path, jobs=1, replications=1, report=False, xes="none")
    with pytest.raises(ResultsError, match="No space left on device") as info:
        run_experiment(scenario, options)
    assert "\n" not in str(info.value)
    assert list((tmp_path / "mini").iterdir()) == []
