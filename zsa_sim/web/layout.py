"""The page: header with language switch, and five tabs (scenario, maps, what-if, answer,
earlier runs). Built per page load, so the language (``?lang=en``) and the list of runs
are current; element ids are the contract with :mod:`zsa_sim.web.callbacks` and the
browser test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zsa_sim.experiment.formatting import Lang
from zsa_sim.report.i18n import kpi_label, role_label, variant_label
from zsa_sim.scenario import Scenario
from zsa_sim.web.form import next_version_name, staff_rows, team_rows
from zsa_sim.web.runs import RunEntry
from zsa_sim.web.texts import t
from zsa_sim.web.whatif import WhatIf, whatif_of, zsa_variants

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


def page(scenario: Scenario, out_root: Path, entries: list[RunEntry], lang: Lang) -> Any:
    """The whole page for one language."""
    html, dcc, _ = _html()
    base = whatif_of(scenario)
    other = "en" if lang == "de" else "de"
    return html.Div(
        style=PAGE,
        children=[
            dcc.Store(id="lang", data=lang),
            dcc.Store(id="job"),
            dcc.Interval(id="poll", interval=400, disabled=True),
            html.Div(
                style={
                    "display": "flex",
                    "justifyContent": "space-between",
                    "alignItems": "baseline",
                },
                children=[
                    html.H2(t("web.title", lang)),
                    html.A(
                        other.upper(),
                        id="lang-switch",
                        href=f"?lang={other}",
                        title="Deutsch / English",
                    ),
                ],
            ),
            html.P(t("web.synthetic", lang), style={"color": "#a33", "marginTop": 0}),
            status_bar(),
            dcc.Tabs(
                id="tabs",
                value="whatif",
                children=[
                    dcc.Tab(
                        label=t("web.tab.scenario", lang),
                        value="scenario",
                        children=scenario_tab(scenario, lang),
                    ),
                    dcc.Tab(
                        label=t("web.tab.maps", lang),
                        value="maps",
                        children=maps_tab(scenario, lang),
                    ),
                    dcc.Tab(
                        label=t("web.tab.whatif", lang),
                        value="whatif",
                        children=whatif_tab(scenario, base, out_root, lang),
                    ),
                    dcc.Tab(
                        label=t("web.tab.answer", lang),
                        value="answer",
                        children=answer_tab(entries, lang),
                    ),
                    dcc.Tab(
                        label=t("web.tab.runs", lang),
                        value="runs",
                        children=runs_tab(entries, lang),
                    ),
                ],
            ),
        ],
    )


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
            "staff": ", ".join(f"{role_label(r, lang)} {v:g}" for r, v in m.staff.items()),
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


def maps_tab(scenario: Scenario, lang: Lang) -> list[Any]:
    """A service picker and the BPMN map with centralisable tasks marked."""
    html, dcc, _ = _html()
    services = list(scenario.services)
    return [
        html.P(t("web.maps.note", lang)),
        dcc.Dropdown(
            id="map-service",
            options=services,
            value=services[0],
            clearable=False,
            style={"width": "300px"},
        ),
        dcc.Graph(id="map", config={"displaylogo": False}),
    ]


def whatif_tab(scenario: Scenario, base: WhatIf, out_root: Path, lang: Lang) -> list[Any]:
    """The form: every lever, then Check / Run / Cancel / Reset and the progress."""
    html, dcc, dash_table = _html()
    variants = zsa_variants(scenario)
    has_zsa = bool(base.variant)
    pooled = has_zsa and not isinstance(base.zsa_staff, dict)
    number = {"type": "number", "debounce": True, "style": {"width": "110px"}}
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
                            value=next_version_name(scenario.name, out_root),
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
                        dcc.Input(id="f-replications", min=1, step=1, **number),
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
                        dcc.Input(id="f-zsa-staff", min=0, step=0.25, **number),
                    ],
                    style={**FIELD, "display": "inline-block" if pooled else "none"},
                ),
                html.Div(
                    dash_table.DataTable(
                        id="f-zsa-teams",
                        data=team_rows(base),
                        editable=True,
                        columns=[
                            {"name": t("team", lang), "id": "team", "editable": False},
                            {"name": t("web.form.zsa_staff", lang), "id": "fte", "type": "numeric"},
                        ],
                        **TABLE_STYLE,
                    ),
                    style={**FIELD, "display": "none" if pooled else "inline-block"},
                ),
                html.Label(
                    [
                        t("web.form.handover", lang),
                        html.Br(),
                        dcc.Input(id="f-handover", min=0, step=0.01, **number),
                    ],
                    style=FIELD,
                ),
                html.Label(
                    [
                        t("web.form.effort", lang),
                        html.Br(),
                        dcc.Input(id="f-effort", min=0.05, step=0.05, **number),
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
                                    min=0.05,
                                    step=0.1,
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
                html.P(t("web.form.staff_note", lang), style={"fontSize": "12px", "color": "#555"}),
                dash_table.DataTable(
                    id="f-staff",
                    data=staff_rows(base),
                    editable=True,
                    columns=[
                        {"name": t("municipality", lang), "id": "municipality", "editable": False},
                        {"name": t("web.col.role", lang), "id": "role", "editable": False},
                        {"name": t("web.col.fte_base", lang), "id": "base", "type": "numeric"},
                        {"name": t("web.col.fte_with", lang), "id": "with", "type": "numeric"},
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


def status_bar() -> Any:
    """Above the tabs, so it is seen from every tab: check messages and run progress."""
    html, _, _ = _html()
    return html.Div(
        style={"minHeight": "48px"},
        children=[
            html.Div(id="msg", style={"margin": "6px 0", "whiteSpace": "pre-wrap"}),
            html.Progress(id="progress", value="0", max="1", style={"width": "100%"}),
            html.Div(id="progress-text", style={"fontSize": "13px", "color": "#333"}),
        ],
    )


def answer_tab(entries: list[RunEntry], lang: Lang) -> list[Any]:
    """The chosen run's answer: conclusion table, verdicts, charts, export."""
    html, dcc, _ = _html()
    return [
        html.Div(
            [
                html.Label(t("web.answer.run", lang) + " "),
                dcc.Dropdown(
                    id="answer-run",
                    options=run_options(entries),
                    value=str(entries[0].run_dir) if entries else None,
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
                html.Span(id="x-msg"),
                dcc.Download(id="download"),
            ],
        ),
    ]


def runs_tab(entries: list[RunEntry], lang: Lang) -> list[Any]:
    """Earlier runs: pick two or more and a KPI; a table and a chart side by side."""
    html, dcc, _ = _html()
    return [
        html.P(t("web.runs.pick", lang)),
        dcc.Checklist(
            id="runs-pick", options=run_options(entries), value=[], labelStyle={"display": "block"}
        ),
        html.Div(
            [
                html.Label(t("web.runs.kpi", lang) + " "),
                dcc.Dropdown(
                    id="runs-kpi",
                    options=[{"label": kpi_label(k, lang), "value": k} for k in CHART_KPIS],
                    value="lead_time_mean",
                    clearable=False,
                    style={"width": "300px"},
                ),
                html.Button(t("web.button.compare", lang), id="b-compare", style=BUTTON),
            ],
            style={"margin": "10px 0"},
        ),
        html.Div(id="runs-compare"),
    ]
