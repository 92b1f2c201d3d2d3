"""The staffing planner: how many staff the ZSA needs, and what each municipality gains.

``plan_staffing(scenario, "p90 lead time <= 15 working days")`` answers the ministry's
question after "is it faster?": the smallest ZSA staffing, on a grid of ``step`` (0.25)
FTE, at which the target is met in every participating (service, municipality) with
95% confidence, found by doubling and bisection and confirmed one step below
(:mod:`zsa_sim.planning.staffing`); then the figures for decision-makers at that
staffing (:mod:`zsa_sim.planning.economics`): FTE freed per municipality, cost per case
in both variants, break-even volume.

**Which key.** The planner varies ``variants.<variant>.zsa.staff`` when the variant
states its own ZSA staff, else ``zsa.staff`` (the pilot: one pooled team of 11.75 FTE);
when the ZSA has teams, the team of ``service`` (``zsa.staff.wohngeld``) or the one
named by ``key``; for a staff ramp the step named by ``key`` (``zsa.staff.1.fte``: the
smallest reinforcement from that step's date, e.g. to clear a backlog by a day; no
break-even then). ``key`` may name any other numeric key too (e.g. a municipality's
remaining staff in the variant); the economics then leave out the ZSA figures.

Runs go through the runner's machinery (``simulate_all`` on ``make_executor(jobs,
scheduler)``: local cores or Dask), without event logs; all candidates share common
random numbers. The baseline (``dezentral``) is simulated once, with the confirmation's
replications, for the comparison.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zsa_sim.planning.economics import (
    BreakEven,
    Economics,
    break_even_volume,
    cost_neutral_fte,
    municipality_economics,
    summarise_costs,
)
from zsa_sim.planning.evaluate import CandidateCheck, Group, SimulationEvaluator, check_groups
from zsa_sim.planning.keys import (
    participating_groups,
    planned_ramp,
    ramp_step,
    staffing_key,
    team_pool,
    value_at,
)
from zsa_sim.planning.staffing import PlanProgress, StaffingSearch, search_staffing
from zsa_sim.planning.targets import Target, parse_target
from zsa_sim.scenario import Scenario, load_scenario
from zsa_sim.scenario.build import variant_of

#: The variant the plan is compared with.
BASELINE = "dezentral"


@dataclass(frozen=True)
class PlanResult:
    """The planner's answer, how it was found, and what it means."""

    scenario: Scenario
    variant: str
    baseline: str
    key: str
    service: str | None
    target: Target
    groups: tuple[Group, ...]
    #: the staffing the scenario states (the search's first guess)
    start_fte: float
    lo: float | None
    hi: float | None
    replications: int
    search: StaffingSearch
    #: the baseline judged against the same target (None without a baseline)
    baseline_check: CandidateCheck | None
    economics: Economics | None
    #: replications simulated in all (each (candidate, replication) once)
    simulated_runs: int
    wall_seconds: float

    @property
    def fte(self) -> float | None:
        """The FTE needed (None when the target cannot be met in the range)."""
        return self.search.fte

    @property
    def confirmed(self) -> bool:
        """The answer meets the target and one step below misses it (final replications)."""
        return self.search.confirmed

    def to_dict(self) -> dict[str, Any]:
        """The content of plan.json (deterministic: no clock times)."""
        s = self.scenario
        search = self.search
        return {
            "kind": "zsa-sim plan",
            "scenario": {
                "name": s.name,
                "file": Path(s.source).name if s.source else "",
                "seed": s.seed,
                "period": {"start": s.period.start.isoformat(), "days": s.period.days},
            },
            "municipality_names": {m: s.municipality_name(m) for m in s.municipalities},
            "variant": self.variant,
            "baseline": self.baseline,
            "key": self.key,
            "service": self.service,
            "target": self.target.to_dict(),
            "groups": [list(g) for g in self.groups],
            "step": search.step,
            "start_fte": self.start_fte,
            "lo": self.lo,
            "hi": self.hi,
            "replications": self.replications,
            "confirm_replications": search.confirm_replications,
            "fte": search.fte,
            # a ramp step was planned: the whole ramp with the answer in its place
            "ramp": None if search.fte is None else planned_ramp(s, self.key, search.fte),
            "found": search.fte is not None,
            "reason": search.reason,
            "confirmed": search.confirmed,
            "confirmation": {
                "above": None if search.above is None else search.above.to_dict(),
                "below": None if search.below is None else search.below.to_dict(),
            },
            "baseline_check": None
            if self.baseline_check is None
            else self.baseline_check.to_dict(),
            "notes": [n.to_dict() for n in search.notes],
            "evaluations": [c.to_dict() for c in search.evaluations],
            "simulated_runs": self.simulated_runs,
            "economics": None if self.economics is None else self.economics.to_dict(),
        }


def plan_staffing(
    scenario: Scenario | str | Path,
    target: Target | str,
    *,
    service: str | None = None,
    variant: str = "zentral",
    step: float = 0.25,
    lo: float | None = None,
    hi: float | None = None,
    replications: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: PlanProgress | None = None,
    key: str | None = None,
    baseline: str = BASELINE,
    max_replications: int | None = None,
    max_doublings: int = 6,
    break_even: bool = True,
) -> PlanResult:
    """Find and confirm the smallest ZSA staffing that meets ``target``; add the economics.

    ``replications`` defaults to the scenario's; ``max_replications`` (default twice as
    many) bounds the confirmation when verdicts are close. ``break_even=False`` skips
    the break-even search (the most expensive part: more simulations at larger volumes).
    """
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if isinstance(target, str):
        target = parse_target(target)
    scenario = target.period_for(scenario)  # a backlog target: the run ends on its day
    variant_of(scenario, variant)
    key = staffing_key(scenario, variant, key, service)
    groups = tuple(participating_groups(scenario, variant, service))
    reps = replications or scenario.replications
    start = float(value_at(scenario, key))

    evaluator = SimulationEvaluator(
        scenario,
        variant,
        lambda fte: {key: fte},
        groups,
        target.kpi,
        jobs=jobs,
        scheduler=scheduler,
    )
    search = search_staffing(
        evaluator,
        target,
        step=step,
        start=start,
        lo=lo,
        hi=hi,
        replications=reps,
        max_replications=max_replications,
        max_doublings=max_doublings,
        progress=progress,
    )
    baseline_check = economics = None
    runs = evaluator.runs
    if baseline in scenario.variants and baseline != variant:
        base_eval = SimulationEvaluator(
            scenario, baseline, lambda _: {}, groups, target.kpi, jobs=jobs, scheduler=scheduler
        )
        final = search.confirm_replications
        base_groups = check_groups(base_eval.samples(0.0, final), target)
        baseline_check = CandidateCheck(math.nan, final, base_groups)
        if search.fte is not None:
            economics = _economics(
                scenario, evaluator, base_eval, search, key, variant, baseline, target, groups,
                replications=reps, break_even=break_even, jobs=jobs, scheduler=scheduler,
                progress=progress,
            )  # fmt: skip
        runs += base_eval.runs
        if economics is not None and economics.break_even is not None:
            runs += _break_even_runs(economics.break_even)
    return PlanResult(
        scenario=scenario,
        variant=variant,
        baseline=baseline,
        key=key,
        service=service,
        target=target,
        groups=groups,
        start_fte=start,
        lo=lo,
        hi=hi,
        replications=reps,
        search=search,
        baseline_check=baseline_check,
        economics=economics,
        simulated_runs=runs,
        wall_seconds=round(time.perf_counter() - started, 3),
    )


def _break_even_runs(result: BreakEven) -> int:
    return len(result.checks) * result.replications


def _economics(
    scenario: Scenario,
    evaluator: SimulationEvaluator,
    base_eval: SimulationEvaluator,
    search: StaffingSearch,
    key: str,
    variant: str,
    baseline: str,
    target: Target,
    groups: tuple[Group, ...],
    *,
    replications: int,
    break_even: bool,
    jobs: int | None,
    scheduler: str | None,
    progress: PlanProgress | None,
) -> Economics:
    assert search.fte is not None
    final = search.confirm_replications
    rows_v = evaluator.rows(search.fte, final)
    rows_b = base_eval.rows(0.0, final)
    planned = evaluator.candidate(search.fte)
    per_case, work, difference = summarise_costs(rows_b, rows_v, baseline, variant, final)
    team = team_pool(scenario, key)
    result = None
    if team is not None and break_even and ramp_step(key) is not None:
        # a cost-neutral ZSA is a constant staffing: the break-even of one ramp step
        # (whose cost depends on when it starts) would answer another question
        result = BreakEven("ramp", math.nan, math.nan, None, replications, ())
    elif team is not None and break_even:
        exact = cost_neutral_fte(rows_b, rows_v, team, search.fte)
        on_grid = math.floor(exact / search.step + 1e-9) * search.step if exact > 0 else 0.0
        on_grid = round(on_grid, 9)
        if not on_grid >= search.step:
            result = BreakEven("no_budget", exact, on_grid, None, replications, ())
        else:
            volume, status, checks = break_even_volume(
                scenario, variant, key, on_grid, search.fte, target, groups,
                replications=replications, jobs=jobs, scheduler=scheduler, progress=progress,
            )  # fmt: skip
            result = BreakEven(status, exact, on_grid, volume, replications, checks)
    return Economics(
        baseline=baseline,
        variant=variant,
        zsa_fte=search.fte if team is not None else None,
        municipalities=municipality_economics(
            scenario, planned, baseline, variant, rows_b, rows_v, final
        ),
        cost_per_case=per_case,
        work_cost_per_case=work,
        cost_per_case_difference=difference,
        replications=final,
        break_even=result,
    )
