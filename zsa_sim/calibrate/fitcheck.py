"""Simulated against observed: the evidence that a calibrated model can be quoted.

``zsa-sim check-fit RUN_DIR LOG`` compares a run's event log (every replication) with
an observed log over the same calendar dates:

- distributions per case: cycle time (arrival to last step) and waiting before the
  first step of work, as quantiles (p10, p50, p90) with the replications' 95 % interval
  and the Wasserstein (earth mover's) distance between observed and simulated values,
  in days: how far, on average, the observed distribution must be moved to match;
- counts: executions of each activity per case, arrivals, completions per week and
  work in progress at each week's end, with the relative error of the simulated mean.

Intervals are 95 % prediction intervals over the replications (where a single further
run falls), because the observed log is itself one run of the office.

Only cases arriving between the observed log's first and last arrival count on either
side, so a simulated warm-up does not distort the comparison. The results go to
``fit.csv`` (one row per measure) and ``fit.html`` (the same look as ``report.html``,
charts inline).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from zsa_sim.calibrate.reader import read_log
from zsa_sim.calibrate.table import CalibrationError, LogTable

WEEK = 7 * 1440.0
QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class CaseView:
    """Per-case times of one log on a common clock (minutes since ``reference``)."""

    arrival: np.ndarray
    first_work: np.ndarray
    last: np.ndarray
    ended: np.ndarray
    activity_counts: dict[str, float]


def _view(table: LogTable, reference: datetime, window: tuple[float, float] | None) -> CaseView:
    offset = (table.epoch - reference).total_seconds() / 60.0
    n = table.n_cases
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    work = np.full(n, np.inf)
    t_any = np.where(np.isnan(table.start), table.end, table.start)
    np.minimum.at(first, table.case, np.where(np.isnan(t_any), np.inf, t_any))
    np.maximum.at(last, table.case, np.where(np.isnan(table.end), -np.inf, table.end))
    is_work = (table.resource > 0) & ~np.isnan(table.start)
    np.minimum.at(work, table.case[is_work], table.start[is_work])
    has_open = np.zeros(n, dtype=bool)
    has_open[table.case[np.isnan(table.end)]] = True
    arrival = first + offset
    keep = np.isfinite(first)
    if window is not None:
        keep &= (arrival >= window[0]) & (arrival <= window[1])
    counts: dict[str, float] = {}
    kept_rows = keep[table.case]
    names = np.array(table.activity_names, dtype=object)
    codes, freq = np.unique(table.activity[kept_rows], return_counts=True)
    cases = max(int(keep.sum()), 1)
    for code, f in zip(codes, freq, strict=True):
        counts[str(names[code])] = f / cases
    return CaseView(
        arrival=arrival[keep],
        first_work=np.where(np.isfinite(work), work + offset, np.nan)[keep],
        last=np.where(np.isfinite(last), last + offset, np.nan)[keep],
        ended=~has_open[keep],
        activity_counts=counts,
    )


def _weekly(view: CaseView, weeks: np.ndarray) -> dict[str, np.ndarray]:
    starts = weeks
    ends = weeks + WEEK
    done = np.where(view.ended, view.last, np.inf)
    return {
        "arrivals per week": np.array(
            [
                np.sum((view.arrival >= a) & (view.arrival < b))
                for a, b in zip(starts, ends, strict=True)
            ]
        ),
        "completions per week": np.array(
            [np.sum((done >= a) & (done < b)) for a, b in zip(starts, ends, strict=True)]
        ),
        "work in progress at week end": np.array(
            [np.sum((view.arrival < b) & (done >= b)) for b in ends]
        ),
    }


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % prediction interval: where one more run (the observed one) falls.

    The observed log is one realisation, so it is compared with the spread of single
    runs, t(n-1) sd sqrt(1 + 1/n), not with the narrower interval of the mean.
    """
    from scipy import stats

    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) * math.sqrt(1 + 1 / n))
    return mean, mean - half, mean + half


@dataclass
class FitRow:
    """One measure: observed, simulated mean with 95 % interval, and a distance."""

    group: str
    measure: str
    observed: float
    mean: float
    low: float
    high: float
    distance: float
    distance_kind: str

    @property
    def inside(self) -> bool:
        """The observed value lies inside the replications' interval."""
        return self.low <= self.observed <= self.high


def compare(
    observed: LogTable, simulated: list[LogTable], unrecorded: frozenset[str] = frozenset()
) -> tuple[list[FitRow], dict]:
    """Fit rows and the series the charts need (``unrecorded``: events to leave out)."""
    from scipy.stats import wasserstein_distance

    reference = observed.epoch
    obs = _view(observed, reference, None)
    window = (float(obs.arrival.min()), float(obs.arrival.max()))
    sims = [_view(s, reference, window) for s in simulated]
    rows: list[FitRow] = []
    charts: dict = {"distributions": {}, "weekly": {}}
    for name, pick in (
        ("cycle time (days)", lambda v: (v.last - v.arrival)[v.ended] / 1440.0),
        ("waiting before first step (days)", lambda v: (v.first_work - v.arrival) / 1440.0),
    ):
        o = pick(obs)
        o = o[np.isfinite(o)]
        s_values = [p[np.isfinite(p)] for p in (pick(v) for v in sims)]
        if not len(o) or not all(len(s) for s in s_values):
            continue
        distance = float(np.mean([wasserstein_distance(o, s) for s in s_values]))
        for q in QUANTILES:
            mean, low, high = _interval(np.array([np.quantile(s, q) for s in s_values]))
            rows.append(
                FitRow(
                    name,
                    f"p{round(q * 100)}",
                    float(np.quantile(o, q)),
                    mean,
                    low,
                    high,
                    distance,
                    "Wasserstein (days)",
                )
            )
        charts["distributions"][name] = (o, s_values)
    activities = sorted(
        (set(obs.activity_counts) | set().union(*[v.activity_counts for v in sims])) - unrecorded
    )
    for activity in activities:
        o = obs.activity_counts.get(activity, 0.0)
        mean, low, high = _interval(np.array([v.activity_counts.get(activity, 0.0) for v in sims]))
        rows.append(
            FitRow(
                "executions per case", activity, o, mean, low, high, _rel(mean, o), "relative error"
            )
        )
    first_week = math.floor(window[0] / WEEK) * WEEK
    weeks = np.arange(first_week, window[1], WEEK)
    o_weekly = _weekly(obs, weeks)
    s_weekly = [_weekly(v, weeks) for v in sims]
    for name, o_series in o_weekly.items():
        per_rep = np.array([w[name] for w in s_weekly], dtype=float)
        mean, low, high = _interval(per_rep.mean(axis=1))
        o_mean = float(o_series.mean())
        rows.append(
            FitRow(
                name,
                "mean over weeks",
                o_mean,
                mean,
                low,
                high,
                _rel(mean, o_mean),
                "relative error",
            )
        )
        charts["weekly"][name] = (weeks, o_series, per_rep)
    charts["reference"] = reference
    return rows, charts


def _rel(simulated: float, observed: float) -> float:
    return (simulated - observed) / observed if observed else math.nan


def _replications(run_dir: Path, service: str | None) -> list[LogTable]:
    log = run_dir / "eventlog.csv.gz"
    if not log.is_file():
        raise CalibrationError(
            "the run has no eventlog.csv.gz (run with --eventlog all)", source=run_dir
        )
    tables = []
    for r in range(1000):
        try:
            tables.append(read_log(log, service=service, replication=r))
        except CalibrationError as err:
            if "no rows" in str(err):
                break
            raise
    if not tables:
        raise CalibrationError("the run's event log has no rows", source=log)
    if len(tables) < 2:
        raise CalibrationError(
            "the run's event log holds one replication: intervals need several; "
            "run with --eventlog all (and -n 5 or more)",
            source=log,
        )
    return tables


def check_fit(
    run_dir: str | Path,
    log: str | Path,
    *,
    out: str | Path | None = None,
    columns: dict[str, str] | None = None,
    service: str | None = None,
    manual_map: dict[str, str] | None = None,
) -> Path:
    """Compare a run with an observed log; write fit.csv and fit.html; the HTML path."""
    run_dir = Path(run_dir)
    observed, unrecorded = _by_bpmn_id(
        read_log(log, columns=columns, service=service), run_dir, manual_map
    )
    simulated = _replications(run_dir, service)
    rows, charts = compare(observed, simulated, unrecorded)
    folder = Path(out) if out else run_dir / "fit"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "fit.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "group",
                "measure",
                "observed",
                "simulated_mean",
                "ci_low",
                "ci_high",
                "distance",
                "distance_kind",
                "inside",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.group,
                    r.measure,
                    _f(r.observed),
                    _f(r.mean),
                    _f(r.low),
                    _f(r.high),
                    _f(r.distance),
                    r.distance_kind,
                    str(r.inside).lower(),
                ]
            )
    page = render(rows, charts, str(log), str(run_dir), len(simulated))
    target = folder / "fit.html"
    target.write_text(page, encoding="utf-8")
    return target


def _by_bpmn_id(
    table: LogTable, run_dir: Path, manual: dict[str, str] | None
) -> tuple[LogTable, frozenset[str]]:
    """Name the observed activities by BPMN id, as the simulated log does.

    The run's inputs hold its BPMN model; with one model, every observed activity is
    matched by id or name (or ``manual``) as in calibration. Unmatched names stay. Also
    returns the model's events the observed log never records (an export of tasks only):
    they are left out of the comparison rather than reported as missing.
    """
    models = sorted((run_dir / "inputs").glob("*.bpmn"))
    if len(models) != 1:
        return table, frozenset()
    from zsa_sim.bpmn import read_bpmn
    from zsa_sim.calibrate.mapping import map_activities
    from zsa_sim.scenario.service_model import ServiceModel

    model = ServiceModel(read_bpmn(models[0]))
    mapping = map_activities(table, model, manual)
    names = [node or name for node, name in zip(mapping.node_of, table.activity_names, strict=True)]
    events = {i for i in model.nodes if i not in model.tasks}
    return replace(table, activity_names=names), frozenset(events - set(mapping.node_of))


def check_scenario(
    scenario: str | Path,
    log: str | Path,
    *,
    replications: int = 5,
    columns: dict[str, str] | None = None,
    manual_map: dict[str, str] | None = None,
) -> Path:
    """Simulate a (calibrated) scenario and compare it with the log it came from."""
    from zsa_sim.experiment.runner import RunOptions, run_experiment

    scenario = Path(scenario)
    outcome = run_experiment(
        scenario,
        RunOptions(
            replications=replications,
            out_root=scenario.parent / "fit-runs",
            report=False,
            eventlog="all",
            xes="none",
        ),
    )
    return check_fit(outcome.run_dir, log, columns=columns, manual_map=manual_map)


def _f(value: float) -> str:
    return "" if value != value else f"{value:.6g}"


# -- HTML -----------------------------------------------------------------------------


def _css() -> str:
    try:  # the report's own style sheet: the fit report looks the same
        from zsa_sim.report.html import _CSS

        return str(_CSS)
    except ImportError:  # pragma: no cover - the report module moved the constant
        return "body { font-family: sans-serif; max-width: 68rem; margin: auto; }"


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _charts(charts: dict) -> list[tuple[str, str, str]]:
    """(title, caption, base64 PNG) per chart."""
    from zsa_sim.report.style import DARK_BLUE, OKABE_ITO, chart_style, new_figure

    out = []
    with chart_style():
        for name, (o, sims) in charts["distributions"].items():
            fig, ax = new_figure(7.5, 3.6)
            for i, s in enumerate(sims):
                xs = np.sort(s)
                ax.step(
                    xs,
                    np.arange(1, len(xs) + 1) / len(xs),
                    color=OKABE_ITO["orange"],
                    alpha=0.6,
                    lw=1,
                    label="simulated (each replication)" if i == 0 else None,
                )
            xs = np.sort(o)
            ax.step(
                xs,
                np.arange(1, len(xs) + 1) / len(xs),
                color=DARK_BLUE,
                lw=2.2,
                ls="--",
                label="observed",
            )
            ax.set_xlabel(name)
            ax.set_ylabel("share of cases")
            ax.legend(loc="lower right")
            out.append(
                (
                    f"{name}: distribution",
                    "Empirical distribution functions: observed (dashed) and every "
                    "replication (thin).",
                    _png(fig),
                )
            )
        reference = charts["reference"]
        for name, (weeks, o_series, per_rep) in charts["weekly"].items():
            fig, ax = new_figure(7.5, 3.4)
            dates = [reference + timedelta(minutes=float(w)) for w in weeks]
            low, high = np.percentile(per_rep, 2.5, axis=0), np.percentile(per_rep, 97.5, axis=0)
            ax.fill_between(
                dates,
                low,
                high,
                color=OKABE_ITO["orange"],
                alpha=0.35,
                label="simulated (range of replications)",
                step="mid",
            )
            ax.plot(
                dates,
                per_rep.mean(axis=0),
                color=OKABE_ITO["orange"],
                lw=1.2,
                drawstyle="steps-mid",
            )
            ax.plot(
                dates,
                o_series,
                color=DARK_BLUE,
                lw=2,
                ls="--",
                drawstyle="steps-mid",
                label="observed",
            )
            ax.set_ylabel(name)
            ax.legend(loc="upper left")
            fig.autofmt_xdate()
            out.append(
                (
                    name,
                    "Per calendar week: observed (dashed) and the replications' range and mean.",
                    _png(fig),
                )
            )
    return out


def render(rows: list[FitRow], charts: dict, log: str, run: str, replications: int) -> str:
    """The fit report as one self-contained HTML page."""
    e = html.escape
    table = [
        "<table><tr><th>group</th><th>measure</th><th>observed</th><th>simulated mean</th>"
        "<th>95 % interval of one run</th><th>distance</th><th>inside</th></tr>"
    ]
    for r in rows:
        distance = (
            ""
            if r.distance != r.distance
            else (
                f"{r.distance:+.1%}"
                if r.distance_kind == "relative error"
                else f"{r.distance:.2f} d (W)"
            )
        )
        table.append(
            f"<tr><td>{e(r.group)}</td><td>{e(r.measure)}</td><td class=num>{r.observed:.3g}</td>"
            f"<td class=num>{r.mean:.3g}</td><td class=num>[{r.low:.3g}; {r.high:.3g}]</td>"
            f"<td class=num>{distance}</td>"
            f"<td>{'yes' if r.inside else '<strong>no</strong>'}</td></tr>"
        )
    table.append("</table>")
    inside = sum(r.inside for r in rows)
    figures = [
        f'<figure><figcaption><strong>{e(t)}</strong></figcaption><img alt="{e(t)}" '
        f'src="data:image/png;base64,{b64}"><figcaption>{e(c)}</figcaption></figure>'
        for t, c, b64 in _charts(charts)
    ]
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>Fit report</title><style>{_css()}</style></head><body>"
        "<h1>Simulated against observed</h1>"
        f"<p class=subtitle>Observed log: {e(Path(log).name)} &middot; run: {e(Path(run).name)} "
        f"&middot; {replications} replications</p>"
        f"<p>{inside} of {len(rows)} measures lie inside the replications' 95 % interval. "
        "Distances: Wasserstein (earth mover's) distance in days for distributions, relative "
        "error of the simulated mean for counts.</p>"
        + "".join(table)
        + "<h2>Charts</h2>"
        + "".join(figures)
        + "<footer>zsa-sim check-fit</footer></body></html>\n"
    )
