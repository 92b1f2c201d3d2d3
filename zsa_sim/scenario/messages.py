"""pydantic validation errors as scenario key paths with plain messages.

pydantic reports ``('services', 'wohngeld', 'applicants', 'wohngeld', 'household_size')``
with messages like "Input should be greater than 0"; a pilot team wants
``services.wohngeld.applicants.household_size: Input should be greater than 0, got -1``.
Union members' tags are left out of the path, ``null`` placeholders of a template are
called "missing (fill in the template)", and an unknown key lists the allowed ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from zsa_sim.scenario.schema import Scenario

#: How many errors a one-line message lists before "and N more".
MAX_LISTED = 3


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
    """Every pydantic error as (key path, message), each once.

    A value that may be written in several forms (an FTE as a number or as a list of
    steps) fails once per form; after the union tags are dropped from the path those are
    the same problem, said once.
    """
    problems = (
        (_clip(key_path(error["loc"], data, error["type"])), _clip(_message(error, data)))
        for error in err.errors(include_url=False)
    )
    return list(dict.fromkeys(problems))


#: Longest key path or message quoted from a file (a pasted text can be megabytes long).
MAX_QUOTED = 300


def _clip(text: str) -> str:
    """The text, its middle cut out when longer than :data:`MAX_QUOTED` characters."""
    if len(text) <= MAX_QUOTED:
        return text
    return f"{text[: MAX_QUOTED - 60]} … {text[-40:]}"


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
