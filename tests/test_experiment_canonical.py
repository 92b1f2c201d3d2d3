"""The canonical digest: equal values give equal digests in every process, unequal
values differ, and what has no canonical form is refused (never guessed)."""

from __future__ import annotations

import enum
import subprocess
import sys
from array import array
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from zsa_sim.engine.setup import CaseArrival, CaseSource
from zsa_sim.experiment.canonical import (
    Uncachable,
    arrivals_digest,
    canonical_digest,
    canonical_form,
)

ROOT = Path(__file__).parents[1]


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class Other:
    x: float
    y: float


class Colour(enum.Enum):
    RED = 1
    GREEN = 2


def test_values_that_look_alike_are_told_apart() -> None:
    values = [1, 1.0, True, "1", None, 0.0, -0.0, (1,), [1], {"1": 1}, date(2026, 1, 1)]
    digests = {canonical_digest(v) for v in values}
    assert len(digests) == len(values)


def test_a_dataclass_is_its_class_and_fields() -> None:
    assert canonical_digest(Point(1.0, 2.0)) == canonical_digest(Point(1.0, 2.0))
    assert canonical_digest(Point(1.0, 2.0)) != canonical_digest(Point(2.0, 1.0))
    assert canonical_digest(Point(1.0, 2.0)) != canonical_digest(Other(1.0, 2.0))


def test_sets_do_not_depend_on_their_iteration_order() -> None:
    words = [f"word{i}" for i in range(50)]
    forward = frozenset(words)
    backward = set(reversed(words))
    assert canonical_form(forward) == canonical_form(backward)
    assert canonical_digest(forward) != canonical_digest(frozenset(words[1:]))


def test_mappings_keep_their_order_and_proxies_read_like_dicts() -> None:
    assert canonical_digest({"a": 1, "b": 2}) != canonical_digest({"b": 2, "a": 1})
    assert canonical_digest(MappingProxyType({"a": 1})) == canonical_digest(
        MappingProxyType({"a": 1})
    )


def test_dates_enums_arrays_and_numpy_values() -> None:
    assert canonical_digest(datetime(2026, 1, 1, 8)) != canonical_digest(datetime(2026, 1, 1, 9))
    assert canonical_digest(Colour.RED) != canonical_digest(Colour.GREEN)
    assert canonical_digest(Colour.RED) != canonical_digest(1)
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert canonical_digest(a) == canonical_digest(a.copy())
    assert canonical_digest(a) != canonical_digest(a.astype(np.float32))
    assert canonical_digest(a) != canonical_digest(a.reshape(3, 2))
    assert canonical_digest(np.float64(1.5)) != canonical_digest(1.5)
    assert canonical_digest(array("d", [1.0, 2.0])) != canonical_digest(array("d", [1.0, 2.5]))


@pytest.mark.parametrize(
    "value",
    [lambda: 1, object(), {"f": print}, np.array([object()]), Point(1.0, object())],
    ids=["lambda", "object", "builtin", "object-array", "nested"],
)
def test_what_has_no_canonical_form_is_refused(value) -> None:
    with pytest.raises(Uncachable, match="no canonical form"):
        canonical_digest(value)


def test_a_cycle_is_refused() -> None:
    loop: list = []
    loop.append(loop)
    with pytest.raises(Uncachable, match="nested too deeply"):
        canonical_digest(loop)


def arrival(index: int, **attributes) -> CaseArrival:
    return CaseArrival("antrag", "Adorf", index, 60.0 * index + 0.5, attributes)


def test_a_source_is_the_arrivals_it_produces() -> None:
    rows = [arrival(i, channel="paper", missing=i % 3) for i in range(5000)]
    same = CaseSource("antrag", "Adorf", lambda: iter(list(rows)))
    again = CaseSource("antrag", "Adorf", lambda: (r for r in rows))
    changed = [*rows[:-1], arrival(4999, channel="online", missing=1)]
    other = CaseSource("antrag", "Adorf", lambda: iter(changed))
    assert canonical_digest(same) == canonical_digest(again)
    assert canonical_digest(same) != canonical_digest(other)


def test_arrays_of_plain_python_values_are_told_apart_and_others_refused() -> None:
    texts = np.array(["paper", "online"], dtype=object)
    assert canonical_digest(texts) == canonical_digest(texts.copy())
    assert canonical_digest(texts) != canonical_digest(np.array(["paper", "post"], dtype=object))
    assert canonical_digest(texts) != canonical_digest(texts.reshape(2, 1))
    assert canonical_digest(np.array([1, "1"], dtype=object)) != canonical_digest(
        np.array(["1", 1], dtype=object)
    )
    # marshal would write a numpy scalar as its raw bytes, like a bytes value
    with pytest.raises(Uncachable):
        canonical_digest(np.array([np.float64(1.0)], dtype=object))


def test_a_source_with_a_fingerprint_is_keyed_by_it_and_falls_back_to_its_arrivals() -> None:
    rows = [arrival(i, channel="paper") for i in range(3)]
    columns = np.array([0.5, 60.5, 120.5])
    keyed = CaseSource("antrag", "Adorf", lambda: iter(rows), fingerprint=lambda: columns)
    other = CaseSource("antrag", "Adorf", lambda: iter(rows), fingerprint=lambda: columns + 1)
    assert canonical_digest(keyed) != canonical_digest(other)
    # not the same form as hashing the arrivals (no collision between the two ways)
    plain = CaseSource("antrag", "Adorf", lambda: iter(rows))
    assert canonical_digest(keyed) != canonical_digest(plain)
    # a fingerprint without a canonical form: the arrivals are hashed instead
    unkeyable = CaseSource("antrag", "Adorf", lambda: iter(rows), fingerprint=lambda: object())
    assert canonical_digest(unkeyable) == canonical_digest(plain)


def test_the_pilot_sources_are_keyed_by_their_columns() -> None:
    from zsa_sim.experiment.canonical import canonical_form
    from zsa_sim.scenario import build_setup, load_scenario

    setup = build_setup(load_scenario(ROOT / "tests/data/scenarios/mini.yaml"), "zentral", 0)
    forms = [canonical_form(source)[0] for source in setup.sources]
    assert forms and set(forms) == {"source-columns"}


def test_arrivals_with_numpy_attributes_take_the_generic_form() -> None:
    plain = [arrival(0, size=2)]
    numpy_valued = [arrival(0, size=np.int64(2))]
    assert arrivals_digest(numpy_valued) == arrivals_digest(list(numpy_valued))
    assert arrivals_digest(plain) != arrivals_digest(numpy_valued)
    with pytest.raises(Uncachable):
        arrivals_digest([arrival(0, f=len)])


_PROBE = """
import sys
from zsa_sim.experiment.canonical import canonical_digest
from zsa_sim.experiment.cache import replication_key
from zsa_sim.experiment.replication import ReplicationTask
from zsa_sim.scenario import load_scenario
scenario = load_scenario(sys.argv[1])
words = frozenset(f"w{i}" for i in range(100))
print(canonical_digest(words), replication_key(ReplicationTask(scenario, "zentral", 1)))
"""


def test_the_key_is_the_same_in_processes_with_other_hash_seeds() -> None:
    from zsa_sim.experiment.cache import replication_key
    from zsa_sim.experiment.replication import ReplicationTask
    from zsa_sim.scenario import load_scenario

    mini = ROOT / "tests" / "data" / "scenarios" / "mini.yaml"
    words = frozenset(f"w{i}" for i in range(100))
    here = replication_key(ReplicationTask(load_scenario(mini), "zentral", 1))
    found = {f"{canonical_digest(words)} {here}"}
    for seed in ("0", "4242"):
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "ZSA_SIM_CACHE": "off"}
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(mini)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=True,
        )
        found.add(done.stdout.strip())
    assert len(found) == 1
    _, key = found.pop().split()
    assert key != "None" and len(key) == 64
