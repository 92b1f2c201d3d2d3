"""Other work on the same staff: change notices, recalculations, objections, enquiries.

A Wohngeld clerk does not only decide new applications: change notices, quarterly data
matching and its follow-ups, repayment claims, objections and status enquiries take a
large share of her time (facts: the benchmark of ~30 applications per FTE and month
includes them). This work is not the modelled process, but it competes for the same
staff: each :class:`~zsa_sim.engine.setup.OtherWorkSpec` of a pool is a stream of work
items that queue with the cases and occupy a member for their effort.

Items are not cases: they write no event-log rows and count in no case KPI. The
working minutes they take are kept per pool and calendar day (by the day the item was
begun, like the cases' work) and reported as a separate share of the pool's
utilisation. Their random numbers come from streams keyed by pool and stream name
(``("other_work", pool, name)``), so variants that keep a pool see the same items.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from zsa_sim.engine.calendar import MINUTES_PER_DAY
from zsa_sim.engine.kernel import Held, TokenProcess
from zsa_sim.engine.setup import OtherWorkSpec
from zsa_sim.engine.staff import StaffPool
from zsa_sim.randomness import stream


class OtherWorkItem:
    """One piece of other work; quacks like a case for the pool's queue discipline."""

    __slots__ = ("arrival", "attributes", "deadline", "id", "priority")

    #: per-clerk queues assign it by a drawn initial (it has no applicant attributes)
    drawn_initial = True

    def __init__(self, item_id: str, arrival: float) -> None:
        self.id = item_id
        self.arrival = arrival
        #: earliest deadline first: an item is due when it arrives
        self.deadline = arrival
        self.attributes: dict[str, Any] = {}
        self.priority = 0.0


class OtherWork:
    """The other-work streams of one pool and the minutes they took, by calendar day."""

    def __init__(
        self,
        env: simpy.Environment,
        pool: StaffPool,
        specs: tuple[OtherWorkSpec, ...],
        seed: int,
        replication: int,
        days: int,
    ) -> None:
        self.env = env
        self.pool = pool
        self.specs = specs
        self.seed = seed
        self.replication = replication
        #: effort of other work begun on each calendar day (index 0 = the epoch's day)
        self.minutes_by_day = np.zeros(days)
        #: effort of items still waiting for a member
        self.queued = 0.0

    def start(self, horizon: float) -> None:
        """Start one arrival process per stream."""
        for spec in self.specs:
            TokenProcess(self.env, self._arrivals(spec, horizon))

    def _arrivals(self, spec: OtherWorkSpec, horizon: float) -> Generator:
        env = self.env
        times = stream(self.seed, self.replication, "other_work", self.pool.id, spec.name)
        efforts = stream(self.seed, self.replication, "other_work_effort", self.pool.id, spec.name)
        if spec.interval is not None:
            gap = spec.interval
            t = gap / 2
        else:
            gap = 0.0
            t = float(times.exponential(1.0 / spec.rate))
        # a fixed effort draws nothing: its value, without a numpy array per item
        # (other work took a few per cent of a pilot replication's CPU, issue 19)
        fixed = float(spec.effort.params["value"]) if spec.effort.kind == "fixed" else None
        number = 0
        # the items' processes start when this one waits (as the arrivals of cases do)
        held = Held()
        while t < horizon:
            yield held.wait(env, t - env.now)
            effort = fixed if fixed is not None else float(spec.effort.sample(efforts, 1)[0])
            if spec.paused and any(begin <= t < end for begin, end in spec.paused):
                # no contact with the public now: the item does not arise (its random
                # numbers are drawn all the same, so the other items stay as they were)
                t += gap if spec.interval is not None else float(times.exponential(1 / spec.rate))
                continue
            item = OtherWorkItem(f"{self.pool.id}:{spec.name}:{number}", t)
            TokenProcess(env, self._work(item, effort), held)
            number += 1
            t += gap if spec.interval is not None else float(times.exponential(1.0 / spec.rate))
        held.release(env)

    def _work(self, item: OtherWorkItem, effort: float) -> Generator:
        env, pool = self.env, self.pool
        member = pool.acquire_for(item)
        if member is None:
            self.queued += effort
            entry = pool.enqueue(item.priority, item)
            member = yield entry[2]
            self.queued -= effort
        start = env.now
        day = int(start // MINUTES_PER_DAY)
        if day < len(self.minutes_by_day):
            self.minutes_by_day[day] += effort
        yield member.finish_time(start, effort) - start
        pool.release(member)
