"""Settings shared by every test: the result cache lives in a temporary folder.

``zsa-sim run`` keeps finished replications in ``~/.cache/zsa-sim`` (see
:mod:`zsa_sim.experiment.cache`); the tests must not write into the user's home, and a
test must not be answered from what another test simulated (a test that patches the
engine would leave results that are not the code's). So the cache is on, as for a user,
but in a folder of its own per test, all below one temporary folder that is removed at
the end. Subprocesses (the CLI tests) inherit the setting through the environment.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

#: zsa_sim.experiment.cache.CACHE_ENV (not imported: conftest stays light)
CACHE_ENV = "ZSA_SIM_CACHE"
_ROOT = tempfile.mkdtemp(prefix="zsa-sim-test-cache-")
_NUMBERS = itertools.count()
# module- and session-scoped fixtures run before the per-test folder is set
os.environ[CACHE_ENV] = os.path.join(_ROOT, "shared")


@pytest.fixture(autouse=True)
def _result_cache_per_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(CACHE_ENV, os.path.join(_ROOT, f"test-{next(_NUMBERS)}"))
    yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_ROOT, ignore_errors=True)
