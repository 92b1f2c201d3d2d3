"""A minimal Excel workbook of a run, for when the report package has none of its own.

The workbench exports ``zsa_sim.report.excel.write_excel`` when it exists; until then this
writes the run's conclusion per municipality, its KPI table and its paired comparison to
``<run>/results.xlsx`` (openpyxl, a dependency of the ``web`` extra), values as numbers so
that a controller can calculate with them.
"""

from __future__ import annotations

from pathlib import Path

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.formatting import Lang
from zsa_sim.experiment.results import load_summary
from zsa_sim.web.runs import conclusion
from zsa_sim.web.texts import t

KPI_COLUMNS = ("variant", "service", "municipality", "pool", "kpi", "unit", "mean",
               "ci_low", "ci_high", "n")
COMPARISON_COLUMNS = ("treatment", "baseline", "service", "municipality", "pool", "kpi", "unit",
                      "baseline_mean", "treatment_mean", "difference", "ci_low", "ci_high",
                      "significant")


def write_excel(run_dir: str | Path, lang: Lang = "de") -> Path:
    """Write ``<run_dir>/results.xlsx`` and return its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    run_dir = Path(run_dir)
    summary = load_summary(run_dir)
    book = Workbook()
    sheet = book.active
    sheet.title = t("web.answer.conclusion", lang)[:31]
    sheet.append([
        t("web.col.variant", lang), t("municipality", lang), "kpi", "unit",
        "baseline", "treatment", "difference", "ci_low", "ci_high", "significant",
    ])
    for row in conclusion(run_dir, lang):
        for cell in row.cells.values():
            sheet.append([row.treatment, row.name, cell.kpi, cell.unit, cell.baseline,
                          cell.treatment, cell.difference, cell.ci_low, cell.ci_high,
                          cell.significant])
        sheet.append([row.treatment, row.name, "staff", "FTE", row.staff[0], row.staff[1],
                      row.staff[1] - row.staff[0], None, None, None])
    for title, key, columns in (("KPIs", "kpis", KPI_COLUMNS),
                                ("comparison", "comparison", COMPARISON_COLUMNS)):
        ws = book.create_sheet(title)
        ws.append(list(columns))
        for entry in summary.get(key, []):
            ws.append([entry.get(c) for c in columns])
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    path = run_dir / "results.xlsx"
    try:
        book.save(path)
    except OSError as err:
        raise ResultsError(f"cannot write the workbook: {err}", source=path) from err
    return path
