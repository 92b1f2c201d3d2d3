"""Bad BPMN input cannot hurt the tool: random and mutated files, hostile XML, big files.

The only outcomes allowed for any input file are a model or the tool's own one-line
:class:`~zsa_sim.errors.ZsaError` (mostly a BpmnError), never another exception, a hang
or memory that grows out of proportion. A model that reads is then pushed through what
the commands do with it (validate, inspect, template) and simulated briefly with made-up
parameters, where again only a ZsaError may stop it.

Hypothesis feeds random bytes and mutations of the shipped and test models: elements
dropped, duplicated, renamed or moved, attributes dropped, renamed, emptied or pointed at
other ids, ids swapped, the file cut short. Each example has a deadline; the large
inputs are measured with tracemalloc.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from engine_models import EPOCH, SERVICE, TOWN, arrivals_at, pool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_probe import peak_memory

from zsa_sim.bpmn import (
    Definitions,
    ExclusiveGateway,
    InclusiveGateway,
    read_bpmn,
    validate_model,
)
from zsa_sim.bpmn import model as bpmn
from zsa_sim.bpmn.safe_xml import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH
from zsa_sim.bpmn.table import inspect_model, render_plain
from zsa_sim.engine import simulate
from zsa_sim.engine.distributions import Distribution
from zsa_sim.engine.setup import BranchRule, ServiceSetup, SimulationSetup, TaskRouting, WaitRule
from zsa_sim.errors import BpmnError, ZsaError
from zsa_sim.eventlog.schema import ListSink
from zsa_sim.scenario import template_for

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted(
    [*REPO.glob("processes/*.bpmn"), *REPO.glob("tests/data/bpmn/**/*.bpmn")],
    key=lambda p: p.name,
)
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: Per example: parsing the largest seed model takes milliseconds; five seconds leave
#: room for a loaded CI machine and still catch a hang or a super-linear blow-up.
DEADLINE = timedelta(seconds=5)
FUZZ = settings(
    max_examples=60,
    deadline=DEADLINE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def exercise(path: Path) -> str:
    """Read a file as the commands do; return what happened ('model' or 'error')."""
    try:
        definitions = read_bpmn(path)
    except BpmnError as err:
        assert "\n" not in str(err) and str(path) in str(err)
        return "error"
    findings = validate_model(definitions)
    assert all(f.severity in ("error", "warning") for f in findings)
    try:
        render_plain(inspect_model(definitions))
        template_for(definitions)
        simulate_briefly(definitions)
    except ZsaError as err:
        assert "\n" not in str(err)
    return "model"


def simulate_briefly(definitions: Definitions) -> None:
    """Run a few cases through the model with made-up efforts, branches and waits."""
    processes = [definitions.main_process, *definitions.called_processes.values()]
    nodes = [n for p in processes for n in p.walk()]
    flows = {f.id: f for p in processes for f in _all_flows(p)}
    efforts = {n.id: Distribution.fixed(10.0) for n in nodes if isinstance(n, bpmn.Task)}
    branches = {}
    for node in nodes:
        choosing = isinstance(node, ExclusiveGateway | InclusiveGateway) and len(node.outgoing) > 1
        if choosing and not any(flows[f].condition for f in node.outgoing if f in flows):
            choices = [f for f in node.outgoing if f != node.default_flow] or node.outgoing
            branches[node.id] = BranchRule({f: 1 / len(choices) for f in choices})
    waits = {
        n.id: WaitRule(Distribution.fixed(60.0), never=0.2)
        for n in nodes
        if isinstance(n, bpmn.IntermediateCatchEvent | bpmn.BoundaryEvent)
        and n.definition.kind in ("message", "signal", "conditional")
    }
    service = ServiceSetup(
        name=SERVICE,
        definitions=definitions,
        efforts=efforts,
        branches=branches,
        waits=waits,
    )
    setup = SimulationSetup(
        epoch=EPOCH,
        horizon=3 * 1440.0,
        services={SERVICE: service},
        pools={"pool": pool(fte=2)},
        routing={(SERVICE, TOWN): {t: TaskRouting("pool") for t in efforts}},
        sources=(arrivals_at([0, 30, 60, 90], ATTRIBUTES),),
        max_visits=20,
    )
    simulate(setup, ListSink())


#: Attributes the shipped models' conditions read.
ATTRIBUTES = {
    "channel": "online",
    "missing_documents": 1,
    "list_dog": False,
    "entitled": True,
    "kind": "a",
}


def _all_flows(process: bpmn.Process):
    yield from process.flows.values()
    for node in process.nodes.values():
        if isinstance(node, bpmn.SubProcess):
            yield from _all_flows(node.body)


def test_the_seed_models_read_and_simulate():
    assert len(SEEDS) >= 8
    outcomes = {path.name: exercise(path) for path in SEEDS if path.parent.name != "calls"}
    assert outcomes["hundehaltung.bpmn"] == outcomes["wohngeld.bpmn"] == "model"


@FUZZ
@given(data=st.binary(max_size=2_000))
def test_random_bytes(tmp_path, data):
    path = tmp_path / "random.bpmn"
    path.write_bytes(data)
    assert exercise(path) == "error" or data.strip().startswith(b"<")


@FUZZ
@given(
    text=st.text(
        alphabet=st.sampled_from(list("<>/=\"' ?!-:abcdefgiklnoprstxBDEFPST")), max_size=400
    )
)
def test_random_xml_like_text(tmp_path, text):
    path = tmp_path / "random.bpmn"
    path.write_text(f'<?xml version="1.0"?>\n{text}', encoding="utf-8")
    exercise(path)


# -- mutations of valid models ------------------------------------------------------------

_TAGS = ["task", "userTask", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
         "eventBasedGateway", "startEvent", "endEvent", "boundaryEvent", "subProcess",
         "callActivity", "sequenceFlow", "intermediateCatchEvent", "lane", "process",
         "definitions", "timerEventDefinition", "timeDuration", "conditionExpression",
         "unknownThing"]  # fmt: skip
_ATTRIBUTES = ["id", "sourceRef", "targetRef", "attachedToRef", "default", "calledElement",
               "cancelActivity", "processRef", "name", "isExecutable", "bpmnElement"]  # fmt: skip

mutation = st.tuples(
    st.sampled_from(
        [
            "drop",
            "duplicate",
            "rename",
            "move",
            "drop_attr",
            "rename_attr",
            "empty_attr",
            "point_attr",
            "garbage_attr",
            "swap_ids",
            "text",
        ]
    ),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from(_TAGS),
    st.sampled_from(_ATTRIBUTES),
    st.text(max_size=12),
)


def mutate(root: ElementTree.Element, op: str, i: int, j: int, tag: str, attr: str, junk: str):
    elements = list(root.iter())
    parents = {child: parent for parent in elements for child in parent}
    target = elements[i % len(elements)]
    other = elements[j % len(elements)]
    ids = [e.get("id") for e in elements if e.get("id")]
    parent = parents.get(target)
    if op == "drop" and parent is not None:
        parent.remove(target)
    elif op == "duplicate" and parent is not None:
        parent.insert(list(parent).index(target), copy.deepcopy(target))
    elif op == "rename":
        target.tag = f"{{{BPMN_NS}}}{tag}"
    elif op == "move" and parent is not None and other is not target and target not in other.iter():
        parent.remove(target)
        other.append(target)
    elif op == "drop_attr" and target.attrib:
        del target.attrib[sorted(target.attrib)[j % len(target.attrib)]]
    elif op == "rename_attr" and target.attrib:
        name = sorted(target.attrib)[j % len(target.attrib)]
        target.set(attr, target.attrib.pop(name))
    elif op == "empty_attr":
        target.set(attr, "")
    elif op == "point_attr" and ids:
        target.set(attr, ids[j % len(ids)])
    elif op == "garbage_attr":
        target.set(attr, junk)
    elif op == "swap_ids" and target.get("id") and other.get("id"):
        a, b = target.get("id"), other.get("id")
        target.set("id", b)
        other.set("id", a)
    elif op == "text":
        target.text = junk


@FUZZ
@given(
    seed=st.sampled_from([p for p in SEEDS if p.parent.name != "calls"]),
    mutations=st.lists(mutation, min_size=1, max_size=4),
    cut=st.one_of(st.none(), st.floats(0.0, 1.0)),
)
def test_mutated_models(tmp_path, seed, mutations, cut):
    root = ElementTree.parse(seed).getroot()  # the seeds are trusted test files
    for op in mutations:
        mutate(root, *op)
    data = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    if cut is not None:
        data = data[: math.floor(len(data) * cut)]
    path = tmp_path / seed.name
    path.write_bytes(data)
    exercise(path)


# -- hostile XML, large and deep files -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<?xml version="1.0" encoding="x-unknown"?><a/>', "cannot decode the file"),
        (b'<?xml version="1.0" encoding="UTF-7"?><a/>', "cannot decode the file"),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY % p "x"> %p;]><a/>', "DTDs and entities"),
        (
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "' + b"x" * 10_000 + b'">]><a>'
            + b"&e;" * 10_000 + b"</a>",
            "DTDs and entities",
        ),  # quadratic blow-up
        (b"<a>\x00</a>", "not well-formed"),
    ],
    ids=["unknown encoding", "multi-byte encoding", "parameter entity", "quadratic blow-up",
         "NUL byte"],
)  # fmt: skip
def test_hostile_xml_is_a_one_line_bpmn_error(tmp_path, data, message):
    path = tmp_path / "hostile.bpmn"
    path.write_bytes(data)
    with pytest.raises(BpmnError, match=message) as info:
        read_bpmn(path)
    assert "\n" not in str(info.value)


def test_xinclude_is_not_processed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    path = tmp_path / "xinclude.bpmn"
    path.write_text(
        f'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="{BPMN_NS}" '
        'xmlns:xi="http://www.w3.org/2001/XInclude"><bpmn:process id="P">'
        f'<bpmn:documentation><xi:include href="{secret}" parse="text"/></bpmn:documentation>'
        '<bpmn:startEvent id="S"/></bpmn:process></bpmn:definitions>',
        encoding="utf-8",
    )
    definitions = read_bpmn(path)
    assert "TOP SECRET" not in repr(definitions)


@pytest.mark.parametrize("kind", ["pipe", "device", "directory"])
def test_files_that_are_not_regular_files_are_refused_at_once(tmp_path, kind):
    path = tmp_path / "model.bpmn"
    if kind == "pipe":
        os.mkfifo(path)  # reading it would block for ever
    elif kind == "device":
        path.symlink_to("/dev/zero")  # reading it would never end
    else:
        path.mkdir()
    with pytest.raises(BpmnError, match=r"regular file|directory"):
        read_bpmn(path)


#: The reader reads a file with one ``read(limit + 1)`` call, which allocates a buffer of
#: the size limit for a moment whatever the file's size: every bound below includes it.
READ_BUFFER = DEFAULT_MAX_BYTES + 1


def test_an_oversized_file_is_refused_without_reading_it(tmp_path):
    """A sparse 1 GB file: refused on its size, before any byte is read (< 1 MB peak)."""
    path = tmp_path / "huge.bpmn"
    with open(path, "wb") as handle:
        handle.truncate(1 << 30)

    def read():
        with pytest.raises(BpmnError, match="more than the limit"):
            read_bpmn(path)

    assert peak_memory(read) < 1 << 20


def test_deep_nesting_is_refused_with_little_memory(tmp_path):
    """100,000 nested elements (0.7 MB): refused at depth 200; only the first 200
    elements are built, so beyond the read buffer the peak stays below 4 MB."""
    depth = 100_000
    path = tmp_path / "deep.bpmn"
    path.write_bytes(b"<a>" * depth + b"</a>" * depth)

    def read():
        with pytest.raises(BpmnError, match=f"more than {DEFAULT_MAX_DEPTH} levels"):
            read_bpmn(path)

    assert peak_memory(read) < READ_BUFFER + (4 << 20)


def big_model(tasks: int, text: int = 0) -> bytes:
    """A valid model: Start -> task_1 -> ... -> task_n -> End, with optional long text."""
    body = [f'<bpmn:startEvent id="S"><bpmn:documentation>{"x" * text}</bpmn:documentation>']
    body.append("</bpmn:startEvent>")
    chain = ["S", *(f"T{i}" for i in range(tasks)), "E"]
    body += [f'<bpmn:task id="T{i}"/>' for i in range(tasks)]
    body.append('<bpmn:endEvent id="E"/>')
    body += [
        f'<bpmn:sequenceFlow id="F{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(itertools.pairwise(chain))
    ]
    return (
        f'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="{BPMN_NS}">'
        f'<bpmn:process id="P">{"".join(body)}</bpmn:process></bpmn:definitions>'
    ).encode()


@pytest.mark.parametrize(
    ("tasks", "text", "factor"),
    [(0, 18_000_000, 2), (10_000, 0, 30)],
    ids=["18 MB of text", "10,000 tasks"],
)
def test_memory_stays_proportional_to_a_large_file(tmp_path, tasks, text, factor):
    """Beyond the read buffer, memory grows in proportion to the file: for a long text
    its bytes and the decoded string (2x), for many small elements the element tree and
    the frozen model (each short element becomes Python objects with attribute dicts,
    about 15x its bytes; the bound is 30x). A file of small elements at the 20 MB limit
    therefore costs about half a gigabyte and ten seconds: bounded, if not small."""
    data = big_model(tasks, text)
    assert len(data) < DEFAULT_MAX_BYTES
    path = tmp_path / "big.bpmn"
    path.write_bytes(data)
    result = {}
    peak = peak_memory(lambda: result.setdefault("model", read_bpmn(path)))
    assert len(result["model"].main_process.nodes) == tasks + 2
    assert peak < READ_BUFFER + factor * len(data), f"peak {peak / 1e6:.0f} MB"
