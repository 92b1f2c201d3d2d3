"""kpis.xlsx and the German CSV: sheets, German headers, numbers stored as numbers."""

from __future__ import annotations

import json

import openpyxl
import pytest

from tests.report_fixture import copy_results
from zsa_sim.report.excel import write_csv_de, write_excel


def test_workbook_has_four_sheets_with_german_headers_and_numbers(tmp_path) -> None:
    run_dir = copy_results(tmp_path)
    path = write_excel(run_dir)
    assert path == run_dir / "kpis.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Urteile", "Kennzahlen", "Personal", "Annahmen"]
    kpis = book["Kennzahlen"]
    header = [c.value for c in kpis[1]]
    assert header[:3] == ["Variante", "Leistung", "Kommune"] and "Mittelwert" in header
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    first = summary["kpis"][0]
    row = [c.value for c in kpis[2]]
    mean = row[header.index("Mittelwert")]
    assert isinstance(mean, float) and mean == pytest.approx(first["mean"])
    assert kpis.max_row == len(summary["kpis"]) + 1
    staff = book["Personal"]
    assert [c.value for c in staff[1]][3] == "VZÄ"
    assert all(isinstance(r[3].value, float) for r in staff.iter_rows(min_row=2))
    verdicts = [c.value for c in book["Urteile"]["B"]][1:]
    assert verdicts and all(isinstance(v, str) and v for v in verdicts)
    assert not list(run_dir.glob(".*partial*"))
    assert write_excel(run_dir, "en").name == "kpis.en.xlsx"


def test_german_csv_uses_semicolons_and_decimal_commas(tmp_path) -> None:
    run_dir = copy_results(tmp_path)
    text = write_csv_de(run_dir).read_bytes().decode("utf-8")
    assert text.startswith("\ufeffVariante;Leistung;Kommune")
    line = text.splitlines()[1].split(";")
    mean = line[7]
    assert "," in mean and "." not in mean
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert float(mean.replace(",", ".")) == pytest.approx(summary["kpis"][0]["mean"])
