"""The discrete-event engine: executes process models in SimPy and emits an event log.

Public API::

    from zsa_sim.engine import simulate, Simulation, SimulationResult
    result = simulate(setup, sink)

``setup`` is a :class:`~zsa_sim.engine.setup.SimulationSetup` (built by the scenario
layer or, in tests, by hand); ``sink`` receives one
:class:`~zsa_sim.eventlog.schema.ActivityRecord` per activity instance.

The names are imported lazily (PEP 562): :mod:`zsa_sim.eventlog.schema` imports
:mod:`zsa_sim.engine.setup`, and the engine imports the schema, so importing the
simulation eagerly here would make that a circular import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zsa_sim.lazy import lazy_exports

if TYPE_CHECKING:
    from zsa_sim.engine.case import case_id
    from zsa_sim.engine.expressions import Expression, compile_expression
    from zsa_sim.engine.simulation import PoolStats, Simulation, SimulationResult, simulate
    from zsa_sim.engine.timers import parse_cycle, parse_duration

_EXPORTS = {
    "Expression": "zsa_sim.engine.expressions",
    "PoolStats": "zsa_sim.engine.simulation",
    "Simulation": "zsa_sim.engine.simulation",
    "SimulationResult": "zsa_sim.engine.simulation",
    "case_id": "zsa_sim.engine.case",
    "compile_expression": "zsa_sim.engine.expressions",
    "parse_cycle": "zsa_sim.engine.timers",
    "parse_duration": "zsa_sim.engine.timers",
    "simulate": "zsa_sim.engine.simulation",
}

__all__ = [
    "Expression",
    "PoolStats",
    "Simulation",
    "SimulationResult",
    "case_id",
    "compile_expression",
    "parse_cycle",
    "parse_duration",
    "simulate",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
