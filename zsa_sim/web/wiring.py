"""The Dash callbacks: element ids in, :class:`~zsa_sim.web.callbacks.Workbench` calls out.

Nothing here decides anything; each callback reads the page's values, calls one function
of the workbench and puts the result back on the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import ALL, Input, Output, State, ctx, dash_table, dcc, html, no_update

from zsa_sim.errors import ZsaError
from zsa_sim.report.i18n import kpi_label
from zsa_sim.web.app import LANG_COOKIE
from zsa_sim.web.callbacks import (
    EXPORTS,
    POLL_FAST,
    Workbench,
    answer_rows,
    form_outputs,
    form_values,
    poll_interval,
    with_language,
)
from zsa_sim.web.charts import kpi_figure, process_map_figure
from zsa_sim.web.jobs import CallCancelled
from zsa_sim.web.layout import (
    BUTTON,
    TABLE_STYLE,
    View,
    comparison_view,
    staff_table,
    team_table,
)
from zsa_sim.web.runs import read_entry
from zsa_sim.web.texts import t

_FORM_STATE = [
    State("f-name", "value"),
    State("f-municipalities", "value"),
    State("f-services", "value"),
    State("f-zsa-staff", "value"),
    State("f-zsa-teams", "data"),
    State("f-staff", "data"),
    State({"type": "f-volume", "service": ALL}, "value"),
    State({"type": "f-volume", "service": ALL}, "id"),
    State("f-handover", "value"),
    State("f-effort", "value"),
    State("f-replications", "value"),
]
_ANSWER_KPIS = ("lead_time_mean", "waiting_time_p90", "utilisation")


def clicked() -> bool:
    """Whether a button was really clicked.

    Dash also calls a callback whose buttons were just drawn anew (the language switch
    redraws the page) when some of its outputs lie outside the redrawn part, despite
    ``prevent_initial_call``; the new buttons then have no clicks.
    """
    return any(trigger.get("value") for trigger in ctx.triggered)


def no_map(text: str) -> dict[str, Any]:
    """An empty figure that says why (plotly.js 3 shows a title only as ``{"text": ...}``,
    and empty axes would look like a map that failed to load)."""
    hidden = {"visible": False}
    return {"data": [], "layout": {"title": {"text": text}, "xaxis": hidden, "yaxis": hidden}}


def connect(app: Any, bench: Workbench) -> None:
    """Register every callback of the page."""

    @app.callback(
        Output("f-municipalities", "value"),
        Output("f-services", "value"),
        Output("f-zsa-staff", "value"),
        Output("f-zsa-teams", "data"),
        Output("f-handover", "value"),
        Output("f-effort", "value"),
        Output("f-replications", "value"),
        Output("f-staff", "data"),
        Output({"type": "f-volume", "service": ALL}, "value"),
        Input("f-variant", "value"),
        Input("b-reset", "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,  # the page is drawn with the form filled in
    )
    def fill(variant: str | None, _reset: int | None, lang: str) -> tuple[Any, ...]:
        out = list(form_outputs(bench.form_start(variant)))
        out[3] = team_table(out[3], lang)
        out[7] = staff_table(out[7], bench.scenario, lang)
        return tuple(out)

    @app.callback(
        Output("root", "children"),
        Output("lang", "data"),
        Output("url", "search"),
        Input("lang-switch", "n_clicks"),
        State("lang", "data"),
        State("url", "search"),
        State("tabs", "value"),
        State("f-variant", "value"),
        State("answer-run", "value"),
        State("runs-pick", "value"),
        State("runs-kpi", "value"),
        State("map-service", "value"),
        State("runs-compared", "data"),
        *_FORM_STATE,
        prevent_initial_call=True,
    )
    def switch_language(
        _n: Any,
        lang: str,
        search: str | None,
        tab: str,
        variant: str | None,
        run: str | None,
        picked: list[str] | None,
        kpi: str,
        service: str | None,
        compared: dict[str, Any] | None,
        *state: Any,
    ) -> Any:
        if not clicked():
            return no_update, no_update, no_update
        new = "en" if lang == "de" else "de"
        view = View(
            tab=tab,
            variant=variant,
            form=form_values(*state),
            answer_run=run,
            runs_picked=tuple(picked or ()),
            runs_kpi=kpi,
            map_service=service,
            compared=compared,
        )
        # the next page load (a reload, a new tab) opens in the chosen language too
        ctx.response.set_cookie(LANG_COOKIE, new, samesite="Strict")
        return bench.page_body(new, view), new, with_language(search, new)

    @app.callback(
        Output("msg", "children"),
        Output("job", "data"),
        Output("poll", "disabled"),
        Input("b-check", "n_clicks"),
        Input("b-run", "n_clicks"),
        State("f-variant", "value"),
        State("lang", "data"),
        *_FORM_STATE,
        prevent_initial_call=True,
    )
    def check_or_run(_c: Any, _r: Any, variant: str | None, lang: str, *state: Any) -> Any:
        if not clicked():
            return no_update, no_update, no_update
        form = form_values(*state)
        if ctx.triggered_id == "b-check":
            return bench.check_message(variant, form, lang), no_update, no_update
        try:
            job = bench.start_run(variant, form)
        except ZsaError as err:
            return f"✗ {err}", no_update, no_update
        return "", job, False

    @app.callback(
        Output("msg", "children", allow_duplicate=True),
        Input("b-cancel", "n_clicks"),
        State("job", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def cancel(_n: Any, job: str | None, lang: str) -> Any:
        if not job:
            return no_update
        status = bench.jobs.cancel(job)
        return bench.progress_text(status, lang)

    @app.callback(
        Output("progress", "value"),
        Output("progress-text", "children"),
        Output("poll", "disabled", allow_duplicate=True),
        Output("answer-run", "options"),
        Output("answer-run", "value"),
        Output("runs-pick", "options"),
        Output("runs-pick", "value"),
        Output("tabs", "value"),
        Output("f-name", "value"),
        Output("poll", "interval"),
        Input("poll", "n_intervals"),
        State("job", "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def poll(_n: Any, job: str | None, lang: str) -> Any:
        if not job:
            return (no_update,) * 2 + (True,) + (no_update,) * 7
        status = bench.jobs.status(job)
        text = bench.progress_text(status, lang)
        if not status.finished:
            return str(status.fraction), text, False, *(no_update,) * 6, poll_interval(status)
        if status.state != "done":
            return "0", text, True, *(no_update,) * 7
        options = bench.run_options()
        return (
            "1",
            text,
            True,
            options,
            status.run_dir,
            options,
            # the new run and the one before it, ready to be put side by side
            [o["value"] for o in options[:2]],
            "answer",
            bench.next_name(status.name),
            POLL_FAST,
        )

    @app.callback(
        Output("answer", "children"),
        Input("answer-run", "value"),
        State("lang", "data"),
    )
    def answer(run_dir: str | None, lang: str) -> Any:
        if not run_dir:
            return html.P(t("web.answer.none", lang))
        try:
            entry = read_entry(Path(run_dir))
            rows = answer_rows(Path(run_dir), lang)
        except ZsaError as err:
            return html.P(f"✗ {err}")
        columns = [
            ("variant", t("web.col.variant", lang)),
            ("municipality", t("municipality", lang)),
            ("conclusion", t("web.col.conclusion", lang)),
            ("lead_time_mean", kpi_label("lead_time_mean", lang)),
            ("waiting_time_p90", kpi_label("waiting_time_p90", lang)),
            ("cost", t("web.col.cost", lang)),
            ("staff", t("web.col.staff", lang)),
        ]
        verdicts = [
            html.Details([
                html.Summary(f"{row['municipality']} ({row['variant']})"),
                html.Ul([html.Li(line) for line in row["verdicts"].splitlines()]),
            ], open=True)
            for row in rows
            if row["verdicts"]
        ]
        return [
            html.H3(f"{entry.name} · {entry.stamp}"),
            html.P(entry.description, style={"color": "#555"}),
            html.H4(t("web.answer.conclusion", lang)),
            dash_table.DataTable(
                id="conclusion",
                data=rows,
                columns=[{"name": name, "id": key} for key, name in columns],
                **TABLE_STYLE,
            ),
            # the key charts right under the table; the verdicts (several lines per
            # municipality) after them, so the charts are not pushed out of sight. The
            # charts come in a request of their own: the conclusion and the verdicts are
            # on the screen first, while the browser still draws the charts
            html.H4(t("web.answer.charts", lang)),
            html.Div(html.P(t("web.answer.drawing", lang)), id="answer-charts"),
            html.H4(t("web.col.verdicts", lang)),
            html.Div(verdicts, id="verdicts", style={"fontSize": "13px"}),
        ]

    @app.callback(
        Output("answer-charts", "children"),
        Input("answer-charts", "id"),  # drawn with each answer
        State("answer-run", "value"),
        State("lang", "data"),
    )
    def answer_charts(_id: Any, run_dir: str | None, lang: str) -> Any:
        if not run_dir:
            return []
        try:
            figures = [kpi_figure(Path(run_dir), kpi, lang) for kpi in _ANSWER_KPIS]
        except ZsaError as err:
            return html.P(f"✗ {err}")
        return [dcc.Graph(figure=f, config={"displaylogo": False}) for f in figures]

    @app.callback(
        Output("runs-compared", "data"),
        Input("b-compare", "n_clicks"),
        State("runs-pick", "value"),
        State("runs-kpi", "value"),
        prevent_initial_call=True,
    )
    def compare(_n: Any, picked: list[str] | None, kpi: str) -> Any:
        if not clicked():
            return no_update
        # what is compared is kept in the page: a language switch draws it again
        return {"runs": list(picked or []), "kpi": kpi}

    @app.callback(
        Output("runs-compare", "children"),
        Input("runs-compared", "data"),
        State("lang", "data"),
    )
    def draw_comparison(compared: dict[str, Any] | None, lang: str) -> Any:
        if not compared:
            return []
        try:
            return comparison_view(compared.get("runs") or [], compared.get("kpi"), lang)
        except ZsaError as err:
            return html.P(f"✗ {err}")

    @app.callback(
        Output("download", "data"),
        Output("x-msg", "children"),
        Input("x-html", "n_clicks"),
        Input("x-excel", "n_clicks"),
        Input("x-yaml", "n_clicks"),
        Input("x-eventlog", "n_clicks"),
        State("answer-run", "value"),
        State("lang", "data"),
        prevent_initial_call=True,
        # while a file is made (the report, the workbook, the event log: seconds), the
        # page says so and the export buttons wait
        running=[
            (Output("x-busy", "style"), {"display": "inline"}, {"display": "none"}),
            (Output("x-msg", "style"), {"display": "none"}, {"display": "inline"}),
            (Output("x-cancel", "style"), {**BUTTON, "display": "inline"}, {"display": "none"}),
            *((Output(f"x-{what}", "disabled"), True, False) for what in EXPORTS),
        ],
    )
    def export(_h: Any, _e: Any, _y: Any, _l: Any, run_dir: str | None, lang: str) -> Any:
        if not clicked():
            return no_update, no_update
        if not run_dir:
            return no_update, t("web.answer.none", lang)
        what = str(ctx.triggered_id).removeprefix("x-")
        try:
            path = bench.export(what, Path(run_dir), lang)
        except CallCancelled:
            return no_update, t("web.export.cancelled", lang)
        except ZsaError as err:
            return no_update, f"✗ {err}"
        return dcc.send_file(str(path)), f"✓ {path}"

    @app.callback(
        Output("x-cancelled", "data"),
        Input("x-cancel", "n_clicks"),
        prevent_initial_call=True,
    )
    def cancel_export(_c: Any) -> Any:
        if not clicked():
            return no_update
        return bench.cancel_export()

    @app.callback(
        Output("map", "figure"),
        Input("map-service", "value"),
        Input("f-services", "value"),
        Input("f-municipalities", "value"),
        State("lang", "data"),
    )
    def process_map(service: str, services: Any, municipalities: Any, lang: str) -> Any:
        central = bool(municipalities) and service in (services or [])
        figure = process_map_figure(bench.scenario, service, central, lang)
        if figure is None:
            return no_map(t("web.maps.none", lang))
        return figure
