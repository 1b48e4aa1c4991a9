"""The small, safe expression language of workflow `when:` conditions and next-best-offer rules.

Config authors write these in config.yaml, so the text is untrusted: our own tokenizer (expr_lex) and
precedence-climbing parser build an immutable tree, which is type-checked against the declared names when
the config loads and evaluated by walking it over plain dicts. Python's eval/compile/ast and getattr are
never used, so no expression can reach a Python object. Limits: MAX_LENGTH characters, MAX_DEPTH levels.

Grammar, lowest precedence first (keywords are lowercase; lexical rules in expr_lex):
    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") sum]     (no chaining)
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "true" | "false" | "null" | NAME | FUNCTION "(" [items] ")"
                | "(" expr ")" | "[" [items] "]"                 items := expr ("," expr)* [","]
A dotted NAME ("customer.segment") is one declared name, not attribute access; FUNCTION is undotted.

This module is longer than 450 lines on purpose: the node classes, the parser that builds them and the
type checker that walks them change together with every new operator, and read best side by side.
"""
from __future__ import annotations

import difflib
import enum
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import cached_property
from typing import Any

from deskapp.config.expr_lex import MAX_LENGTH, ExprError, Token, tokens
from deskapp.i18n import N_, _, ngettext

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "Binary", "Call", "Expr", "ExprError", "Function",  # i18n: not words
           "ListExpr", "Literal", "Name", "Type", "Unary", "check", "compile_condition",  # i18n: not words
           "evaluate", "names_used", "parse", "unparse"]

MAX_DEPTH = 50  # nesting levels; keeps every recursive walk far below Python's recursion limit


class Type(enum.Enum):
    """Static types; the value is how messages name them. LIST holds anything; `null` fits every type."""

    NUMBER = N_("a number")
    TEXT = N_("text")
    BOOL = N_("true/false")
    DATE = N_("a date")
    LIST = N_("a list")
    ANY = N_("any value")

    def said(self) -> str:
        """How messages name the type, in the current language."""
        return _(self.value)


@dataclass(frozen=True)
class Function:
    """A function expressions may call; `impl` gets None for a missing argument and must cope with it."""

    params: tuple[Type, ...]
    returns: Type
    impl: Callable[..., Any]


@dataclass(frozen=True)
class Expr:
    """Base of the tree nodes. `offset` locates a node for messages and is left out of equality."""

    offset: int = field(default=0, compare=False, repr=False, kw_only=True)

    def children(self) -> tuple[Expr, ...]:
        found: list[Expr] = []
        for value in vars(self).values():  # the fields (and the cached depth, an int, which is skipped)
            found.extend(value if isinstance(value, tuple) else [value] if isinstance(value, Expr) else [])
        return tuple(found)

    @cached_property
    def depth(self) -> int:
        """Levels of nodes below this one; the parser bounds it so that walking the tree stays shallow."""
        return 1 + max((c.depth for c in self.children()), default=-1)

    def __str__(self) -> str:
        return unparse(self)


@dataclass(frozen=True)
class Literal(Expr):
    """A number (int or Decimal; `-1` parses as a Unary), string, true/false or null."""

    value: int | Decimal | str | bool | None
    type: Type = field(init=False)  # derived, and compared, so that Literal(True) != Literal(1)

    def __post_init__(self) -> None:
        kind = {bool: Type.BOOL, str: Type.TEXT, type(None): Type.ANY}.get(type(self.value), Type.NUMBER)
        object.__setattr__(self, "type", kind)


@dataclass(frozen=True)
class Name(Expr):
    name: str  # looked up whole: "customer.segment"


@dataclass(frozen=True)
class ListExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # "not" or "-"
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # or and == != < <= > >= in "not in" + - * / %; the offset is the operator's
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]


# -------------------------------------------------------------------------------------------- parser

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_ARITHMETIC = ("+", "-", "*", "/", "%")
# How tightly each binary operator binds ("not" starts "not in"); prefix "not" binds at 3, prefix "-" at 7.
_BINDING = {"or": 1, "and": 2, **dict.fromkeys((*_COMPARISONS, "in", "not"), 4),
            "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_TOO_DEEP = N_("expression is nested too deeply (more than {depth} levels)")


class _Parser:
    """Precedence climbing (Pratt): few Python frames per nesting level, whatever the number of levels
    of precedence. `nesting` counts open brackets and prefix operators."""

    def __init__(self, source: str) -> None:
        self.tokens = tokens(source)
        self.tok = next(self.tokens)
        self.nesting = 0

    def advance(self) -> Token:
        tok, self.tok = self.tok, next(self.tokens)
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "kw") and self.tok.text in texts

    def expect(self, text: str) -> None:
        if not self.at(text):
            raise ExprError(_("expected {text}").format(text=repr(text)), self.tok.offset)
        self.advance()

    def nested(self, parse: Callable[[], Any]) -> Any:
        """Consume the opening token and parse one level deeper (a failed parse abandons the parser)."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise ExprError(_(_TOO_DEEP).format(depth=MAX_DEPTH), self.tok.offset)
        self.advance()
        result = parse()
        self.nesting -= 1
        return result

    def node(self, expr: Expr) -> Expr:
        if expr.depth > MAX_DEPTH:  # a long operator chain deepens the tree without nesting the parser
            raise ExprError(_(_TOO_DEEP).format(depth=MAX_DEPTH), expr.offset)
        return expr

    def expression(self, least: int = 1) -> Expr:
        """A prefix part, then every binary operator that binds at least as tightly as `least`."""
        left, compared = self.prefix(least), False
        while self.tok.kind in ("op", "kw") and _BINDING.get(self.tok.text, 0) >= least:
            op = self.advance()
            level, text = _BINDING[op.text], op.text
            if level == 4:  # the right side binds tighter, so a second comparison comes back here
                if compared:
                    raise ExprError(_("comparisons cannot be chained; combine them with 'and'"), op.offset)
                compared = True
                if text == "not":
                    if not self.at("in"):
                        raise ExprError(_("expected 'in' after 'not'"), self.tok.offset)
                    self.advance()
                    text = "not in"  # i18n: not words
            left = self.node(Binary(text, left, self.expression(level + 1), offset=op.offset))
        return left

    def prefix(self, least: int) -> Expr:
        tok = self.tok
        if self.at("not") and least <= 3:  # `a == not b` is refused, as in Python
            return self.node(Unary("not", self.nested(lambda: self.expression(3)), offset=tok.offset))
        if self.at("-"):
            return self.node(Unary("-", self.nested(lambda: self.expression(7)), offset=tok.offset))
        expr = self.primary()
        for text, message in ((".", N_("attribute access is not supported")), ("[", N_("indexing is not supported")),
                              ("(", N_("calls are only allowed to plain function names"))):
            if self.at(text):  # name what Python would do here, rather than a bare 'unexpected'
                raise ExprError(_(message), self.tok.offset)
        return expr

    def group(self) -> Expr:
        inner = self.expression()
        self.expect(")")
        return inner

    def items(self, close: str) -> tuple[Expr, ...]:
        items: list[Expr] = []
        while not self.at(close):
            items.append(self.expression())
            if not self.at(","):
                break
            self.advance()
        self.expect(close)
        return tuple(items)

    def primary(self) -> Expr:
        tok = self.tok
        if tok.kind in ("num", "str"):
            self.advance()
            return Literal(tok.value, offset=tok.offset)
        if self.at("true", "false", "null"):
            self.advance()
            return Literal({"true": True, "false": False, "null": None}[tok.text], offset=tok.offset)
        if tok.kind == "name":
            self.advance()
            if not self.at("("):
                return Name(tok.text, offset=tok.offset)
            if "." in tok.text:
                raise ExprError(_("calls are only allowed to plain function names"), tok.offset)
            return self.node(Call(tok.text, self.nested(lambda: self.items(")")), offset=tok.offset))
        if self.at("("):
            return self.nested(self.group)
        if self.at("["):
            return self.node(ListExpr(self.nested(lambda: self.items("]")), offset=tok.offset))
        raise ExprError(_("unexpected {token}").format(token=tok.describe()), tok.offset)


def parse(source: str) -> Expr:
    """The tree of `source`; raises ExprError for the first problem in source order."""
    if not source.strip():
        raise ExprError(_("the expression is empty"), 0)
    parser = _Parser(source)
    expr = parser.expression()
    if parser.tok.kind != "eof":
        raise ExprError(_("unexpected {token}").format(token=parser.tok.describe()), parser.tok.offset)
    return expr


# ------------------------------------------------------------------------------------------- checker

def _is_null(expr: Expr) -> bool:
    return isinstance(expr, Literal) and expr.value is None


def _compatible(a: Type, b: Type) -> bool:
    return a is b or Type.ANY in (a, b)


class _Checker:
    """Infers each node's type and collects every problem; an ill-typed node counts as ANY afterwards."""

    def __init__(self, names: Mapping[str, Type], functions: Mapping[str, Function]) -> None:
        self.names = names
        self.functions = functions
        self.errors: list[ExprError] = []

    def error(self, message: str, expr: Expr) -> None:
        self.errors.append(ExprError(message, expr.offset))

    def need(self, expr: Expr, want: Type, what: str) -> None:
        """`what`: the message, with {got} for the type found."""
        kind = self.type_of(expr)
        if _is_null(expr) or not _compatible(kind, want):
            self.error(what.format(got="null" if _is_null(expr) else kind.said()), expr)

    def type_of(self, expr: Expr) -> Type:
        match expr:
            case Literal():
                return expr.type
            case Name(name=name) if name in self.names and "__" not in name and not name.startswith("_"):
                return self.names[name]
            case Name(name=name) if name in self.functions:
                self.error(_("'{name}' is a function; call it like {name}(...)").format(name=name), expr)
            case Name(name=name):
                close = difflib.get_close_matches(name, list(self.names), n=1)
                if close:
                    self.error(_("'{name}' is not a known name; did you mean '{close}'?").format(
                        name=name, close=close[0]), expr)
                else:
                    self.error(_("'{name}' is not a known name").format(name=name), expr)
            case ListExpr(items=items):
                for item in items:
                    self.type_of(item)
                return Type.LIST
            case Unary(op="not", operand=operand):
                self.need(operand, Type.BOOL, _("'not' needs true/false, got {got}"))
                return Type.BOOL
            case Unary(operand=operand):
                self.need(operand, Type.NUMBER, _("'-' needs a number, got {got}"))
                return Type.NUMBER
            case Call():
                return self.call(expr)
            case Binary(op="and" | "or" as op, left=left, right=right):
                needs = _("'{op}' needs true/false, got {got}").replace("{op}", op)
                self.need(left, Type.BOOL, needs)
                self.need(right, Type.BOOL, needs)
                return Type.BOOL
            case Binary(op=op, left=left, right=right) if op in _ARITHMETIC:
                needs = _("'{op}' needs numbers, got {got}").replace("{op}", op)
                self.need(left, Type.NUMBER, needs)
                self.need(right, Type.NUMBER, needs)
                return Type.NUMBER
            case Binary():
                self.comparison(expr)
                return Type.BOOL
            case _:
                raise TypeError(f"not an expression node: {expr!r}")  # i18n: not words (a bug, never shown)
        return Type.ANY

    def comparison(self, expr: Binary) -> None:
        op, left, right, lt = expr.op, expr.left, expr.right, self.type_of(expr.left)
        if op in ("in", "not in") and isinstance(right, ListExpr):  # i18n: not words
            for item in right.items:  # each item must be comparable with the left side
                if not _compatible(lt, kind := self.type_of(item)):
                    self.error(_("cannot compare {left} with {right}").format(left=lt.said(), right=kind.said()), item)
            return
        rt = self.type_of(right)
        if op in ("in", "not in"):  # i18n: not words
            if _is_null(right) or not _compatible(rt, Type.LIST):
                got = "null" if _is_null(right) else rt.said()
                self.error(_("'{op}' needs a list on the right, got {got}").format(op=op, got=got), right)
        elif op not in ("==", "!=") and (_is_null(left) or _is_null(right)):
            self.error(_("null can only be compared with '==' or '!='"), expr)
        elif op not in ("==", "!=") and {lt, rt} - {Type.NUMBER, Type.TEXT, Type.DATE, Type.ANY}:
            bad = lt if lt in (Type.BOOL, Type.LIST) else rt
            self.error(_("'{op}' needs numbers, text or dates, got {got}").format(op=op, got=bad.said()), expr)
        elif not _compatible(lt, rt):
            self.error(_("cannot compare {left} with {right}").format(left=lt.said(), right=rt.said()), expr)

    def call(self, expr: Call) -> Type:
        fn = self.functions.get(expr.name)
        if fn is None:
            allowed = ", ".join(self.functions) or _("(none here)")
            self.error(_("unknown function '{name}'; calls are only allowed to: {allowed}").format(
                name=expr.name, allowed=allowed), expr)
        elif len(expr.args) != len(fn.params):
            self.error(ngettext("{name}() takes {n} argument, got {got}", "{name}() takes {n} arguments, got {got}",
                                len(fn.params)).format(name=expr.name, n=len(fn.params), got=len(expr.args)), expr)
        for i, arg in enumerate(expr.args):
            kind = self.type_of(arg)
            if fn is not None and i < len(fn.params) and not _compatible(fn.params[i], kind):
                self.error(_("argument {n} of {name}() must be {want}, got {got}").format(
                    n=i + 1, name=expr.name, want=fn.params[i].said(), got=kind.said()), arg)
        return Type.ANY if fn is None else fn.returns


def check(expr: Expr, names: Mapping[str, Type], functions: Mapping[str, Function],
          expect: Type | None = Type.BOOL) -> list[ExprError]:
    """Every static problem, sorted by offset; empty when `expr` is fit to evaluate over such names."""
    checker = _Checker(names, functions)
    kind = checker.type_of(expr)
    if expect is not None and (_is_null(expr) or not _compatible(kind, expect)):
        start = expr
        while isinstance(start, Binary):
            start = start.left
        got = "null" if _is_null(expr) else kind.said()
        checker.errors.append(ExprError(_("the expression must give {want}, got {got}").format(
            want=expect.said(), got=got), start.offset))
    return sorted(checker.errors, key=lambda e: e.offset)


def compile_condition(source: str, names: Mapping[str, Type], functions: Mapping[str, Function],
                      expect: Type | None = Type.BOOL) -> Expr:
    """Parse and check, raising the first problem: what config loading does with every `when:`."""
    expr = parse(source)
    if errors := check(expr, names, functions, expect):
        raise errors[0]
    return expr


def names_used(expr: Expr) -> set[str]:
    """The declared names an expression reads (not the functions it calls)."""
    found: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            found.add(node.name)
        stack.extend(node.children())
    return found


# ----------------------------------------------------------------------------------------- evaluator


class _Invalid:
    """The value of failed arithmetic (1 / 0, "a" + 1, null * 2): every comparison with it is false."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID: Any = _Invalid()
_DECIMAL = Context(prec=28, traps=[InvalidOperation, DivisionByZero, Overflow])
_OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
              "+": operator.add, "-": operator.sub, "*": operator.mul}


def _normal(value: Any) -> Any:
    """A value as the evaluator sees it: floats become Decimal via their shortest text, lists tuples."""
    if value is None or isinstance(value, (bool, int, str, Decimal, date)):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_normal(v) for v in value)
    return _INVALID  # not a value of this language: every comparison with it is false


def _lookup(env: Mapping[str, Any], name: str) -> Any:
    """`env["customer.segment"]`, else `env["customer"]["segment"]` through plain mappings; else None."""
    if name in env:
        return env[name]
    value: Any = env
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _kind(value: Any) -> type | None:
    """What may be ordered against what: numbers, texts and dates each among themselves."""
    if isinstance(value, bool):
        return None
    return next((k for k in (int, Decimal, str, date) if isinstance(value, k)), None)


def _equal(a: Any, b: Any) -> bool:
    if a is _INVALID or b is _INVALID or isinstance(a, bool) != isinstance(b, bool):
        return False  # True == 1 in Python, but not here
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and all(map(_equal, a, b))
    try:
        return bool(a == b)
    except (ArithmeticError, TypeError):  # a signalling NaN
        return False


def _compare(op: str, a: Any, b: Any) -> bool:
    if op in ("==", "!="):
        return a is not _INVALID and b is not _INVALID and _equal(a, b) == (op == "==")
    if op in ("in", "not in"):  # i18n: not words
        return a is not _INVALID and isinstance(b, tuple) and any(_equal(a, x) for x in b) == (op == "in")
    kinds = {_kind(a), _kind(b)}
    if None in kinds or (len(kinds) > 1 and kinds != {int, Decimal}):
        return False  # null, true/false, lists and mixed kinds are never ordered
    try:
        return bool(_OPERATORS[op](a, b))
    except (ArithmeticError, TypeError):  # NaN; a date against a datetime
        return False


def _arithmetic(op: str, a: Any, b: Any) -> Any:
    if _kind(a) not in (int, Decimal) or _kind(b) not in (int, Decimal):
        return _INVALID
    try:
        with localcontext(_DECIMAL):  # independent of whatever the thread's decimal context is
            if op == "/":
                return Decimal(a) / Decimal(b)
            if op == "%":  # floored like Python's int %, also for Decimal (whose % truncates)
                rest = a % b
                return rest + b if rest and (rest < 0) != (b < 0) else rest
            return _OPERATORS[op](a, b)
    except ArithmeticError:  # division by zero, overflow, infinity minus infinity
        return _INVALID


def _eval(expr: Expr, env: Mapping[str, Any], functions: Mapping[str, Function]) -> Any:
    match expr:
        case Literal(value=value):
            return value
        case Name(name=name):
            return _normal(_lookup(env, name))
        case ListExpr(items=items):
            return tuple(_eval(item, env, functions) for item in items)
        case Unary(op="not", operand=operand):
            return _eval(operand, env, functions) is not True
        case Unary(operand=operand):
            return _arithmetic("-", 0, _eval(operand, env, functions))
        case Call(name=name, args=args) if name in functions:
            values = [_eval(arg, env, functions) for arg in args]
            return _normal(functions[name].impl(*(None if v is _INVALID else v for v in values)))
        case Call(name=name):
            raise ExprError(_("unknown function '{name}'").format(name=name), expr.offset)  # only in a tree never checked
        case Binary(op="and", left=left, right=right):
            return _eval(left, env, functions) is True and _eval(right, env, functions) is True
        case Binary(op="or", left=left, right=right):
            return _eval(left, env, functions) is True or _eval(right, env, functions) is True
        case Binary(op=op, left=left, right=right):
            a, b = _eval(left, env, functions), _eval(right, env, functions)
            return _arithmetic(op, a, b) if op in _ARITHMETIC else _compare(op, a, b)
    raise TypeError(f"not an expression node: {expr!r}")  # i18n: not words (a bug, never shown)


def _public(value: Any) -> Any:
    return tuple(map(_public, value)) if isinstance(value, tuple) else None if value is _INVALID else value


def evaluate(expr: Expr, env: Mapping[str, Any], functions: Mapping[str, Function]) -> Any:
    """The value of a checked expression over the plain dicts of `env` (see `_lookup`).

    Runtime rules, chosen so that a condition never crashes a teller's screen:
    - a missing name is null (None); `and`, `or`, `not` take anything but true as false;
    - `==`, `!=` treat null as a value (`x == null` is true when x is missing, and so is `x != "a"`),
      and so do `in`, `not in` on their left (`x not in [1, 2]` is true when x is missing); a right side
      that is not a list makes both false; `<` `<=` `>` `>=` with null or across kinds are false;
    - numbers are int or Decimal (a float in env becomes Decimal(str(x))); `/` always gives a Decimal;
    - arithmetic on a non-number, a division (or %) by zero or an overflow gives an invalid value that
      makes every comparison false, even `==`, `!=` and `not in`; it is returned as None.
    """
    return _public(_eval(expr, env, functions))


# ----------------------------------------------------------------------------------------- unparser

_PRECEDENCE = {**_BINDING, "not in": 4}  # i18n: not words; "not" is 3, unary "-" 7, anything else 8


def _wrap(expr: Expr, least: int) -> str:
    """`expr` as source, in parentheses when it binds less tightly than `least`."""
    match expr:
        case Binary(op=op):
            level = _PRECEDENCE[op]
        case Unary(op=op):
            level = 3 if op == "not" else 7
        case _:
            level = 8
    return unparse(expr) if level >= least else f"({unparse(expr)})"


def unparse(expr: Expr) -> str:
    """Canonical source with the fewest parentheses; parse(unparse(e)) == e for every parsed tree."""
    match expr:
        case Literal(value=None):
            return "null"
        case Literal(value=bool(flag)):
            return "true" if flag else "false"
        case Literal(value=str(text)):
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        case Literal(value=Decimal() as number):
            return format(number, "f")
        case Literal(value=number) | Name(name=number):
            return str(number)
        case ListExpr(items=items):
            return "[" + ", ".join(map(unparse, items)) + "]"
        case Call(name=name, args=args):
            return f"{name}({', '.join(map(unparse, args))})"
        case Unary(op="not", operand=operand):
            return "not " + _wrap(operand, 3)
        case Unary(operand=operand):
            return "-" + _wrap(operand, 7)
        case Binary(op=op, left=left, right=right):
            level = _PRECEDENCE[op]  # left-associative, except comparisons, which do not associate
            return f"{_wrap(left, level + (level == 4))} {op} {_wrap(right, level + 1)}"
    raise TypeError(f"not an expression node: {expr!r}")  # i18n: not words (a bug, never shown)
