"""Corrupt results folders give one line, never a traceback (issue 14).

``summary.json`` whose ``scenario`` was no mapping, or nested 100,000 deep, gave
tracebacks. Hypothesis writes corrupt summaries: random JSON, and the summary of a
real run with entries replaced by other JSON values; every reader of a results folder
(the summary alone, and the report's loader of the whole folder) must end in a value or
a one-line ResultsError.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zsa_sim.errors import ResultsError
from zsa_sim.experiment.reading import MAX_SUMMARY_DEPTH, SUMMARY_SHAPE, load_summary
from zsa_sim.experiment.runner import RunOptions, run_experiment
from zsa_sim.report.loaders import load_results
from zsa_sim.scenario import load_scenario

MINI = Path(__file__).parent / "data" / "scenarios" / "mini.yaml"
SHORT = {"period.days": 10, "period.warmup_days": 0, "period.cooldown_days": 0}


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> Path:
    scenario = load_scenario(MINI).with_changes(SHORT)
    options = RunOptions(
        out_root=tmp_path_factory.mktemp("runs"), jobs=1, replications=2, report=False, xes="none"
    )
    return run_experiment(scenario, options).run_dir


def write_summary(folder: Path, value) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = value if isinstance(value, str) else json.dumps(value)
    (folder / "summary.json").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ({"scenario": "pilot"}, r"summary: 'scenario' is not a mapping"),
        ({"scenario": ["a"]}, r"summary: 'scenario' is not a mapping"),
        ({"kpis": {"a": 1}}, r"summary: 'kpis' is not a list"),
        ({"runs": [1, 2]}, r"summary: 'runs' holds entries that are no mappings"),
        ("[" * 100_000 + "]" * 100_000, rf"nests deeper than {MAX_SUMMARY_DEPTH} levels"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "nests deeper than"),
        ("[1, 2", "summary is not valid JSON"),
        ("[1, 2]", "summary is not a JSON object"),
    ],
    ids=["str", "list", "kpis", "runs", "deep-list", "deep-dict", "cut", "array"],
)
def test_corrupt_summaries_are_one_line_errors(tmp_path, content, pattern):
    write_summary(tmp_path, content)
    with pytest.raises(ResultsError, match=pattern) as info:
        load_summary(tmp_path)
    assert "\n" not in str(info.value) and len(str(info.value)) < 500


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    write_summary(tmp_path, {"scenario": {"description": "[" * 10_000}})
    assert load_summary(tmp_path)["scenario"]["description"] == "[" * 10_000


def test_the_summary_of_a_real_run_passes(real_run):
    summary = load_summary(real_run)
    assert all(isinstance(summary[key], kind) for key, kind in SUMMARY_SHAPE.items())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)
CORRUPT = settings(
    max_examples=25,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@CORRUPT
@given(value=json_values)
def test_random_json_as_summary_is_a_value_or_one_line(tmp_path_factory, value):
    folder = tmp_path_factory.mktemp("random")
    write_summary(folder, value)
    try:
        summary = load_summary(folder)
    except ResultsError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(summary, dict)


@CORRUPT
@given(data=st.data())
def test_a_real_summary_with_entries_replaced_loads_or_fails_in_one_line(
    real_run, tmp_path_factory, data
):
    """The report's loader reads the whole folder; replace entries of its summary at
    any depth of the ``scenario`` mapping or at the top."""
    folder = tmp_path_factory.mktemp("corrupt") / "run"
    shutil.copytree(real_run, folder)
    summary = json.loads((real_run / "summary.json").read_text(encoding="utf-8"))
    node = summary
    while True:
        keys = sorted(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and data.draw(st.booleans()):
            node = child
            continue
        node[key] = data.draw(json_values)
        break
    write_summary(folder, summary)
    try:
        load_results(folder)
    except ResultsError as err:
        assert "\n" not in str(err)
