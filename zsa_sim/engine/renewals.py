"""Renewal applications: approved cases that come back a while after their approval.

A Wohngeld approval lasts 12 to 24 months (§ 25 WoGG); most households apply again
before it runs out. With a :class:`~zsa_sim.engine.setup.RenewalRule`, a case that ends
in the rule's end event with its condition true applies again with the rule's share,
after the rule's delay, as a new case of the same applicant.

A renewal's number is its parent's plus :data:`RENEWAL_STRIDE` (its case id is the
parent's with ``R1``, ``R2``, ... appended for the generation), so its random draws are
its own and the same in every variant; whether and when a case renews is drawn from the
case's own keys too. The *time* of the renewal follows the approval, which may differ
between variants: that is the point of it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from zsa_sim.engine.case import Case, case_id
from zsa_sim.engine.expressions import compile_expression

if TYPE_CHECKING:
    import simpy

    from zsa_sim.engine.graph import Graph, Node
    from zsa_sim.engine.setup import RenewalRule, SimulationSetup
    from zsa_sim.engine.tokens import TokenFlow

#: Added to a case's number for its renewal: generations never share draws with
#: first applications (fewer than 2**31 a stream) and stay inside the 32-bit block keys
#: of the draw table for a thousand generations.
RENEWAL_STRIDE = 1 << 32


def generation(index: int) -> tuple[int, int]:
    """``(first application's index, generation)`` of a case number (generation 0: new)."""
    g = (index + (RENEWAL_STRIDE >> 1)) // RENEWAL_STRIDE
    return index - g * RENEWAL_STRIDE, g


def renewal_case_id(service: str, municipality: str, index: int) -> str:
    """Case id of any case number, renewals as ``<parent id>R<generation>``."""
    base, g = generation(index)
    return case_id(service, municipality, base) + (f"R{g}" if g else "")


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)


class Renewals:
    """Watches cases end and starts their renewals (``TokenFlow.on_case_end``)."""

    def __init__(
        self,
        env: simpy.Environment,
        setup: SimulationSetup,
        flow: TokenFlow,
        draw: Callable[..., float],
        graphs: Mapping[tuple[str, str], Graph],
    ) -> None:
        self.env = env
        self.setup = setup
        self.flow = flow
        self.draw = draw
        self.graphs = graphs
        self.rules: dict[str, RenewalRule] = {
            key: s.renewal for key, s in setup.services.items() if s.renewal is not None
        }
        self.conditions = {
            key: compile_expression(rule.condition, f"services.{key}.renewals.condition")
            for key, rule in self.rules.items()
            if rule.condition is not None
        }
        self.started = 0

    def case_ended(self, case: Case, node: Node) -> None:
        """Schedule the renewal of an approved case, if it renews."""
        rule = self.rules.get(case.service)
        if rule is None or node.id != rule.end_event:
            return
        condition = self.conditions.get(case.service)
        if condition is not None and not condition(case.attributes):
            return
        key = (case.service, case.municipality)
        if self.draw(("renewal", *key), 1, case.index, _uniform) >= rule.share:
            return
        delay = self.draw(("renewal-delay", *key), 1, case.index, rule.delay.sample)
        at = self.env.now + delay
        if at < min(rule.until, self.setup.horizon):
            self.env.process(self._renew(case, at))

    def _renew(self, parent: Case, at: float) -> Generator:
        yield self.env.timeout(at - self.env.now)
        setup = self.setup
        attributes = dict(parent.attributes)
        if "from_backlog" in attributes:
            attributes["from_backlog"] = False  # the renewal is a new application
        index = parent.index + RENEWAL_STRIDE
        service, municipality = parent.service, parent.municipality
        case = Case(
            service,
            municipality,
            index,
            attributes,
            parent.priority,
            (
                renewal_case_id(service, municipality, index),
                service,
                municipality,
                setup.variant,
                setup.replication,
            ),
            tuple(attributes.get(name, "") for name in setup.attribute_names),
        )
        self.started += 1
        self.flow.start_case(case, self.graphs[(service, municipality)])
