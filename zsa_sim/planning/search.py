"""The smallest grid point at which a monotone check passes, with few evaluations.

Each evaluation is a batch of simulation runs, so the planner must not try every
candidate. The candidates are the integer indices of a grid (index ``k`` is ``k * step``
FTE); the check is assumed to fail below some index and to pass from there on (monotone).

- :func:`find_smallest` starts at a guess (today's staffing). If it passes, the answer
  lies in ``(floor - 1, start]``; if not, the index is doubled (``k, 2k, 4k, ...``: the
  staffing doubles) until a check passes, which brackets the answer between the last
  failure and the first success. Bisection on the integers then halves the bracket until
  the two ends are neighbours: ``O(log2(answer))`` evaluations in all.
- :func:`refine` searches again near an earlier answer when more replications have
  changed a verdict: from a known failure upwards (or a known success downwards) in
  steps of 1, 2, 4, ... ("galloping"), then bisection.

The doubling gives up when it reaches ``cap``, after ``max_doublings`` doublings, or on a
plateau, where more staff no longer help because the time is spent elsewhere (e.g.
waiting for the applicant): a doubling improved the worst shortfall by less than
``min_improvement``, or the last two improvements shrink so fast that, continued
geometrically, they could not close half of the remaining shortfall. A probe with an
infinite shortfall (overloaded, nothing known) never counts towards a plateau.

The functions are pure: the caller's ``probe`` does the work (and caches it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

#: Why a search ended.
Reason = Literal["found", "cap", "doublings", "plateau"]


@dataclass(frozen=True)
class Probe:
    """The outcome of checking one grid index."""

    index: int
    #: the check passed (the target is met)
    ok: bool
    #: how far the worst group misses (<= 0 when met with margin; inf when unknown)
    shortfall: float = math.nan


ProbeFn = Callable[[int], Probe]


@dataclass(frozen=True)
class SearchOutcome:
    """The smallest passing index found (None if none), and the probes that led there."""

    index: int | None
    reason: Reason
    probes: tuple[Probe, ...]


def find_smallest(
    probe: ProbeFn,
    *,
    start: int,
    floor: int = 1,
    cap: int | None = None,
    max_doublings: int = 6,
    min_improvement: float = -math.inf,
) -> SearchOutcome:
    """Smallest index in ``[floor, cap]`` whose probe passes: bracket by doubling, then bisect."""
    if floor < 1 or (cap is not None and cap < floor):
        raise ValueError(f"empty search range [{floor}, {cap}]")
    probes: list[Probe] = []

    def run(index: int) -> Probe:
        result = probe(index)
        probes.append(result)
        return result

    k = max(floor, start if cap is None else min(start, cap))
    current = run(k)
    if current.ok:
        return _bisect(run, floor - 1, k, probes)
    doublings = 0
    gain = math.nan  # improvement of the shortfall by the last doubling
    while True:
        if cap is not None and k >= cap:
            return SearchOutcome(None, "cap", tuple(probes))
        if doublings >= max_doublings:
            return SearchOutcome(None, "doublings", tuple(probes))
        lower, previous = k, current
        k = 2 * k if cap is None else min(2 * k, cap)
        doublings += 1
        current = run(k)
        if current.ok:
            return _bisect(run, lower, k, probes)
        known = math.isfinite(previous.shortfall) and math.isfinite(current.shortfall)
        if not known:
            gain = math.nan
            continue
        last_gain, gain = gain, previous.shortfall - current.shortfall
        if gain < min_improvement or _out_of_reach(last_gain, gain, current.shortfall):
            return SearchOutcome(None, "plateau", tuple(probes))


def _out_of_reach(earlier: float, last: float, shortfall: float) -> bool:
    """Shrinking gains that, continued geometrically, cannot close half the shortfall.

    Gains ``g1 > g2 > 0`` of two doublings in a row, continued with the ratio
    ``r = g2 / g1``, add up to at most ``g2 * r / (1 - r)``; when that is less than half
    the remaining shortfall, more doublings are pointless. Queueing delays fall ever
    faster once staff outgrow the work (gains shrink quicker than geometrically), and in
    overload the gains grow, so the rule only fires on a genuine plateau. The factor 2
    leaves room for noise.
    """
    if not (math.isfinite(earlier) and earlier > last > 0 and shortfall > 0):
        return False
    ratio = last / earlier
    return last * ratio / (1 - ratio) < shortfall / 2


def refine(
    probe: ProbeFn,
    *,
    failing: int | None = None,
    passing: int | None = None,
    floor: int = 1,
    cap: int | None = None,
) -> SearchOutcome:
    """Search again from one known end: upwards from a failing or downwards from a passing index.

    Steps grow 1, 2, 4, ... until the other end is found, then bisection. Going down, the
    index below ``floor`` counts as failing without a probe.
    """
    if (failing is None) == (passing is None):
        raise ValueError("refine needs exactly one of failing and passing")
    probes: list[Probe] = []

    def run(index: int) -> Probe:
        result = probe(index)
        probes.append(result)
        return result

    step = 1
    if failing is not None:
        lower = failing
        while True:
            k = lower + step if cap is None else min(lower + step, cap)
            if k <= lower:
                return SearchOutcome(None, "cap", tuple(probes))
            if run(k).ok:
                return _bisect(run, lower, k, probes)
            lower, step = k, 2 * step
    assert passing is not None
    upper = passing
    while True:
        k = max(upper - step, floor - 1)
        if k < floor:
            return _bisect(run, floor - 1, upper, probes)
        if not run(k).ok:
            return _bisect(run, k, upper, probes)
        upper, step = k, 2 * step


def _bisect(run: ProbeFn, failing: int, passing: int, probes: list[Probe]) -> SearchOutcome:
    """Halve ``(failing, passing]`` until they are neighbours; ``failing`` may be virtual."""
    while passing - failing > 1:
        middle = (failing + passing) // 2
        if run(middle).ok:
            passing = middle
        else:
            failing = middle
    return SearchOutcome(passing, "found", tuple(probes))
