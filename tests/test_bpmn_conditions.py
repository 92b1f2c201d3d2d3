"""Conditions as tools write them: FEEL, probabilities as text, one condition only."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsa_sim.bpmn import read_bpmn, validate_model
from zsa_sim.bpmn.conditions import PROBABILITY_PROPERTY, feel_to_expression, number_of
from zsa_sim.engine.expressions import compile_expression


@pytest.mark.parametrize(
    ("feel", "expected"),
    [
        ("=amount > 500", "amount > 500"),
        ('= status = "ok" and not(urgent)', 'status == "ok" and not(urgent)'),
        ("=a != 1 or b >= 2 or c <= 3", "a != 1 or b >= 2 or c <= 3"),
        ('=name = "a=b"', 'name == "a=b"'),
        ("${x == 1}", None),
        ("==x", None),
    ],
)
def test_feel_to_expression(feel: str, expected: str | None) -> None:
    assert feel_to_expression(feel) == expected


def test_translated_feel_evaluates_like_feel() -> None:
    expression = compile_expression(feel_to_expression('= status = "ok" and not(urgent)'), "f")
    assert expression({"status": "ok", "urgent": False}) is True
    assert expression({"status": "ok", "urgent": True}) is False
    assert expression({"status": "no", "urgent": False}) is False


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.2", 0.2),
        (" 0,8 ", 0.8),
        ("${0.25}", 0.25),
        ("=0.5", 0.5),
        ("20%", 0.2),
        ("1", 1.0),
        (".5", 0.5),
        ("x > 0.2", None),
        ("true", None),
        ("", None),
        (None, None),
    ],
)
def test_number_of(text: str | None, value: float | None) -> None:
    assert number_of(text) == (pytest.approx(value) if value is not None else None)


def _gateway_file(tmp_path: Path, first: str, second: str) -> Path:
    def flow(fid: str, target: str, condition: str) -> str:
        body = f"<conditionExpression>{condition}</conditionExpression>" if condition else ""
        return f'<sequenceFlow id="{fid}" sourceRef="G" targetRef="{target}">{body}</sequenceFlow>'

    path = tmp_path / "g.bpmn"
    path.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="P">'
        '<startEvent id="S"/><exclusiveGateway id="G"/><task id="A"/><task id="B"/>'
        '<endEvent id="E"/><sequenceFlow id="F0" sourceRef="S" targetRef="G"/>'
        + flow("FA", "A", first)
        + flow("FB", "B", second)
        + '<sequenceFlow id="F3" sourceRef="A" targetRef="E"/>'
        '<sequenceFlow id="F4" sourceRef="B" targetRef="E"/></process></definitions>',
        encoding="utf-8",
    )
    return path


def test_probabilities_written_as_conditions_become_branch_probabilities(tmp_path: Path) -> None:
    defs = read_bpmn(_gateway_file(tmp_path, "0.2", "0.8"))
    flows = defs.main_process.flows
    assert (flows["FA"].condition, flows["FA"].properties[PROBABILITY_PROPERTY]) == (None, "0.2")
    assert (flows["FB"].condition, flows["FB"].properties[PROBABILITY_PROPERTY]) == (None, "0.8")
    assert defs.notes == (
        "gateway 'G': the conditions (FA: '0.2', FB: '0.8') are numbers; they are read as "
        "branch probabilities",
    )


def test_a_number_next_to_a_real_condition_is_an_error(tmp_path: Path) -> None:
    defs = read_bpmn(_gateway_file(tmp_path, "0.2", "${x}"))
    assert defs.main_process.flows["FA"].condition == "0.2"  # never read as "always true"
    errors = [f for f in validate_model(defs) if f.severity == "error"]
    assert [(f.element_id, f.message[:47]) for f in errors] == [
        ("G", "the conditions of flows FA are numbers, not con")
    ]


def test_feel_conditions_are_translated_and_the_original_kept(tmp_path: Path) -> None:
    defs = read_bpmn(_gateway_file(tmp_path, "=x = true", "=not(x)"))
    flow = defs.main_process.flows["FA"]
    assert flow.condition == "x == true"
    assert flow.properties["zsa:condition_as_written"] == "=x = true"


def test_bpsim_probabilities_of_a_split_without_conditions_are_used(tmp_path: Path) -> None:
    path = _gateway_file(tmp_path, "", "")
    text = path.read_text(encoding="utf-8").replace(
        "<definitions ", '<definitions xmlns:bpsim="http://www.bpsim.org/schemas/1.0" '
    )
    bpsim = "".join(
        f'<bpsim:ElementParameters elementRef="{fid}"><bpsim:ControlParameters>'
        f'<bpsim:Probability><bpsim:FloatingParameter value="{p}"/></bpsim:Probability>'
        "</bpsim:ControlParameters></bpsim:ElementParameters>"
        for fid, p in (("FA", "0.4"), ("FB", "60"))
    )
    text = text.replace(
        "</definitions>",
        '<relationship type="BPSimData"><extensionElements><bpsim:BPSimData>'
        f'<bpsim:Scenario id="Sc">{bpsim}</bpsim:Scenario></bpsim:BPSimData>'
        "</extensionElements></relationship></definitions>",
    )
    path.write_text(text, encoding="utf-8")
    defs = read_bpmn(path)
    flows = defs.main_process.flows
    assert flows["FA"].properties[PROBABILITY_PROPERTY] == "0.4"
    assert flows["FB"].properties[PROBABILITY_PROPERTY] == "0.6"
    assert defs.notes == ("gateway 'G': BPSim branch probabilities (FA: 0.4, FB: 0.6) are used",)
    assert [f for f in validate_model(defs) if "neither conditions" in f.message] == []
