"""Output files of a run on a full disk: one line, and no partial folder (issue 14);
the cases file's minutes rounded to 1e-6 (issue 19).

Writing ``cases.csv.gz`` or merging ``eventlog.csv.gz`` raised a raw ``OSError``
traceback when the disk filled up. The writer is replaced by one whose writes fail with
ENOSPC, as a full disk makes them fail.
"""

from __future__ import annotations

import errno
import gzip
import io
from pathlib import Path

import pytest

from zsa_sim.errors import ResultsError
from zsa_sim.experiment import case_file, outputs
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
    monkeypatch.setattr(case_file, "open", fake_open, raising=False)


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


# -- inputs as simulated, summaries without absolute paths (issue 14) ---------------------


def copy_mini(folder: Path) -> Path:
    """mini.yaml and mini.bpmn, shortened, in ``folder``."""
    folder.mkdir(parents=True)
    text = MINI.read_text(encoding="utf-8").replace("days: 120", "days: 10")
    (folder / "mini.yaml").write_text(text, encoding="utf-8")
    (folder / "mini.bpmn").write_bytes((MINI.parent / "mini.bpmn").read_bytes())
    return folder / "mini.yaml"


def run_mini(path: Path, out: Path, progress=None) -> Path:
    options = RunOptions(out_root=out, jobs=1, replications=2, report=False, xes="none")
    return run_experiment(path, options, progress=progress).run_dir


def test_inputs_are_those_read_when_the_run_started(tmp_path):
    """Editing the scenario during a run made inputs/ and the hash describe the edit."""
    import hashlib
    import json

    path = copy_mini(tmp_path / "src")
    original = path.read_bytes()

    def edit(done, total, variant, replication):
        path.write_text("# edited while the run went on\n", encoding="utf-8")

    run_dir = run_mini(path, tmp_path / "out", progress=edit)
    assert (run_dir / "inputs" / "mini.yaml").read_bytes() == original
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["sha256"] == hashlib.sha256(original).hexdigest()


def test_the_same_scenario_in_another_folder_gives_the_same_summary(tmp_path):
    first = run_mini(copy_mini(tmp_path / "a"), tmp_path / "out-a")
    second = run_mini(copy_mini(tmp_path / "b" / "deeper"), tmp_path / "out-b")
    text = (first / "summary.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in text
    assert '"bpmn": "mini.bpmn"' in text
    assert (second / "summary.json").read_text(encoding="utf-8") == text


def _tricky_records():
    from zsa_sim.experiment.cases import CaseRecord

    nan = float("nan")
    return [
        CaseRecord("dezentral", 0, "antrag:A,1:0", "antrag", 'Ort "A", Nord', 1.5, -0.0, nan,
                   1e-300, 0.0, 1 / 3, "End_Fertig", False, 2.0),
        CaseRecord("dezentral", 0, "antrag:A,1:1", "antrag", 'Ort "A", Nord', 2.25, nan, nan,
                   nan, nan, 0.0, "", True),
        CaseRecord("zentral", 3, "x:B:7", "x", "B", -1440.0, 1e16, 123456789.123, 2.5e-7,
                   float("inf"), 7.0, "End,Abgelehnt", False, nan),
    ]


def test_case_columns_are_written_as_their_records_are(tmp_path):
    from zsa_sim.experiment.cases import CaseColumns

    records = _tricky_records()
    by_records = tmp_path / "records.csv.gz"
    by_columns = tmp_path / "columns.csv.gz"
    assert write_cases(by_records, records) == 3
    parts = [CaseColumns.from_records(records[:2]), CaseColumns.from_records(records[2:])]
    assert write_cases(by_columns, parts) == 3
    # one gzip member per run instead of one for all records: the same text
    assert gzip.decompress(by_columns.read_bytes()) == gzip.decompress(by_records.read_bytes())
    text = gzip.decompress(by_columns.read_bytes()).decode("utf-8").splitlines()
    assert text[1].startswith('dezentral,0,"antrag:A,1:0",antrag,"Ort ""A"", Nord",1.5,0.0,,')
    assert text[2].endswith(",2.25,,,,,0.0,,true,")  # no outcome, open, NaN empty


def test_case_columns_on_a_full_disk_is_one_line(tmp_path, full_disk):
    from zsa_sim.experiment.cases import CaseColumns

    columns = CaseColumns.from_records(_tricky_records() * 3000)
    with pytest.raises(ResultsError, match="cannot write the cases: No space left on device"):
        write_cases(tmp_path / "cases.csv.gz", [columns])


def test_case_minutes_are_written_rounded_to_a_millionth(tmp_path):
    from zsa_sim.experiment.cases import CaseColumns, CaseRecord
    from zsa_sim.report.loaders import _read_cases

    nan = float("nan")
    records = [
        # full-precision floats as the engine makes them; a backlog case's negative arrival
        CaseRecord(
            "dezentral",
            0,
            "s:m:0",
            "s",
            "m",
            815.3842215018645,
            19140.0,
            29246.06666949727,
            49391.6875953549,
            0.0,
            53.77320390365156,
            "End_A",
            False,
            19158.094199609513,
        ),
        CaseRecord(
            "zentral",
            1,
            "s:m:B1",
            "s",
            "m",
            -4320.000000004,
            nan,
            nan,
            nan,
            -1e-9,
            1.2345675e-3,
            "",
            True,
            nan,
        ),
    ]
    path = tmp_path / "cases.csv.gz"
    assert write_cases(path, records) == 2
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert lines[1] == (
        "dezentral,0,s:m:0,s,m,815.384222,19140.0,29246.066669,49391.687595,0.0,53.773204,"
        "End_A,false,19158.0942"
    )
    # never written as NaN text, -0.0 or 17 digits
    assert lines[2] == "zentral,1,s:m:B1,s,m,-4320.0,,,,0.0,0.001235,,true,"
    # the column-by-column writer rounds alike
    columns = tmp_path / "columns.csv.gz"
    assert write_cases(columns, [CaseColumns.from_records(records)]) == 2
    assert gzip.decompress(columns.read_bytes()) == gzip.decompress(path.read_bytes())
    read = _read_cases(path)
    assert read["arrival"][0] == 815.384222
    assert read["decision"][1] != read["decision"][1]  # NaN again


def test_a_run_member_made_in_the_worker_is_the_member_the_parent_would_write(tmp_path):
    # cases.csv.gz is a header member plus one member per run; a worker's member (or the
    # result cache's) gives the same file, byte for byte, as compressing in the parent
    from zsa_sim.experiment.case_file import case_member
    from zsa_sim.experiment.cases import CaseColumns

    records = _tricky_records()
    parts = [CaseColumns.from_records(records[:2]), CaseColumns.from_records(records[2:])]
    in_parent, from_workers = tmp_path / "parent.csv.gz", tmp_path / "workers.csv.gz"
    assert write_cases(in_parent, parts) == 3
    assert write_cases(from_workers, [case_member(parts[0]), parts[1]]) == 3
    assert from_workers.read_bytes() == in_parent.read_bytes()
    with gzip.open(from_workers, "rt", encoding="utf-8") as f:  # read as one text
        lines = f.read().splitlines()
    assert lines[0] == ",".join(outputs.CASE_FIELDS)
    assert len(lines) == 4
