"""Build a run's charts and report from its results folder.

``build_report(run_dir)`` is what ``zsa-sim report RUN_DIR`` and the runner call: it
reads the folder (never the engine), draws every chart into ``charts/`` as PNG and SVG
and writes ``report.html``. The German report is the default; ``lang="en"`` writes the
English one *beside* it (``report.en.html``, charts in ``charts/en/``), so both can live
in one folder and neither overwrites the other.

Charts are drawn and saved one at a time and each figure is closed at once, so memory
does not grow with the number of charts.

The report is written all or nothing: charts go into a staging folder beside
``charts/`` and the page into a temporary file; only when everything is drawn do they
replace the previous charts and page. An interrupted or failed ``zsa-sim report``
therefore leaves the earlier report (or none) and never a half set of charts.

The report reads results folders only (``summary.json``, the CSV files and, if a staffing
plan of the same scenario lies beside the run, its ``plan.json``); it imports neither
the runner nor the planner.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple, cast

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.charts_backlog import backlog_charts
from zsa_sim.report.charts_ecdf import ecdf_charts
from zsa_sim.report.charts_staff import staff_charts
from zsa_sim.report.charts_times import time_charts
from zsa_sim.report.charts_weekly import weekly_charts
from zsa_sim.report.html import write_html
from zsa_sim.report.i18n import LANGS, service_label
from zsa_sim.report.loaders import RunResults, load_results
from zsa_sim.report.process_map import process_map_charts
from zsa_sim.report.style import Chart, ChartFile, close_chart, save_chart

#: The chart families in report order; each yields its charts one at a time.
CHART_SOURCES: tuple[Callable[[RunResults, Lang], Iterable[Chart]], ...] = (
    time_charts,
    ecdf_charts,
    backlog_charts,
    staff_charts,
    weekly_charts,
    process_map_charts,
)


class ReportFiles(NamedTuple):
    """What :func:`build_report` wrote."""

    report: Path
    charts: tuple[ChartFile, ...]
    lang: Lang


def charts_dir(run_dir: Path, lang: Lang = "de") -> Path:
    """Where the charts of a language go: ``charts/`` (German), ``charts/en/`` (English)."""
    return run_dir / "charts" if lang == "de" else run_dir / "charts" / lang


def report_path(run_dir: Path, lang: Lang = "de") -> Path:
    """The report file of a language: ``report.html`` (German), ``report.en.html``."""
    return run_dir / ("report.html" if lang == "de" else f"report.{lang}.html")


def _check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
    return cast(Lang, lang)


def save_charts(
    results: RunResults, lang: str = "de", directory: Path | None = None
) -> list[ChartFile]:
    """Draw and save every chart of loaded results; each figure is closed when saved.

    ``directory`` defaults to the language's charts folder of the run.
    """
    lang = _check_lang(lang)
    directory = directory or charts_dir(results.run_dir, lang)
    files: list[ChartFile] = []
    for source in CHART_SOURCES:
        charts = iter(source(results, lang))
        for chart in charts:
            try:
                files.append(save_chart(chart, directory))
            except OSError as err:
                close_chart(chart)
                raise ResultsError(
                    f"cannot write chart {chart.name}: {err}", source=directory
                ) from err
    return files


def write_charts(run_dir: str | Path, lang: str = "de") -> list[ChartFile]:
    """Read a results folder and write its charts (PNG and SVG) into ``charts/``."""
    return save_charts(translated(load_results(run_dir), _check_lang(lang)), lang)


def _planning(results: RunResults, lang: Lang) -> tuple[str | None, float | None]:
    """The newest staffing plan of the same scenario beside this run: section and FTE.

    Plans live in ``<results>/<scenario>/plan-<timestamp>/`` next to the run folders; a
    report drawn after ``zsa-sim plan`` therefore shows the planner's answer too. Only
    ``plan.json`` is read (never the planner).
    """
    from zsa_sim.planning.section import latest_plan, load_plan, planning_section

    scenario = str((results.summary.get("scenario") or {}).get("name") or "")
    if not scenario:
        return None, None
    plan = latest_plan(results.run_dir.parent.parent, scenario)
    if plan is None:
        return None, None
    needed = load_plan(plan).get("fte")
    return planning_section(plan, lang), float(needed) if needed is not None else None


def translated(results: RunResults, lang: Lang) -> RunResults:
    """The results with the services' names in the report's language."""
    if lang == "de":
        return results
    services = tuple(s._replace(label=service_label(s.label, lang)) for s in results.services)
    return dataclasses.replace(results, services=services)


def _staging(run_dir: Path, lang: Lang) -> Path:
    """A fresh staging folder for a language's charts (a stale one is removed first)."""
    staging = run_dir / f".charts-partial-{lang}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def discard_partial(run_dir: Path) -> None:
    """Remove what a report stopped midway left (its process killed: a cancelled export
    of the workbench): staging charts and the unfinished report file. A charts folder
    caught between the two renames of :func:`_swap_in` is put back first."""
    run_dir = Path(run_dir)
    for lang in LANGS:
        old, final = run_dir / f".charts-old-{lang}", charts_dir(run_dir, lang)
        if old.is_dir() and not final.is_dir():
            os.replace(old, final)
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(run_dir / f".charts-partial-{lang}", ignore_errors=True)
        report = report_path(run_dir, lang)
        report.with_name(f".{report.name}.partial").unlink(missing_ok=True)


def _swap_in(staging: Path, final: Path, lang: Lang) -> None:
    """Replace the charts folder ``final`` by ``staging`` (keeping other languages' charts)."""
    old = final.with_name(f".charts-old-{lang}")
    shutil.rmtree(old, ignore_errors=True)
    if final.is_dir():
        if lang == "de":  # the other languages live inside charts/: carry them over
            for other in LANGS:
                if other != "de" and (final / other).is_dir():
                    os.replace(final / other, staging / other)
        os.replace(final, old)
    final.parent.mkdir(parents=True, exist_ok=True)  # charts/ for charts/en/
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def build_report(run_dir: str | Path, lang: str = "de", with_excel: bool = False) -> ReportFiles:
    """Write the charts and the self-contained ``report.html`` of a results folder.

    ``lang`` is "de" (default) or "en"; anything else is a ValueError. ``with_excel``
    writes ``kpis.xlsx`` too (:func:`zsa_sim.report.excel.write_excel`). All or nothing:
    see the module docstring.
    """
    lang = _check_lang(lang)
    results = translated(load_results(run_dir), lang)
    final = charts_dir(results.run_dir, lang)
    staging = _staging(results.run_dir, lang)
    path = report_path(results.run_dir, lang)
    partial = path.with_name(f".{path.name}.partial")
    try:
        charts = save_charts(results, lang, staging)
        write_html(results, charts, partial, lang, *_planning(results, lang))
        _swap_in(staging, final, lang)
        os.replace(partial, path)
    except OSError as err:
        raise ResultsError(f"cannot write the report: {err}", source=path) from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        partial.unlink(missing_ok=True)
    charts = [c._replace(png=final / c.png.name, svg=final / c.svg.name) for c in charts]
    if with_excel:
        from zsa_sim.report.excel import write_excel

        write_excel(results.run_dir, lang)
    return ReportFiles(path, tuple(charts), lang)
