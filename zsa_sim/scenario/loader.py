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
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from zsa_sim.bpmn.model import Definitions
from zsa_sim.errors import BpmnError, ScenarioError
from zsa_sim.scenario.schema import Scenario

#: Refuse larger files: a scenario is a few hundred lines.
MAX_BYTES = 2_000_000
#: Refuse YAML whose aliases expand to more nodes than this.
MAX_NODES = 200_000
#: How many errors the one-line message lists before "and N more".
MAX_LISTED = 3


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
    data = read_yaml(path)
    return scenario_from_data(data, source=str(path), base_dir=path.parent)


def read_yaml(path: Path) -> Any:
    """The YAML document of a file, or a one-line ScenarioError (with the line number)."""
    try:
        size = path.stat().st_size
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
    if _too_many_nodes(data):
        raise ScenarioError(f"YAML expands to more than {MAX_NODES} values", source=path)
    return data


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
    return scenario


def resolve_paths(data: dict, base_dir: Path) -> dict:
    """The document with each service's BPMN path made absolute (from ``base_dir``)."""
    services = data.get("services")
    if not isinstance(services, dict):
        return data
    data = dict(data)
    data["services"] = {
        key: (
            {**spec, "bpmn": str((base_dir / spec["bpmn"]).resolve())}
            if isinstance(spec, dict) and isinstance(spec.get("bpmn"), str | Path)
            else spec
        )
        for key, spec in services.items()
    }
    return data


def refuse_errors(scenario: Scenario) -> None:
    """Raise ScenarioError listing the cross-check errors, if any."""
    from zsa_sim.scenario.checks import check_scenario

    errors = [f for f in check_scenario(scenario) if f.severity == "error"]
    if errors:
        listed = "; ".join(f"{f.element_id}: {f.message}" for f in errors[:MAX_LISTED])
        more = len(errors) - MAX_LISTED
        if more > 0:
            listed += f"; and {more} more (zsa-sim validate lists all)"
        raise ScenarioError(listed, source=scenario.source or None)


def read_service_model(scenario: Scenario, service: str) -> Definitions:
    """Read a service's BPMN file, as a ScenarioError naming the key if that fails."""
    from zsa_sim.bpmn.reader import read_bpmn

    path = scenario.services[service].bpmn
    key = f"services.{service}.bpmn"
    if not path.is_file():
        raise ScenarioError(f"{key}: BPMN file not found: {path}", source=scenario.source or None)
    try:
        return read_bpmn(path)
    except BpmnError as err:
        raise ScenarioError(f"{key}: {err}", source=scenario.source or None) from err


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
            if not isinstance(node, dict) or part not in node or node[part] is None:
                where = ".".join(parts[: depth + 1])
                raise ScenarioError(f"{where}: no such key (changing {key_path!r})", source=source)
            node = node[part]
        if not isinstance(node, dict):
            raise ScenarioError(f"{key_path}: cannot set a value here", source=source)
        node[parts[-1]] = copy.deepcopy(value)
    changed = scenario_from_data(data, source=scenario.source)
    for key, spec in changed.services.items():
        old = scenario.services.get(key)
        if old is not None and old.bpmn == spec.bpmn and key in scenario._definitions:
            changed._definitions[key] = scenario._definitions[key]
    refuse_errors(changed)
    return changed


# -- pydantic errors as key paths -----------------------------------------------------------


def describe_validation_error(err: ValidationError, data: Any) -> str:
    """pydantic's errors as ``key.path: message`` parts joined by '; '."""
    problems = schema_problems(err, data)
    parts = [f"{path}: {message}" if path else message for path, message in problems]
    if len(parts) > MAX_LISTED:
        parts = [
            *parts[:MAX_LISTED],
            f"and {len(parts) - MAX_LISTED} more (zsa-sim validate lists all)",
        ]
    return "; ".join(parts)


def schema_problems(err: ValidationError, data: Any) -> list[tuple[str, str]]:
    """Every pydantic error as (key path, message)."""
    return [
        (key_path(error["loc"], data, error["type"]), _message(error, data))
        for error in err.errors(include_url=False)
    ]


def key_path(loc: tuple, data: Any, error_type: str = "") -> str:
    """The dotted path of an error location, leaving out pydantic's union tags.

    A location part is kept when it is a key (or index) of the input at that point; a
    part that is not (a union member's tag) is dropped, except a missing key at the end.
    """
    kept: list[str] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            kept.append(str(part))
            node = node[part]
        elif i == len(loc) - 1 and error_type in ("missing", "extra_forbidden"):
            kept.append(str(part))
    return ".".join(kept)


def _message(error: Mapping[str, Any], data: Any) -> str:
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    value = error.get("input")
    if kind == "missing":
        return "required key missing"
    if kind == "extra_forbidden":
        allowed = allowed_keys(error["loc"][:-1])
        return "unknown key" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    if value is None and kind != "value_error":
        return "value missing (fill in the template)"
    if kind != "value_error" and not isinstance(value, dict | list):
        return f"{message}, got {value!r}"
    return message


def allowed_keys(loc: tuple) -> list[str]:
    """The field names of the model at a location (for 'unknown key' messages)."""
    target: Any = Scenario
    for part in loc:
        target = _step(_unwrap(target), part)
        if target is None:
            return []
    target = _unwrap(target)
    models = [m for m in map(_unwrap, get_args(target)) if isinstance(m, type)]
    if len(models) == 2 and type(None) in models:  # an optional model
        target = next(m for m in models if m is not type(None))
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _step(annotation: Any, part: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return field.annotation if field is not None else None
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is dict:
        return args[1]
    if origin in (list, tuple):
        return args[0]
    models = [m for m in map(_unwrap, args) if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) == 1:  # an optional model
        return _step(models[0], part)
    for model in models:  # a tagged union: the member whose generator literal is the tag
        generator = model.model_fields.get("generator")
        if generator is not None and part in get_args(generator.annotation):
            return model
    return None
