"""Charts and the decision report, read from results only (never from the engine).

``build_report(run_dir, lang="de")`` writes every chart (PNG and SVG) into the run's
``charts/`` folder and a self-contained ``report.html``; ``write_charts(run_dir, lang)``
writes the charts alone; ``load_results(run_dir)`` gives the typed contents of a results
folder for charts of one's own; ``show_run(run_dir)`` the first screen and verdicts
as text; ``write_excel(run_dir)`` the workbook ``kpis.xlsx``.
"""

from zsa_sim.report.build import ReportFiles, build_report, charts_dir, report_path, write_charts
from zsa_sim.report.conclusions import show_run
from zsa_sim.report.excel import write_excel
from zsa_sim.report.loaders import RunResults, load_results
from zsa_sim.report.style import ChartFile

__all__ = [
    "ChartFile",
    "ReportFiles",
    "RunResults",
    "build_report",
    "charts_dir",
    "load_results",
    "report_path",
    "show_run",
    "write_charts",
    "write_excel",
]
