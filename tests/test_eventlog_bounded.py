"""Compressed results are read with bounded memory: gzip bombs and endless lines (issue 14)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from memory_probe import peak_memory

from zsa_sim.errors import ResultsError
from zsa_sim.eventlog import bounded
from zsa_sim.eventlog.bounded import MAX_GZIP_RATIO, bounded_lines, open_results_text
from zsa_sim.experiment.cases import CaseRecord
from zsa_sim.report.loaders import load_results


def bomb(path: Path, megabytes: int, line: bytes = b"0,1,2\n") -> Path:
    """A gzip file of ``megabytes`` MB of repeated short lines (ratio ~ 1,000)."""
    chunk = line * (2**20 // len(line))
    with gzip.open(path, "wb", compresslevel=9) as f:
        for _ in range(megabytes):
            f.write(chunk)
    return path


def read_all(path: Path) -> int:
    with open_results_text(path) as handle:
        return sum(1 for _ in csv.reader(bounded_lines(handle, path)))


def test_a_gzip_bomb_is_refused_at_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(bounded, "MIN_GZIP_ALLOWANCE", 2**20)
    path = bomb(tmp_path / "cases.csv.gz", 20)
    assert path.stat().st_size * MAX_GZIP_RATIO < 20 * 2**20
    with pytest.raises(ResultsError, match=r"cases\.csv\.gz: expands to more than .*gzip bomb"):
        read_all(path)


def test_an_ordinary_gzip_file_reads_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(bounded, "MIN_GZIP_ALLOWANCE", 2**20)
    path = tmp_path / "log.csv.gz"
    with gzip.open(path, "wt") as f:
        f.writelines(f"case-{i},{i * 7.3:.2f},x\n" for i in range(50_000))
    assert read_all(path) == 50_000


def test_an_endless_line_is_refused_without_holding_it(tmp_path):
    path = bomb(tmp_path / "cases.csv.gz", 8, line=b"x" * 4096)  # one 8 MB line
    errors = []

    def read() -> None:
        try:
            read_all(path)
        except ResultsError as err:
            errors.append(str(err))

    assert peak_memory(read) < 6 * 2**20  # a few times the 1 MB line bound
    assert len(errors) == 1 and "a line longer than 1,048,576 characters" in errors[0]
    assert list(bounded_lines(io.StringIO("a\nb"), path)) == ["a\n", "b"]


def test_the_report_loader_refuses_a_bomb_as_cases(tmp_path, monkeypatch):
    """Through the report's reader of a whole folder (kpis first, then the cases)."""
    monkeypatch.setattr(bounded, "MIN_GZIP_ALLOWANCE", 2**20)
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    for name in ("kpis.csv", "kpis_by_replication.csv", "comparison.csv"):
        (tmp_path / name).write_text("variant\n", encoding="utf-8")
    header = ",".join(CaseRecord._fields).encode() + b"\n"
    row = b"dezentral,0,s:A:1,s,A,0.0,1.0,2.0,3.0,0.0,5.0,granted,false\n"
    path = bomb(tmp_path / "cases.csv.gz", 20, line=row)
    with gzip.open(path, "rb") as f:  # a valid header, then valid rows
        body = f.read()
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(header + body)
    with pytest.raises(ResultsError, match="expands to more than"):
        load_results(tmp_path)
