"""Run a scenario, then report on it: the composition behind ``zsa-sim run``.

The two halves stay apart on purpose. :func:`~zsa_sim.experiment.runner.run_experiment`
writes the results folder atomically and knows nothing of charts; the report
(:func:`~zsa_sim.report.build_report`) reads finished results folders only. So
:func:`run_and_report` first lets the run finish and its folder be renamed into place,
and only then draws the report. If the report fails (a chart that cannot be drawn, a
full disk), the results stay where they are, :class:`PipelineOutcome` says why, and
``zsa-sim report RUN_DIR`` can retry later; nothing of the run is lost.
"""

from __future__ import annotations

from pathlib import Path

from zsa_sim.experiment.runner import (
    PhaseCallback,
    ProgressCallback,
    RunOptions,
    RunOutcome,
    run_experiment,
)
from zsa_sim.records import frozen_record
from zsa_sim.scenario import Scenario


@frozen_record()
class PipelineOutcome:
    """What a run-and-report produced; ``report_error`` says why the report is missing."""

    run: RunOutcome
    report: Path | None = None
    excel: Path | None = None
    report_error: str | None = None

    @property
    def run_dir(self) -> Path:
        """The finished results folder (kept whatever happened to the report)."""
        return self.run.run_dir


def report_run(run_dir: Path, lang: str = "de", phase: PhaseCallback | None = None) -> Path:
    """Draw the charts and report.html (and kpis.xlsx) of a finished results folder."""
    from zsa_sim.report import build_report

    if phase is not None:
        phase("drawing charts and report")
    files = build_report(run_dir, lang=lang, with_excel=True)
    return files.report


def run_and_report(
    scenario: Scenario | str | Path,
    options: RunOptions | None = None,
    progress: ProgressCallback | None = None,
    phase: PhaseCallback | None = None,
) -> PipelineOutcome:
    """Run the scenario into its results folder, then (if asked) build its report.

    A report failure of any kind is caught and returned in ``report_error``: the run is
    finished and complete by then, and losing it to a chart would be the worse outcome.
    Ctrl-C is not caught, but the interruption says that the results folder is complete
    and how to draw its report.
    """
    options = options or RunOptions()
    run = run_experiment(scenario, options, progress, phase)
    if not options.report:
        return PipelineOutcome(run)
    try:
        report = report_run(run.run_dir, options.lang, phase)
    except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM while drawing: the run is kept
        err.add_note(
            f"The results in {run.run_dir} were kept; the report was not drawn "
            f"(zsa-sim report {run.run_dir} draws it)."
        )
        raise
    except Exception as err:  # any report failure must keep the results
        reason = " ".join(str(err).split()) or type(err).__name__
        return PipelineOutcome(run, report_error=f"{type(err).__name__}: {reason}"[:500])
    excel = run.run_dir / "kpis.xlsx"
    return PipelineOutcome(run, report=report, excel=excel if excel.is_file() else None)
