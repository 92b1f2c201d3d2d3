"""Arrivals: Poisson counts, monthly seasonality, channel shares; tolerances from theory.

Each check uses a fixed seed and a 99.9% band derived from the distribution the count
follows (Poisson or binomial; z = 3.29), so a correct generator fails it with
probability 0.001 for an arbitrary seed and never for the fixed one.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from zsa_sim.engine.setup import ArrivalBatch
from zsa_sim.errors import SimulationError
from zsa_sim.randomness import stream
from zsa_sim.scenario import scenario_from_data
from zsa_sim.synth.applicants import ARRIVAL_CHUNK, case_source, generate_applicants
from zsa_sim.synth.arrivals import draw_arrivals, expected_counts, month_bounds, segments
from zsa_sim.synth.profiles import density

Z = 3.29  # two-sided 99.9%
DAY = 1440.0


def scenario(**service_changes):
    service = {
        "bpmn": "unused.bpmn",
        "cases_per_1000": 100.0,
        "channels": {"online": 0.35, "paper": 0.65},
        "efforts": {},
        "applicants": {"generator": "generic", "missing_documents": [0.5, 0.5]},
        **service_changes,
    }
    return scenario_from_data(
        {
            "name": "synth",
            "period": {"start": "2026-01-01", "days": 365, "warmup_days": 31},
            "seed": 7,
            "calendars": {"c": {"hours": {"mon": ["08:00-16:00"]}}},
            "services": {"s": service},
            "municipalities": {
                "M": {
                    "population": 100_000,
                    "postcodes": ["06108"],
                    "services": ["s"],
                    "staff": {"clerk": 1},
                    "calendar": "c",
                    "cost_per_hour": 50,
                }
            },
            "variants": {"dezentral": {}},
        }
    )


def test_month_segments_cover_the_period_and_split_at_month_ends() -> None:
    pieces = segments(datetime(2025, 12, 17), 50 * DAY)
    assert [(s.start / DAY, s.stop / DAY, s.month, s.month_start / DAY) for s in pieces] == [
        (0.0, 15.0, 11, -16.0),
        (15.0, 46.0, 0, 15.0),
        (46.0, 50.0, 1, 46.0),
    ]


def test_segments_split_at_volume_changes_and_carry_their_factor() -> None:
    pieces = segments(datetime(2026, 1, 1), 59 * DAY, [(-DAY, 2.0), (10 * DAY, 4.0)])
    assert [(s.start / DAY, s.stop / DAY, s.factor) for s in pieces] == [
        (0.0, 10.0, 2.0),
        (10.0, 31.0, 4.0),
        (31.0, 59.0, 4.0),
    ]


def test_expected_counts_give_the_annual_volume_over_a_year() -> None:
    seasonality = [0.5, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 1.5]
    counts = expected_counts(1200.0, seasonality, segments(datetime(2026, 1, 1), 365 * DAY))
    assert counts.sum() == pytest.approx(1200.0)
    assert counts[0] == pytest.approx(50.0) and counts[11] == pytest.approx(150.0)


def test_arrival_count_matches_the_poisson_expectation() -> None:
    s = scenario()
    applicants = generate_applicants(s, "s", "M", 0)
    pieces = segments(s.period.epoch, s.period.arrivals_end)
    expected = expected_counts(10_000.0, [1.0] * 12, pieces).sum()  # 100/1000 * 100,000
    assert expected == pytest.approx(10_000 * 396 / 365, rel=0.01)
    assert abs(len(applicants) - expected) <= Z * math.sqrt(expected)


def test_arrivals_are_sorted_and_inside_the_period() -> None:
    s = scenario()
    times = generate_applicants(s, "s", "M", 0).times
    assert np.all(np.diff(times) >= 0)
    assert times[0] >= 0 and times[-1] < s.period.arrivals_end


def test_seasonality_is_respected_month_by_month() -> None:
    # A month gets factor/12 of the year whatever its length: January (factor 2) expects
    # twice February's count, so E[jan - 2 feb] = 0 and Var = E[jan] + 4 E[feb]
    # (independent Poisson counts).
    s = scenario(seasonality=[2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    times = generate_applicants(s, "s", "M", 0).times
    jan_start = s.period.warmup_days * DAY
    jan = np.count_nonzero((times >= jan_start) & (times < jan_start + 31 * DAY))
    feb = np.count_nonzero((times >= jan_start + 31 * DAY) & (times < jan_start + 59 * DAY))
    mean = s.services["s"].normalised_seasonality
    e_jan, e_feb = 10_000 * mean[0] / 12, 10_000 * mean[1] / 12
    assert abs(jan - e_jan) <= Z * math.sqrt(e_jan)
    assert abs(feb - e_feb) <= Z * math.sqrt(e_feb)
    assert abs(jan - 2 * feb) <= Z * math.sqrt(e_jan + 4 * e_feb)


def test_arrivals_within_a_month_are_uniform_with_the_uniform_profile() -> None:
    rng = stream(1, 0, "test")
    epoch = datetime(2026, 1, 1)
    first, days = month_bounds(epoch, 31 * DAY)
    uniform = density("uniform", first, epoch, days, {}, frozenset())
    times, _ = draw_arrivals(
        rng, 120_000.0, [1.0] * 12, segments(epoch, 31 * DAY), {"paper": 1.0}, {"paper": uniform}
    )
    first_half = np.count_nonzero(times < 15.5 * DAY)
    n = times.size
    assert abs(first_half - n / 2) <= Z * math.sqrt(n / 4)


def test_channel_shares_within_binomial_bounds() -> None:
    applicants = generate_applicants(scenario(), "s", "M", 0)
    n = len(applicants)
    online = np.count_nonzero(applicants.attributes["channel"] == "online")
    assert abs(online - 0.35 * n) <= Z * math.sqrt(n * 0.35 * 0.65)
    assert set(applicants.attributes["channel"]) == {"online", "paper"}


def test_same_seed_identical_other_replication_different() -> None:
    s = scenario()
    a, b = generate_applicants(s, "s", "M", 0), generate_applicants(s, "s", "M", 0)
    assert np.array_equal(a.times, b.times)
    assert all(np.array_equal(a.attributes[k], b.attributes[k]) for k in a.attributes)
    c = generate_applicants(s, "s", "M", 1)
    assert not np.array_equal(a.times[:100], c.times[:100])


def test_attribute_parameters_do_not_move_the_arrivals() -> None:
    # arrivals (with their channel) and attributes come from separate streams: changing
    # an attribute's parameters keeps the times and channels
    a = generate_applicants(scenario(), "s", "M", 0)
    b = generate_applicants(
        scenario(applicants={"generator": "generic", "missing_documents": [0.1, 0.9]}),
        "s",
        "M",
        0,
    )
    assert np.array_equal(a.times, b.times)
    assert np.array_equal(a.attributes["channel"], b.attributes["channel"])


def test_priority_expression_is_evaluated_per_applicant() -> None:
    applicants = generate_applicants(scenario(priority="missing_documents * 2"), "s", "M", 0)
    assert np.array_equal(applicants.priorities, applicants.attributes["missing_documents"] * 2.0)
    first = next(iter(applicants.arrivals()))
    assert first.priority == 2.0 * first.attributes["missing_documents"]


@pytest.mark.parametrize("priority", [None, "missing_documents * 2"])
def test_arrivals_converted_in_chunks_equal_the_whole_year_converted(priority) -> None:
    # issue 8: the columns stay numpy and become Python values a chunk at a time; the
    # arrivals must be those of converting the whole year at once, across chunk borders
    extra = {} if priority is None else {"priority": priority}
    applicants = generate_applicants(scenario(**extra), "s", "M", 0)
    assert len(applicants) > 20 * ARRIVAL_CHUNK
    names = list(applicants.attributes)
    columns = [applicants.attributes[name].tolist() for name in names]
    priorities = (
        applicants.priorities.tolist()
        if applicants.priorities is not None
        else [0.0] * len(applicants)
    )
    arrivals = list(applicants.arrivals())
    assert [a.index for a in arrivals] == list(range(len(applicants)))
    assert [a.time for a in arrivals] == applicants.times.tolist()
    assert [a.priority for a in arrivals] == priorities
    assert all(type(a.time) is float for a in arrivals)
    for arrival in arrivals:
        row = [column[arrival.index] for column in columns]
        expected = dict(zip(names, row, strict=True))
        assert arrival.attributes == expected
        assert all(type(v) is type(expected[k]) for k, v in arrival.attributes.items())


def test_arrivals_of_no_applicants_are_none() -> None:
    applicants = generate_applicants(scenario(cases_per_1000=1e-9), "s", "M", 0)
    assert len(applicants) == 0
    assert list(applicants.arrivals()) == []


@pytest.mark.parametrize("text", ["channel", "missing_documents + 1e400"])
def test_priority_that_is_no_finite_number_is_a_one_line_error(text) -> None:
    """Issue 14: a priority expression yielding text raised a raw ValueError."""
    with pytest.raises(
        SimulationError, match=r"services\.s\.priority: a priority must be a finite"
    ):
        generate_applicants(scenario(priority=text), "s", "M", 0)


def test_batches_are_the_arrivals_as_columns() -> None:
    # the engine's fast path: chunks of ARRIVAL_CHUNK rows, consecutive indices, the
    # same cases as the arrivals one by one (the source's too)
    s = scenario(priority="missing_documents * 2")
    applicants = generate_applicants(s, "s", "M", 0)
    batches = list(applicants.batches())
    assert [b.first_index for b in batches] == list(range(0, len(applicants), ARRIVAL_CHUNK))
    assert all(len(b.times) == ARRIVAL_CHUNK for b in batches[:-1])
    assert 0 < len(batches[-1].times) <= ARRIVAL_CHUNK
    assert all(list(b.attributes) == list(applicants.attributes) for b in batches)
    expanded = [a for b in batches for a in b.arrivals("s", "M")]
    assert expanded == list(applicants.arrivals())
    source = case_source(s, "s", "M", 0)
    assert source.batches is not None
    items = list(source.batches())
    assert all(isinstance(item, ArrivalBatch) for item in items)
    assert [a for b in items for a in b.arrivals("s", "M")] == list(source.arrivals())
