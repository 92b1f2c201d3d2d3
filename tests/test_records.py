"""zsa_sim.records: a frozen record behaves as the frozen dataclass it replaces.

Every record is compared with a reference made by ``dataclasses`` itself from the same
fields: the same repr text, the same equality and the same hash (or the same refusal to
hash), for the synthetic classes below and for every object of the shipped BPMN models.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from zsa_sim.bpmn import model as bpmn
from zsa_sim.bpmn import read_bpmn
from zsa_sim.records import frozen_record

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def reference(cls: type) -> type:
    """The plain frozen dataclass with ``cls``'s fields (and its name, for the repr)."""
    specs = [
        (
            f.name,
            f.type,
            dataclasses.field(
                default=f.default,
                default_factory=f.default_factory,
                repr=f.repr,
                compare=f.compare,
                hash=f.hash,
                kw_only=f.kw_only,
            ),
        )
        for f in dataclasses.fields(cls)
    ]
    made = dataclasses.make_dataclass(cls.__name__, specs, frozen=True)
    made.__qualname__ = cls.__qualname__
    return made


def twin(obj: object) -> object:
    """The reference object with ``obj``'s field values."""
    cls = reference(type(obj))
    return cls(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})


def _hash_or_error(obj: object) -> object:
    try:
        return hash(obj)
    except TypeError as err:
        return f"TypeError: {err}"


def assert_same_behaviour(a: object, b: object) -> None:
    """``a`` and ``b`` (records) compare, hash and print as their references do."""
    ra, rb = twin(a), twin(b)
    assert repr(a) == repr(ra)
    assert _hash_or_error(a) == _hash_or_error(ra)
    assert (a == b) == (ra == rb)
    assert (a != b) == (ra != rb)
    assert a == copy.copy(a)
    assert (a == object()) is False


@frozen_record()
class Point:
    """A record with positional fields."""

    x: float
    y: float = 0.0


@frozen_record(kw_only=True)
class Shape:
    """A keyword-only record with a field left out of repr and comparison."""

    name: str
    points: tuple[Point, ...] = ()
    note: str = dataclasses.field(default="", repr=False, compare=False)
    weight: float = dataclasses.field(default=1.0, hash=False)


@frozen_record(kw_only=True)
class Polygon(Shape):
    """A subclass with a field of its own."""

    closed: bool = True


@frozen_record(kw_only=True)
class Square(Polygon):
    """A subclass without fields of its own."""


@frozen_record(slots=True)
class Tag:
    """A record with slots."""

    label: str
    extra: dict = dataclasses.field(default_factory=dict)


def test_records_repr_compare_and_hash_as_frozen_dataclasses() -> None:
    p, q = Point(1.0, 2.0), Point(1.0)
    assert repr(p) == "Point(x=1.0, y=2.0)"
    assert_same_behaviour(p, q)
    assert_same_behaviour(p, Point(1.0, 2.0))
    s = Shape(name="s", points=(p, q), note="left out", weight=2.0)
    assert repr(s) == (
        "Shape(name='s', points=(Point(x=1.0, y=2.0), Point(x=1.0, y=0.0)), weight=2.0)"
    )
    assert_same_behaviour(s, Shape(name="s", points=(p, q), note="other", weight=2.0))
    assert s == Shape(name="s", points=(p, q), note="other", weight=2.0)  # note: no compare
    assert hash(s) == hash(Shape(name="s", points=(p, q), weight=3.0))  # weight: no hash
    poly, square = Polygon(name="p", closed=False), Square(name="p", closed=False)
    assert repr(square) == "Square(name='p', points=(), weight=1.0, closed=False)"
    assert_same_behaviour(poly, square)
    assert poly != square  # another class: never equal, as with dataclasses
    assert_same_behaviour(square, Square(name="p", closed=False))
    tag = Tag("t")
    assert_same_behaviour(tag, Tag("t", {"a": 1}))
    assert _hash_or_error(tag).startswith("TypeError: unhashable type")  # type: ignore[union-attr]


def test_records_stay_frozen_picklable_and_replaceable() -> None:
    s = Square(name="s", points=(Point(1.0),))
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
        s.name = "t"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'label'"):
        Tag("t").label = "u"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(s)) == s
    assert pickle.loads(pickle.dumps(Tag("t"))) == Tag("t")
    assert dataclasses.replace(s, name="t") == Square(name="t", points=(Point(1.0),))
    assert Point.__match_args__ == ("x", "y")
    assert Square.__doc__ == "A subclass without fields of its own."


def test_a_record_that_contains_itself_prints_dots() -> None:
    tag = Tag("t")
    tag.extra["self"] = tag
    assert repr(tag) == "Tag(label='t', extra={'self': ...})"


def _model_objects(definitions: bpmn.Definitions) -> Iterator[object]:
    """Every record of a process model: definitions, processes, nodes, flows, lanes..."""
    yield definitions
    yield from definitions.participants
    yield from definitions.message_flows
    if definitions.diagram is not None:
        yield definitions.diagram
        yield from list(definitions.diagram.shapes.values())[:20]
    processes = [*definitions.processes.values(), *definitions.called_processes.values()]
    while processes:
        process = processes.pop()
        yield process
        yield from process.flows.values()
        yield from process.lanes
        for node in process.nodes.values():
            yield node
            for name in ("definition", "loop"):
                part = getattr(node, name, None)
                if part is not None:
                    yield part
                    if getattr(part, "timer", None) is not None:
                        yield part.timer
            if isinstance(node, bpmn.SubProcess):
                processes.append(node.body)


@pytest.mark.parametrize("name", ["wohngeld.bpmn", "hundehaltung.bpmn"])
def test_every_object_of_a_shipped_model_behaves_as_its_dataclass(name: str) -> None:
    definitions = read_bpmn(ROOT / "processes" / name)
    objects = list(_model_objects(definitions))
    kinds = {type(o) for o in objects}
    assert {bpmn.Task, bpmn.ExclusiveGateway, bpmn.SequenceFlow, bpmn.Lane} <= kinds
    for obj, other in zip(objects, objects[1:] + objects[:1], strict=True):
        assert_same_behaviour(obj, other)
        assert_same_behaviour(obj, copy.copy(obj))


def test_a_scenarios_records_behave_as_their_dataclasses() -> None:
    """The organisation's pools and routes, the service model and the findings."""
    from zsa_sim.bpmn.validate import Finding
    from zsa_sim.scenario import load_scenario
    from zsa_sim.scenario.build import organisation
    from zsa_sim.scenario.checks import check_scenario
    from zsa_sim.scenario.service_model import ServiceModel

    scenario = load_scenario(ROOT / "scenarios" / "pilot.yaml")
    org = organisation(scenario, "zentral")
    pools = list(org.pools.values())
    routes = [r for table in org.routes.values() for r in table.values()]
    assert len(pools) > 5 and len(routes) > 5
    for group in (pools, routes):
        for a, b in zip(group, group[1:] + group[:1], strict=True):
            assert_same_behaviour(a, b)
    models = [ServiceModel(scenario.definitions(key)) for key in scenario.services]
    assert_same_behaviour(models[0], models[-1])
    # the pilot is clean: two findings of our own beside whatever the checks say
    findings = [
        *check_scenario(scenario, include_models=True),
        Finding("warning", "a", "x"),
        Finding("error", "b", "y"),
    ]
    for a, b in zip(findings, findings[1:] + findings[:1], strict=True):
        assert_same_behaviour(a, b)


def test_a_simulation_setups_records_behave_as_their_dataclasses() -> None:
    """The engine's setup (pools, routing, services, sources, the setup itself)."""
    from zsa_sim.scenario import build_setup, load_scenario

    scenario = load_scenario(ROOT / "tests" / "data" / "scenarios" / "mini.yaml")
    setup = build_setup(scenario, "zentral", 0)
    other = build_setup(scenario, "dezentral", 0)
    assert_same_behaviour(setup, other)
    pools = list(setup.pools.values())
    assert_same_behaviour(pools[0], pools[-1])
    assert_same_behaviour(pools[0].discipline, pools[-1].discipline)
    routes = [r for table in setup.routing.values() for r in table.values()]
    assert_same_behaviour(routes[0], routes[-1])
    services = list(setup.services.values())
    assert_same_behaviour(services[0], services[-1])
    assert_same_behaviour(setup.sources[0], setup.sources[-1])
