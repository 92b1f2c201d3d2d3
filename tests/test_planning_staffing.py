"""The staffing search against fake evaluators whose KPI is known in closed form.

The fake's KPI at ``fte`` in replication ``r`` is ``10 / fte + noise[r]``: monotone in
the staffing. Expected answers follow from the one-sided bound
``mean + t(0.95, n-1) * sd / sqrt(n)`` worked out by hand in the comments.
"""

from collections.abc import Callable, Sequence

import pytest
from scipy import stats

from zsa_sim.errors import ScenarioError
from zsa_sim.planning.evaluate import GroupSample
from zsa_sim.planning.staffing import search_staffing
from zsa_sim.planning.targets import parse_target

TARGET = parse_target("p90 waiting time <= 4 days")
T2 = float(stats.t.ppf(0.95, 2))  # 2.920
T5 = float(stats.t.ppf(0.95, 5))  # 2.015


class Fake:
    """KPI ``curve(fte) + noise(fte, r)`` for one group; records each (fte, replications)."""

    def __init__(
        self,
        noise: Sequence[float],
        curve: Callable[[float], float] = lambda fte: 10 / fte,
        bump: Callable[[float, int], float] = lambda fte, r: 0.0,
    ) -> None:
        self.noise = noise
        self.curve = curve
        self.bump = bump
        self.calls: list[tuple[float, int]] = []

    def samples(self, fte: float, replications: int) -> dict:
        self.calls.append((fte, replications))
        values = tuple(
            self.curve(fte) + self.noise[r] + self.bump(fte, r) for r in range(replications)
        )
        return {("antrag", "Adorf"): GroupSample(values, 0.0)}


def test_exact_answer_and_exact_evaluations_for_a_clear_monotone_kpi():
    # noise ±0.1: sd 0.1, bound = 10/fte + T2 * 0.1/sqrt(3) = 10/fte + 0.169
    # meets 4 from fte >= 10/3.831 = 2.61, so 2.75 on the 0.25 grid; verdicts are clear
    # (margins 0.19 and 0.17 exceed the standard error 0.058): no more replications.
    fake = Fake([-0.1, 0.0, 0.1])
    result = search_staffing(fake, TARGET, step=0.25, start=1.0, replications=3)
    # 1.0 and 2.0 miss, 4.0 meets; bisection on (2.0, 4.0]: 3.0 meets, 2.5 misses, 2.75 meets
    assert fake.calls == [(1.0, 3), (2.0, 3), (4.0, 3), (3.0, 3), (2.5, 3), (2.75, 3)]
    assert result.fte == 2.75
    assert result.confirmed and result.confirm_replications == 3
    assert result.above.meets and not result.below.meets
    assert result.below.value == 2.5
    assert result.notes == ()
    assert result.above.groups[0].bound == pytest.approx(10 / 2.75 + T2 * 0.1 / 3**0.5)


def test_close_verdicts_get_more_replications_and_the_answer_moves_down():
    # replications 0-2 noisy (±1, sd 1): bound = 10/fte + T2/sqrt(3) = 10/fte + 1.686,
    # met from 4.32 -> 4.5. Replications 3-5 add zeros: sd sqrt(2/5) = 0.632,
    # bound = 10/fte + T5 * 0.632/sqrt(6) = 10/fte + 0.520, met from 2.87 -> 3.0.
    fake = Fake([-1.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    result = search_staffing(fake, TARGET, step=0.25, start=1.0, replications=3)
    first = [(1.0, 3), (2.0, 3), (4.0, 3), (8.0, 3), (6.0, 3), (5.0, 3), (4.5, 3), (4.25, 3)]
    # 4.5 meets by 0.09 < se 0.58: close -> 6 replications; 4.25 now meets too ->
    # gallop down from 4.25: 4.0, 3.5 meet, 2.5 misses; bisect (2.5, 3.5]: 3.0 meets, 2.75 misses
    second = [(4.5, 6), (4.25, 6), (4.0, 6), (3.5, 6), (2.5, 6), (3.0, 6), (2.75, 6)]
    assert fake.calls == first + second
    assert result.fte == 3.0 and result.confirmed and result.confirm_replications == 6
    assert [n.code for n in result.notes] == ["more_replications", "moved_down"]
    assert result.notes[0].params == {"from": 3, "to": 6}


def test_a_contradiction_with_monotonicity_widens_upwards_and_says_so():
    # As before, but replications 3-5 of exactly 4.5 FTE come out high (+3): values
    # 10/4.5 + (-1, 0, 1, 3, 3, 3), sd 1.761, bound 2.222 + 1.5 + T5 * 1.761/sqrt(6)
    # = 5.17 misses, while 4.25 (no bump) meets at 2.87. More staff missing where less
    # meets contradicts monotonicity: the search widens upwards from 4.5.
    def bump(fte: float, r: int) -> float:
        return 3.0 if fte == 4.5 and r >= 3 else 0.0

    fake = Fake([-1.0, 0.0, 1.0, 0.0, 0.0, 0.0], bump=bump)
    result = search_staffing(fake, TARGET, step=0.25, start=1.0, replications=3)
    first = [(1.0, 3), (2.0, 3), (4.0, 3), (8.0, 3), (6.0, 3), (5.0, 3), (4.5, 3), (4.25, 3)]
    # 4.75 at 6 replications: 2.105 + 0.520 meets, clearly; 4.5 misses clearly
    assert fake.calls == [*first, (4.5, 6), (4.25, 6), (4.75, 6)]
    assert result.fte == 4.75 and result.confirmed
    assert [n.code for n in result.notes] == ["more_replications", "not_monotone"]
    assert result.notes[1].params == {"meets": 4.25, "misses": 4.5}


def test_a_close_answer_is_escalated_before_it_is_confirmed():
    fake = Fake([-1.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    result = search_staffing(fake, TARGET, step=0.25, start=1.0, replications=3, max_replications=3)
    # no more replications allowed: the first search's answer stands, confirmed at 3
    assert result.fte == 4.5 and result.confirmed and result.confirm_replications == 3
    assert len(fake.calls) == 8


def test_plateau_is_reported_as_infeasible():
    # KPI 5 + 1/fte never reaches 4: shortfall 1 + 1/fte, gains 0.5 and 0.25 per doubling
    # (ratio 0.5) can add at most 0.25 more, less than half of the 1.25 still missing
    fake = Fake([0.0, 0.0, 0.0], curve=lambda fte: 5 + 1 / fte)
    result = search_staffing(fake, TARGET, step=0.25, start=1.0, replications=3)
    assert result.fte is None and result.reason == "plateau"
    assert [c[0] for c in fake.calls] == [1.0, 2.0, 4.0]
    assert result.notes[0].code == "infeasible"
    assert result.notes[0].params == {"reason": "plateau", "fte": 4.0}


def test_upper_limit_and_lower_limit():
    fake = Fake([-0.1, 0.0, 0.1])
    capped = search_staffing(fake, TARGET, step=0.25, start=1.0, hi=2.0, replications=3)
    assert capped.fte is None and capped.reason == "cap"
    assert [c[0] for c in fake.calls] == [1.0, 2.0]
    fake = Fake([-0.1, 0.0, 0.1])
    floored = search_staffing(fake, TARGET, step=0.25, start=4.0, lo=3.0, replications=3)
    # the answer 2.75 lies below lo = 3: 3.0 is the smallest allowed; one step below
    # is still checked and meets, which the notes say
    assert floored.fte == 3.0 and floored.confirmed
    assert [n.code for n in floored.notes] == ["met_below_range"]


def test_bad_options():
    fake = Fake([0.0, 0.0])
    with pytest.raises(ScenarioError, match="at least 2 replications"):
        search_staffing(fake, TARGET, step=0.25, start=1.0, replications=1)
    with pytest.raises(ScenarioError, match="step must be positive"):
        search_staffing(fake, TARGET, step=0.0, start=1.0, replications=2)
    with pytest.raises(ScenarioError, match=r"step 1e-09 FTE is finer than 0\.05 FTE"):
        search_staffing(fake, TARGET, step=1e-9, start=1.0, replications=2)
    with pytest.raises(ScenarioError, match="empty staffing range"):
        search_staffing(fake, TARGET, step=0.25, start=1.0, lo=3, hi=2, replications=2)


def test_too_few_replications_for_the_noise_are_raised_before_giving_up():
    # KPI 3 + 1/fte, noise (-2, 0, 2) in replications 0-2, none in 3-5; target <= 4.5.
    # 3 replications: bound = 3 + 1/fte + T2 * 2/sqrt(3) = 6.37 + 1/fte never meets; the
    # doubling stops on a plateau at 4 FTE, where the mean 3.25 does meet: so the search
    # is repeated with 6 replications: sd sqrt(8/5), bound 3 + 1/fte + 1.04, met from 2.17.
    fake = Fake([-2.0, 0.0, 2.0, 0.0, 0.0, 0.0], curve=lambda fte: 3 + 1 / fte)
    target = parse_target("p90 waiting time <= 4.5 days")
    result = search_staffing(fake, target, step=0.25, start=1.0, replications=3)
    first = [(f, 3) for f in (1.0, 2.0, 4.0)]
    second = [(f, 6) for f in (1.0, 2.0, 4.0, 3.0, 2.5, 2.25)]
    assert fake.calls == first + second
    assert result.fte == 2.25 and result.confirmed and result.confirm_replications == 6
    assert [n.code for n in result.notes] == ["more_replications"]
    # without room for more replications the planner gives up and says why
    fake = Fake([-2.0, 0.0, 2.0], curve=lambda fte: 3 + 1 / fte)
    result = search_staffing(fake, target, step=0.25, start=1.0, replications=3, max_replications=3)
    assert result.fte is None
    assert [n.code for n in result.notes] == ["infeasible", "too_few_replications"]
