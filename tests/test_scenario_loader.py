"""Reading scenario files: YAML problems as one line with the line number; key paths."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zsa_sim.errors import ScenarioError
from zsa_sim.scenario import build_setup, load_scenario
from zsa_sim.scenario.loader import MAX_NODES, read_yaml, refuse_errors, scenario_from_data
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


# -- property: bad values give the tool's own error, never a crash ------------------------

DATA = Path(__file__).parent / "data" / "scenarios"
_BASE = yaml.safe_load((DATA / "mini.yaml").read_text(encoding="utf-8"))
_BASE["services"]["antrag"]["bpmn"] = str(DATA / "mini.bpmn")


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_PATHS = _paths(_BASE)
_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["all", "${x ==}", "a.b", "06108", "2026-13-01"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _VALUES), min_size=1, max_size=3))
def test_mutated_scenarios_load_and_build_or_fail_with_a_scenario_error(mutations) -> None:
    data = copy.deepcopy(_BASE)
    for path, value in mutations:
        node = data
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        scenario = scenario_from_data(data, source="fuzz.yaml")
        refuse_errors(scenario)
        for variant in scenario.variants:
            for source in build_setup(scenario, variant, 0).sources:
                for _ in source.arrivals():
                    pass
    except ScenarioError as err:
        assert "\n" not in str(err)


# -- a scenario found clean is not checked again (issue 19: validate and run start-up) ----


def test_a_clean_scenario_is_cross_checked_once_not_per_variant_and_replication(
    monkeypatch,
) -> None:
    import zsa_sim.scenario.checks as checks

    scenario = load_scenario(DATA / "mini.yaml")
    checked: list[object] = []
    real = checks.check_scenario
    monkeypatch.setattr(
        checks, "check_scenario", lambda s, **kw: checked.append(s) or real(s, **kw)
    )
    for variant in scenario.variants:
        for replication in (0, 1):
            build_setup(scenario, variant, replication)
    assert checked == []
    # a changed copy is another object: checked anew (once)
    changed = scenario.with_changes({"seed": 7})
    build_setup(changed, "zentral", 0)
    assert checked == [changed]
    # other input files than when it was found clean: checked again
    changed._files = [*changed._files, DATA / "ramp_mini.yaml"]
    build_setup(changed, "zentral", 0)
    assert checked == [changed, changed]


def test_a_scenario_with_errors_is_refused_every_time() -> None:
    data = copy.deepcopy(_BASE)
    data["municipalities"][next(iter(data["municipalities"]))]["calendar"] = "nirgends"
    scenario = scenario_from_data(data, source="bad.yaml")
    for _ in range(2):
        with pytest.raises(ScenarioError, match="nirgends"):
            refuse_errors(scenario)
