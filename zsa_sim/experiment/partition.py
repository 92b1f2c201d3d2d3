"""Split one replication into simulations that share no staff (issue 19, scale).

Municipalities that share no staff pool cannot influence each other: a case waits only
for the staff of the pools its tasks are routed to, and every random draw is keyed by
purpose and applicant (:mod:`zsa_sim.randomness`), not by the order of events. In
"dezentral" every municipality is such a group on its own; in "zentral" and "hybrid" the
municipalities that joined the ZSA form one group with the ZSA's pools, the others stay
alone. Simulating each group by itself gives every case exactly the times it gets in
one joint simulation (SimPy orders events of equal time by their creation, and the
creation order of one group's events does not depend on the other groups), while the
event heap, the live generators and the draw cache of each simulation stay as small as
the group: the cost per case no longer grows with the number of municipalities.

What changes is the order of the rows in the event log: the rows of one group, in time
order, then those of the next group (groups in the order of their first case source).
Each group's rows are the rows of the joint run, and consumers of the log sort by case
and time anyway; the case table, the KPIs and the activity rows are unchanged.

Memory: a finished group's simulation (its SimPy environment, the generators of the
cases still open at the horizon, its staff calendars and its draw cache) is held
together by reference cycles, which only Python's cycle collector frees. Left to the
collector's own schedule, the full collection that reaches them comes rarely, so the
remains of many groups piled up: at 100k cases state-wide this was most of the growth of
resident memory per case (benchmarks/results.md, issue 19). :func:`simulate_groups`
therefore collects after each group of a split run.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import MISSING, fields, replace
from typing import TYPE_CHECKING

from zsa_sim.engine.setup import SimulationSetup

if TYPE_CHECKING:
    from zsa_sim.engine.simulation import SimulationResult
    from zsa_sim.eventlog.schema import EventLogSink

#: the setup fields this split knows how to divide (or to pass on whole); a setup with
#: another field set to a non-default value is simulated in one piece, because the split
#: cannot know whether that field ties groups together.
_KNOWN_FIELDS = frozenset(
    {
        "epoch",
        "horizon",
        "services",
        "pools",
        "routing",
        "sources",
        "seed",
        "replication",
        "variant",
        "attribute_names",
        "max_visits",
    }
)


def can_split(setup: SimulationSetup) -> bool:
    """False when the setup has fields this module does not know with non-default values."""
    for f in fields(setup):
        if f.name in _KNOWN_FIELDS:
            continue
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:  # a required field this module does not know
            return False
        if getattr(setup, f.name) != default:
            return False
    return True


def independent_setups(setup: SimulationSetup) -> list[SimulationSetup]:
    """The setup as simulations that share no staff pool, in the order of their sources.

    A group is a connected set of (service, municipality) streams and the pools their
    tasks are routed to. Pools that no task uses go with the first group (their capacity
    still counts in the KPIs). A setup that cannot be split is returned whole.
    """
    if not can_split(setup):
        return [setup]
    parent: dict[tuple[str, object], tuple[str, object]] = {}

    def find(node: tuple[str, object]) -> tuple[str, object]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a: tuple[str, object], b: tuple[str, object]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    stream_keys = [(s.service, s.municipality) for s in setup.sources]
    for key in stream_keys:
        find(("stream", key))
    for key, tasks in setup.routing.items():
        for routing in tasks.values():
            union(("stream", key), ("pool", routing.pool))
    # groups in the order of their first source; groups without a source (routing only)
    # after them, in routing order
    number_of: dict[tuple[str, object], int] = {}
    for key in [*stream_keys, *setup.routing]:
        number_of.setdefault(find(("stream", key)), len(number_of))
    if len(number_of) <= 1:
        return [setup]
    pools: list[dict] = [{} for _ in number_of]
    for pool, spec in setup.pools.items():
        node = ("pool", pool)
        pools[number_of[find(node)] if node in parent else 0][pool] = spec
    routing: list[dict] = [{} for _ in number_of]
    for key, tasks in setup.routing.items():
        routing[number_of[find(("stream", key))]][key] = tasks
    sources: list[list] = [[] for _ in number_of]
    for source in setup.sources:
        sources[number_of[find(("stream", (source.service, source.municipality)))]].append(source)
    parts = [
        replace(setup, pools=pools[n], routing=routing[n], sources=tuple(sources[n]))
        for n in range(len(number_of))
    ]
    return parts


def simulate_groups(setup: SimulationSetup, sink: EventLogSink) -> SimulationResult:
    """Simulate the setup's independent groups one after the other into ``sink``.

    Gives the result of the whole setup (:func:`combine_results`). Between the groups of
    a split run the cycle collector frees the finished group's simulation (see the
    module docstring); a setup that is one group costs no extra collection.
    """
    from zsa_sim import engine  # the engine is imported where a run needs it

    parts = independent_setups(setup)
    results = []
    for part in parts:
        results.append(engine.simulate(part, sink))
        if len(parts) > 1:
            gc.collect()
    return combine_results(setup, results)


def combine_results(
    setup: SimulationSetup, results: Sequence[SimulationResult]
) -> SimulationResult:
    """One result for the whole setup: counts added, pools in the setup's order."""
    if len(results) == 1:
        return results[0]
    from zsa_sim.engine.simulation import SimulationResult

    pools = {}
    for result in results:
        pools.update(result.pools)
    return SimulationResult(
        cases_started=sum(r.cases_started for r in results),
        cases_completed=sum(r.cases_completed for r in results),
        cases_open=sum(r.cases_open for r in results),
        pools={pool: pools[pool] for pool in setup.pools},
        events_processed=sum(r.events_processed for r in results),
        rows_written=sum(r.rows_written for r in results),
    )
