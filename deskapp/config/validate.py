"""Validating data read by read_yaml against pydantic models, each error located and worded for people.

pydantic's messages ("Input should be a valid integer") are written for programmers and located by a
loc tuple that mixes data keys with union member names. Here every error is mapped back to the line
and column in the file and rewritten for the branch's IT person, with a suggestion when a name is
close to a valid one.
"""
from __future__ import annotations

import difflib
import re
from collections import abc
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel, ValidationError

from .errors import ConfigError
from .yamlsafe import Document, Path, quote

# What a pydantic error type says the value should have been, and whether to show text given
# instead as bare 'x' (it was the right kind, just wrong) rather than as text 'x' (wrong kind).
_EXPECTED: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), ("a whole number", False)),
    **dict.fromkeys(("float_type", "float_parsing", "decimal_type", "decimal_parsing"), ("a number", False)),
    **dict.fromkeys(("bool_type", "bool_parsing"), ("true or false", True)),
    "string_type": ("text", False),
    **dict.fromkeys(("list_type", "tuple_type", "set_type", "frozen_set_type"), ("a list", False)),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type", "dataclass_type"), ("a mapping", False)),
    **dict.fromkeys(("date_type", "date_parsing", "date_from_datetime_parsing"), ("a date like 2025-01-31", True)),
    **dict.fromkeys(("time_type", "time_parsing"), ('a time like "08:30"', True)),
    **dict.fromkeys(
        ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"), ("a date and time like 2025-01-31T08:30", True)
    ),
    "none_required": ("nothing", False),
}

# Constraint errors: the sentence, filled from the error's ctx and the given value.
_LIMITS = {
    "greater_than": "must be greater than {gt}, got {got}",
    "greater_than_equal": "must be at least {ge}, got {got}",
    "less_than": "must be less than {lt}, got {got}",
    "less_than_equal": "must be at most {le}, got {got}",
    "multiple_of": "must be a multiple of {multiple_of}, got {got}",
    "string_too_long": "must be at most {max_length} characters long",
    "string_pattern_mismatch": "{got} does not match the pattern {pattern}",
    "too_long": "must have at most {max_length} items, got {actual_length}",
}


def validate(
    doc: Document, model: type[BaseModel], data: Any = None, base: Path = ()
) -> tuple[BaseModel | None, list[ConfigError]]:
    """Validates data (doc.data by default), found in the document at base, against model.

    Returns the model instance, or None and the errors sorted by position. Errors at values the
    reader already reported (doc.reported) are left out, so no spot gets two messages.
    """
    data = doc.data if data is None else data
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        details = exc.errors(include_url=False)
    errors: set[ConfigError] = set()
    mismatches: dict[tuple[Path, bool], list[tuple[str, Any]]] = {}
    for detail in details:
        loc = detail["loc"]
        path, node, tp = _follow(model, data, loc)
        path = tuple(base) + path
        if any(path[:i] in doc.reported for i in range(len(path) + 1)):
            continue
        kind = detail["type"]
        if kind in _EXPECTED:
            expected, bare = _EXPECTED[kind]
            mismatches.setdefault((path, bare), []).append((expected, detail["input"]))
            continue
        located = _located(detail, model, data)
        if located is not None:
            message, extra, key = located
            errors.add(doc.error(path + extra, message, key=key))
        else:
            errors.add(doc.error(path, _message(detail, tp)))
    for (path, bare), found in mismatches.items():
        errors.add(doc.error(path, _mismatch(found, bare)))
    return None, sorted(errors)


def _located(detail: Any, model: type[BaseModel], data: Any) -> tuple[str, Path, bool] | None:
    """(message, path below the error's own, key?) for the errors that point somewhere other than the value."""
    loc, kind, ctx = detail["loc"], detail["type"], detail.get("ctx", {})
    if kind == "missing":
        return f"missing required key '{loc[-1]}'", (), True
    if kind == "extra_forbidden":
        _, parent, parent_tp = _follow(model, data, loc[:-1])
        present = parent.keys() if isinstance(parent, dict) else ()
        allowed = [name for name in _accepted_keys(parent_tp) if name not in present]
        return f"unknown key {quote(str(loc[-1]))}{_did_you_mean(loc[-1], allowed)}", (), True
    if kind == "union_tag_not_found":
        return f"missing required key '{_unquote(ctx['discriminator'])}'", (), True
    if kind == "union_tag_invalid":
        key = _unquote(ctx["discriminator"])
        tags = _choices(ctx["expected_tags"])
        hint = _did_you_mean(ctx["tag"], tags) or f"; expected one of: {', '.join(tags)}"
        inside = (key,) if isinstance(detail["input"], dict) and key in detail["input"] else ()
        return f"unknown {key} {quote(str(ctx['tag']))}{hint}", inside, False
    return None


def _message(detail: Any, tp: Any) -> str:
    """The sentence for an error located at its value."""
    kind, ctx, given = detail["type"], detail.get("ctx", {}), detail["input"]
    if kind in ("literal_error", "enum"):
        return _one_of(_choices(ctx["expected"]), given)
    if kind == "is_instance_of" and isinstance(tp, type) and issubclass(tp, Enum):  # an Enum field in strict mode
        return _one_of([str(member.value) for member in tp], given)
    if kind == "value_error":
        return detail["msg"].removeprefix("Value error, ")
    if kind == "assertion_error":
        return detail["msg"].removeprefix("Assertion failed, ")
    if kind in ("string_too_short", "too_short"):
        if ctx["min_length"] == 1:
            return "must not be empty"
        unit = "characters long" if kind == "string_too_short" else "items"
        return f"must have at least {ctx['min_length']} {unit}"
    if kind in _LIMITS:
        return _LIMITS[kind].format(**ctx, got=_describe(given, bare=True))
    return detail["msg"]


def _mismatch(found: list[tuple[str, Any]], bare: bool) -> str:
    """One sentence for all the kinds a value could have been (a union gives one error per member)."""
    expected = list(dict.fromkeys(what for what, _ in found))
    given = found[0][1]
    message = f"expected {' or '.join(expected)}, got {_describe(given, bare)}"
    if "text" in expected and isinstance(given, (bool, int, float)):
        message += "; put it in quotes to make it text"
    return message


def _one_of(choices: list[str], given: Any) -> str:
    hint = _did_you_mean(given, choices) if isinstance(given, str) else ""
    return f"expected one of: {', '.join(choices)}; got {_describe(given, bare=True)}{hint}"


def _describe(value: Any, bare: bool) -> str:
    """The value as the user wrote it, in words."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):  # str() refuses ints of thousands of digits
        return str(value) if value.bit_length() < 64 else "a very large number"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return quote(str(value)) if bare or not isinstance(value, str) else f"text {quote(value)}"


def _did_you_mean(word: Any, choices: abc.Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _choices(expected: str) -> list[str]:
    """pydantic's "'a', 'b' or 3" as ['a', 'b', '3']."""
    return [_unquote(part) for part in re.split(r", | or ", expected)]


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _follow(model: Any, data: Any, loc: tuple[str | int, ...]) -> tuple[Path, Any, Any]:
    """Walks a pydantic loc through the data and the model's types together.

    Returns the data path it reaches, the data there and the type expected there (None when unsure).
    A loc item naming a union member is a step in the types only; one the data lacks (a missing key)
    is not a step in the data.
    """
    path: list[str | int] = []
    node, tp = data, model
    for item in loc:
        tp = _unwrap(tp)
        members = _union_members(tp)
        if members:
            tp = _member(members, item)
            continue
        if _contains(node, item):
            path.append(item)
            node = node[item]
        tp = _child(tp, item)
    return tuple(path), node, _unwrap(tp)


def _contains(node: Any, item: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(item, str) and item in node
    return isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node)


def _unwrap(tp: Any) -> Any:
    """The type without Annotated[...] and without the None of Optional[...] (neither shows in a loc)."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, UnionType) and NoneType in get_args(tp):
            rest = tuple(arg for arg in get_args(tp) if arg is not NoneType)
            tp = rest[0] if len(rest) == 1 else Union[rest]
        else:
            return tp


def _union_members(tp: Any) -> tuple[Any, ...]:
    return get_args(tp) if get_origin(tp) in (Union, UnionType) else ()


def _member(members: tuple[Any, ...], item: str | int) -> Any:
    """The union member a loc item names: by class name, or by a tag value of a discriminated union."""
    for member in members:
        if getattr(member, "__name__", None) == item:
            return member
    for member in members:
        if _is_model(member) and any(
            get_origin(field.annotation) is Literal and item in get_args(field.annotation)
            for field in member.model_fields.values()
        ):
            return member
    return None


def _child(tp: Any, item: str | int) -> Any:
    """The type of the value at item inside a value of type tp (None when unsure)."""
    if _is_model(tp):
        for name, field in tp.model_fields.items():
            if item in _field_keys(tp, name, field):
                return field.annotation
        return None
    origin, args = get_origin(tp), get_args(tp)
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[item] if isinstance(item, int) and 0 <= item < len(args) else None
    if isinstance(origin, type) and issubclass(origin, abc.Mapping) and len(args) == 2:
        return args[1]
    if isinstance(origin, type) and issubclass(origin, (abc.Sequence, abc.Set)) and args:
        return args[0]
    return None


def _accepted_keys(tp: Any) -> list[str]:
    """Every key a model accepts (aliases first), for suggestions; none when tp is not a model."""
    if not _is_model(tp):
        return []
    return [key for name, field in tp.model_fields.items() for key in _field_keys(tp, name, field)]


def _field_keys(model: type[BaseModel], name: str, field: Any) -> list[str]:
    """The input keys that fill a field: its alias(es), and its name unless an alias replaces it."""
    keys = [field.alias or name]
    alias = field.validation_alias
    if isinstance(alias, str):
        keys = [alias]
    elif isinstance(alias, AliasChoices):
        keys = [choice for choice in alias.choices if isinstance(choice, str)]
    config = model.model_config
    if keys != [name] and (config.get("populate_by_name") or config.get("validate_by_name")):
        keys.append(name)
    return keys


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)
