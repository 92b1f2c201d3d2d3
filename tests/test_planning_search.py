import math

import pytest

from zsa_sim.planning.search import Probe, find_smallest, refine


def threshold(answer: int, calls: list[int]):
    """A monotone check: passes from ``answer`` on; records the indices asked."""

    def probe(index: int) -> Probe:
        calls.append(index)
        return Probe(index, index >= answer, float(answer - index))

    return probe


def test_start_passes_then_bisection_down_to_the_floor():
    calls: list[int] = []
    outcome = find_smallest(threshold(11, calls), start=16)
    # (0, 16]: 8 fails, 12 passes, 10 fails, 11 passes
    assert calls == [16, 8, 12, 10, 11]
    assert (outcome.index, outcome.reason) == (11, "found")


def test_start_fails_then_doubling_brackets_and_bisection_finishes():
    calls: list[int] = []
    outcome = find_smallest(threshold(11, calls), start=4)
    # 4, 8 fail; 16 passes; (8, 16]: 12 passes, 10 fails, 11 passes
    assert calls == [4, 8, 16, 12, 10, 11]
    assert outcome.index == 11
    assert [p.index for p in outcome.probes] == calls


def test_answer_at_the_floor_and_below_the_floor():
    calls: list[int] = []
    assert find_smallest(threshold(1, calls), start=4).index == 1
    assert calls == [4, 2, 1]
    calls.clear()
    # the answer 3 lies below floor 5: the floor is the smallest allowed
    assert find_smallest(threshold(3, calls), start=8, floor=5).index == 5
    assert calls == [8, 6, 5]


def test_cap_stops_the_doubling():
    calls: list[int] = []
    outcome = find_smallest(threshold(100, calls), start=4, cap=12)
    assert calls == [4, 8, 12]
    assert (outcome.index, outcome.reason) == (None, "cap")
    # a start above the cap starts at the cap
    calls.clear()
    assert find_smallest(threshold(5, calls), start=40, cap=12).index == 5
    assert calls[0] == 12


def test_gives_up_after_max_doublings():
    calls: list[int] = []
    outcome = find_smallest(threshold(10_000, calls), start=1, max_doublings=3)
    assert calls == [1, 2, 4, 8]
    assert outcome.reason == "doublings"


def test_plateau_when_a_doubling_gains_too_little():
    calls: list[int] = []

    def probe(index: int) -> Probe:  # shortfall 5 - 0.1 * log2(index): 0.1 per doubling
        calls.append(index)
        return Probe(index, False, 5 - 0.1 * math.log2(index))

    outcome = find_smallest(probe, start=1, min_improvement=0.2)
    assert calls == [1, 2]
    assert (outcome.index, outcome.reason) == (None, "plateau")


def test_plateau_when_shrinking_gains_cannot_close_the_gap():
    calls: list[int] = []

    def probe(index: int) -> Probe:  # shortfall 1 + 1/index: gains 0.5, 0.25, ...
        calls.append(index)
        return Probe(index, False, 1 + 1 / index)

    outcome = find_smallest(probe, start=1)
    # after 1 -> 2 -> 4 the gains 0.5, 0.25 (ratio 0.5) add up to at most 0.25 more,
    # less than half the remaining shortfall 1.25
    assert calls == [1, 2, 4]
    assert (outcome.index, outcome.reason) == (None, "plateau")


def test_shrinking_gains_that_can_close_the_gap_go_on():
    calls: list[int] = []

    def probe(index: int) -> Probe:  # shortfall 1/index - 1/16: met from 16
        calls.append(index)
        return Probe(index, index >= 16, 1 / index - 1 / 16)

    # at 4: gains 0.5, 0.25 may add 0.25 > 0.1875 / 2; at 8: 0.125 > 0.0625 / 2
    assert find_smallest(probe, start=1).index == 16
    assert calls == [1, 2, 4, 8, 16, 12, 14, 15]


def test_unknown_shortfalls_are_no_plateau():
    def probe(index: int) -> Probe:
        return Probe(index, index >= 16, float("inf"))

    assert find_smallest(probe, start=1, min_improvement=0.2).index == 16


def test_refine_upwards_gallops_then_bisects():
    calls: list[int] = []
    outcome = refine(threshold(14, calls), failing=5)
    # 6, 8, 12 fail, 20 passes; (12, 20]: 16 passes, 14 passes, 13 fails
    assert calls == [6, 8, 12, 20, 16, 14, 13]
    assert outcome.index == 14


def test_refine_downwards_gallops_then_bisects():
    calls: list[int] = []
    outcome = refine(threshold(6, calls), passing=20)
    # 19, 17, 13 pass, 5 fails; (5, 13]: 9 passes, 7 passes, 6 passes
    assert calls == [19, 17, 13, 5, 9, 7, 6]
    assert outcome.index == 6


def test_refine_respects_floor_and_cap():
    calls: list[int] = []
    assert refine(threshold(1, calls), passing=3, floor=2).index == 2
    assert calls == [2]
    calls.clear()
    outcome = refine(threshold(50, calls), failing=5, cap=9)
    assert calls == [6, 8, 9]
    assert (outcome.index, outcome.reason) == (None, "cap")


def test_refine_needs_exactly_one_end():
    with pytest.raises(ValueError, match="exactly one"):
        refine(threshold(3, []), failing=1, passing=5)
