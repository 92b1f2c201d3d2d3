"""The page: header with language switch, and five tabs (scenario, maps, what-if, answer,
earlier runs). Built per page load, so the language (``?lang=en``, or the one chosen
before) and the list of runs are current; the language switch redraws the body in place
from a :class:`View` of what the browser shows, so nothing typed is lost. Element ids are
the contract with :mod:`zsa_sim.web.wiring` and the browser test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.i18n import kpi_label, role_label, variant_label
from zsa_sim.scenario import Scenario
from zsa_sim.web.callbacks import POLL_FAST
from zsa_sim.web.form import FormValues, form_display, next_version_name, staff_text
from zsa_sim.web.runs import RunEntry
from zsa_sim.web.texts import t
from zsa_sim.web.whatif import WhatIf, is_ramp, level_of, whatif_of, zsa_variants

PAGE = {
    "fontFamily": "system-ui, sans-serif",
    "margin": "0 auto",
    "maxWidth": "1200px",
    "padding": "0 16px",
    "color": "#222",
}
BOX = {
    "border": "1px solid #ddd",
    "borderRadius": "6px",
    "padding": "10px 14px",
    "margin": "10px 0",
}
FIELD = {"display": "inline-block", "verticalAlign": "top", "margin": "6px 24px 6px 0"}
BUTTON = {"marginRight": "8px", "padding": "6px 14px"}
#: a button that looks like a link (the language switch)
LINK = {
    "border": "none",
    "background": "none",
    "color": "#0645ad",
    "textDecoration": "underline",
    "cursor": "pointer",
    "fontSize": "15px",
}
TABLE_STYLE: dict[str, Any] = {
    "style_cell": {
        "fontFamily": "system-ui, sans-serif",
        "fontSize": "13px",
        "textAlign": "left",
        "whiteSpace": "normal",
        "height": "auto",
    },
    "style_header": {"fontWeight": "bold", "backgroundColor": "#f3f3f3"},
}
#: KPIs offered for charts and side-by-side comparison
CHART_KPIS = (
    "lead_time_mean",
    "lead_time_p90",
    "waiting_time_mean",
    "waiting_time_p90",
    "utilisation",
)


def _html() -> Any:
    from dash import dash_table, dcc, html

    return html, dcc, dash_table


def run_options(entries: list[RunEntry]) -> list[dict[str, str]]:
    """Dropdown/checklist options for runs: label '<version> · <stamp>', value the path."""
    return [{"label": e.label, "value": str(e.run_dir)} for e in entries]


@dataclass(frozen=True)
class View:
    """What the user has on the page besides the language: kept when it switches.

    The language switch redraws the page in place (no reload) from the values the
    browser has, so unsaved form edits, the open tab and the chosen run stay.
    """

    tab: str = "whatif"
    #: the variant whose ZSA the form edits (None: the scenario's first with a ZSA)
    variant: str | None = None
    #: the form's fields as the browser has them (None: the scenario's values)
    form: FormValues | None = None
    answer_run: str | None = None
    runs_picked: tuple[str, ...] = ()
    runs_kpi: str = "lead_time_mean"
    map_service: str | None = None
    #: the comparison drawn ({"runs": [...], "kpi": ...}; None: none drawn yet)
    compared: dict[str, Any] | None = None


def page(scenario: Scenario, out_root: Path, entries: list[RunEntry], lang: Lang) -> Any:
    """The whole page for one language: stores and the redrawable body."""
    html, dcc, _ = _html()
    return html.Div(
        style=PAGE,
        children=[
            dcc.Store(id="lang", data=lang),
            dcc.Store(id="job"),
            dcc.Interval(id="poll", interval=POLL_FAST, disabled=True),
            dcc.Location(id="url", refresh=False),
            html.Div(id="root", children=body(scenario, out_root, entries, lang, View())),
        ],
    )


def body(
    scenario: Scenario, out_root: Path, entries: list[RunEntry], lang: Lang, view: View
) -> list[Any]:
    """Header, status bar and the five tabs, showing ``view``."""
    html, dcc, _ = _html()
    base = whatif_of(scenario, view.variant)
    form = view.form or form_display(base, next_version_name(scenario.name, out_root))
    other = "en" if lang == "de" else "de"
    return [
        html.Div(
            style={
                "display": "flex",
                "justifyContent": "space-between",
                "alignItems": "baseline",
            },
            children=[
                html.H2(t("web.title", lang)),
                html.Button(
                    other.upper(),
                    id="lang-switch",
                    title=t("web.lang_switch", lang),
                    style=LINK,
                ),
            ],
        ),
        html.P(t("web.synthetic", lang), style={"color": "#a33", "marginTop": 0}),
        status_bar(),
        dcc.Tabs(
            id="tabs",
            value=view.tab,
            children=[
                dcc.Tab(
                    label=t("web.tab.scenario", lang),
                    value="scenario",
                    children=scenario_tab(scenario, lang),
                ),
                dcc.Tab(
                    label=t("web.tab.maps", lang),
                    value="maps",
                    children=maps_tab(scenario, lang, view.map_service),
                ),
                dcc.Tab(
                    label=t("web.tab.whatif", lang),
                    value="whatif",
                    children=whatif_tab(scenario, base, form, lang),
                ),
                dcc.Tab(
                    label=t("web.tab.answer", lang),
                    value="answer",
                    children=answer_tab(entries, lang, view.answer_run),
                ),
                dcc.Tab(
                    label=t("web.tab.runs", lang),
                    value="runs",
                    children=runs_tab(entries, lang, view),
                ),
            ],
        ),
    ]


def _table(
    table_id: str, rows: list[dict[str, Any]], columns: list[tuple[str, str]], **extra: Any
) -> Any:
    _, _, dash_table = _html()
    return dash_table.DataTable(
        id=table_id,
        data=rows,
        columns=[{"name": name, "id": key} for key, name in columns],
        **TABLE_STYLE,
        **extra,
    )


def scenario_tab(scenario: Scenario, lang: Lang) -> list[Any]:
    """What the scenario holds: file, period, municipalities, services, variants."""
    html, _, _ = _html()
    p = scenario.period
    municipalities = [
        {
            "key": key,
            "name": m.name or key,
            "population": f"{m.population:,}".replace(",", "." if lang == "de" else ","),
            "services": ", ".join(m.services),
            "staff": ", ".join(
                f"{role_label(r, lang)} {staff_text(level_of(v))}" for r, v in m.staff.items()
            ),
        }
        for key, m in scenario.municipalities.items()
    ]
    services = [
        {"key": key, "bpmn": Path(str(s.bpmn)).name, "cases": f"{s.cases_per_1000:g}"}
        for key, s in scenario.services.items()
    ]
    variants = [
        {"key": variant_label(key, lang), "description": v.description}
        for key, v in scenario.variants.items()
    ]
    return [
        html.Div(
            style=BOX,
            children=[
                html.P(f"{t('web.scenario.file', lang)}: {scenario.source}"),
                html.P(
                    f"{t('web.scenario.period', lang)}: {p.start}, {p.days} {t('web.days', lang)}; "
                    f"{t('web.form.replications', lang)}: {scenario.replications}; "
                    f"{t('web.form.seed', lang)}: {scenario.seed}"
                ),
                html.P(scenario.description),
            ],
        ),
        html.H4(t("municipalities", lang).capitalize()),
        _table(
            "sc-municipalities",
            municipalities,
            [
                ("key", t("web.col.key", lang)),
                ("name", t("web.col.name", lang)),
                ("population", t("web.col.population", lang)),
                ("services", t("web.col.services", lang)),
                ("staff", t("web.col.staff", lang)),
            ],
        ),
        html.H4(t("web.scenario.services", lang)),
        _table(
            "sc-services",
            services,
            [
                ("key", t("web.col.key", lang)),
                ("bpmn", t("web.col.bpmn", lang)),
                ("cases", t("web.col.volume", lang)),
            ],
        ),
        html.H4(t("web.scenario.variants", lang)),
        _table(
            "sc-variants",
            variants,
            [
                ("key", t("web.col.variant", lang)),
                ("description", t("web.col.description", lang)),
            ],
        ),
    ]


def maps_tab(scenario: Scenario, lang: Lang, service: str | None = None) -> list[Any]:
    """A service picker and the BPMN map with centralisable tasks marked."""
    html, dcc, _ = _html()
    services = list(scenario.services)
    return [
        html.P(t("web.maps.note", lang)),
        dcc.Dropdown(
            id="map-service",
            options=services,
            value=service if service in services else services[0],
            clearable=False,
            style={"width": "300px"},
        ),
        dcc.Graph(id="map", config={"displaylogo": False}),
    ]


def whatif_tab(scenario: Scenario, base: WhatIf, form: FormValues, lang: Lang) -> list[Any]:
    """The form showing ``form``: every lever, then Check / Run / Cancel / Reset."""
    html, dcc, dash_table = _html()
    variants = zsa_variants(scenario)
    has_zsa = bool(base.variant)
    pooled = has_zsa and not isinstance(base.zsa_staff, dict)
    number = {"type": "number", "debounce": True, "style": {"width": "140px"}}
    # staff fields are text: a number, a ramp's steps "DATE: FTE; ..." or a factor "×1.5"
    ramp = any(is_ramp(v) for v in _levels(base))
    staff_width = "360px" if ramp else "110px"
    return [
        html.Div(
            style=BOX,
            children=[
                html.Label(
                    [
                        t("web.form.name", lang),
                        html.Br(),
                        dcc.Input(
                            id="f-name",
                            type="text",
                            debounce=True,
                            value=form.name,
                        ),
                    ],
                    style=FIELD,
                ),
                html.Label(
                    [
                        t("web.form.variant", lang),
                        html.Br(),
                        dcc.Dropdown(
                            id="f-variant",
                            options=[
                                {"label": variant_label(v, lang), "value": v} for v in variants
                            ],
                            value=base.variant or None,
                            clearable=False,
                            style={"width": "220px"},
                        ),
                    ],
                    style=FIELD,
                ),
                html.Label(
                    [
                        t("web.form.replications", lang),
                        html.Br(),
                        dcc.Input(
                            id="f-replications", min=1, step=1, value=form.replications, **number
                        ),
                    ],
                    style=FIELD,
                ),
            ],
        ),
        html.Div(
            style={**BOX, "display": "block" if has_zsa else "none"},
            children=[
                html.Label(
                    [
                        t("web.form.municipalities", lang),
                        dcc.Checklist(
                            id="f-municipalities",
                            options=[
                                {"label": f" {m.name or k}", "value": k}
                                for k, m in scenario.municipalities.items()
                            ],
                            value=list(form.municipalities or []),
                            inline=True,
                            inputStyle={"marginLeft": "12px"},
                        ),
                    ],
                    style=FIELD,
                ),
                html.Br(),
                html.Label(
                    [
                        t("web.form.services", lang),
                        dcc.Checklist(
                            id="f-services",
                            options=[{"label": f" {k}", "value": k} for k in scenario.services],
                            value=list(form.services or []),
                            inline=True,
                            inputStyle={"marginLeft": "12px"},
                        ),
                    ],
                    style=FIELD,
                ),
                html.Br(),
                html.Label(
                    [
                        t("web.form.zsa_staff", lang),
                        html.Br(),
                        dcc.Input(
                            id="f-zsa-staff",
                            type="text",
                            debounce=True,
                            value=form.zsa_staff,
                            style={"width": staff_width},
                        ),
                    ],
                    style={**FIELD, "display": "inline-block" if pooled else "none"},
                ),
                html.Div(
                    dash_table.DataTable(
                        id="f-zsa-teams",
                        data=team_table(form.zsa_teams, lang),
                        editable=True,
                        columns=[
                            {"name": t("team", lang), "id": "t_name", "editable": False},
                            {"name": t("web.form.zsa_staff", lang), "id": "fte", "type": "text"},
                        ],
                        **TABLE_STYLE,
                    ),
                    style={**FIELD, "display": "none" if pooled else "inline-block"},
                ),
                html.Label(
                    [
                        t("web.form.handover", lang),
                        html.Br(),
                        dcc.Input(
                            id="f-handover", min=0, step=0.01, value=form.handover, **number
                        ),
                    ],
                    style=FIELD,
                ),
                html.Label(
                    [
                        t("web.form.effort", lang),
                        html.Br(),
                        dcc.Input(
                            id="f-effort", min=0.05, step=0.05, value=form.effort, **number
                        ),
                    ],
                    style=FIELD,
                ),
            ],
        ),
        html.Div(
            style=BOX,
            children=[
                html.Label(t("web.form.volume", lang)),
                html.Div(
                    [
                        html.Label(
                            [
                                f"{s} ",
                                dcc.Input(
                                    id={"type": "f-volume", "service": s},
                                    min=0,  # 0 is refused with the scenario's message
                                    step=0.1,
                                    value=form.volume.get(s),
                                    **number,
                                ),
                            ],
                            style=FIELD,
                        )
                        for s in scenario.services
                    ]
                ),
            ],
        ),
        html.Div(
            style=BOX,
            children=[
                html.Label(t("web.form.staff", lang)),
                html.P(
                    t("web.form.staff_note", lang, ramps=t("web.form.ramp_note", lang)),
                    style={"fontSize": "12px", "color": "#555"},
                ),
                dash_table.DataTable(
                    id="f-staff",
                    data=staff_table(form.staff, scenario, lang),
                    editable=True,
                    columns=[
                        {"name": t("municipality", lang), "id": "m_name", "editable": False},
                        {"name": t("web.col.role", lang), "id": "r_name", "editable": False},
                        {"name": t("web.col.fte_base", lang), "id": "base", "type": "text"},
                        {"name": t("web.col.fte_with", lang), "id": "with", "type": "text"},
                    ],
                    **TABLE_STYLE,
                ),
            ],
        ),
        html.Div(
            [
                html.Button(t("web.button.check", lang), id="b-check", style=BUTTON),
                html.Button(
                    t("web.button.run", lang), id="b-run", style={**BUTTON, "fontWeight": "bold"}
                ),
                html.Button(t("web.button.cancel", lang), id="b-cancel", style=BUTTON),
                html.Button(t("web.button.reset", lang), id="b-reset", style=BUTTON),
            ],
            style={"margin": "10px 0"},
        ),
    ]


def staff_table(rows: Any, scenario: Scenario, lang: Lang) -> list[dict[str, Any]]:
    """The staff table's rows with names to read: 'Halle (Saale)', 'Sachbearbeitung
    (clerk)'; the keys stay in the rows (the form reads them back, messages name them)."""
    names = {k: m.name or k for k, m in scenario.municipalities.items()}
    return [
        {
            **row,
            "m_name": names.get(row["municipality"], row["municipality"]),
            "r_name": _role(row["role"], lang),
        }
        for row in rows
    ]


def team_table(rows: Any, lang: Lang) -> list[dict[str, Any]]:
    """The ZSA team table's rows with the team's name to read."""
    return [{**row, "t_name": _role(row["team"], lang)} for row in rows]


def _role(key: str, lang: Lang) -> str:
    label = role_label(key, lang)
    return label if label == key else f"{label} ({key})"


def _levels(whatif: WhatIf) -> list[Any]:
    """Every staff value of a what-if (to see whether a ramp is among them)."""
    zsa = whatif.zsa_staff
    levels = list(zsa.values()) if isinstance(zsa, dict) else [zsa]
    levels += [v for roles in whatif.staff.values() for v in roles.values()]
    levels += [v for roles in whatif.remaining.values() for v in roles.values()]
    return levels


def status_bar() -> Any:
    """Above the tabs, so it is seen from every tab: check messages and run progress."""
    html, _, _ = _html()
    # sticky: the check's message and the progress stay in view while one scrolls
    # through a long form (the pilot's staff table) to the buttons below it
    return html.Div(
        style={
            "minHeight": "48px",
            "position": "sticky",
            "top": 0,
            "zIndex": 10,
            "background": "white",
            "paddingBottom": "4px",
        },
        children=[
            html.Div(id="msg", style={"margin": "6px 0", "whiteSpace": "pre-wrap"}),
            html.Progress(id="progress", value="0", max="1", style={"width": "100%"}),
            html.Div(id="progress-text", style={"fontSize": "13px", "color": "#333"}),
        ],
    )


def answer_tab(entries: list[RunEntry], lang: Lang, run: str | None = None) -> list[Any]:
    """The chosen run's answer: conclusion table, verdicts, charts, export."""
    html, dcc, _ = _html()
    return [
        html.Div(
            [
                html.Label(t("web.answer.run", lang) + " "),
                dcc.Dropdown(
                    id="answer-run",
                    options=run_options(entries),
                    value=run if run is not None else str(entries[0].run_dir) if entries else None,
                    style={"width": "520px"},
                ),
            ],
            style={"margin": "10px 0"},
        ),
        html.Div(id="answer"),
        html.Div(
            style=BOX,
            children=[
                html.B(t("web.answer.export", lang) + ": "),
                html.Button(t("web.button.html", lang), id="x-html", style=BUTTON),
                html.Button(t("web.button.excel", lang), id="x-excel", style=BUTTON),
                html.Button(t("web.button.yaml", lang), id="x-yaml", style=BUTTON),
                html.Button(t("web.button.eventlog", lang), id="x-eventlog", style=BUTTON),
                # shown while a file is being made (the callback's "running" state)
                html.Span(t("web.export.preparing", lang), id="x-busy", style={"display": "none"}),
                # stops the file being made (the pilot's report takes tens of seconds)
                html.Button(
                    t("web.button.cancel_export", lang),
                    id="x-cancel",
                    style={**BUTTON, "display": "none"},
                ),
                dcc.Store(id="x-cancelled"),
                html.Span(id="x-msg"),
                html.P(t("web.export.note", lang), style={"fontSize": "12px", "color": "#555"}),
                dcc.Download(id="download"),
            ],
        ),
    ]


def runs_tab(entries: list[RunEntry], lang: Lang, view: View | None = None) -> list[Any]:
    """Earlier runs: pick two or more and a KPI; a table and a chart side by side."""
    html, dcc, _ = _html()
    view = view or View()
    return [
        html.P(t("web.runs.pick", lang)),
        dcc.Checklist(
            id="runs-pick",
            options=run_options(entries),
            value=list(view.runs_picked),
            labelStyle={"display": "block"},
        ),
        html.Div(
            [
                html.Label(t("web.runs.kpi", lang) + " "),
                dcc.Dropdown(
                    id="runs-kpi",
                    options=[{"label": kpi_label(k, lang), "value": k} for k in CHART_KPIS],
                    value=view.runs_kpi,
                    clearable=False,
                    style={"width": "300px"},
                ),
                html.Button(t("web.button.compare", lang), id="b-compare", style=BUTTON),
            ],
            style={"margin": "10px 0"},
        ),
        # the comparison drawn last: redrawn from here in the new language after a switch
        dcc.Store(id="runs-compared", data=view.compared),
        html.Div(id="runs-compare"),
    ]


def comparison_view(runs: list[str], kpi: str | None, lang: Lang) -> list[Any]:
    """Two or more runs side by side for one KPI: a table and a chart."""
    from zsa_sim.web.charts import compare_figure
    from zsa_sim.web.runs import compare_runs

    html, dcc, dash_table = _html()
    if len(runs) < 2:
        return [html.P(t("web.runs.need_two", lang))]
    kpi = kpi or CHART_KPIS[0]
    paths = [Path(r) for r in runs]
    rows = compare_runs(paths, kpi, lang)
    return [
        dash_table.DataTable(
            id="compare-table",
            data=rows,
            columns=[{"name": c, "id": c} for c in (rows[0] if rows else {})],
            **TABLE_STYLE,
        ),
        dcc.Graph(figure=compare_figure(paths, kpi, lang), config={"displaylogo": False}),
    ]
