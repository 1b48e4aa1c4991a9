"""Checks of the `offers:` rules that need the whole configuration, each located in config.yaml.

Runs from deskapp.config.load._cross_references: unique codes, products, need categories and every
`when:` condition, whose problems point at the offending character inside the YAML scalar (as the
workflow conditions do), including a product type, need category or life-event kind named inside
holds("..."), needs("...") or event_within("...", N) that the customers lists do not have.
"""
from __future__ import annotations

import re

from deskapp.config.errors import ConfigError
from deskapp.config.expr import Call, Expr, ExprError, Literal, check, parse
from deskapp.config.offers_schema import ARGUMENT_LISTS, OFFER_FUNCTIONS, OFFER_NAMES
from deskapp.config.workflow_checks import scalar_position
from deskapp.config.yamlsafe import Document
from deskapp.i18n import _

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NAMES = {name: kind for name, (kind, _) in OFFER_NAMES.items()}


def offer_references(doc: Document, config) -> list[ConfigError]:
    from deskapp.config.suggest import suggest

    errors: list[ConfigError] = []
    customers = config.customers
    seen: dict[str, int] = {}
    for i, rule in enumerate(config.offers.rules):
        at = ("offers", "rules", i)
        if not _CODE.match(rule.code):
            errors.append(doc.error(at + ("code",), _("offer code '{code}' must be lower-case letters, digits or '_', "
                                                      "starting with a letter (at most 40)").format(code=rule.code)))
        elif rule.code in seen:
            line = doc.where(("offers", "rules", seen[rule.code], "code"))[0]
            errors.append(doc.error(at + ("code",), _("offer code '{code}' is used twice (first at line {line})").format(
                code=rule.code, line=line)))
        else:
            seen[rule.code] = i
        if rule.product not in customers.product_types:
            errors.append(doc.error(at + ("product",), _("unknown product type '{product}'{hint}").format(
                product=rule.product, hint=suggest(rule.product, customers.product_types))))
        if rule.on_accept == "need":
            if rule.need_category is None:
                errors.append(doc.error(at, _("on_accept: need needs a need_category (one of "
                                              "customers.need_categories)"), key=True))
            elif rule.need_category not in customers.need_categories:
                errors.append(doc.error(at + ("need_category",), _("unknown need category '{category}'{hint}").format(
                    category=rule.need_category, hint=suggest(rule.need_category, customers.need_categories))))
        errors += [
            ConfigError(doc.file, *scalar_position(doc, at + ("when",), p.offset), f"when: {p.message}")  # i18n: not words
            for p in condition_problems(rule.when, config)
        ]
    return errors


def condition_problems(source: str, config) -> list[ExprError]:
    """Every problem of one offer condition, by offset in its text; empty when it is fit to evaluate."""
    from deskapp.config.suggest import suggest

    try:
        expr = parse(source)
    except ExprError as exc:
        return [exc]
    problems = check(expr, NAMES, OFFER_FUNCTIONS)
    for call in _calls(expr):
        list_name = ARGUMENT_LISTS.get(call.name)
        if list_name is None or not call.args:
            continue
        choices = list(getattr(config.customers, list_name))
        arg = call.args[0]
        if not isinstance(arg, Literal) or not isinstance(arg.value, str):
            problems.append(ExprError(_("{name}() takes a quoted name from customers.{list}, e.g. "
                                        "{name}(\"{first}\")").format(name=call.name, list=list_name, first=choices[0]),
                                      arg.offset))
        elif arg.value not in choices:
            problems.append(ExprError(_("'{value}' is not in customers.{list}{hint}").format(
                value=arg.value, list=list_name, hint=suggest(arg.value, choices)), arg.offset))
    return sorted(problems, key=lambda p: p.offset)


def _calls(expr: Expr) -> list[Call]:
    found, stack = [], [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Call):
            found.append(node)
        stack.extend(node.children())
    return found
