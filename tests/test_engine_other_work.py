"""Other work on the same staff: items queue with the cases and are reported apart."""

from dataclasses import replace

from engine_models import arrivals_at, fixed, linear, pool, run, setup_for

from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import OtherWorkSpec


def test_other_work_every_interval_delays_the_cases_and_is_counted_per_day():
    # one item of 10 minutes every 100 minutes from minute 50: the case arriving at 55
    # waits for the item in hand until 60
    notices = OtherWorkSpec("change_notices", fixed(10), interval=100.0)
    spec = replace(pool("p"), other_work=(notices,))
    rows, result = run(
        setup_for(linear("A"), {"A": 10}, arrivals_at([55]), pools=[spec], horizon=1440 * 2)
    )
    task = [r for r in rows if r.resource]
    assert [(r.start, r.complete) for r in task] == [(60, 70)]
    stats = result.pools["p"]
    # items at 50, 150, ..., 2850: 14 begun on day 0 (up to 1350), 15 on day 1
    assert stats.other_work_minutes_by_day == (140.0, 150.0)
    assert stats.other_work_queued_minutes == 0.0
    assert len(rows) == 3  # start, task, end: the other work writes no rows


def test_other_work_as_poisson_arrivals_has_the_stated_mean_load():
    # 2 items an hour of 15 minutes: half the member's time over 50 days
    stream = OtherWorkSpec("objections", Distribution.exponential(15.0), rate=2 / 60)
    spec = replace(pool("p"), other_work=(stream,))
    _, result = run(
        setup_for(linear("A"), {"A": 10}, arrivals_at([]), pools=[spec], horizon=50 * 1440)
    )
    share = sum(result.pools["p"].other_work_minutes_by_day) / (50 * 1440)
    # 2,400 items: the load's standard error is about sqrt(2) * 0.5 / sqrt(2400) = 1.4 %
    assert abs(share - 0.5) < 0.06


def test_public_other_work_pauses_while_the_office_is_closed_to_the_public():
    # the same stream as above, no contact with the public before minute 1000: the items
    # at 50, ..., 950 never arise, those from 1050 on do
    enquiries = OtherWorkSpec("enquiries", fixed(10), interval=100.0, paused=((0.0, 1000.0),))
    spec = replace(pool("p"), other_work=(enquiries,))
    _, result = run(
        setup_for(linear("A"), {"A": 10}, arrivals_at([]), pools=[spec], horizon=1440 * 2)
    )
    assert result.pools["p"].other_work_minutes_by_day == (40.0, 150.0)
