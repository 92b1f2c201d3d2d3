"""The run's results as a workbook German Excel opens correctly: ``kpis.xlsx``.

Four sheets, German headers (English with ``lang="en"``), numbers stored as numbers
(Excel shows them with the reader's own decimal comma), read from ``summary.json``
only:

- **Urteile** (verdicts): the paired verdict lines per municipality;
- **Kennzahlen** (KPIs): every KPI per variant with mean, 95 % interval and n;
- **Personal** (staff): the staff pools per variant with FTE and hourly cost rate;
- **Annahmen** (assumptions): the scenario's parameters as key path and value.

:func:`write_csv_de` writes the KPI table as CSV for German spreadsheets on request
(``;`` as separator, decimal comma, UTF-8 with BOM), since a plain CSV with decimal
points opens as text or dates in a German Excel.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.formatting import Lang, format_number, unit_name
from zsa_sim.experiment.kpis import ALL, KPI_INFO
from zsa_sim.experiment.results import load_summary

EXCEL_FILE = "kpis.xlsx"
CSV_DE_FILE = "kpis_de.csv"

_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "verdicts": {
        "de": ("Kommune", "Aussage"),
        "en": ("Municipality", "Verdict"),
    },
    "kpis": {
        "de": (
            "Variante",
            "Leistung",
            "Kommune",
            "Team",
            "Kennzahl",
            "Kennzahl-ID",
            "Einheit",
            "Mittelwert",
            "KI unten (95 %)",
            "KI oben (95 %)",
            "Replikationen",
        ),
        "en": (
            "Variant",
            "Service",
            "Municipality",
            "Team",
            "KPI",
            "KPI id",
            "Unit",
            "Mean",
            "CI low (95%)",
            "CI high (95%)",
            "Replications",
        ),
    },
    "staff": {
        "de": ("Variante", "Organisationseinheit", "Rolle", "VZÄ", "Kostensatz EUR/Stunde"),
        "en": ("Variant", "Organisational unit", "Role", "FTE", "Cost rate EUR/hour"),
    },
    "assumptions": {
        "de": ("Parameter", "Wert"),
        "en": ("Parameter", "Value"),
    },
}
_SHEETS = {
    "verdicts": ("Urteile", "Verdicts"),
    "kpis": ("Kennzahlen", "KPIs"),
    "staff": ("Personal", "Staff"),
    "assumptions": ("Annahmen", "Assumptions"),
}


def _number(value: Any) -> float | None:
    """A finite float, or None (an empty cell; Excel has no NaN)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _kpi_rows(summary: Mapping[str, Any], lang: Lang) -> Iterable[list[Any]]:
    for row in summary.get("kpis") or []:
        info = KPI_INFO.get(row.get("kpi", ""))
        label = (info.label_de if lang == "de" else info.label_en) if info else row.get("kpi")
        every = ("alle", "alle") if lang == "de" else ("all", "all")
        yield [
            row.get("variant"),
            every[0] if row.get("service") == ALL else row.get("service"),
            every[1] if row.get("municipality") == ALL else row.get("municipality"),
            row.get("pool"),
            label,
            row.get("kpi"),
            unit_name(str(row.get("unit") or ""), lang),
            _number(row.get("mean")),
            _number(row.get("ci_low")),
            _number(row.get("ci_high")),
            int(row.get("n") or 0),
        ]


def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple) and any(isinstance(v, Mapping | list) for v in value):
        for i, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{i}]")
    elif isinstance(value, list | tuple):
        yield prefix, "; ".join(str(v) for v in value)
    else:
        yield (
            prefix,
            value if isinstance(value, int | float | bool) or value is None else str(value),
        )


def sheets(summary: Mapping[str, Any], lang: Lang = "de") -> dict[str, list[list[Any]]]:
    """The workbook's rows per sheet name (header first), as plain Python values."""
    names = {k: v[0] if lang == "de" else v[1] for k, v in _SHEETS.items()}
    verdicts = [
        [municipality, line]
        for municipality, lines in (summary.get("verdicts") or {}).items()
        for line in (lines.get(lang) or [] if isinstance(lines, Mapping) else [])
    ]
    staff = [
        [p.get("variant"), p.get("org_unit"), p.get("role"), _number(p.get("fte")),
         _number(p.get("cost_per_hour"))]
        for p in summary.get("pools") or []
    ]  # fmt: skip
    scenario = summary.get("scenario") or {}
    assumptions = [[k, v] for k, v in _flatten(scenario.get("parameters") or {})]
    return {
        names["verdicts"]: [list(_HEADERS["verdicts"][lang]), *verdicts],
        names["kpis"]: [list(_HEADERS["kpis"][lang]), *_kpi_rows(summary, lang)],
        names["staff"]: [list(_HEADERS["staff"][lang]), *staff],
        names["assumptions"]: [list(_HEADERS["assumptions"][lang]), *assumptions],
    }


def write_excel(run_dir: Path, lang: str = "de") -> Path:
    """Write ``kpis.xlsx`` (``kpis.en.xlsx`` for English) into the run folder; its path.

    Written to a temporary file and renamed, so an interrupted write leaves no broken
    workbook.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if lang not in ("de", "en"):
        raise ValueError(f"language must be 'de' or 'en', got {lang!r}")
    run_dir = Path(run_dir)
    summary = load_summary(run_dir)
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets(summary, lang).items():  # type: ignore[arg-type]
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, width in enumerate(_widths(rows), 1):
            sheet.column_dimensions[get_column_letter(i)].width = width
    path = run_dir / (EXCEL_FILE if lang == "de" else "kpis.en.xlsx")
    partial = path.with_name(f".{path.name}.partial")
    try:
        book.save(partial)
        os.replace(partial, path)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise ResultsError(f"cannot write the workbook: {err}", source=path) from err
    return path


def _widths(rows: Sequence[Sequence[Any]]) -> list[float]:
    columns = max((len(r) for r in rows), default=0)
    return [
        min(60.0, max(8.0, *(len(str(r[i])) + 2 for r in rows[:200] if i < len(r))))
        for i in range(columns)
    ]


def write_csv_de(run_dir: Path) -> Path:
    """The KPI table as ``kpis_de.csv``: ``;`` separated, decimal comma, UTF-8 with BOM."""
    run_dir = Path(run_dir)
    summary = load_summary(run_dir)
    path = run_dir / CSV_DE_FILE
    try:
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(_HEADERS["kpis"]["de"])
            for row in _kpi_rows(summary, "de"):
                writer.writerow([_decimal_comma(v) if isinstance(v, float) else v for v in row])
    except OSError as err:
        raise ResultsError(f"cannot write the CSV file: {err}", source=path) from err
    return path


def _decimal_comma(x: float) -> str:
    """Full precision with a decimal comma and no thousands separator (``1234,5678``)."""
    text = repr(x) if not x.is_integer() else format_number(x, "de", 0).replace(".", "")
    return text.replace(".", ",")
