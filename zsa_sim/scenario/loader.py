"""Reading a scenario file: YAML, schema, BPMN models, cross-checks; one-line errors.

:func:`load_scenario` is what the CLI and the experiments call. It refuses a file that
cannot be simulated with a :class:`ScenarioError` whose message names the file and the
key path, e.g. ``scenarios/pilot.yaml: services.wohngeld.efforts.Task_Foo: unknown task
(known: ...)``. Relative paths in the file (the BPMN models) are resolved against the
file's folder. :func:`apply_changes` makes validated copies for parameter sweeps.

YAML is read with a subclass of PyYAML's ``SafeLoader`` (no Python objects, no code)
that also refuses duplicate keys, a common copy-paste slip that plain ``safe_load``
would silently resolve by keeping the last value.
"""

from __future__ import annotations

import copy
import errno
import os
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zsa_sim.bpmn.model import Definitions
from zsa_sim.errors import BpmnError, ScenarioError
from zsa_sim.scenario.messages import MAX_LISTED, describe_validation_error
from zsa_sim.scenario.schema import Scenario, ServiceSpec

#: Refuse larger files: a scenario is a few hundred lines.
MAX_BYTES = 2_000_000
#: Refuse YAML whose aliases expand to more nodes than this.
MAX_NODES = 200_000
#: How deep ``base:`` files may be chained.
MAX_BASE_DEPTH = 5
#: Refuse YAML nested deeper than this (a scenario needs about six levels); libyaml's
#: composer recurses in C and crashes the process on a few ten thousand levels.
MAX_DEPTH = 100


#: libyaml's parser when installed (ten times faster), else PyYAML's own; both safe.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses a key written twice in the same mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(
                key_node, yaml.ScalarNode
            ):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"key {key!r} is written twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and cross-check a scenario file; ScenarioError if unusable."""
    scenario = parse_scenario(path)
    refuse_errors(scenario)
    return scenario


def parse_scenario(path: str | Path) -> Scenario:
    """YAML and schema only (no BPMN): the first stage of :func:`load_scenario`."""
    path = Path(path)
    data, files = read_document(path)
    scenario = scenario_from_data(data, source=str(path), base_dir=path.parent)
    scenario._files = files
    return scenario


def read_document(path: Path, depth: int = 0) -> tuple[dict, list[Path]]:
    """The file's YAML mapping, merged over its ``base:`` file if it names one.

    A scenario may start from another with ``base: pilot.yaml`` (relative to the file)
    and state only what differs: mappings are merged key by key, everything else (lists,
    numbers, text) replaces the base's value. BPMN paths are resolved against the file
    that names them. Returns the merged mapping and the YAML files read, child first.
    """
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(
            "the file must be a mapping with keys name, period, calendars, services, "
            "municipalities, variants (see scenarios/pilot.yaml)",
            source=path,
        )
    data = resolve_paths(data, path.parent)
    base = data.pop("base", None)
    if base is None:
        return data, [path]
    if not isinstance(base, str):
        raise ScenarioError(f"base: a file name is expected, got {base!r}", source=path)
    if depth >= MAX_BASE_DEPTH:
        raise ScenarioError(f"base: more than {MAX_BASE_DEPTH} files chained", source=path)
    base_path = path.parent / base
    if not base_path.is_file():
        raise ScenarioError(f"base: {base_path}: {not_a_file(base_path)}", source=path)
    parent, files = read_document(base_path, depth + 1)
    return _merge(parent, data), [path, *files]


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml(path: Path) -> Any:
    """The YAML document of a file, or a one-line ScenarioError (with the line number)."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ScenarioError("is a directory, not a scenario file", source=path)
        if not path.is_file():  # a pipe would block for ever, /dev/zero fill the memory
            raise ScenarioError("not a regular file (a pipe or a device?)", source=path)
        if size > MAX_BYTES:
            raise ScenarioError(f"file too large ({size} bytes; limit {MAX_BYTES})", source=path)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ScenarioError("scenario file not found", source=path) from err
    except UnicodeDecodeError as err:
        raise ScenarioError(f"not UTF-8 text (byte {err.start})", source=path) from err
    except OSError as err:
        raise ScenarioError(f"cannot read: {err.strerror}", source=path) from err
    try:
        if _nesting(text) > MAX_DEPTH:
            raise ScenarioError(f"YAML nested more than {MAX_DEPTH} levels deep", source=path)
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = err.problem or err.context or "cannot parse"
        raise ScenarioError(f"{where}malformed YAML: {problem}", source=path) from err
    except yaml.YAMLError as err:
        raise ScenarioError(f"malformed YAML: {err}", source=path) from err
    except RecursionError as err:
        raise ScenarioError("malformed YAML: nested too deeply", source=path) from err
    except ValueError as err:  # e.g. an integer of more than 4,300 digits
        raise ScenarioError(f"malformed YAML: {err}", source=path) from err
    if _too_many_nodes(data):
        raise ScenarioError(f"YAML expands to more than {MAX_NODES} values", source=path)
    return data


def _nesting(text: str) -> int:
    """How deep collections nest, from the parser's events (which do not recurse)."""
    depth = deepest = 0
    try:
        for event in yaml.parse(text, Loader=_SafeBase):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > MAX_DEPTH:
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as err:
        # libyaml >= 0.2.5 stops at its own limit (1,000 levels) while scanning ahead,
        # before our count reaches MAX_DEPTH: the same finding, said the same way.
        if "nesting depth" in str(err.problem):
            return MAX_DEPTH + 1
        raise
    return deepest


def _too_many_nodes(data: Any) -> bool:
    count, stack = 0, [data]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def scenario_from_data(data: Any, source: str = "", base_dir: str | Path = ".") -> Scenario:
    """Validate a parsed YAML document; relative BPMN paths are taken from ``base_dir``."""
    if not isinstance(data, dict):
        raise ScenarioError(
            "the file must be a mapping with keys name, period, calendars, services, "
            "municipalities, variants (see scenarios/pilot.yaml)",
            source=source or None,
        )
    data = resolve_paths(data, Path(base_dir))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(describe_validation_error(err, data), source=source or None) from err
    scenario._source = source
    scenario._files = [Path(source)] if source else []
    return scenario


def not_a_file(path: Path) -> str:
    """Why ``path`` is no readable regular file, in words (for a one-line error).

    A pipe, a directory or a symbolic link loop is not "not found" (issue 14); the
    caller has checked ``path.is_file()`` already.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a loop of symbolic links"
        return f"cannot read: {err.strerror or err}"
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    return "not a regular file (a pipe or a device?)"


def _absolute(path: Path) -> Path:
    """``path`` made absolute, symbolic links resolved where they can be (a loop stays
    as it is written, and reading it later says so)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # a symbolic link loop
        return Path(os.path.abspath(path))


def resolve_paths(data: dict, base_dir: Path) -> dict:
    """The document with each service's BPMN path made absolute (from ``base_dir``)."""
    services = data.get("services")
    if not isinstance(services, dict):
        return data
    data = dict(data)
    data["services"] = {
        key: (
            {**spec, "bpmn": str(_absolute(base_dir / spec["bpmn"]))}
            if isinstance(spec, dict) and isinstance(spec.get("bpmn"), str | Path)
            else spec
        )
        for key, spec in services.items()
    }
    return data


def refuse_errors(scenario: Scenario) -> None:
    """Raise ScenarioError listing the cross-check errors, if any.

    A scenario found clean is remembered (by identity, with the input files it was
    checked with), so that :func:`~zsa_sim.scenario.build.build_setup`, which calls
    this for every variant and replication, checks a loaded scenario once, not once per
    replication. A scenario is frozen; a changed one is a new object and checked anew.
    """
    from zsa_sim.scenario.checks import check_scenario

    known = _CHECKED_CLEAN.get(id(scenario))
    if known is not None and known[0] is scenario and known[1] == tuple(scenario._files):
        return
    errors = [f for f in check_scenario(scenario) if f.severity == "error"]
    if errors:
        listed = "; ".join(f"{f.element_id}: {f.message}" for f in errors[:MAX_LISTED])
        more = len(errors) - MAX_LISTED
        if more > 0:
            listed += f"; and {more} more (zsa-sim validate lists all)"
        raise ScenarioError(listed, source=scenario.source or None)
    remember_clean(scenario)


def remember_clean(scenario: Scenario) -> None:
    """Note that ``scenario`` passed the cross-checks (see :func:`refuse_errors`)."""
    with _CHECKED_LOCK:  # the workbench loads scenarios in threads
        if len(_CHECKED_CLEAN) >= _CHECKED_CLEAN_MAX:
            _CHECKED_CLEAN.pop(next(iter(_CHECKED_CLEAN)))
        _CHECKED_CLEAN[id(scenario)] = (scenario, tuple(scenario._files))


#: id -> (the scenario itself, its input files) of scenarios found clean, oldest first;
#: holding the object keeps its id from being reused while it is listed.
_CHECKED_CLEAN: dict[int, tuple[Scenario, tuple[Path, ...]]] = {}
_CHECKED_CLEAN_MAX = 16
_CHECKED_LOCK = threading.Lock()


def read_service_model(scenario: Scenario, service: str) -> Definitions:
    """Read a service's BPMN file, as a ScenarioError naming the key if that fails."""
    from zsa_sim.bpmn.reader import read_bpmn

    path = scenario.services[service].bpmn
    key = f"services.{service}.bpmn"
    if not path.is_file():
        raise ScenarioError(
            f"{key}: BPMN file {path}: {not_a_file(path)}", source=scenario.source or None
        )
    try:
        definitions = read_bpmn(path)
    except BpmnError as err:
        raise ScenarioError(f"{key}: {err}", source=scenario.source or None) from err
    from zsa_sim.scenario.adapt import adapt_definitions

    return adapt_definitions(definitions, scenario.services[service])


def apply_changes(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A validated, cross-checked copy with values set by dotted key path.

    Every key but the last must exist (``zsa.staff`` needs a ``zsa`` section); the last
    may be new inside a map (a role's FTE) and is then checked like any other value.
    """
    source = scenario.source or None
    data = scenario.model_dump()
    for key_path, value in changes.items():
        parts = key_path.split(".")
        node: Any = data
        for depth, part in enumerate(parts[:-1]):
            node = _child(node, part)
            if node is None:
                where = ".".join(parts[: depth + 1])
                raise ScenarioError(f"{where}: no such key (changing {key_path!r})", source=source)
        last = parts[-1]
        if isinstance(node, list) and last.isdigit() and int(last) < len(node):
            node[int(last)] = copy.deepcopy(value)
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"{key_path}: cannot set a value here", source=source)
        ramp = isinstance(node.get(last), list) and _is_ramp(node[last])
        if ramp and not isinstance(value, list):
            raise ScenarioError(
                f"{key_path}: is a staff ramp (FTE from dates); a single number would replace "
                f"every step: vary one step's FTE instead, e.g. {key_path}.0.fte",
                source=source,
            )
        node[last] = copy.deepcopy(value)
    changed = scenario_from_data(data, source=scenario.source)
    changed._files = list(scenario._files)
    for key, spec in changed.services.items():
        old = scenario.services.get(key)
        if old is not None and _same_model(old, spec) and key in scenario._definitions:
            changed._definitions[key] = scenario._definitions[key]
    refuse_errors(changed)
    return changed


def _child(node: Any, part: str) -> Any:
    """A map's value or a list's item by a dotted key part (None if there is none)."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def _is_ramp(value: list) -> bool:
    """A list of staff steps ({since|from, fte}) as dumped from a scenario."""
    return bool(value) and all(isinstance(v, dict) and "fte" in v for v in value)


def _same_model(old: ServiceSpec, new: ServiceSpec) -> bool:
    """True when both specs read the same file and adapt it the same way."""
    fields = ("bpmn", "process", "roles", "default_role", "centralisable", "branches")
    return all(getattr(old, f) == getattr(new, f) for f in fields)
