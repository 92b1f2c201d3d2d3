"""What a staffing means in staff and money: FTE freed, cost per case, break-even volume.

Everything is computed from the KPI rows of two simulations with common random numbers:
the baseline (``dezentral``) and the planned variant (``zentral`` with the ZSA at the
planned staffing), replication by replication, so differences are paired.

- **FTE freed** in a municipality: its staff in the baseline minus its staff in the
  variant (as the scenario states them, in FTE). **Hours freed**: the staff hours its
  pools actually worked in the observed window (KPI ``staff_hours``, from the event log),
  baseline minus variant, with a paired 95% interval; also as FTE (hours freed divided
  by the hours one FTE of that municipality was present in the window). The first is the
  budget decision, the second what the simulation says the work needs.
- **Cost per case**: the paid capacity of all staff pools (KPI ``capacity_cost``:
  present hours x hourly rate, busy or not) divided by the applications that arrived
  in the window; per replication, then mean and interval. Also the cost of the work
  actually done (KPI ``cost``) per case, which leaves out idle time.
- **Cost-neutral ZSA staffing** ``B``: the ZSA FTE at which both variants cost the same
  per case, i.e. at which the ZSA costs what the municipalities save:
  ``B = (C_baseline - (C_variant - C_team)) / (C_team / FTE_team)`` with C the mean
  capacity cost in the window and ``team`` the planned ZSA pool; rounded down to the
  planning grid.
- **Break-even volume**: the largest volume factor ``v`` (every participating service's
  ``volume`` multiplied by ``v``, on a grid of 0.05) at which the ZSA staffed
  cost-neutrally (``B``) still meets the target in every participating municipality
  with 95% confidence. Both variants' costs are fixed staff costs, so at any volume the
  central variant is no dearer per case exactly when the ZSA it needs is at most ``B``;
  by monotonicity in staffing that holds exactly up to ``v``. Hence ``v`` is at once
  "the volume at which central and decentral cost per case are equal when the ZSA is
  staffed to meet the target" and "the volume at which the cost-neutral ZSA stops
  meeting the target". ``v < 1``: already today the ZSA needs more than it saves.
  The search starts at the guess ``v0 = B / planned FTE`` (the work grows with the
  volume) and gallops from there, with the planner's first number of replications.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zsa_sim.experiment.kpis import ALL, KpiValue
from zsa_sim.experiment.stats import Estimate, paired_difference, summarise
from zsa_sim.planning.evaluate import CandidateCheck, Group, SimulationEvaluator, check_groups
from zsa_sim.planning.search import Probe, refine
from zsa_sim.planning.targets import Target
from zsa_sim.scenario import Scenario, organisation

#: Grid of the break-even volume factor, and its search limit.
VOLUME_STEP = 0.05
VOLUME_MAX = 3.0

Pool = tuple[str, str]


@dataclass(frozen=True)
class MunicipalityEconomics:
    """Staff a municipality hands over to the ZSA, stated and as worked hours."""

    municipality: str
    fte_baseline: float
    fte_variant: float
    fte_freed: float
    #: staff hours worked in the window, baseline minus variant (paired over replications)
    hours_freed: Estimate
    #: hours_freed in FTE of this municipality (hours one FTE was present in the window)
    hours_freed_fte: float


@dataclass(frozen=True)
class BreakEven:
    """The break-even volume (see the module docstring) and how it was found."""

    #: "found", "below" (missed even at the smallest volume), "above" (met up to the
    #: search limit), "no_budget" (the freed staff pay for less than one grid step)
    status: str
    #: cost-neutral ZSA FTE, exact and on the grid
    fte_exact: float
    fte: float
    volume: float | None
    replications: int
    checks: tuple[CandidateCheck, ...]


@dataclass(frozen=True)
class Economics:
    """The decision-makers' figures for one planned staffing."""

    baseline: str
    variant: str
    zsa_fte: float | None
    municipalities: tuple[MunicipalityEconomics, ...]
    #: EUR per case of paid capacity and of work done, per variant
    cost_per_case: dict[str, Estimate]
    work_cost_per_case: dict[str, Estimate]
    #: variant minus baseline, paired
    cost_per_case_difference: Estimate
    replications: int
    break_even: BreakEven | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for plan.json."""
        return {
            "baseline": self.baseline,
            "variant": self.variant,
            "zsa_fte": self.zsa_fte,
            "replications": self.replications,
            "municipalities": [
                {**m.__dict__, "hours_freed": m.hours_freed._asdict()} for m in self.municipalities
            ],
            "cost_per_case": {v: e._asdict() for v, e in self.cost_per_case.items()},
            "work_cost_per_case": {v: e._asdict() for v, e in self.work_cost_per_case.items()},
            "cost_per_case_difference": self.cost_per_case_difference._asdict(),
            "break_even": None
            if self.break_even is None
            else {
                **{k: v for k, v in self.break_even.__dict__.items() if k != "checks"},
                "checks": [c.to_dict() for c in self.break_even.checks],
            },
        }


def _by_replication(rows: Iterable[KpiValue], kpi: str, keep: Callable[[KpiValue], bool]):
    out: dict[int, float] = defaultdict(float)
    for row in rows:
        if row.kpi == kpi and keep(row) and not math.isnan(row.value):
            out[row.replication] += row.value
    return out


def _pool_rows(row: KpiValue) -> bool:
    return row.pool != "" and row.service == ALL


def _series(values: dict[int, float], replications: int) -> np.ndarray:
    return np.array([values.get(r, math.nan) for r in range(replications)])


def cost_per_case(rows: Sequence[KpiValue], replications: int, kpi: str = "capacity_cost"):
    """EUR per arrived case per replication: all pools' ``kpi`` over window arrivals."""
    cost = _by_replication(rows, kpi, _pool_rows)
    arrivals = _by_replication(
        rows, "arrivals", lambda r: r.pool == "" and r.service == ALL and r.municipality == ALL
    )
    return _series(cost, replications) / _series(arrivals, replications)


def municipality_economics(
    scenario: Scenario,
    planned: Scenario,
    baseline: str,
    variant: str,
    rows_baseline: Sequence[KpiValue],
    rows_variant: Sequence[KpiValue],
    replications: int,
) -> tuple[MunicipalityEconomics, ...]:
    """FTE and hours freed per municipality (see the module docstring)."""
    fte_base = _fte_by_unit(scenario, baseline)
    fte_var = _fte_by_unit(planned, variant)
    out = []
    for m in scenario.municipalities:

        def mine(row: KpiValue, m: str = m) -> bool:
            return _pool_rows(row) and row.municipality == m

        hours_b = _series(_by_replication(rows_baseline, "staff_hours", mine), replications)
        hours_v = _series(_by_replication(rows_variant, "staff_hours", mine), replications)
        freed = paired_difference(hours_b, hours_v)
        present = _series(_by_replication(rows_baseline, "available_hours", mine), replications)
        known = present[np.isfinite(present)]
        per_fte = float(known.mean()) / fte_base[m] if len(known) and fte_base.get(m) else math.nan
        out.append(
            MunicipalityEconomics(
                municipality=m,
                fte_baseline=fte_base.get(m, 0.0),
                fte_variant=fte_var.get(m, 0.0),
                fte_freed=round(fte_base.get(m, 0.0) - fte_var.get(m, 0.0), 9),
                hours_freed=freed,
                hours_freed_fte=freed.mean / per_fte if per_fte > 0 else math.nan,
            )
        )
    return tuple(out)


def _fte_by_unit(scenario: Scenario, variant: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for pool in organisation(scenario, variant).pools.values():
        out[pool.org_unit] += pool.fte
    return {k: round(v, 9) for k, v in out.items()}


def cost_neutral_fte(
    rows_baseline: Sequence[KpiValue],
    rows_variant: Sequence[KpiValue],
    team: Pool,
    team_fte: float,
) -> float:
    """The team FTE at which both variants' capacity costs are equal (NaN if unknown)."""

    def mean_cost(rows: Sequence[KpiValue], keep: Callable[[KpiValue], bool]) -> float:
        by_rep = _by_replication(rows, "capacity_cost", keep)
        return float(np.mean(list(by_rep.values()))) if by_rep else math.nan

    base = mean_cost(rows_baseline, _pool_rows)
    variant = mean_cost(rows_variant, _pool_rows)
    team_cost = mean_cost(
        rows_variant, lambda r: _pool_rows(r) and (r.municipality, r.pool) == team
    )
    if not team_cost > 0 or not team_fte > 0:
        return math.nan
    return (base - (variant - team_cost)) / (team_cost / team_fte)


def break_even_volume(
    scenario: Scenario,
    variant: str,
    key: str,
    team_fte: float,
    planned_fte: float,
    target: Target,
    groups: Sequence[Group],
    *,
    replications: int,
    jobs: int | None = None,
    scheduler: str | None = None,
    volume_step: float = VOLUME_STEP,
    volume_max: float = VOLUME_MAX,
    progress: Callable[[CandidateCheck], None] | None = None,
) -> tuple[float | None, str, tuple[CandidateCheck, ...]]:
    """The largest volume factor at which the ZSA at ``team_fte`` meets the target.

    Returns (volume or None, status, checks); status as in :class:`BreakEven`.
    """
    services = sorted({s for s, _ in groups})
    base_volume = {s: scenario.services[s].volume for s in services}

    def changes(factor: float) -> dict[str, Any]:
        out: dict[str, Any] = {key: team_fte}
        out.update({f"services.{s}.volume": round(base_volume[s] * factor, 9) for s in services})
        return out

    evaluator = SimulationEvaluator(
        scenario, variant, changes, groups, target.kpi, jobs=jobs, scheduler=scheduler
    )
    checks: list[CandidateCheck] = []

    def misses(index: int) -> Probe:  # monotone: from some volume on, the target is missed
        factor = round(index * volume_step, 9)
        groups = check_groups(evaluator.samples(factor, replications), target)
        check = CandidateCheck(factor, replications, groups, kind="volume")
        checks.append(check)
        if progress is not None:
            progress(check)
        return Probe(index, not check.meets)

    cap = math.floor(volume_max / volume_step + 1e-9)
    guess = team_fte / planned_fte if planned_fte > 0 else 1.0
    start = min(cap, max(1, round(guess / volume_step)))
    first = misses(start)
    if first.ok:
        outcome = refine(misses, passing=start, floor=1)
    else:
        outcome = refine(misses, failing=start, cap=cap)
    if outcome.index is None:
        return volume_max, "above", tuple(checks)
    if outcome.index == 1:
        return None, "below", tuple(checks)
    return round((outcome.index - 1) * volume_step, 9), "found", tuple(checks)


def summarise_costs(
    rows_baseline: Sequence[KpiValue],
    rows_variant: Sequence[KpiValue],
    baseline: str,
    variant: str,
    replications: int,
) -> tuple[dict[str, Estimate], dict[str, Estimate], Estimate]:
    """Cost per case (capacity and work done) per variant, and the paired difference."""
    capacity_b = cost_per_case(rows_baseline, replications)
    capacity_v = cost_per_case(rows_variant, replications)
    work_b = cost_per_case(rows_baseline, replications, "cost")
    work_v = cost_per_case(rows_variant, replications, "cost")
    return (
        {baseline: summarise(capacity_b), variant: summarise(capacity_v)},
        {baseline: summarise(work_b), variant: summarise(work_v)},
        paired_difference(capacity_v, capacity_b),
    )
