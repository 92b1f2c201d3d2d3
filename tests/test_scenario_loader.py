"""Reading scenario files: YAML problems as one line with the line number; key paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import load_scenario
from zsa_sim.scenario.loader import MAX_NODES, read_yaml
from zsa_sim.scenario.messages import key_path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"fehlt\.yaml: scenario file not found"):
        load_scenario(tmp_path / "fehlt.yaml")


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nperiod:\n  start: 2026-01-01\n   days: 3\n")
    with pytest.raises(
        ScenarioError, match=r"s\.yaml: line 4, column 8: malformed YAML: mapping values"
    ):
        load_scenario(path)


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\nperiod:\n  days: 3\n  days: 4\n")
    with pytest.raises(
        ScenarioError, match=r"line 4, column 3: malformed YAML: key 'days' is written twice"
    ):
        load_scenario(path)


def test_the_document_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"s\.yaml: the file must be a mapping"):
        load_scenario(write(tmp_path, "- a\n- b\n"))


def test_python_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "name: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ScenarioError, match=r"malformed YAML: could not determine a constructor"):
        load_scenario(path)


def test_alias_expansion_is_bounded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)
    ]
    with pytest.raises(ScenarioError, match=rf"YAML expands to more than {MAX_NODES} values"):
        read_yaml(write(tmp_path, "\n".join(lines) + "\n"))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: M\xfcnchen\n")
    with pytest.raises(ScenarioError, match=r"not UTF-8 text"):
        load_scenario(path)


def test_key_path_leaves_out_union_tags_but_keeps_missing_keys() -> None:
    data = {"zsa": {"staff": -1}, "services": {"w": {"applicants": {"generator": "wohngeld"}}}}
    assert key_path(("zsa", "staff", "pooled"), data) == "zsa.staff"
    assert key_path(("services", "w", "applicants", "wohngeld", "x"), data, "extra_forbidden") == (
        "services.w.applicants.x"
    )
    assert key_path(("period",), {}, "missing") == "period"
    assert key_path(
        ("calendars", "c", "hours", "mon", 0), {"calendars": {"c": {"hours": {"mon": ["x"]}}}}
    ) == ("calendars.c.hours.mon.0")
