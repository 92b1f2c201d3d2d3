"""The staffing search: the smallest FTE on a grid that meets a target, confirmed.

:func:`search_staffing` is the planner's logic, free of simulation: it asks an
:class:`~zsa_sim.planning.evaluate.Evaluator` for the target KPI per group and
replication at a staffing and judges it with
:func:`~zsa_sim.planning.evaluate.check_groups` (every participating group must meet
the target with 95% confidence). Each (staffing, replications) is judged once.

**Why bisection is allowed (monotonicity).** All candidates share common random numbers
(same applicants, efforts, decisions and, member by member, absences; see
:mod:`zsa_sim.planning.evaluate`), so a larger team faces exactly the same work and only
has more hands. In a first-come-first-served pool of identical servers with given
arrival and work times, one more server never delays a start (induction over the
cases: the sorted vector of times at which servers become free is never later), and
every later step of a case can then only begin earlier, so waiting and lead times fall
in expectation as staffing rises. This is not guaranteed path by path here: a new
part-time member works only her own, shorter hours and may take a task a full-time
colleague would have finished sooner; members differ by their absence days; priorities
and hand-overs reorder cases; a quantile over one replication is noisy. The search
therefore **guards** the assumption: every candidate evaluated with the final number of
replications must agree with the answer (misses below, meets above); if one contradicts
it, the search widens upwards from the contradiction, keeps the larger (safe) answer and
says so in the notes.

**How.** :func:`~zsa_sim.planning.search.find_smallest` starts at today's staffing,
doubles until the target is met (giving up at ``hi``, after ``max_doublings`` or on a
plateau where doubling no longer helps) and bisects; every candidate is cached. Then the
**confirmation**: the found staffing must meet the target and one step below must miss
it. If either verdict is close (within one standard error), the replications are
doubled (up to ``max_replications``; only the new replications are simulated) and the
verdicts are taken again; if a verdict changes, the search continues from there with the
larger number of replications (:func:`~zsa_sim.planning.search.refine`). If the search
finds no staffing although the means meet the target where it gave up (only the bounds
miss: too few replications for the noise), it is repeated with more replications.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zsa_sim.errors import ScenarioError
from zsa_sim.planning.evaluate import CandidateCheck, Evaluator, check_groups
from zsa_sim.planning.search import Probe, Reason, find_smallest, refine
from zsa_sim.planning.targets import Target

#: How often the confirmation may send the search off again before giving up.
MAX_ROUNDS = 4
#: A doubling that improves the worst shortfall by less than this share of the target
#: value is a plateau: the target cannot be reached by this staffing.
PLATEAU_SHARE = 0.01

#: Called with each candidate's verdict as it is taken.
PlanProgress = Callable[[CandidateCheck], None]


@dataclass(frozen=True)
class Note:
    """Something the reader of a plan must know; ``code`` selects the text (de/en)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for plan.json."""
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class StaffingSearch:
    """What the search found: the answer (None if not reachable) and the confirmation."""

    fte: float | None
    reason: Reason
    step: float
    #: the found staffing and one step below, at ``confirm_replications``
    above: CandidateCheck | None
    below: CandidateCheck | None
    confirm_replications: int
    confirmed: bool
    #: every verdict taken, in order
    evaluations: tuple[CandidateCheck, ...]
    notes: tuple[Note, ...]


#: Finest FTE grid of a staffing search: ``--step 1e-9`` "confirmed" differences of
#: a billionth of a position, which only the random noise decides.
MIN_STEP = 0.05


def search_staffing(
    evaluator: Evaluator,
    target: Target,
    *,
    step: float,
    start: float,
    lo: float | None = None,
    hi: float | None = None,
    replications: int,
    max_replications: int | None = None,
    max_doublings: int = 6,
    progress: PlanProgress | None = None,
) -> StaffingSearch:
    """Search, then confirm, the smallest staffing on the grid that meets the target.

    ``start`` is the first guess, ``lo``/``hi`` limit the range (default: one step, no
    upper limit). Pure logic over ``evaluator``, so it can be tested with a known KPI.
    """
    if not step > 0:
        raise ScenarioError(f"step must be positive, got {step}")
    if step < MIN_STEP:
        raise ScenarioError(
            f"step {step:g} FTE is finer than {MIN_STEP:g} FTE (about two working hours a "
            "week): staffing differences that small are noise, not a plan (issue 14)"
        )
    if replications < 2:
        raise ScenarioError(
            f"replications: a confidence bound needs at least 2 replications, got {replications}"
        )
    max_replications = max(replications, max_replications or 2 * replications)
    floor = max(1, math.ceil((lo if lo is not None else step) / step - 1e-9))
    cap = None if hi is None else math.floor(hi / step + 1e-9)
    if cap is not None and cap < floor:
        raise ScenarioError(f"empty staffing range: lo {lo} > hi {hi} (step {step})")
    checks: dict[tuple[int, int], CandidateCheck] = {}
    order: list[CandidateCheck] = []
    notes = _Notes()

    def check(index: int, reps: int) -> CandidateCheck:
        if (index, reps) not in checks:
            fte = _fte(index, step)
            groups = check_groups(evaluator.samples(fte, reps), target)
            result = CandidateCheck(fte, reps, groups)
            checks[(index, reps)] = result
            order.append(result)
            if progress is not None:
                progress(result)
        return checks[(index, reps)]

    def prober(reps: int) -> Callable[[int], Probe]:
        def probe(index: int) -> Probe:
            result = check(index, reps)
            return Probe(index, result.meets, result.shortfall)

        return probe

    def done(index: int | None, reason: Reason, confirmed: bool = False, reps: int = 0):
        above = checks.get((index, reps)) if index is not None else None
        below = checks.get((index - 1, reps)) if index is not None else None
        return StaffingSearch(
            fte=_fte(index, step) if index is not None else None,
            reason=reason,
            step=step,
            above=above,
            below=below,
            confirm_replications=reps,
            confirmed=confirmed,
            evaluations=tuple(order),
            notes=tuple(notes),
        )

    start_index = max(floor, round(start / step))
    reps = replications
    while True:
        outcome = find_smallest(
            prober(reps),
            start=start_index,
            floor=floor,
            cap=cap,
            max_doublings=max_doublings,
            min_improvement=PLATEAU_SHARE * abs(target.value),
        )
        if outcome.index is not None:
            break
        last = checks[(outcome.probes[-1].index, reps)]
        if not _means_meet(last, target) or reps >= max_replications:
            notes.append(Note("infeasible", {"reason": outcome.reason, "fte": last.value}))
            if _means_meet(last, target):
                notes.append(
                    Note("too_few_replications", {"fte": last.value, "replications": reps})
                )
            return done(None, outcome.reason, reps=reps)
        # the means meet the target but the bounds do not: the noise, not the staffing,
        # is in the way; search again with more replications
        more = min(2 * reps, max_replications)
        notes.append(Note("more_replications", {"from": reps, "to": more}))
        reps = more
    index = outcome.index
    rounds = 0  # searches sent off again; more replications do not count (they are bounded)
    while True:
        candidates = [index] + ([index - 1] if index > 1 else [])
        prefetch = getattr(evaluator, "prefetch", None)
        if prefetch is not None:
            prefetch([_fte(k, step) for k in candidates], reps)
        above = check(index, reps)
        below = check(index - 1, reps) if index > 1 else None
        if (above.close or (below is not None and below.close)) and reps < max_replications:
            more = min(2 * reps, max_replications)
            notes.append(Note("more_replications", {"from": reps, "to": more}))
            reps = more
            continue
        # the monotonicity guard: at this number of replications, nothing above may miss
        contradicting = [
            k for (k, r), c in checks.items() if r == reps and k > index and not c.meets
        ]
        if above.meets and contradicting:
            high = max(contradicting)
            notes.append(
                Note("not_monotone", {"meets": _fte(index, step), "misses": _fte(high, step)})
            )
            search_from = {"failing": high}
        elif above.meets and (below is None or not below.meets):
            if index == 1:
                notes.append(Note("smallest_step", {"fte": _fte(index, step)}))
            lower = sorted(k for (k, r), c in checks.items() if r == reps and k < index and c.meets)
            if lower:  # met further down, but not one step below: keep the safe answer
                pair = {"meets": _fte(lower[0], step), "misses": _fte(index - 1, step)}
                notes.append(Note("not_monotone", pair))
            return done(index, "found", confirmed=True, reps=reps)
        elif above.meets:  # one step below meets too
            if index - 1 < floor:
                notes.append(Note("met_below_range", {"fte": _fte(index - 1, step)}))
                return done(index, "found", confirmed=True, reps=reps)
            notes.append(Note("moved_down", {"from": _fte(index, step), "replications": reps}))
            search_from = {"passing": index - 1}
        else:
            if below is not None and below.meets:
                notes.append(
                    Note(
                        "not_monotone",
                        {"meets": _fte(index - 1, step), "misses": _fte(index, step)},
                    )
                )
            else:
                notes.append(Note("moved_up", {"from": _fte(index, step), "replications": reps}))
            search_from = {"failing": index}
        if rounds >= MAX_ROUNDS:
            notes.append(Note("unconfirmed", {"rounds": MAX_ROUNDS}))
            return done(index, "found", confirmed=False, reps=reps)
        outcome = refine(prober(reps), floor=floor, cap=cap, **search_from)
        rounds += 1
        if outcome.index is None:
            last_index = outcome.probes[-1].index if outcome.probes else index
            failed = {"reason": outcome.reason, "fte": _fte(last_index, step)}
            notes.append(Note("infeasible", failed))
            return done(None, outcome.reason, reps=reps)
        index = outcome.index


def _means_meet(check: CandidateCheck, target: Target) -> bool:
    """Every group's mean (not its bound) meets the target and none is overloaded."""
    return bool(check.groups) and all(
        target.met_by(g.mean) and g.reason != "open_cases" for g in check.groups
    )


class _Notes(list[Note]):
    """Notes in order, each said once (the guard may see a contradiction twice)."""

    def append(self, note: Note) -> None:
        """Add a note unless the same one is there."""
        if note not in self:
            super().append(note)


def _fte(index: int, step: float) -> float:
    """Grid index to FTE, without binary noise (integer counts, then rounding)."""
    return round(index * step, 9)
