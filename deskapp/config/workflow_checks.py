"""Loading workflow files and checking every workflow, each problem located in the file that holds it.

Runs from deskapp.config.load.check_config after config.yaml itself is valid: reads each file of
`workflow_files` (relative to config.yaml) with read_yaml, validates each workflow on its own (so one
broken workflow does not hide the problems of the others), then checks what pydantic cannot: unique
step ids and field names, sensible field settings, names of staff and need categories, and every
`when:` condition, whose problems point at the offending character inside the YAML scalar.
"""
from __future__ import annotations

import re
from pathlib import Path as FsPath
from typing import Any

from deskapp.config.errors import ConfigError
from deskapp.config.expr import Expr, ExprError, Name, Type, check, parse
from deskapp.config.texts import language_errors, network_languages
from deskapp.config.validate import validate
from deskapp.config.workflow_schema import (
    CONDITION_FUNCTIONS,
    CUSTOMER_ATTRIBUTES,
    FIELD_TYPES,
    REFERRAL_ASSIGNEES,
    ApprovalStep,
    CaptureNeedsStep,
    FormField,
    FormStep,
    IdentifyStep,
    OffersStep,
    ReferralStep,
    Workflow,
    _Strict,
)
from deskapp.config.yamlsafe import Document, Path, read_yaml
from deskapp.i18n import _

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_BREAK = re.compile(r"\r\n|\r|\n|\x85|\u2028|\u2029")
_BOUNDED = ("number", "money", "text", "phone", "id")  # types min/max apply to
_PATTERNED = ("text", "phone", "id")
_NEEDS_CUSTOMER = (CaptureNeedsStep, OffersStep)


class _FileShape(_Strict):
    workflows: dict[str, dict[str, Any]] = {}
    """Workflows by name; each is validated on its own."""


def load_workflows(doc: Document, config: Any) -> tuple[Any, list[ConfigError], set[str]]:
    """(config with the files' workflows merged in, every problem, the name of every workflow defined).

    The names include workflows that have problems, so that a service naming one is not reported twice.
    """
    errors: list[ConfigError] = []
    merged = dict(config.workflows)
    names = set(merged)
    first = {name: (doc.file, doc.where(("workflows", name), key=True)[0]) for name in merged}
    for name, workflow in merged.items():
        errors += check_workflow(doc, ("workflows", name), name, workflow, config)
    base = FsPath(doc.file).parent
    for i, entry in enumerate(config.workflow_files):
        path = base / entry
        if not path.is_file():
            errors.append(doc.error(("workflow_files", i), _("workflow file '{file}' not found (looked for {path})").format(
                file=entry, path=path)))
            continue
        fdoc, problems = read_yaml(path)
        errors += problems
        if fdoc is None:
            continue
        shape, problems = validate(fdoc, _FileShape)
        errors += problems
        if shape is None:
            continue
        for name, data in shape.workflows.items():
            names.add(name)
            where = ("workflows", name)
            if name in first:
                file, line = first[name]
                errors.append(fdoc.error(where, _("workflow '{name}' is already defined in {file} at line {line}").format(
                    name=name, file=file, line=line), key=True))
                continue
            first[name] = (fdoc.file, fdoc.where(where, key=True)[0])
            workflow, problems = validate(fdoc, Workflow, data, base=where)
            errors += problems
            if workflow is not None:
                merged[name] = workflow
                errors += check_workflow(fdoc, where, name, workflow, config)
                errors += language_errors(fdoc, workflow, network_languages(config), where)
    return config.model_copy(update={"workflows": merged}), errors, names


def check_workflow(doc: Document, base: Path, name: str, workflow: Workflow, config: Any) -> list[ConfigError]:
    """Every problem of one validated workflow that needs more than its own fields to see."""
    from deskapp.config.suggest import suggest

    errors: list[ConfigError] = []
    if not _NAME.match(name):
        errors.append(doc.error(base, _("workflow name '{name}' must be lower-case letters, digits or '_', starting "
                                        "with a letter").format(name=name), key=True))
    step_ids: dict[str, int] = {}
    fields: dict[str, tuple[int, FormField]] = {}
    field_paths: dict[str, Path] = {}
    logins = [s.login for s in config.staff]
    identify_at = next((i for i, s in enumerate(workflow.steps) if isinstance(s, IdentifyStep)), None)
    for i, step in enumerate(workflow.steps):
        at = base + ("steps", i)
        if not _NAME.match(step.id):
            errors.append(doc.error(at + ("id",), _("step id '{id}' must be lower-case letters, digits or '_', "
                                                    "starting with a letter").format(id=step.id)))
        elif step.id in step_ids:
            line = doc.where(base + ("steps", step_ids[step.id], "id"))[0]
            errors.append(doc.error(at + ("id",), _("step id '{id}' is used twice (first at line {line})").format(
                id=step.id, line=line)))
        else:
            step_ids[step.id] = i
        if isinstance(step, FormStep):
            for j, field in enumerate(step.fields):
                where = at + ("fields", j)
                errors += _check_field(doc, where, field)
                if field.name in fields:
                    line = doc.where(field_paths[field.name] + ("name",))[0]
                    errors.append(doc.error(where + ("name",), _("field name '{name}' is used twice in this workflow "
                                                                 "(first at line {line})").format(
                        name=field.name, line=line)))
                else:
                    fields[field.name] = (i, field)
                    field_paths[field.name] = where
        elif isinstance(step, CaptureNeedsStep):
            known = config.customers.need_categories
            for j, category in enumerate(step.categories or []):
                if category not in known:
                    hint = suggest(category, known) or _("; customers.need_categories: {categories}").format(
                        categories=", ".join(known))
                    errors.append(doc.error(at + ("categories", j), _("unknown need category '{category}'{hint}").format(
                        category=category, hint=hint)))
        elif isinstance(step, ReferralStep):
            if step.assign not in REFERRAL_ASSIGNEES and step.assign not in logins:
                hint = suggest(step.assign, [*REFERRAL_ASSIGNEES, *logins])
                errors.append(doc.error(at + ("assign",), _("assign '{value}' is neither relationship_manager nor a "
                                                            "staff login{hint}").format(value=step.assign, hint=hint)))
            if step.fallback is not None and step.fallback not in logins:
                errors.append(doc.error(at + ("fallback",), _("fallback '{login}' is not a staff login{hint}").format(
                    login=step.fallback, hint=suggest(step.fallback, logins))))
        elif isinstance(step, ApprovalStep) and not any(s.role == "supervisor" for s in config.staff):
            errors.append(doc.error(at + ("kind",), _("an approval needs a supervisor, but staff lists none")))
        if isinstance(step, _NEEDS_CUSTOMER) and identify_at is not None and i < identify_at:
            errors.append(doc.error(at + ("kind",), _("step '{id}' needs the customer, but step '{identify}' "
                                                      "identifies them later; move it after that step").format(
                id=step.id, identify=workflow.steps[identify_at].id)))
    if workflow.require_customer and identify_at is None:
        errors.append(doc.error(base + ("require_customer",), _("require_customer is true but no step identifies "
                                                                "the customer; add a step with kind: identify")))
    for i, step in enumerate(workflow.steps):
        if step.when is not None:
            errors += _check_condition(doc, base + ("steps", i, "when"), step.when, i, fields, workflow)
    return errors


def _check_field(doc: Document, at: Path, field: FormField) -> list[ConfigError]:
    errors: list[ConfigError] = []
    kind = field.type
    if not _NAME.match(field.name) or not _usable_name(field.name):
        errors.append(doc.error(at + ("name",), _("field name '{name}' must be lower-case letters, digits or '_', "
                                                  "starting with a letter, and not a word of the condition "
                                                  "language").format(name=field.name)))
    if kind == "choice":
        if not field.choices:
            where = at + ("choices",) if field.choices is not None else at + ("type",)
            errors.append(doc.error(where, _("field '{name}' is a choice with no options; list them: choices: "
                                             "[first, second]").format(name=field.name)))
        else:
            seen: set[str] = set()
            for j, option in enumerate(field.choices):
                if option in seen:
                    errors.append(doc.error(at + ("choices", j), _("option '{option}' is listed twice").format(
                        option=option)))
                seen.add(option)
    elif field.choices is not None:
        errors.append(doc.error(at + ("choices",), _("choices only apply to a choice field; '{name}' is {kind}").format(
            name=field.name, kind=kind)))
    for key in ("min", "max"):
        value = getattr(field, key)
        if value is None:
            continue
        if kind not in _BOUNDED:
            errors.append(doc.error(at + (key,), _("{key} does not apply to a {kind} field").format(key=key, kind=kind)))
        elif kind in _PATTERNED and (value < 0 or value != value.to_integral_value()):
            errors.append(doc.error(at + (key,), _("{key} of a {kind} field is a number of characters, got {value}").format(
                key=key, kind=kind, value=value)))
    if field.min is not None and field.max is not None and field.min > field.max:
        errors.append(doc.error(at + ("max",), _("max {max} is less than min {min}").format(max=field.max, min=field.min)))
    if field.pattern is not None:
        if kind not in _PATTERNED:
            errors.append(doc.error(at + ("pattern",), _("pattern does not apply to a {kind} field").format(kind=kind)))
        else:
            try:
                re.compile(field.pattern)
            except re.error as exc:
                errors.append(doc.error(at + ("pattern",), _("pattern is not a valid regular expression: {error}").format(
                    error=exc)))
    return errors


def _usable_name(name: str) -> bool:
    """A field name a condition can refer to (not 'in', 'for', 'null' ...)."""
    try:
        return isinstance(parse(name), Name)
    except ExprError:
        return False


def condition_names(fields: dict[str, FormField]) -> dict[str, Type]:
    """What a condition may read, given the form fields of the steps before it."""
    names = {name: FIELD_TYPES[field.type] for name, field in fields.items()}
    names.update({name: kind for name, (kind, _) in CUSTOMER_ATTRIBUTES.items()})
    return names


def _check_condition(doc: Document, at: Path, source: str, index: int, fields: dict[str, tuple[int, FormField]],
                     workflow: Workflow) -> list[ConfigError]:
    try:
        expr = parse(source)
    except ExprError as exc:
        return [_located(doc, at, exc)]
    problems: list[ExprError] = []
    for node in _names(expr):
        if node.name in fields and fields[node.name][0] >= index:
            owner = fields[node.name][0]
            if owner == index:
                said = _("'{name}' is a field of this step; a condition can only use fields of earlier steps")
            else:
                said = _("'{name}' is a field of a later step ('{step}'); a condition can only use fields of earlier "
                         "steps")
            problems.append(ExprError(said.format(name=node.name, step=workflow.steps[owner].id), node.offset))
    names = condition_names({name: field for name, (_, field) in fields.items()})
    options = {option for _, field in fields.values() for option in field.choices or []}
    bare = {node.offset: node.name for node in _names(expr) if node.name not in names and node.name in options}
    for problem in check(expr, names, CONDITION_FUNCTIONS):
        word = bare.get(problem.offset)
        if word and problem.message.startswith(_("'{name}' is not a known name").format(name=word)):
            problem = ExprError(_("'{name}' is not a known name; to compare with the text, quote it: \"{name}\"").format(
                name=word), problem.offset)
        problems.append(problem)
    return [_located(doc, at, p) for p in sorted(problems, key=lambda p: p.offset)]


def _names(expr: Expr) -> list[Name]:
    found, stack = [], [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            found.append(node)
        stack.extend(node.children())
    return found


def _located(doc: Document, at: Path, problem: ExprError) -> ConfigError:
    line, col = scalar_position(doc, at, problem.offset)
    return ConfigError(doc.file, line, col, f"when: {problem.message}")  # i18n: not words (the file's key)


def scalar_position(doc: Document, path: Path, offset: int) -> tuple[int, int]:
    """(line, col) of the character at `offset` in the string scalar at `path`.

    Exact for single-line plain and quoted scalars (escapes counted) and for literal blocks; folded and
    multi-line scalars count each line break as one character. Anything else gives the scalar's start.
    """
    line, col = doc.where(path)
    lines = _BREAK.split(doc.text)
    if line > len(lines) or col - 1 >= len(lines[line - 1]):
        return line, col
    text, start = lines[line - 1], col - 1
    opener = text[start]
    if opener in "\"'":
        found = _quoted_column(text, start, offset)
        return (line, found) if found is not None else (line, col)
    if opener in "|>":
        return _block_position(lines, line, offset) or (line, col)
    first = re.split(r"\s#", text[start:], maxsplit=1)[0].rstrip()
    if offset <= len(first):
        return line, col + offset
    remaining = offset - len(first) - 1
    for k in range(line, len(lines)):
        content = lines[k].strip()
        indent = len(lines[k]) - len(lines[k].lstrip())
        if remaining <= len(content):
            return k + 1, indent + 1 + remaining
        remaining -= len(content) + 1
    return line, col


def _quoted_column(text: str, start: int, offset: int) -> int | None:
    """1-based column of value character `offset` in the quoted scalar opening at text[start]."""
    quote, i, seen = text[start], start + 1, 0
    while seen < offset:
        if i >= len(text):
            return None  # the scalar goes on to the next line
        ch = text[i]
        if ch == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":
                i, seen = i + 2, seen + 1
                continue
            break
        if quote == '"' and ch == "\\":
            i += {"x": 4, "u": 6, "U": 10}.get(text[i + 1 : i + 2], 2)  # i18n: not words
        else:
            i += 1
        seen += 1
    return i + 1


def _block_position(lines: list[str], header: int, offset: int) -> tuple[int, int] | None:
    """(line, col) inside a | or > block whose header is on line `header` (1-based)."""
    body = lines[header:]
    indent = next((len(t) - len(t.lstrip(" ")) for t in body if t.strip()), None)
    if indent is None:
        return None
    remaining = offset
    for k, text in enumerate(body):
        if text.strip() and len(text) - len(text.lstrip(" ")) < indent:
            break
        content = text[indent:]
        if remaining <= len(content):
            return header + 1 + k, indent + 1 + remaining
        remaining -= len(content) + 1
    return None
