"""What the page's buttons and fields do, as plain functions plus their Dash wiring.

Each callback is a thin wrapper of a function of :class:`Workbench` that takes and returns
plain values, so the logic (check, run, progress, answer, compare, export) is tested
without a browser; :func:`register` only connects element ids (see
:mod:`zsa_sim.web.layout`) to those functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsa_sim.errors import ZsaError
from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.i18n import number, variant_label
from zsa_sim.scenario import Scenario
from zsa_sim.web.form import (
    FormValues,
    describe_changes,
    form_display,
    next_version_name,
    whatif_from_form,
)
from zsa_sim.web.jobs import JobManager, JobStatus
from zsa_sim.web.runs import (
    ConclusionRow,
    cell_text,
    conclusion,
    headline,
    list_entries,
    read_entry,
)
from zsa_sim.web.texts import t
from zsa_sim.web.whatif import WhatIf, changes_of, whatif_of, write_version

#: where the workbench writes scenario versions before running them
VERSIONS_DIR = ".workbench"
#: milliseconds between two looks of the page at a run. Each look costs the browser and
#: the server a little CPU, taken from the replications on a machine of two cores, so
#: while replications are simulated and the end is not near the page looks once a
#: second; at the start, near the end and while the results are written four times a
#: second, so that the answer shows as soon as it is there
POLL_FAST = 250
POLL_SLOW = 1000
#: estimated seconds left below which the page looks fast again
POLL_NEAR_END = 3.0
#: what the export buttons make: report.html, the Excel workbook, the scenario version,
#: the event log (written on request: the runs write none)
EXPORTS = ("html", "excel", "yaml", "eventlog")


@dataclass
class Workbench:
    """The server's state: the scenario it started with, the output root and the runs."""

    scenario: Scenario
    out_root: Path
    jobs: JobManager = field(init=False)
    workers: int | None = None

    def __post_init__(self) -> None:
        self.out_root = Path(self.out_root)
        self.jobs = JobManager(self.out_root, jobs=self.workers)

    # -- the form ---------------------------------------------------------------------

    def form_start(self, variant: str | None) -> WhatIf:
        """The form's values for a variant: the scenario's own."""
        return whatif_of(self.scenario, variant or None)

    def check(self, variant: str | None, form: FormValues) -> tuple[Scenario, dict[str, Any]]:
        """Validate the form: the changed scenario and the changes (ZsaError if invalid)."""
        whatif = whatif_from_form(self.form_start(variant), form)
        changes = changes_of(self.scenario, whatif)
        from zsa_sim.scenario import apply_changes

        changed = apply_changes(self.scenario, changes) if changes else self.scenario
        return changed, changes

    def check_message(self, variant: str | None, form: FormValues, lang: Lang) -> str:
        """'Valid. Changes: ...' or the one-line error."""
        try:
            _, changes = self.check(variant, form)
        except ZsaError as err:
            return f"✗ {err}"
        if not changes:
            return "✓ " + t("web.check.none", lang)
        return "✓ " + t("web.check.ok", lang, changes=describe_changes(changes))

    def start_run(self, variant: str | None, form: FormValues) -> str:
        """Validate, write the scenario version and start running it; return the job id."""
        changed, _ = self.check(variant, form)
        path = write_version(changed, self.out_root / VERSIONS_DIR)
        return self.jobs.submit(path, changed.name)

    def page_body(self, lang: Lang, view: Any) -> list[Any]:
        """The page below the stores, in ``lang``, showing ``view`` (a layout.View)."""
        from zsa_sim.web.layout import body

        return body(self.scenario, self.out_root, list_entries(self.out_root), lang, view)

    # -- progress ---------------------------------------------------------------------

    def progress_text(self, status: JobStatus, lang: Lang) -> str:
        """One line on the run: phase, tasks done, elapsed, ETA; or how it ended."""
        if status.state == "done":
            cached = (
                t("web.state.cached", lang, cached=status.from_cache, total=status.total)
                if status.from_cache
                else ""
            )
            return t(
                "web.state.done",
                lang,
                name=status.name,
                elapsed=number(status.elapsed, lang),
                cpu=number(status.cpu_seconds or 0.0, lang),
                cached=cached,
            )
        if status.state == "cancelled":
            return t("web.state.cancelled", lang)
        if status.state == "failed":
            return t("web.state.failed", lang, error=status.error)
        eta = t("web.eta", lang, eta=number(status.eta, lang, 0)) if status.eta else ""
        phase = t(f"web.phase.{status.phase}", lang)
        elapsed = number(status.elapsed, lang, 0)
        if not status.total:  # nothing counted yet (loading the scenario)
            return t("web.progress.start", lang, name=status.name, phase=phase, elapsed=elapsed)
        return t(
            "web.progress",
            lang,
            name=status.name,
            phase=phase,
            done=status.done,
            total=status.total,
            elapsed=elapsed,
            eta=eta,
        )

    def next_name(self, name: str) -> str:
        """The version name the form offers after a run of ``name``."""
        return next_version_name(name, self.out_root)

    # -- the answer -------------------------------------------------------------------

    def run_options(self) -> list[dict[str, str]]:
        """Every run under the output root, newest first, as dropdown options."""
        return [{"label": e.label, "value": str(e.run_dir)} for e in list_entries(self.out_root)]

    # -- export -----------------------------------------------------------------------

    def _in_worker(self, discard: Any, function: Any, run_dir: Path, *args: Any) -> Path:
        """``function(run_dir, *args)`` in a worker process; if the export is cancelled,
        ``discard(run_dir)`` removes what the killed worker left half-written."""
        from zsa_sim.web.jobs import CallCancelled

        try:
            return Path(self.jobs.call(function, run_dir, *args))
        except CallCancelled:
            discard(run_dir)
            raise

    def cancel_export(self) -> int:
        """Stop the file being made (the report or the event log); how many were stopped.
        The waiting :meth:`export` raises :class:`~zsa_sim.web.jobs.CallCancelled`."""
        return self.jobs.cancel_calls()

    def export(self, what: str, run_dir: Path, lang: Lang) -> Path:
        """The file to download: report.html, the Excel workbook, the scenario version or
        the event log (simulated in a worker process if the run has none yet)."""
        run_dir = Path(run_dir)
        if what == "eventlog":
            from zsa_sim.web import eventlog

            if eventlog.eventlog_path(run_dir).is_file():
                return eventlog.eventlog_path(run_dir)
            return self._in_worker(
                eventlog.discard_partial, eventlog.write_eventlog, run_dir, self.workers
            )
        if what == "html":
            from zsa_sim.report.build import discard_partial

            # tens of CPU seconds for the pilot (the charts): in a worker process, so
            # the server's threads keep answering the page meanwhile
            return self._in_worker(discard_partial, report_file, run_dir, lang)
        if what == "excel":
            return _excel(run_dir, lang)
        if what == "yaml":
            path = read_entry(run_dir).scenario_file
            if path is None:
                raise ZsaError(f"{run_dir}: the run kept no scenario file in inputs/")
            return path
        raise ValueError(what)


def poll_interval(status: JobStatus) -> int:
    """Milliseconds to the page's next look at a run: slow while replications are
    simulated and more than :data:`POLL_NEAR_END` seconds are left (or none can be
    estimated yet), fast otherwise."""
    if status.phase == "simulate" and (status.eta is None or status.eta > POLL_NEAR_END):
        return POLL_SLOW
    return POLL_FAST


def with_language(search: str | None, lang: Lang) -> str:
    """The URL's query with ``lang=`` set (other parameters kept), for reloads and links."""
    from urllib.parse import parse_qsl, urlencode

    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != "lang"]
    return "?" + urlencode([*pairs, ("lang", lang)])


def answer_rows(run_dir: Path, lang: Lang) -> list[dict[str, str]]:
    """The conclusion table: one row per municipality (and the ZSA) and treatment."""
    return [_row(r, lang) for r in conclusion(Path(run_dir), lang)]


def report_file(run_dir: Path, lang: Lang) -> Path:
    """Draw the run's charts and ``report.html`` (as ``zsa-sim report``); its path."""
    from zsa_sim.report import build_report

    return Path(build_report(Path(run_dir), lang=lang).report)


def _excel(run_dir: Path, lang: Lang) -> Path:
    """The report's Excel workbook of the run (``kpis.xlsx``)."""
    from zsa_sim.report.excel import write_excel

    return Path(write_excel(run_dir, lang))


def _row(row: ConclusionRow, lang: Lang) -> dict[str, str]:
    central = row.central
    before, after = row.staff
    return {
        "variant": variant_label(row.treatment, lang),
        "municipality": t("central_unit", lang) if central else row.name,
        "conclusion": "–" if central else headline(row, lang),
        "lead_time_mean": cell_text(row.cells.get("lead_time_mean"), lang),
        "waiting_time_p90": cell_text(row.cells.get("waiting_time_p90"), lang),
        "cost": cell_text(row.cells.get("cost"), lang),
        "staff": f"{number(before, lang, 2)} → {number(after, lang, 2)}",
        "verdicts": "\n".join(row.verdicts),
    }


def form_values(
    name: Any,
    municipalities: Any,
    services: Any,
    zsa_staff: Any,
    zsa_teams: Any,
    staff: Any,
    volume_values: list[Any],
    volume_ids: list[dict[str, str]],
    handover: Any,
    effort: Any,
    replications: Any,
) -> FormValues:
    """The callback's State values as :class:`FormValues`."""
    return FormValues(
        name=name,
        municipalities=municipalities,
        services=services,
        zsa_staff=zsa_staff,
        zsa_teams=zsa_teams or [],
        staff=staff or [],
        volume={i["service"]: v for i, v in zip(volume_ids, volume_values, strict=True)},
        handover=handover,
        effort=effort,
        replications=replications,
    )


def form_outputs(whatif: WhatIf) -> tuple[Any, ...]:
    """The form fields' values for a what-if (order of the fill callback's outputs)."""
    shown = form_display(whatif, whatif.name)
    return (
        shown.municipalities,
        shown.services,
        shown.zsa_staff,
        shown.zsa_teams,
        shown.handover,
        shown.effort,
        shown.replications,
        shown.staff,
        list(shown.volume.values()),
    )


def register(app: Any, bench: Workbench) -> None:
    """Connect the page's ids to the workbench's functions."""
    from zsa_sim.web import wiring

    wiring.connect(app, bench)
