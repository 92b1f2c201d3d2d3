"""The initial backlog: open cases that already stand in the process on the first day.

``initial_state`` in a scenario says, per municipality, service and BPMN node, how many
open cases wait there when the run begins and how old they are. Each is a synthetic
applicant like any other (channel by the service's shares, attributes by its generator,
a priority by its expression), with the application date ``start - age``. The engine
puts its token on the node at time 0 and logs its start event at the application date
(:meth:`zsa_sim.engine.tokens.TokenFlow.resume_case`), so lead times count from the
real application and every KPI counts the case.

Backlog cases are numbered -1, -2, ... from the oldest (case ids ``...:B1``, ``...:B2``),
so their random draws never collide with the new applications' (0, 1, ...), and they
enter their queues oldest first. Ages, channels and attributes come from streams keyed
by seed, replication, service and municipality, not by variant: both variants start
from the same backlog (common random numbers). Ages below one minute count as one minute.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from zsa_sim.engine.setup import CaseArrival
from zsa_sim.randomness import stream
from zsa_sim.synth.common import categorical

if TYPE_CHECKING:
    from zsa_sim.scenario.schema import Scenario

#: Attribute that marks backlog cases in the event log (true) and new ones (false).
FROM_BACKLOG = "from_backlog"


@dataclass(frozen=True)
class Backlog:
    """Column-wise backlog of one (service, municipality), oldest first."""

    service: str
    municipality: str
    #: application times, minutes since the epoch (negative), ascending
    times: np.ndarray
    #: node id per case
    nodes: np.ndarray
    attributes: Mapping[str, np.ndarray]
    priorities: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.times.size)

    def arrivals(self) -> Iterator[CaseArrival]:
        """The backlog as engine arrivals with their node, indices -1, -2, ..."""
        names = list(self.attributes)
        columns = [self.attributes[name].tolist() for name in names]
        priorities = self.priorities.tolist() if self.priorities is not None else [0.0] * len(self)
        times, nodes = self.times.tolist(), self.nodes.tolist()
        for k, (time, node) in enumerate(zip(times, nodes, strict=True)):
            yield CaseArrival(
                service=self.service,
                municipality=self.municipality,
                index=-(k + 1),
                time=time,
                attributes={name: column[k] for name, column in zip(names, columns, strict=True)},
                priority=priorities[k],
                node=node,
            )


def has_backlog(scenario: Scenario) -> bool:
    """True when the scenario states any initial backlog (then every applicant carries
    the ``from_backlog`` attribute)."""
    return any(
        spec.cases for services in scenario.initial_state.values()
        for nodes in services.values() for spec in nodes.values()
    )  # fmt: skip


def generate_backlog(
    scenario: Scenario, service: str, municipality: str, replication: int
) -> Backlog:
    """The initial backlog of one (service, municipality) in one replication."""
    from zsa_sim.synth.applicants import priorities_of

    spec = scenario.services[service]
    nodes_spec = scenario.initial_state.get(municipality, {}).get(service, {})
    ages: list[np.ndarray] = []
    nodes: list[np.ndarray] = []
    for node_id in sorted(nodes_spec):
        entry = nodes_spec[node_id]
        rng = stream(scenario.seed, replication, "backlog", service, municipality, node_id)
        ages.append(np.asarray(entry.age.minutes().sample(rng, entry.cases), dtype=float))
        nodes.append(np.full(entry.cases, node_id, dtype=object))
    age = np.concatenate(ages) if ages else np.empty(0)
    node = np.concatenate(nodes) if nodes else np.empty(0, dtype=object)
    order = np.argsort(-age, kind="stable")  # oldest first
    times = -np.maximum(age[order], 1.0)
    node = node[order]
    n = int(times.size)
    rng = stream(scenario.seed, replication, "backlog-attributes", service, municipality)
    channels = np.array(list(spec.channels), dtype=object)
    attributes: dict[str, np.ndarray] = {
        "channel": channels[categorical(rng, list(spec.channels.values()), n)]
    }
    attributes.update(spec.applicants.draw(rng, n))
    attributes[FROM_BACKLOG] = np.ones(n, dtype=bool)
    return Backlog(
        service,
        municipality,
        times,
        node,
        attributes,
        priorities_of(scenario, service, attributes, times),
    )
