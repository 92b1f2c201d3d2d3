"""Calibrate from aggregate monthly counts: no personal data needed.

What every office reports anyway, per month: applications received, decisions, cases
open at month end (any subset; a municipality and a service column are optional and
summed over). The scenario's demand and speed are fitted per service so that the
simulated monthly series match the observed ones:

1. **Volume** (``services.S.volume``): simulated applications are proportional to it,
   so one simulation at the scenario's volume gives the factor
   observed / simulated applications. Its tolerance (99 %) is 2.58 times the Poisson
   error of the observed count and of the simulated mean, sqrt(1/N_obs + 1/(n N_sim)).
2. **Effort scale** (one common factor on every task's effort, written as
   ``effort_multipliers``): found by bisection so that the simulated mean of the open
   cases at month end (else the decisions) equals the observed mean. Cases open grow
   with effort, decisions fall once staff are the bottleneck. Every evaluation uses the
   same seeds (common random numbers), so the series is monotone in the scale and a
   coarse bisection (:data:`STEPS` halvings) suffices. The tolerance reported is the
   scale change that moves the simulated level by the 95 % half-width of the
   difference between one observed realisation and the mean of n replications
   (t sd sqrt(1 + 1/n), sd between replications, t of n - 1 degrees of freedom),
   plus half the final bracket.

Staff: where the counts give staff in FTE (a column ``staff``, ``fte`` or ``VZÄ``), the
staff of the service's municipalities is scaled to their monthly mean first, so that
the effort scale does not absorb a staffing difference; without it, the scenario's
staff stand.

The fitted scenario is written as a small file that names the original as ``base:``
and states only the changed figures; a CSV gives per month and series the observed
value, the simulated mean and its 95 % interval over the replications.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from zsa_sim.calibrate.table import CalibrationError
from zsa_sim.calibrate.times import parse_number

SERIES = ("applications", "decisions", "open_end")
ALIASES = {
    "applications": ("applications", "antraege", "anträge", "eingang", "eingaenge"),
    "decisions": ("decisions", "bescheide", "entscheidungen", "erledigt"),
    "open_end": ("open_end", "open", "offen", "bestand", "offene"),
    "month": ("month", "monat"),
    "municipality": ("municipality", "kommune", "gemeinde"),
    "service": ("service", "leistung"),
    "staff": ("staff", "staff_fte", "fte", "vzae", "vzä", "personal"),
}
STEPS = 6
LOW, HIGH = 0.4, 2.5


@dataclass(frozen=True)
class Observed:
    """Monthly series from the counts file: (year, month) -> value, per series."""

    series: dict[str, dict[tuple[int, int], float]]
    #: staff in FTE per month (summed over municipalities), if the file has it
    staff: dict[tuple[int, int], float] = field(default_factory=dict)


def read_counts(path: str | Path, service: str | None = None) -> Observed:
    """Read a monthly counts CSV (any delimiter, German headers and decimal commas)."""
    path = Path(path)
    if not path.is_file():
        raise CalibrationError("counts file not found", source=path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except (csv.Error, IndexError):
        delimiter = ","
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if len(rows) < 2:
        raise CalibrationError("the counts file has no data rows", source=path)
    header = [h.strip().lower() for h in rows[0]]
    where = {}
    for key, names in ALIASES.items():
        for name in names:
            if name in header:
                where[key] = header.index(name)
                break
    if "month" not in where:
        raise CalibrationError(f"no month column in ({', '.join(rows[0])})", source=path)
    wanted = [s for s in SERIES if s in where]
    if not wanted:
        raise CalibrationError(
            f"none of the columns {', '.join(SERIES)} in ({', '.join(rows[0])})", source=path
        )
    series: dict[str, dict[tuple[int, int], float]] = {s: {} for s in wanted}
    staff: dict[tuple[int, int], float] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if service and "service" in where and cells[where["service"]].strip() != service:
            continue
        month = _month(cells[where["month"]])
        if month is None:
            raise CalibrationError(
                f"line {number}: month {cells[where['month']]!r} is not YYYY-MM or MM.YYYY",
                source=path,
            )
        for name in wanted:
            value = parse_number(cells[where[name]]) if where[name] < len(cells) else None
            if value is None:
                raise CalibrationError(
                    f"line {number}: {name} {cells[where[name]]!r} is not a number", source=path
                )
            if value == value:
                series[name][month] = series[name].get(month, 0.0) + value
        if "staff" in where and where["staff"] < len(cells):
            fte = parse_number(cells[where["staff"]])
            if fte is None:
                raise CalibrationError(
                    f"line {number}: staff {cells[where['staff']]!r} is not a number", source=path
                )
            if fte == fte:
                staff[month] = staff.get(month, 0.0) + fte
    return Observed(series, staff)


def _month(text: str) -> tuple[int, int] | None:
    text = text.strip()
    for sep in ("-", ".", "/"):
        parts = text.split(sep)
        if len(parts) >= 2 and all(p.isdigit() for p in parts[:2]):
            a, b = int(parts[0]), int(parts[1])
            year, month = (a, b) if a > 12 else (b, a)
            if 1 <= month <= 12 and year > 1900:
                return year, month
    return None


def month_starts(
    epoch: date, months: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[float, float]]:
    """(year, month) -> [start, end) in simulation minutes since ``epoch``."""
    out = {}
    for year, month in months:
        first = date(year, month, 1)
        nxt = date(year + month // 12, month % 12 + 1, 1)
        out[(year, month)] = (
            (first - epoch).days * 1440.0,
            (nxt - epoch).days * 1440.0,
        )
    return out


def simulate_series(
    scenario, service: str, months: list[tuple[int, int]], replications: int
) -> dict[str, np.ndarray]:
    """Monthly series of every replication: series -> array (replications x months)."""
    from zsa_sim.experiment.replication import ReplicationTask, run_replication

    variant = next(iter(scenario.variants))
    bounds = month_starts(scenario.period.epoch.date(), months)
    out = {s: np.zeros((replications, len(months))) for s in SERIES}
    for r in range(replications):
        cases = run_replication(ReplicationTask(scenario, variant, r)).cases
        mine = cases.column("service") == service
        arrival = _col(cases, "arrival")
        decision = _col(cases, "decision")
        end = _col(cases, "end")
        arrival, decision, end = arrival[mine], decision[mine], end[mine]
        for j, month in enumerate(months):
            a, b = bounds[month]
            out["applications"][r, j] = np.sum((arrival >= a) & (arrival < b))
            out["decisions"][r, j] = np.sum((decision >= a) & (decision < b))
            still = np.isnan(end) | (end >= b)
            out["open_end"][r, j] = np.sum((arrival < b) & still)
    return out


def _col(cases, name: str) -> np.ndarray:
    return np.asarray(cases.column(name), dtype=float)


def staff_changes(scenario, service: str, observed: Observed) -> tuple[dict, float]:
    """Scale the staff of the service's municipalities to the FTE the counts report.

    The municipalities' staff (all roles) are multiplied by observed mean FTE / the
    scenario's FTE, so that the effort scale is not fitted to a staffing difference.
    Returns the changes and the factor (1 and none without a staff column).
    """
    if not observed.staff:
        return {}, 1.0
    serving = {key: m for key, m in scenario.municipalities.items() if service in m.services}
    total = sum(sum(m.staff.values()) for m in serving.values())
    wanted = sum(observed.staff.values()) / len(observed.staff)
    if total <= 0 or wanted <= 0:
        raise CalibrationError(f"staff: cannot scale {total:g} FTE to {wanted:g} FTE")
    factor = wanted / total
    changes = {
        f"municipalities.{key}.staff": {
            role: round(fte * factor, 2) for role, fte in m.staff.items()
        }
        for key, m in serving.items()
    }
    return changes, factor


def _changes(scenario, service: str, volume: float, scale: float) -> dict:
    spec = scenario.services[service]
    multipliers = dict(spec.effort_multipliers)
    for task in spec.efforts:
        old = multipliers.get(task)
        multipliers[task] = f"({old}) * {scale:.6g}" if old else f"{scale:.6g}"
    return {
        f"services.{service}.volume": round(spec.volume * volume, 6),
        f"services.{service}.effort_multipliers": multipliers,
    }


@dataclass(frozen=True)
class CountsFit:
    """The fitted factors, their tolerances, and the series behind them."""

    service: str
    #: municipality staff changes from the counts' FTE column (empty without one)
    staff: dict
    staff_factor: float
    volume: float
    volume_tol: float
    scale: float
    scale_tol: float
    target: str
    months: list[tuple[int, int]]
    observed: Observed
    simulated: dict[str, np.ndarray]


def fit_counts(scenario, observed: Observed, service: str, replications: int) -> CountsFit:
    """Fit volume and effort scale of one service (see the module docstring)."""
    months = sorted(set().union(*[set(s) for s in observed.series.values()]))
    start, end = scenario.period.start, scenario.period.start + timedelta(days=scenario.period.days)
    months = [m for m in months if start <= date(*m, 1) < end]
    if not months:
        raise CalibrationError(
            f"no month of the counts lies in the scenario's period ({start} to {end})"
        )
    staff, staff_factor = staff_changes(scenario, service, observed)
    if staff:
        scenario = scenario.with_changes(staff)
    base = simulate_series(scenario, service, months, replications)
    volume, volume_tol = 1.0, 0.0
    if "applications" in observed.series:
        obs = sum(observed.series["applications"].get(m, 0.0) for m in months)
        per_rep = base["applications"].sum(axis=1)
        sim = float(per_rep.mean())
        if sim <= 0:
            raise CalibrationError(f"service {service!r}: the scenario simulates no applications")
        volume = obs / sim
        # 99 %: Poisson error of the observed count and of the simulated mean
        relative = math.sqrt(1 / max(obs, 1.0) + 1 / (len(per_rep) * sim))
        volume_tol = 2.576 * relative * volume
    target = "open_end" if "open_end" in observed.series else "decisions"
    if target not in observed.series:
        scaled = scenario.with_changes(_changes(scenario, service, volume, 1.0))
        final = simulate_series(scaled, service, months, replications)
        return CountsFit(
            service, staff, staff_factor, volume, volume_tol, 1.0, math.nan, "-", months,
            observed, final,
        )  # fmt: skip
    goal = float(np.mean([observed.series[target].get(m, np.nan) for m in months]))
    sign = 1.0 if target == "open_end" else -1.0
    tried: dict[float, tuple[float, float, dict]] = {}

    def level(scale: float) -> float:
        changed = scenario.with_changes(_changes(scenario, service, volume, scale))
        sim = simulate_series(changed, service, months, replications)
        per_rep = sim[target].mean(axis=1)
        # the observed series is one realisation: its noise is one replication's, and
        # the simulated mean adds its own (sd / sqrt(n))
        n = len(per_rep)
        half = _t975(n) * float(per_rep.std(ddof=1)) * math.sqrt(1 + 1 / n) if n > 1 else 0.0
        tried[scale] = (float(per_rep.mean()), half, sim)
        return float(per_rep.mean())

    low, high = LOW, HIGH
    for _ in range(STEPS):
        mid = math.sqrt(low * high)
        if sign * (level(mid) - goal) < 0:
            low = mid
        else:
            high = mid
    scale = math.sqrt(low * high)
    if scale not in tried:
        level(scale)
    _, half, sim = tried[scale]
    slope = _slope([(s, v[0]) for s, v in sorted(tried.items())], scale)
    scale_tol = (abs(half / slope) if slope else math.inf) + (high - low) / 2
    return CountsFit(
        service, staff, staff_factor, volume, volume_tol, scale, scale_tol, target, months,
        observed, sim,
    )  # fmt: skip


def _t975(n: int) -> float:
    """Student's t quantile for a 95 % interval from n replications (n - 1 df)."""
    from scipy import stats

    return float(stats.t.ppf(0.975, n - 1))


def _slope(points: list[tuple[float, float]], at: float) -> float:
    """d(level)/d(scale) near ``at``: least squares over the tried points within a
    factor 1.5 of it (the two nearest if fewer), robust to the noise of a close pair."""
    near = [p for p in points if at / 1.5 <= p[0] <= at * 1.5]
    if len(near) < 2:
        near = sorted(points, key=lambda p: abs(p[0] - at))[:2]
    if len(near) < 2:
        return 0.0
    x = np.array([p[0] for p in near])
    y = np.array([p[1] for p in near])
    if np.ptp(x) == 0:
        return 0.0
    return float(np.polyfit(x, y, 1)[0])


def write_fit(fit: CountsFit, scenario_path: Path, out_dir: Path) -> tuple[Path, Path]:
    """The scenario overlay (base: the original) and the per-month CSV."""
    from zsa_sim.scenario import load_scenario

    out_dir.mkdir(parents=True, exist_ok=True)
    scenario = load_scenario(scenario_path)
    changes = _changes(scenario, fit.service, fit.volume, fit.scale)
    base = os.path.relpath(scenario_path.resolve(), out_dir.resolve())
    multipliers = changes[f"services.{fit.service}.effort_multipliers"]
    lines = [
        f"# Fitted to monthly counts with `zsa-sim calibrate --counts` ({len(fit.months)} months).",
        f"base: {base}",
        "services:",
        f"  {fit.service}:",
        f"    volume: {changes[f'services.{fit.service}.volume']}   # x{fit.volume:.4f} "
        f"+/- {fit.volume_tol:.4f} (99 %, Poisson) of the base scenario's volume",
        f"    effort_multipliers:   # common effort scale {fit.scale:.3f} +/- {fit.scale_tol:.3f}, "
        f"fitted to {fit.target}",
    ]
    lines += [f'      {task}: "{expr}"' for task, expr in multipliers.items()]
    if fit.staff:
        lines += [
            "municipalities:   # staff scaled to the counts' FTE "
            f"(x{fit.staff_factor:.3f}; all roles, all services of the municipality)"
        ]
        for path, roles in fit.staff.items():
            key = path.split(".")[1]
            lines += [
                f"  {key}:",
                "    staff: {" + ", ".join(f"{r}: {v}" for r, v in roles.items()) + "}",
            ]
    yaml_path = out_dir / "calibrated.yaml"
    yaml_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_scenario(yaml_path)
    csv_path = out_dir / "counts_fit.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "series", "observed", "simulated_mean", "ci_low", "ci_high"])
        for name in SERIES:
            sims = fit.simulated[name]
            for j, (year, month) in enumerate(fit.months):
                column = sims[:, j]
                mean = float(column.mean())
                half = _half_width(column)
                obs = fit.observed.series.get(name, {}).get((year, month), math.nan)
                writer.writerow(
                    [
                        f"{year}-{month:02d}",
                        name,
                        _fmt(obs),
                        _fmt(mean),
                        _fmt(mean - half),
                        _fmt(mean + half),
                    ]
                )
    return yaml_path, csv_path


def _half_width(values: np.ndarray) -> float:
    from scipy import stats

    n = len(values)
    if n < 2:
        return math.nan
    return float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))


def _fmt(value: float) -> str:
    return "" if value != value else f"{value:.2f}"


def calibrate_counts(
    counts: str | Path,
    scenario_path: str | Path,
    out_dir: str | Path,
    *,
    service: str | None = None,
    replications: int = 5,
) -> list[str]:
    """Fit the scenario to the counts; write the overlay and the CSV; lines to print."""
    from zsa_sim.scenario import load_scenario

    scenario_path = Path(scenario_path)
    scenario = load_scenario(scenario_path).with_changes({"replications": replications})
    services = [service] if service else list(scenario.services)
    if service and service not in scenario.services:
        raise CalibrationError(f"--service {service}: not in the scenario", source=scenario_path)
    if len(services) != 1:
        raise CalibrationError(
            f"the scenario has several services ({', '.join(services)}): name one with --service",
            source=scenario_path,
        )
    observed = read_counts(counts, services[0] if service else None)
    fit = fit_counts(scenario, observed, services[0], replications)
    yaml_path, csv_path = write_fit(fit, scenario_path, Path(out_dir))
    return [
        f"volume x{fit.volume:.4f} +/- {fit.volume_tol:.4f}, effort scale {fit.scale:.3f} "
        f"+/- {fit.scale_tol:.3f} (fitted to {fit.target}, {len(fit.months)} months, "
        f"{replications} replications)",
        f"wrote {yaml_path} and {csv_path}",
    ]


def counts_from_cases(cases, epoch: date, months: list[tuple[int, int]]) -> dict[str, dict]:
    """Monthly series of one run's cases (to make test data from a simulation)."""
    bounds = month_starts(epoch, months)
    arrival, decision, end = (_col(cases, k) for k in ("arrival", "decision", "end"))
    out: dict[str, dict] = {s: {} for s in SERIES}
    for month in months:
        a, b = bounds[month]
        out["applications"][month] = int(np.sum((arrival >= a) & (arrival < b)))
        out["decisions"][month] = int(np.sum((decision >= a) & (decision < b)))
        out["open_end"][month] = int(np.sum((arrival < b) & (np.isnan(end) | (end >= b))))
    return out
