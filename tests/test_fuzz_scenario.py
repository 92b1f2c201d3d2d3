"""Bad scenario input cannot hurt the tool: random and mutated YAML, hostile and big files.

The only outcomes allowed for any scenario file are a usable scenario or the tool's own
one-line :class:`~zsa_sim.errors.ZsaError` (mostly a ScenarioError), never another
exception, a hang, a crash or memory out of proportion. A scenario that loads is pushed
on through what the commands do with it: ``validate``, building every variant's setup,
writing its synthetic applicants and simulating a few days, where again only a ZsaError
may stop it.

Hypothesis feeds random text, random YAML documents, and mutations of the pilot scenario:
on its data (keys deleted, renamed or moved, values replaced by other types) and on its
text (cut short, lines deleted, duplicated or swapped, stray characters, indentation).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_probe import peak_memory

from zsa_sim.engine import simulate
from zsa_sim.errors import ScenarioError, ZsaError
from zsa_sim.eventlog.schema import ListSink
from zsa_sim.scenario import build_setup, load_scenario, validate_scenario_file
from zsa_sim.scenario.loader import MAX_BYTES, MAX_DEPTH
from zsa_sim.synth.export import write_synthetic_data

REPO = Path(__file__).resolve().parents[1]
PILOT_TEXT = (REPO / "scenarios" / "pilot.yaml").read_text(encoding="utf-8")
PILOT = yaml.safe_load(PILOT_TEXT)
#: A few simulated days after loading, so that a fuzzed scenario runs in a second.
SHORT = {"period.days": 2, "period.warmup_days": 0, "period.cooldown_days": 0}
#: Loading, checking and simulating two days of the pilot takes about a second; ten
#: leave room for a loaded CI machine and still catch a hang or a blow-up.
FUZZ = settings(
    max_examples=25,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scenarios folder next to the shipped process models, as in the repository."""
    (tmp_path / "processes").symlink_to(REPO / "processes")
    (tmp_path / "scenarios").mkdir()
    return tmp_path / "scenarios"


def exercise(path: Path) -> str:
    """Use a scenario file as the commands do; 'loaded' or 'error'."""
    try:
        findings = validate_scenario_file(path)
        assert all(f.severity in ("error", "warning") for f in findings)
    except ZsaError as err:
        assert "\n" not in str(err)
    try:
        scenario = load_scenario(path)
    except ZsaError as err:
        assert "\n" not in str(err) and str(path) in str(err)
        return "error"
    try:
        short = scenario.with_changes(SHORT)
        write_synthetic_data(short, path.parent / "synth", replication=0)
        for variant in short.variants:
            simulate(build_setup(short, variant, 0), ListSink())
    except ZsaError as err:
        assert "\n" not in str(err)
    return "loaded"


def test_the_pilot_scenario_loads_and_runs(folder):
    path = folder / "pilot.yaml"
    path.write_text(PILOT_TEXT, encoding="utf-8")
    assert exercise(path) == "loaded"


@FUZZ
@given(text=st.text(max_size=300))
def test_random_text(folder, text):
    path = folder / "random.yaml"
    path.write_text(text, encoding="utf-8")
    assert exercise(path) == "error"


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(
    document=st.dictionaries(
        st.sampled_from([*PILOT, "base", "other"]) | st.text(max_size=6), yaml_values, max_size=8
    )
)
def test_random_yaml_documents(folder, document):
    path = folder / "random.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert exercise(path) == "error"


# -- mutations of the pilot scenario --------------------------------------------------------


def _paths(node, prefix=()):
    """Every key path of a nested document, parents before children."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


PILOT_PATHS = list(_paths(PILOT))

data_mutation = st.tuples(
    st.sampled_from(["delete", "replace", "rename", "move", "copy"]),
    st.sampled_from(PILOT_PATHS),
    st.sampled_from(PILOT_PATHS),
    yaml_values,
    st.text(max_size=8),
)


def _get(document, path):
    for part in path:
        document = document[part]
    return document


def mutate_data(document, op, path, other, value, name):
    try:
        parent, key = _get(document, path[:-1]), path[-1]
        current = parent[key]
    except (KeyError, IndexError, TypeError):
        return  # an earlier mutation removed it
    if op == "delete":
        del parent[key]
    elif op == "replace":
        parent[key] = value
    elif op == "rename" and isinstance(parent, dict):
        parent[name] = parent.pop(key)
    elif op in ("move", "copy"):
        try:
            target = _get(document, other[:-1])
        except (KeyError, IndexError, TypeError):
            return
        if isinstance(target, dict) and target is not current:
            target[other[-1]] = current if op == "copy" else parent.pop(key)


@FUZZ
@given(mutations=st.lists(data_mutation, min_size=1, max_size=3))
def test_mutated_pilot_data(folder, mutations):
    document = yaml.safe_load(PILOT_TEXT)
    for mutation in mutations:
        mutate_data(document, *mutation)
    path = folder / "pilot.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    exercise(path)


LINES = PILOT_TEXT.splitlines(keepends=True)
#: Lines with content (mutating a comment would test nothing).
CONTENT = [i for i, line in enumerate(LINES) if line.strip() and not line.lstrip().startswith("#")]
text_mutation = st.tuples(
    st.sampled_from(["cut", "delete", "duplicate", "swap", "insert", "indent", "dedent"]),
    st.sampled_from(CONTENT),
    st.sampled_from(CONTENT),
    st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`, \t\n0aZ.")), max_size=3),
)


def mutate_text(lines: list[str], op: str, i: int, j: int, junk: str) -> list[str]:
    lines = list(lines)
    i, j = i % len(lines), j % len(lines)
    if op == "cut":
        return [*lines[:i], lines[i][: j % (len(lines[i]) + 1)]]
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(j, lines[i])
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "insert":
        at = j % (len(lines[i]) + 1)
        lines[i] = lines[i][:at] + junk + lines[i][at:]
    elif op == "indent":
        lines[i] = "  " + lines[i]
    elif op == "dedent":
        lines[i] = lines[i].lstrip(" ")
    return lines


@FUZZ
@given(mutations=st.lists(text_mutation, min_size=1, max_size=3))
def test_mutated_pilot_text(folder, mutations):
    lines = LINES
    for mutation in mutations:
        lines = mutate_text(lines, *mutation)
        if not lines:
            break
    path = folder / "pilot.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    exercise(path)


# -- hostile and large files ------------------------------------------------------------------


def refused(path: Path, match: str):
    def load():
        with pytest.raises(ScenarioError, match=match) as info:
            load_scenario(path)
        assert "\n" not in str(info.value)

    return load


def test_an_oversized_file_is_refused_without_reading_it(tmp_path):
    """A sparse 1 GB file: refused on its size before a byte is read (< 1 MB peak)."""
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(1 << 30)
    assert peak_memory(refused(path, "file too large")) < 1 << 20


def test_deep_nesting_is_refused_before_it_is_built(tmp_path):
    """50,000 nested lists (100 kB) once crashed the process in libyaml's composer; the
    loader now counts the depth from the parser's events and refuses it: the peak stays
    at the file's text and the parser's events (< 2 MB)."""
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 50_000 + "]" * 50_000, encoding="utf-8")
    assert peak_memory(refused(path, f"nested more than {MAX_DEPTH} levels")) < 2 << 20


def test_an_alias_bomb_is_refused_with_little_memory(tmp_path):
    """Nine levels of ten aliases each stand for 10⁹ values; PyYAML shares aliased
    objects, and the loader counts the expansion and refuses it (< 1 MB peak)."""
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\n", encoding="utf-8")
    assert peak_memory(refused(path, "expands to more than")) < 1 << 20


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("seed: " + "9" * 5_000 + "\n", "malformed YAML: Exceeds the limit"),
        ("name: !!python/object/apply:os.system ['true']\n", "could not determine a constructor"),
        ("a: 1\na: 2\n", "written twice"),
        ("\t- tab\n", "malformed YAML"),
    ],
    ids=["5000-digit integer", "python tag", "duplicate key", "tab"],
)
def test_hostile_yaml_is_a_one_line_scenario_error(tmp_path, text, match):
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    refused(path, match)()


@pytest.mark.parametrize(
    ("text", "values", "match"),
    [
        ("name: big\nseed:\n" + "".join(f"  - {i}\n" for i in range(40_000)), 40_000, "seed: "),
        ("name: '" + "x/" * 900_000 + "'\n", 1, "name: name 'x/x/"),
    ],
    ids=["40,000 list items", "a 1.8 MB name"],
)
def test_large_files_read_with_memory_in_proportion(tmp_path, text, values, match):
    """Memory grows with the file: its text a few times over (the bytes, the string, the
    parsed value and the validator's quotation of it: bound 5x) and about 1 kB per YAML
    value (the parser's node and the Python object; measured ~0.5 kB), which the loader's
    limits (2 MB, 200,000 values) keep bounded. The schema refuses the file with a
    message that quotes at most a few hundred characters of it."""
    assert len(text) < MAX_BYTES
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    messages = []

    def load():
        with pytest.raises(ScenarioError, match=match) as info:
            load_scenario(path)
        messages.append(str(info.value))

    assert peak_memory(load) < 5 * len(text) + 1_000 * values
    assert len(messages[0]) < 1_000 and "\n" not in messages[0]
