"""Shared set-up of the validation suite (issue 7).

The suite's helpers live in ``validation_runs.py`` next to this file; the engine's test
helpers (``engine_models``, ``queueing_theory``) live one folder up, in ``tests/``. Pytest
puts only this folder on ``sys.path`` for the modules in it, so ``tests/`` is added here.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
