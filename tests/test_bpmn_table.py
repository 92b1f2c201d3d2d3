"""The tables of ``zsa-sim inspect``: exact plain text, lane-inherited marks, no markup."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from zsa_sim.bpmn import read_bpmn
from zsa_sim.bpmn.table import inspect_model, render_plain, render_rich

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" exporter="Hand">
  <process id="P" name="Klein">
    <laneSet id="LS">
      <lane id="L_Zentral" name="Zentral">
        <extensionElements><camunda:properties>
          <camunda:property name="zsa:centralisable" value="true" />
        </camunda:properties></extensionElements>
        <flowNodeRef>S</flowNodeRef><flowNodeRef>A</flowNodeRef><flowNodeRef>G</flowNodeRef>
        <flowNodeRef>B</flowNodeRef><flowNodeRef>E</flowNodeRef>
        <childLaneSet id="LS2"><lane id="L_Team" name="Team [bold]">
          <flowNodeRef>B</flowNodeRef></lane></childLaneSet>
      </lane>
    </laneSet>
    <startEvent id="S" />
    <userTask id="A" name="Erfassen [red]" />
    <exclusiveGateway id="G" default="F3" />
    <userTask id="B" name="Entscheiden">
      <extensionElements><camunda:properties>
        <camunda:property name="zsa:decision" value="true" />
        <camunda:property name="zsa:centralisable" value="false" />
      </camunda:properties></extensionElements>
    </userTask>
    <endEvent id="E" />
    <sequenceFlow id="F1" sourceRef="S" targetRef="A" />
    <sequenceFlow id="F2" sourceRef="A" targetRef="G" />
    <sequenceFlow id="F3" sourceRef="G" targetRef="B" />
    <sequenceFlow id="F4" sourceRef="G" targetRef="E">
      <conditionExpression>${fertig}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="F5" sourceRef="B" targetRef="E" />
  </process>
</definitions>
"""


def _read(tmp_path: Path):
    path = tmp_path / "klein.bpmn"
    path.write_text(MODEL, encoding="utf-8")
    return read_bpmn(path)


def test_plain_rendering_exactly(tmp_path: Path) -> None:
    defs = _read(tmp_path)
    assert render_plain(inspect_model(defs)) == (
        f"File:          {defs.source}\n"
        "Exporter:      Hand\n"
        "Processes:     P (Klein)\n"
        "Main process:  P (the only process with a start event)\n"
        "Pools:         -\n"
        "Message flows: 0\n"
        "\n"
        "Process P (Klein): lanes\n"
        "lane       name         parent     role         marks\n"
        "---------  -----------  ---------  -----------  -------------\n"
        "L_Zentral  Zentral                 Zentral      centralisable\n"
        "L_Team     Team [bold]  L_Zentral  Team [bold]\n"
        "\n"
        "Process P (Klein): nodes\n"
        "id  name            type              lane       from  to    marks\n"
        "--  --------------  ----------------  ---------  ----  ----  -------------\n"
        "S                   startEvent        L_Zentral        A\n"
        "A   Erfassen [red]  userTask          L_Zentral  S     G     centralisable\n"
        "G                   exclusiveGateway  L_Zentral  A     B, E\n"
        "B   Entscheiden     userTask          L_Team     G     E     decision\n"
        "E                   endEvent          L_Zentral  G, B\n"
        "\n"
        "Process P (Klein): branches\n"
        "gateway  flow  to  condition\n"
        "-------  ----  --  ---------\n"
        "G        F3    B   default\n"
        "G        F4    E   ${fertig}\n"
    )


def test_rich_rendering_shows_model_text_verbatim(tmp_path: Path) -> None:
    buffer = io.StringIO()
    render_rich(inspect_model(_read(tmp_path)), Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert "Erfassen [red]" in text
    assert "Team [bold]" in text
    assert "${fertig}" in text


def test_no_main_process_is_shown_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "leer.bpmn"
    path.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">'
        '<process id="P"><task id="A" /></process></definitions>',
        encoding="utf-8",
    )
    summary = dict(inspect_model(read_bpmn(path)).summary)
    assert summary["Main process"] == "(none: no process has a start event)"


def test_notes_of_the_reader_are_shown(tmp_path: Path) -> None:
    path = tmp_path / "n.bpmn"
    path.write_text(
        MODEL.replace(
            "<flowNodeRef>S</flowNodeRef>",
            "<flowNodeRef>Gone</flowNodeRef><flowNodeRef>S</flowNodeRef>",
            1,
        ),
        encoding="utf-8",
    )
    summary = dict(inspect_model(read_bpmn(path)).summary)
    assert summary["Note"] == "lane 'L_Zentral': flowNodeRef 'Gone' refers to no element (ignored)"
