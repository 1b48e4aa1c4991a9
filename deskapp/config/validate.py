"""Validating data read by read_yaml against pydantic models, each error located and worded for people.

pydantic's messages ("Input should be a valid integer") are written for programmers and located by a
loc tuple that mixes data keys with union member names. Here every error is mapped back to the line
and column in the file and rewritten for the branch's IT person, with a suggestion when a name is
close to a valid one.
"""
from __future__ import annotations

import json
import re
from collections import abc
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AliasChoices, BaseModel, ValidationError

from deskapp.config.suggest import suggest
from deskapp.i18n import N_, _

from .errors import ConfigError
from .yamlsafe import Document, Path, quote

# What a pydantic type error says the value should have been, and whether text given instead is
# shown bare, 'x' (the right kind of thing, wrongly written), rather than as text 'x' (wrong kind).
_EXPECTED: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(("int_type", "int_parsing", "int_from_float"), (N_("a whole number"), False)),
    **dict.fromkeys(("float_type", "float_parsing", "decimal_type", "decimal_parsing"), (N_("a number"), False)),
    **dict.fromkeys(("bool_type", "bool_parsing"), (N_("true or false"), True)),
    "string_type": (N_("text"), False),
    **dict.fromkeys(("list_type", "tuple_type", "set_type", "frozen_set_type"), (N_("a list"), False)),
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type", "dataclass_type"), (N_("a mapping"), False)),
    **dict.fromkeys(("date_type", "date_parsing", "date_from_datetime_parsing"), (N_("a date like 2025-01-31"), True)),
    **dict.fromkeys(("time_type", "time_parsing"), (N_('a time like "08:30"'), True)),
    **dict.fromkeys(
        ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"), (N_("a date and time like 2025-01-31T08:30"), True)
    ),
    "none_required": (N_("nothing"), False),
}

# Constraint errors: the sentence, filled from the error's ctx and the given value.
_LIMITS = {
    "greater_than": N_("must be greater than {gt}, got {got}"),
    "greater_than_equal": N_("must be at least {ge}, got {got}"),
    "less_than": N_("must be less than {lt}, got {got}"),
    "less_than_equal": N_("must be at most {le}, got {got}"),
    "multiple_of": N_("must be a multiple of {multiple_of}, got {got}"),
    "string_too_long": N_("must be at most {max_length} characters long"),
    "string_pattern_mismatch": N_("{got} does not match the pattern {pattern}"),
    "too_long": N_("must have at most {max_length} items, got {actual_length}"),
}


def validate(
    doc: Document, model: type[BaseModel], data: Any = None, base: Path = ()
) -> tuple[BaseModel | None, list[ConfigError]]:
    """Validates data, found in the document at base, against model. data defaults to the document's
    value at base, so that None, what an empty value reads as, is validated as None and not as the
    whole document.

    Returns the model instance, or None and the errors sorted by position. The data is validated as
    JSON (what read_yaml gives is JSON data), so a strict model still takes dates, times and enum
    values written as text, as a config file must. Spots the reader already reported get no
    second message.
    """
    if data is None:
        data = doc.data
        for item in base:
            data = data[item] if _contains(data, item) else None
    try:
        return model.model_validate_json(json.dumps(data)), []
    except ValidationError as exc:
        details = exc.errors(include_url=False)
    errors: set[ConfigError] = set()
    mismatches: dict[Path, list[tuple[str, bool, Any]]] = {}
    for detail in details:
        path = _follow(model, data, detail["loc"])[0]
        spot = _spot(detail, model, data, path)
        if spot is None:
            expected, bare = _EXPECTED[detail["type"]]
            mismatches.setdefault(path, []).append((expected, bare, detail["input"]))
            continue
        message, where, key = spot
        where = tuple(base) + where
        if not doc.reported(where, key):
            errors.add(doc.error(where, message, key=key))
    for path, found in mismatches.items():
        where = tuple(base) + path
        if not doc.reported(where):
            errors.add(doc.error(where, _mismatch(found)))
    return None, sorted(errors)


def _spot(detail: Any, model: type[BaseModel], data: Any, path: Path) -> tuple[str, Path, bool] | None:
    """(message, data path, at the key?) for an error; None for a type mismatch, which is worded
    together with the other mismatches at the same value (a union gives one per member)."""
    loc, kind, ctx = detail["loc"], detail["type"], detail.get("ctx", {})
    if kind in _EXPECTED:
        return None
    if kind == "missing":
        return _("missing required key {key}").format(key=quote(str(loc[-1]))), path, True
    if kind == "extra_forbidden":
        parent = _follow(model, data, loc[:-1])[1]
        return _("unknown key {key}{hint}").format(key=quote(str(loc[-1])),
                                                   hint=suggest(loc[-1], _accepted_keys(parent))), path, True
    if kind == "union_tag_not_found":
        return _("missing required key {key}").format(key=quote(_unquote(ctx["discriminator"]))), path, True
    if kind == "union_tag_invalid":
        key = _unquote(ctx["discriminator"])
        tags = _choices(ctx["expected_tags"])
        hint = suggest(ctx["tag"], tags) or _("; expected one of: {choices}").format(choices=", ".join(tags))
        inside = (key,) if isinstance(detail["input"], dict) and key in detail["input"] else ()
        return _("unknown {key} {value}{hint}").format(key=key, value=quote(str(ctx["tag"])), hint=hint), \
            path + inside, False
    return _message(detail), path, False


def _message(detail: Any) -> str:
    """The sentence for an error located at its value."""
    kind, ctx, given = detail["type"], detail.get("ctx", {}), detail["input"]
    if kind in ("literal_error", "enum"):
        return _one_of(_choices(ctx["expected"]), given)
    if kind == "value_error":
        return detail["msg"].removeprefix("Value error, ")
    if kind == "assertion_error":
        return detail["msg"].removeprefix("Assertion failed, ")
    if kind in ("string_too_short", "too_short"):
        if ctx["min_length"] == 1:
            return _("must not be empty")
        if kind == "string_too_short":
            return _("must be at least {n} characters long").format(n=ctx["min_length"])
        return _("must have at least {n} items, got {count}").format(n=ctx["min_length"], count=ctx["actual_length"])
    if kind in _LIMITS:
        return _(_LIMITS[kind]).format(**ctx, got=_describe(given, bare=True))
    return detail["msg"]


def _mismatch(found: list[tuple[str, bool, Any]]) -> str:
    """One sentence for all the kinds a value could have been."""
    expected = list(dict.fromkeys(what for what, *_rest in found))
    bare, given = found[0][1:]
    kinds = [_(what) for what in expected]
    what = kinds[0] if len(kinds) == 1 else _("{some} or {last}").format(some=", ".join(kinds[:-1]), last=kinds[-1])
    if "text" in expected and isinstance(given, (bool, int, float)):
        return _("expected {what}, got {given}; put it in quotes to make it text").format(
            what=what, given=_describe(given, bare))
    return _("expected {what}, got {given}").format(what=what, given=_describe(given, bare))


def _one_of(choices: list[str], given: Any) -> str:
    hint = suggest(given, choices) if isinstance(given, str) else ""
    return _("expected one of: {choices}; got {given}{hint}").format(
        choices=", ".join(choices), given=_describe(given, bare=True), hint=hint)


def _describe(value: Any, bare: bool) -> str:
    """The value as the user wrote it, in words."""
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return quote(str(value)) if bare or not isinstance(value, str) else _("text {value}").format(value=quote(value))




def _choices(expected: str) -> list[str]:
    """pydantic's "'a', 'b' or 3" as ['a', 'b', '3']."""
    return [_unquote(part) for part in re.split(r", | or ", expected)]


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _follow(model: Any, data: Any, loc: tuple[str | int, ...]) -> tuple[Path, Any]:
    """Walks a pydantic loc through the data and the model's types together.

    Returns the data path it reaches and the type expected there (None when unsure).
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
    return tuple(path), _unwrap(tp)


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
            tp = rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007  a Union built at run time from a tuple
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
