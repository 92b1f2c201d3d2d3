"""The one exception tree of zsa-sim.

Every error a user can cause (a bad BPMN file, a wrong scenario key, a model that
deadlocks) is a :class:`ZsaError`. Its message is a single line that names the file and
the element id or key path, so the CLI can print it as it is and exit with code 2. Only
the CLI turns these into ``click`` exceptions; library code raises them and chains the
cause with ``raise ... from err``.
"""

from __future__ import annotations

from pathlib import Path


class ZsaError(Exception):
    """Root of all errors that zsa-sim reports to its users."""

    def __init__(self, message: str, *, source: str | Path | None = None) -> None:
        self.source = str(source) if source is not None else None
        self.detail = message
        text = f"{self.source}: {message}" if self.source else message
        super().__init__(" ".join(text.split()))


class BpmnError(ZsaError):
    """A BPMN file cannot be read or contains something the engine cannot simulate."""


class ScenarioError(ZsaError):
    """A scenario file is missing, malformed or inconsistent with its BPMN models."""


class SimulationError(ZsaError):
    """The simulation cannot go on (a deadlocked join, a loop without end)."""


class ResultsError(ZsaError):
    """A results folder is missing, incomplete or cannot be written."""
