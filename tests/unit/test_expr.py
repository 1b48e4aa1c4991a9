"""The expression language of `when:` conditions and offer rules: results, precedence, every message with
its offset, the attacks it must refuse, and properties over generated text and trees."""
from __future__ import annotations

import inspect
import re
import sys
from dataclasses import FrozenInstanceError
from datetime import date, datetime
from decimal import Decimal, getcontext, localcontext
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deskapp.config import expr as expr_module
from deskapp.config import expr_lex
from deskapp.config.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Call,
    Expr,
    ExprError,
    Function,
    ListExpr,
    Literal,
    Name,
    Type,
    Unary,
    check,
    compile_condition,
    evaluate,
    names_used,
    parse,
    unparse,
)

TODAY = date(2024, 6, 1)
HELD = {"savings", "current_account"}

NAMES: dict[str, Type] = {
    "amount": Type.NUMBER,
    "limit": Type.NUMBER,
    "age": Type.NUMBER,
    "x": Type.NUMBER,
    "segment": Type.TEXT,
    "purpose": Type.TEXT,
    "currency": Type.TEXT,
    "customer.segment": Type.TEXT,
    "customer.email": Type.TEXT,
    "customer.kyc_current": Type.BOOL,
    "vip": Type.BOOL,
    "customer.last_contact": Type.DATE,
    "customer.products": Type.LIST,
    "extra": Type.ANY,
}
FUNCTIONS: dict[str, Function] = {
    "holds": Function((Type.TEXT,), Type.BOOL, lambda product: isinstance(product, str) and product in HELD),
    "days_since": Function(
        (Type.DATE,), Type.NUMBER, lambda day: (TODAY - day).days if type(day) is date else None
    ),
}
ENV = {
    "amount": 12000,
    "limit": 14000.5,
    "age": 30,
    "x": 3,
    "segment": "mass",
    "purpose": "car",
    "currency": "USD",
    "customer": {"segment": "premier", "kyc_current": False, "last_contact": date(2024, 1, 1)},
    "customer.products": ["savings"],
}


def run(source: str, env: dict | None = None, **overrides) -> object:
    """Compile against the declared names and evaluate over ENV, with `env` replacing or `overrides` added."""
    return evaluate(compile_condition(source, NAMES, FUNCTIONS), {**ENV, **overrides} if env is None else env,
                    FUNCTIONS)


def error_of(source: str) -> tuple[str, int]:
    with pytest.raises(ExprError) as caught:
        compile_condition(source, NAMES, FUNCTIONS)
    return caught.value.message, caught.value.offset


# ----------------------------------------------------------------------------------- what it computes

EXAMPLES = [  # the examples of the brief, over ENV
    ("amount > 10000", True),
    ('customer.segment in ["premier", "private"]', True),
    ("not customer.kyc_current", True),
    ('age >= 18 and not holds("credit_card") and segment in ["mass", "affluent"]', True),
    ('age >= 18 and not holds("savings") and segment in ["mass", "affluent"]', False),
    ('purpose == "mortgage" or (amount >= 5000 and currency != "EUR")', True),
    ("days_since(customer.last_contact) > 180", False),
    ("days_since(customer.last_contact) > 150", True),
    ("x not in [1, 2]", True),
    ("x not in [1, 2, 3]", False),
    ("-amount < 0", True),
    ("amount * 1.2 > limit", True),  # 14400.0 > 14000.5
    ("amount * 1.1 > limit", False),  # 13200.0
    ("customer.email == null", True),
    ("customer.email != null", False),
]


@pytest.mark.parametrize(("source", "expected"), EXAMPLES)
def test_examples(source: str, expected: bool) -> None:
    assert run(source) is expected


SEMANTICS = [  # (source, env overrides, expected)
    # numbers: int and Decimal, never float
    ("0.1 + 0.2 == 0.3", {}, True),
    ("amount == 12000.0", {}, True),
    ("limit == 14000.5", {}, True),
    ("amount == 1.1", {"amount": 1.1}, True),  # a float in env goes through its text, not its binary value
    ("amount / 3 == 4000", {}, True),
    ("7 / 2 == 3.5", {}, True),
    ("1 / 3 * 3 == 1", {}, False),  # Decimal division rounds (28 digits), like any calculator
    ("7 % 3 == 1 and -7 % 3 == 2 and 7 % -3 == -2", {}, True),
    ("7.5 % 2 == 1.5 and -7.5 % 2 == 0.5", {}, True),  # floored for Decimal too
    ("amount - 12000 == 0", {}, True),
    ("--amount == amount", {}, True),
    # text
    ('segment == "mass"', {}, True),
    ('"b" > "a" and "a" < "b"', {}, True),
    ("'it\\'s' == \"it's\"", {}, True),
    ('"a\\nb" != "a\\\\nb"', {}, True),
    # dates
    ("customer.last_contact < customer.last_contact", {}, False),
    ("customer.last_contact >= customer.last_contact", {}, True),
    # booleans are not numbers
    ("vip == true", {"vip": True}, True),
    ("extra == 1", {"extra": True}, False),
    ("extra == true", {"extra": 1}, False),
    ("extra in [1, 2]", {"extra": True}, False),
    # null: missing names are null; ordering with null is false; == and != treat it as a value
    ("amount > 0", {"amount": None}, False),
    ("amount < 0", {"amount": None}, False),
    ("amount == null", {"amount": None}, True),
    ("amount != null", {"amount": None}, False),
    ('segment != "mass"', {"segment": None}, True),
    ("segment in [\"mass\"]", {"segment": None}, False),
    ("segment not in [\"mass\"]", {"segment": None}, True),
    ("extra in [null]", {"extra": None}, True),
    ("vip", {"vip": None}, None),
    ("not vip", {"vip": None}, True),
    ("vip or vip", {"vip": None}, False),
    ("amount * 2 > 0", {"amount": None}, False),
    # division by zero (and all failed arithmetic) make every comparison false, even == null and not in
    ("amount / 0 > 0", {}, False),
    ("amount / 0 < 0", {}, False),
    ("amount / 0 == null", {}, False),
    ("amount / 0 != 1", {}, False),
    ("amount % 0 != 1", {}, False),
    ("amount / 0 not in [1]", {}, False),
    ("not (amount / 0 > 0)", {}, True),
    ("amount + 1 == null", {"amount": None}, False),
    # ill-typed values at run time give false, never an exception
    ("amount > 0", {"amount": "12"}, False),
    ("extra > 0", {"extra": True}, False),
    ("extra + 1 == 2", {"extra": True}, False),
    ('segment < "z"', {"segment": 5}, False),
    ("extra == 1", {"extra": object()}, False),
    ("extra != 1", {"extra": {"a": 1}}, False),
    ("amount > 0", {"amount": float("nan")}, False),
    ("amount > 0", {"amount": Decimal("sNaN")}, False),
    ("amount == 1", {"amount": Decimal("sNaN")}, False),
    ("amount - amount == 0", {"amount": float("inf")}, False),
    ("amount > 0", {"amount": float("inf")}, True),
    ("days_since(customer.last_contact) > 0", {"customer": {}}, False),
    # lists
    ('"savings" in customer.products', {}, True),
    ('"savings" in customer.products', {"customer.products": ("savings",)}, True),
    ('"savings" in customer.products', {"customer.products": {"savings"}}, True),
    ("1.5 in customer.products", {"customer.products": [1.5]}, True),
    ("extra in customer.products", {"extra": [1, 2], "customer.products": [(1, 2)]}, True),
    ('"savings" in customer.products', {"customer.products": None}, False),
    ('"savings" not in customer.products', {"customer.products": None}, False),
    ('"savings" not in customer.products', {"customer.products": "savings"}, False),
    ("[1, 2] == [1, 2.0]", {}, True),
    ("[1] == [true]", {}, False),
    ("customer.products == []", {"customer.products": []}, True),
    # short-circuit: the right side is not looked at
    ('false and holds("x")', {}, False),
    ('true or holds("x")', {}, True),
]


@pytest.mark.parametrize(("source", "overrides", "expected"), SEMANTICS)
def test_semantics(source: str, overrides: dict, expected: object) -> None:
    assert run(source, **overrides) is expected


def test_dotted_names_are_looked_up_whole_or_through_plain_dicts() -> None:
    tree = compile_condition('customer.segment == "premier"', NAMES, FUNCTIONS)
    assert evaluate(tree, {"customer.segment": "premier"}, FUNCTIONS) is True
    assert evaluate(tree, {"customer": {"segment": "premier"}}, FUNCTIONS) is True
    assert evaluate(tree, {"customer.segment": "premier", "customer": {"segment": "mass"}}, FUNCTIONS) is True
    assert evaluate(tree, {"customer": "premier"}, FUNCTIONS) is False  # not a dict: missing
    assert evaluate(tree, {}, FUNCTIONS) is False


def test_a_date_is_not_ordered_against_a_datetime() -> None:
    env = {"a": date(2024, 1, 1), "b": datetime(2024, 1, 2), "c": datetime(2024, 1, 3)}
    assert evaluate(parse("a < b or b > a or a == b"), env, {}) is False
    assert evaluate(parse("b < c"), env, {}) is True


def test_values_of_other_expression_types() -> None:
    assert evaluate(parse("7 / 2"), {}, {}) == Decimal("3.5")
    assert evaluate(parse("2 * 3"), {}, {}) == 6 and isinstance(evaluate(parse("2 * 3"), {}, {}), int)
    assert evaluate(parse("1 / 0"), {}, {}) is None
    assert evaluate(parse("[1, 1 / 0, x]"), {"x": 0.5}, {}) == (1, None, Decimal("0.5"))
    assert evaluate(parse("x"), {"x": 2.5}, {}) == Decimal("2.5")
    assert evaluate(parse("x"), {"x": object()}, {}) is None


def test_evaluation_ignores_the_global_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.traps = dict.fromkeys(ctx.traps, False)
        assert evaluate(parse("1 / 3 == 0.3333333333333333333333333333"), {}, {}) is True
        assert evaluate(parse("1 / 0 > 0"), {}, {}) is False
    assert getcontext().prec == 28


def test_function_gets_none_for_missing_or_invalid_arguments() -> None:
    seen = []
    spy = {"f": Function((Type.NUMBER, Type.NUMBER), Type.NUMBER, lambda a, b: seen.append((a, b)) or 2.5)}
    assert evaluate(parse("f(missing, 1 / 0) == 2.5"), {}, spy) is True
    assert seen == [(None, None)]


def test_evaluating_an_unchecked_call_to_an_unknown_function_is_an_error() -> None:
    with pytest.raises(ExprError, match="unknown function 'open'") as caught:
        evaluate(parse('1 == 1 and open("f")'), {}, FUNCTIONS)
    assert caught.value.offset == 11


# ------------------------------------------------------------------------------------------ precedence

PRECEDENCE = [  # each source parses to the same tree as its fully parenthesized form
    ("a or b and c", "a or (b and c)"),
    ("a and b or c", "(a and b) or c"),
    ("a or b or c", "(a or b) or c"),
    ("not a and b", "(not a) and b"),
    ("not a or not b", "(not a) or (not b)"),
    ("not a == b", "not (a == b)"),
    ("not not a", "not (not a)"),
    ("a == b and c != d", "(a == b) and (c != d)"),
    ("a + b < c * d", "(a + b) < (c * d)"),
    ("a in [1] or b not in [2]", "(a in [1]) or (b not in [2])"),
    ("a + b * c", "a + (b * c)"),
    ("a * b + c", "(a * b) + c"),
    ("a - b - c", "(a - b) - c"),
    ("a / b * c % d", "((a / b) * c) % d"),
    ("-a * b", "(-a) * b"),
    ("-a + -b", "(-a) + (-b)"),
    ("a - -b", "a - (-b)"),
    ("--a", "-(-a)"),
    ("-a.b", "-(a.b)"),
    ("f(a + b, c) * 2", "(f((a + b), c)) * 2"),
]


@pytest.mark.parametrize(("source", "explicit"), PRECEDENCE)
def test_precedence(source: str, explicit: str) -> None:
    assert parse(source) == parse(explicit)


@pytest.mark.parametrize(("source", "value"), [
    ("1 + 2 * 3 == 7", True), ("(1 + 2) * 3 == 9", True), ("10 - 4 - 3 == 3", True), ("2 * 3 % 4 == 2", True),
    ("-2 * 3 == -6", True), ("not 1 == 2", True), ("true or false and false", True),
    ("(true or false) and false", False), ("not false and false", False), ("12 / 4 / 3 == 1", True),
])
def test_precedence_in_values(source: str, value: bool) -> None:
    assert evaluate(parse(source), {}, {}) is value


@pytest.mark.parametrize(("source", "canonical"), [
    ("((a))", "a"),
    ("(a + b) * c", "(a + b) * c"),
    ("a + (b * c)", "a + b * c"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("not (a and b)", "not (a and b)"),
    ("(not a) == b", "(not a) == b"),
    ("(a == b) == c", "(a == b) == c"),
    ("a == (b == c)", "a == (b == c)"),
    ("-(a + b)", "-(a + b)"),
    ("- - 5", "--5"),
    ("a  not   in[1,2,]", "a not in [1, 2]"),
    ("holds( 'x' , )", 'holds("x")'),
    ("'say \"hi\"\\n\\\\'", '"say \\"hi\\"\\n\\\\"'),
    ("007 + 1.50", "7 + 1.50"),
    ("[]", "[]"),
    ("true and false or null == x.y", "true and false or null == x.y"),
])
def test_unparse_is_canonical(source: str, canonical: str) -> None:
    tree = parse(source)
    assert unparse(tree) == str(tree) == canonical
    assert parse(canonical) == tree


# ---------------------------------------------------------------------------------------------- errors

PARSE_ERRORS = [  # (source, message, offset), each exactly
    ("", "the expression is empty", 0),
    ("   ", "the expression is empty", 0),
    ("amount = 5", "unexpected '='; did you mean '=='?", 7),
    ("a && b", "unexpected '&'; did you mean 'and'?", 2),
    ("a || b", "unexpected '|'; did you mean 'or'?", 2),
    ("!a", "unexpected '!'; did you mean 'not'?", 0),
    ('"abc', "unterminated string", 0),
    ("x == 'abc", "unterminated string", 5),
    ('"abc\\', "unterminated string", 0),
    ('"a\\tb"', "unknown escape '\\t' in string; use \\\", \\', \\\\ or \\n", 2),
    ("(a", "expected ')'", 2),
    ("(a b", "expected ')'", 3),
    ("holds('x'", "expected ')'", 9),
    ("[1, 2", "expected ']'", 5),
    ("[1 2]", "expected ']'", 3),
    ("a not b", "expected 'in' after 'not'", 6),
    ("a < b < c", "comparisons cannot be chained; combine them with 'and'", 6),
    ("a == b in c", "comparisons cannot be chained; combine them with 'and'", 7),
    ("a in b not in c", "comparisons cannot be chained; combine them with 'and'", 7),
    ("amount >", "unexpected end of expression", 8),
    ("a b", "unexpected 'b'", 2),
    ("a 'b'", "unexpected string", 2),
    (")", "unexpected ')'", 0),
    ("a == not b", "unexpected 'not'", 5),
    ("a + * b", "unexpected '*'", 4),
    ("+a", "unexpected '+'", 0),
    ("a ** 2", "unexpected '*'", 3),
    ("a, b", "unexpected ','", 1),
    ("a.", "attribute access is not supported", 1),
    ("(a).b", "attribute access is not supported", 3),
    ('"a".upper()', "attribute access is not supported", 3),
    ("a[0]", "indexing is not supported", 1),
    ("[1][0]", "indexing is not supported", 3),
    ("(f)(1)", "calls are only allowed to plain function names", 3),
    ("holds('x')('y')", "calls are only allowed to plain function names", 10),
    ("x.y.z()", "calls are only allowed to plain function names", 0),
    ("__import__('os')", "'__import__' is not a known name", 0),
    ("_private", "'_private' is not a known name", 0),
    ("customer._private", "'customer._private' is not a known name", 0),
    ("a__b", "'a__b' is not a known name", 0),
    ("True", "'True' is not a known name; did you mean 'true'?", 0),
    ("x == None", "'None' is not a known name; did you mean 'null'?", 5),
    ("a AND b", "'AND' is not a known name; did you mean 'and'?", 2),
    ("[c for c in x]", "comprehensions are not supported", 3),
    ("a if b else c", "conditional expressions (if/else) are not supported", 2),
    ("lambda: 1", "lambdas are not supported", 0),
    ("x is null", "'is' is not supported; use '==' or '!='", 2),
    ("import os", "'import' is not supported", 0),
    ("{1: 2}", "dicts and sets are not supported", 0),
    ('f"{x}"', "f-strings and string prefixes are not supported", 0),
    ("x == rb'1'", "f-strings and string prefixes are not supported", 5),
    ("a; b", "unexpected ';'; only one expression is allowed", 1),
    ("`a`", "unexpected '`'", 0),
    ("a # comment", "unexpected '#'", 2),
    ("a == é", "unexpected 'é'", 5),
    ("1e5 > 0", "invalid number '1e5'", 0),
    ("1.2.3", "invalid number '1.2.3'", 0),
    ("x > 10abc", "invalid number '10abc'", 4),
    ("1. > 0", "invalid number '1.'", 0),
    ("(" * 51 + "1" + ")" * 51, f"expression is nested too deeply (more than {MAX_DEPTH} levels)", 50),
    ("not " * 51 + "a", f"expression is nested too deeply (more than {MAX_DEPTH} levels)", 200),
    ("-" * 51 + "a", f"expression is nested too deeply (more than {MAX_DEPTH} levels)", 50),
    ("[" * 51 + "]" * 51, f"expression is nested too deeply (more than {MAX_DEPTH} levels)", 50),
    ("f(" * 51 + ")" * 51, f"expression is nested too deeply (more than {MAX_DEPTH} levels)", 101),
    ("a" + " + a" * 51, f"expression is nested too deeply (more than {MAX_DEPTH} levels)", 202),
    ("x == '" + "a" * 1000 + "'", f"expression is too long: 1007 characters, the limit is {MAX_LENGTH}", 1000),
    ("a" + " " * 1000, f"expression is too long: 1001 characters, the limit is {MAX_LENGTH}", 1000),
    ("1" * 5000, f"expression is too long: 5000 characters, the limit is {MAX_LENGTH}", 1000),  # no int()
    ("__" + "a" * 10**6, f"expression is too long: 1000002 characters, the limit is {MAX_LENGTH}", 1000),
    ('"' + "a" * 1100 + '\\t"', f"expression is too long: 1104 characters, the limit is {MAX_LENGTH}", 1000),
    ("a = " + "b" * 2000, "unexpected '='; did you mean '=='?", 2),  # the earlier problem comes first
]


@pytest.mark.parametrize(("source", "message", "offset"), PARSE_ERRORS)
def test_parse_errors(source: str, message: str, offset: int) -> None:
    with pytest.raises(ExprError) as caught:
        parse(source)
    assert (caught.value.message, caught.value.offset) == (message, offset)
    assert str(caught.value) == f"{message} (at offset {offset})"


CHECK_ERRORS = [  # (source, every (message, offset) in offset order)
    ('custmer.segment == "a"', [("'custmer.segment' is not a known name; did you mean 'customer.segment'?", 0)]),
    ("zzz", [("'zzz' is not a known name", 0)]),
    ("holds", [("'holds' is a function; call it like holds(...)", 0)]),
    ('open("f")', [("unknown function 'open'; calls are only allowed to: holds, days_since", 0)]),
    ('vip and eval("1")', [("unknown function 'eval'; calls are only allowed to: holds, days_since", 8)]),
    ('holds("a", "b")', [("holds() takes 1 argument, got 2", 0)]),
    ("holds(1)", [("argument 1 of holds() must be text, got a number", 6)]),
    ("days_since(amount) > 1", [("argument 1 of days_since() must be a date, got a number", 11)]),
    ('amount > "10000"', [("cannot compare a number with text", 7)]),
    ("amount == segment", [("cannot compare a number with text", 7)]),
    ("vip == 1", [("cannot compare true/false with a number", 4)]),
    ('amount in [1, "two"]', [("cannot compare a number with text", 14)]),
    ('amount in "12"', [("'in' needs a list on the right, got text", 10)]),
    ("amount not in null", [("'not in' needs a list on the right, got null", 14)]),
    ("vip < true", [("'<' needs numbers, text or dates, got true/false", 4)]),
    ("customer.products >= []", [("'>=' needs numbers, text or dates, got a list", 18)]),
    ("amount > null", [("null can only be compared with '==' or '!='", 7)]),
    ("customer.last_contact < 5", [("cannot compare a date with a number", 22)]),
    ("amount and vip", [("'and' needs true/false, got a number", 0)]),
    ("vip or segment", [("'or' needs true/false, got text", 7)]),
    ("not amount", [("'not' needs true/false, got a number", 4)]),
    ("not null", [("'not' needs true/false, got null", 4)]),
    ('segment + "x" == "y"', [
        ("'+' needs numbers, got text", 0),
        ("'+' needs numbers, got text", 10),
        ("cannot compare a number with text", 14),
    ]),
    ("-segment < 0", [("'-' needs a number, got text", 1)]),
    ("amount * null > 0", [("'*' needs numbers, got null", 9)]),
    ("amount", [("the expression must give true/false, got a number", 0)]),
    ("amount + 1", [("the expression must give true/false, got a number", 0)]),
    ("null", [("the expression must give true/false, got null", 0)]),
    ('"yes"', [("the expression must give true/false, got text", 0)]),
    ('zz > 1 and holds(2) and vip == "y"', [
        ("'zz' is not a known name", 0),
        ("argument 1 of holds() must be text, got a number", 17),
        ("cannot compare true/false with text", 28),
    ]),
]


@pytest.mark.parametrize(("source", "errors"), CHECK_ERRORS)
def test_check_errors(source: str, errors: list[tuple[str, int]]) -> None:
    found = check(parse(source), NAMES, FUNCTIONS)
    assert [(e.message, e.offset) for e in found] == errors
    assert error_of(source) == errors[0]  # compile_condition raises the first one


@pytest.mark.parametrize("source", [
    "extra == 1", 'extra == "a"', "extra < 3", "extra", "extra in [1, 2]", "1 in extra", "extra and vip",
    "days_since(extra) > 1", "not extra", "extra + 1 > 0", "customer.email == null", "null == null",
    "customer.products == [1, \"a\"]", '"a" in customer.products', "[1] != []",
])
def test_any_and_null_are_compatible(source: str) -> None:
    assert check(parse(source), NAMES, FUNCTIONS) == []


def test_expect_asks_for_another_result_type_or_none() -> None:
    assert check(parse("amount * 2"), NAMES, FUNCTIONS, expect=Type.NUMBER) == []
    assert check(parse('segment'), NAMES, FUNCTIONS, expect=None) == []
    [error] = check(parse("vip"), NAMES, FUNCTIONS, expect=Type.NUMBER)
    assert (error.message, error.offset) == ("the expression must give a number, got true/false", 0)
    assert compile_condition("1 + 1", {}, {}, expect=Type.NUMBER) == parse("1 + 1")


def test_no_functions_declared() -> None:
    [error] = check(parse('holds("x")'), NAMES, {})
    assert error.message == "unknown function 'holds'; calls are only allowed to: (none here)"


# ------------------------------------------------------------------------------------- attack corpus

ATTACKS = [
    '__import__("os")', '__import__("os").system("ls")', "().__class__", "customer.__dict__",
    "x.__class__.__mro__", "x.__class__.__mro__[1].__subclasses__()", "[c for c in x]", "lambda: 1",
    'open("f")', 'eval("1")', 'exec("1")', 'getattr(x, "y")', "globals()", "a if b else c", "x[0]", "x.y.z()",
    "customer.segment.upper()", "{1: 2}", "{1}", 'f"{x}"', "f'{x.__class__}'", "`x`", "x; y", "x == 1; import os",
    "(lambda: 1)()", "x.__len__", "x._secret", "__builtins__", "import os", "del x", "x := 1", "yield x",
    "await x", "[*x]", "x @ y", "x ** 1000000", "'a' * 10 ** 9", "x\n; y", "\\x", "print('a')",
    "(" * 10_000 + "x" + ")" * 10_000, "[" * 10_000 + "]" * 10_000, "not " * 10_000 + "x", "-" * 10_000 + "x",
    "f(" * 10_000 + ")" * 10_000, " + ".join(["x"] * 400), '"' + "a" * 5_000 + '"', "x" * 5_000, "9" * 5_000,
]


@pytest.mark.parametrize("source", ATTACKS, ids=lambda s: s[:30])
def test_attacks_are_refused_before_evaluation(source: str) -> None:
    with pytest.raises(ExprError) as caught:  # never RecursionError, never anything else
        compile_condition(source, NAMES, FUNCTIONS)
    assert 0 <= caught.value.offset <= max(len(source), MAX_LENGTH)


def test_attack_messages() -> None:
    assert error_of("(" * 10_000 + "x" + ")" * 10_000) == (
        f"expression is nested too deeply (more than {MAX_DEPTH} levels)", 50)
    assert error_of('"' + "a" * 5_000 + '"') == ("expression is too long: 5002 characters, the limit is 1000", 1000)
    assert error_of("customer.__dict__") == ("'customer.__dict__' is not a known name", 0)
    assert error_of("x.__class__.__mro__") == ("'x.__class__.__mro__' is not a known name", 0)


def test_limits_are_inclusive() -> None:
    longest = 'segment == "' + "a" * (MAX_LENGTH - 13) + '"'
    assert len(longest) == MAX_LENGTH
    assert run(longest) is False
    assert run("(" * MAX_DEPTH + "vip" + ")" * MAX_DEPTH, vip=True) is True
    assert run("not " * MAX_DEPTH + "vip", vip=True) is True
    assert run("-" * (MAX_DEPTH - 1) + "amount < 0") is True
    assert run(" and ".join(["vip"] * (MAX_DEPTH + 1)), vip=True) is True


@pytest.mark.parametrize("source", [
    "(" * MAX_DEPTH + "vip" + ")" * MAX_DEPTH, "f(" * MAX_DEPTH + ")" * MAX_DEPTH, "[" * MAX_DEPTH + "]" * MAX_DEPTH,
    "not " * MAX_DEPTH + "vip", "-" * MAX_DEPTH + "amount", " and ".join(["vip"] * (MAX_DEPTH + 1)),
    "f(" * 23 + "[" * 23 + "(-(not vip))" + "]" * 23 + ")" * 23,
])
def test_the_deepest_expressions_need_little_stack(source: str) -> None:
    """About 7 Python frames per level while parsing, fewer in the walks: far from the recursion limit."""
    functions = {**FUNCTIONS, "f": Function((), Type.ANY, lambda *args: None)}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 8 * MAX_DEPTH)
    try:
        tree = parse(source)
        check(tree, NAMES, functions)
        evaluate(tree, ENV, functions)
        assert parse(unparse(tree)) == tree
    finally:
        sys.setrecursionlimit(limit)


def test_source_never_uses_python_evaluation() -> None:
    for module in (expr_module, expr_lex):
        source = Path(module.__file__).read_text()
        assert not re.search(r"\b(eval|exec|getattr|__import__|attrgetter)\(|(?<![.\w])compile\(|import ast", source)


# -------------------------------------------------------------------------------------------------- API

def test_trees_are_immutable_and_compare_without_offsets() -> None:
    tree = parse("  amount > 1")
    assert tree == Binary(">", Name("amount"), Literal(1))
    assert (tree.offset, tree.left.offset, tree.right.offset) == (9, 2, 11)
    with pytest.raises(FrozenInstanceError):
        tree.op = "<"  # type: ignore[misc]
    assert hash(tree) == hash(Binary(">", Name("amount"), Literal(1)))
    assert Literal(True) != Literal(1) and Literal(Decimal("1.5")).type is Type.NUMBER
    assert parse("1.50") == Literal(Decimal("1.50")) and isinstance(parse("1.50").value, Decimal)
    assert parse("-1") == Unary("-", Literal(1))
    assert parse('holds("x")') == Call("holds", (Literal("x"),))
    assert parse("[1, a]") == ListExpr((Literal(1), Name("a")))
    assert isinstance(tree, Expr)


def test_walks_refuse_foreign_nodes() -> None:
    for walk in (lambda e: check(e, {}, {}), lambda e: evaluate(e, {}, {}), unparse):
        with pytest.raises(TypeError, match="not an expression node"):
            walk(Unary("not", Expr()))


def test_names_used() -> None:
    tree = parse('age >= 18 and not holds(segment) and customer.segment in [x, "a"] or (age > amount)')
    assert names_used(tree) == {"age", "segment", "customer.segment", "x", "amount"}
    assert names_used(parse("1 == 1")) == set()


def test_check_does_not_stop_at_the_first_error_and_sorts_by_offset() -> None:
    errors = check(parse("(nope1 + 1 > nope2) and nope3"), NAMES, FUNCTIONS)
    assert [e.offset for e in errors] == [1, 13, 24]


# ----------------------------------------------------------------------------------------- properties

FRAGMENTS = [
    "(", ")", "[", "]", ",", ".", " ", "'", '"', "\\", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/",
    "%", "not ", " and ", " or ", " in ", " not in ", "true", "false", "null", "amount", "customer.segment",
    "holds(", "days_since(", "_", "__", "x", "1", "2.5", "0", "\n", "é", "{", ";", "`", "lambda", "if", "for",
]


SOURCES = st.recursive(  # mostly valid source text, with uneven spacing and redundant parentheses
    st.sampled_from(["amount", "customer.segment", "x.y", "1", "2.50", "007", "'a\\'b'", '"\\n"', "true", "null"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["or", "and", "==", "!=", "<", ">=", "in", "not in", "+", "-", "*", "/",
                                          "%"]), inner, st.sampled_from([" ", "  ", "\n"])).map(
            lambda t: t[3].join(t[:3])),
        inner.map(lambda s: f"({s})"),
        inner.map(lambda s: f"not {s}"),
        inner.map(lambda s: f"-{s}"),
        st.lists(inner, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
        st.lists(inner, max_size=2).map(lambda xs: f"holds({','.join(xs)})"),
    ),
    max_leaves=12,
)
MUTATED = st.tuples(SOURCES, st.integers(0, 100), st.sampled_from(FRAGMENTS)).map(
    lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :])


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
                 SOURCES, MUTATED))
def test_parse_only_ever_raises_expr_error(source: str) -> None:
    try:
        tree = parse(source)
    except ExprError as error:
        assert 0 <= error.offset <= len(source)
        return
    text = unparse(tree)  # whatever parses survives the round trip and can be checked
    assume(len(text) <= MAX_LENGTH)
    assert parse(text) == tree
    assert isinstance(check(tree, NAMES, FUNCTIONS), list)


NUMBER_NAMES, TEXT_NAMES = ["amount", "limit", "age"], ["segment", "customer.segment", "customer.email"]
BOOL_NAMES, DATE_NAMES, LIST_NAMES = ["vip", "customer.kyc_current"], ["customer.last_contact"], ["customer.products"]


@cache
def typed(kind: Type, depth: int) -> st.SearchStrategy[Expr]:
    """Well-typed trees of `kind` (no negative literals: the parser reads `-1` as a Unary)."""
    def names(pool: list[str]) -> st.SearchStrategy[Expr]:
        return st.sampled_from(pool).map(Name)

    numbers = st.one_of(
        st.integers(0, 10**12).map(Literal),
        st.builds(lambda n, places: Literal(Decimal(n).scaleb(-places)), st.integers(0, 10**9), st.integers(1, 4)),
        names(NUMBER_NAMES),
    )
    leaves = {
        Type.NUMBER: numbers,
        Type.TEXT: st.one_of(st.text(max_size=6).map(Literal), names(TEXT_NAMES)),
        Type.BOOL: st.one_of(st.booleans().map(Literal), names(BOOL_NAMES)),
        Type.DATE: names(DATE_NAMES),
        Type.LIST: st.one_of(names(LIST_NAMES), st.lists(numbers, max_size=3).map(lambda i: ListExpr(tuple(i)))),
    }[kind]
    if depth == 0 or kind is Type.DATE:
        return leaves

    def sub(k: Type) -> st.SearchStrategy[Expr]:
        return typed(k, depth - 1)

    def binary(ops: list[str], left: Type, right: Type) -> st.SearchStrategy[Expr]:
        return st.builds(Binary, st.sampled_from(ops), sub(left), sub(right))

    def membership(item: Type) -> st.SearchStrategy[Expr]:
        items = st.lists(sub(item), max_size=3).map(lambda i: ListExpr(tuple(i)))
        return st.builds(Binary, st.sampled_from(["in", "not in"]), sub(item), st.one_of(items, names(LIST_NAMES)))

    if kind is Type.NUMBER:
        composite = st.one_of(
            st.builds(Unary, st.just("-"), sub(Type.NUMBER)),
            binary(["+", "-", "*", "/", "%"], Type.NUMBER, Type.NUMBER),
            sub(Type.DATE).map(lambda day: Call("days_since", (day,))),
        )
    elif kind is Type.BOOL:
        composite = st.one_of(
            st.builds(Unary, st.just("not"), sub(Type.BOOL)),
            binary(["and", "or"], Type.BOOL, Type.BOOL),
            binary(["==", "!=", "<", "<=", ">", ">="], Type.NUMBER, Type.NUMBER),
            binary(["==", "!=", "<", ">="], Type.TEXT, Type.TEXT),
            binary(["<", "==", ">="], Type.DATE, Type.DATE),
            binary(["==", "!="], Type.BOOL, Type.BOOL),
            binary(["==", "!="], Type.LIST, Type.LIST),
            membership(Type.NUMBER),
            membership(Type.TEXT),
            sub(Type.TEXT).map(lambda product: Call("holds", (product,))),
            st.builds(Binary, st.sampled_from(["==", "!="]), sub(Type.TEXT), st.just(Literal(None))),
        )
    elif kind is Type.LIST:
        composite = st.lists(st.one_of(sub(Type.NUMBER), sub(Type.TEXT)), max_size=3).map(
            lambda i: ListExpr(tuple(i)))
    else:
        composite = leaves
    return st.one_of(leaves, composite)


def values_of(kind: Type) -> st.SearchStrategy[object]:
    """Anything a caller may put in env for a name of `kind`, missing and hostile numbers included."""
    return st.one_of(st.none(), {
        Type.NUMBER: st.one_of(st.integers(), st.floats(), st.decimals(), st.integers(-10**30, 10**30)),
        Type.TEXT: st.text(max_size=6),
        Type.BOOL: st.booleans(),
        Type.DATE: st.one_of(st.dates(), st.datetimes()),
        Type.LIST: st.lists(st.one_of(st.integers(), st.text(max_size=3), st.floats(), st.none(), st.booleans())),
    }[kind])


ENVS = st.fixed_dictionaries({name: values_of(kind) for name, kind in NAMES.items() if kind is not Type.ANY})


def nested(env: dict) -> dict:
    """The same env with "customer.x" keys moved into a "customer" dict."""
    out: dict = {k: v for k, v in env.items() if "." not in k}
    for key, value in env.items():
        if "." in key:
            head, tail = key.split(".", 1)
            out.setdefault(head, {})[tail] = value
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(list(Type)[:5]).flatmap(lambda kind: typed(kind, 3)), ENVS)
def test_generated_trees_round_trip_and_evaluate_identically(tree: Expr, env: dict) -> None:
    source = unparse(tree)
    assume(len(source) <= MAX_LENGTH)
    again = parse(source)
    assert again == tree
    assert unparse(again) == source
    assert check(again, NAMES, FUNCTIONS, expect=None) == []
    assert repr(evaluate(tree, env, FUNCTIONS)) == repr(evaluate(again, env, FUNCTIONS))  # NaN != NaN


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(typed(Type.BOOL, 4), ENVS)
def test_checked_conditions_never_raise(tree: Expr, env: dict) -> None:
    assert check(tree, NAMES, FUNCTIONS) == []
    result = evaluate(tree, env, FUNCTIONS)
    assert result is True or result is False or result is None
    assert evaluate(tree, nested(env), FUNCTIONS) == result
