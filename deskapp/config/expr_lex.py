"""Tokenizer of the expression language (see deskapp.config.expr), kept apart so each file stays readable.

Lexical rules: NAME is ASCII letters, digits and "_", optionally dotted ("customer.segment" is one name);
a name starting with "_" or containing "__" is always refused, as are Python words we do not have.
NUMBER is digits with an optional ".digits" part (a Decimal then, never a float); no sign, no exponent.
STRING is in "..." or '...' with the escapes \\" \\' \\\\ \\n. Whitespace is space, tab, CR and LF.
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from deskapp.errors import BadInput
from deskapp.i18n import N_, _

MAX_LENGTH = 1000  # characters of source; a condition longer than this is not a condition any more


class ExprError(BadInput):
    """A problem in an expression; `offset` is the 0-based character offset into the source text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message, offset)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return _("{message} (at offset {offset})").format(message=self.message, offset=self.offset)


KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
_CASE_SLIPS = {k: k for k in KEYWORDS} | {"none": "null"}
_PYTHON_WORDS = {
    "for": N_("comprehensions are not supported"),
    "if": N_("conditional expressions (if/else) are not supported"),
    "else": N_("conditional expressions (if/else) are not supported"),
    "lambda": N_("lambdas are not supported"),
    "is": N_("'is' is not supported; use '==' or '!='"),
}
_RESERVED = set(keyword.kwlist) - KEYWORDS - {"True", "False", "None"}  # i18n: not words
_CHAR_HINTS = {
    "=": N_("unexpected '='; did you mean '=='?"),
    "!": N_("unexpected '!'; did you mean 'not'?"),
    "&": N_("unexpected '&'; did you mean 'and'?"),
    "|": N_("unexpected '|'; did you mean 'or'?"),
    "{": N_("dicts and sets are not supported"),
    "}": N_("dicts and sets are not supported"),
    ";": N_("unexpected ';'; only one expression is allowed"),
}
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ".")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_NUMBER = re.compile(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z0-9_.]*)")  # group 2 holds the rest of 1e5 or 1.2.3
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n"}
_STRING_PREFIXES = {"f", "b", "r", "u", "rb", "br", "fr", "rf"}


@dataclass(frozen=True)
class Token:
    kind: str  # num str name kw op eof
    text: str  # as written in the source
    value: Any  # the int, Decimal or str of a num or str token
    offset: int

    def describe(self) -> str:
        return {"eof": _("end of expression"), "str": _("string")}.get(self.kind, repr(self.text))


def _check_name(name: str, offset: int) -> None:
    """Refuse what could only be a reach for Python internals, and Python words this language lacks."""
    if "__" in name or any(part.startswith("_") for part in name.split(".")):
        raise ExprError(_("'{name}' is not a known name").format(name=name), offset)
    if name in _PYTHON_WORDS:
        raise ExprError(_(_PYTHON_WORDS[name]), offset)
    if name in _RESERVED:
        raise ExprError(_("'{name}' is not supported").format(name=name), offset)
    if name.lower() in _CASE_SLIPS:
        raise ExprError(_("'{name}' is not a known name; did you mean '{close}'?").format(
            name=name, close=_CASE_SLIPS[name.lower()]), offset)


def _string(src: str, start: int) -> tuple[str, int]:
    """Scan the quoted string at `start`; return its value and the offset after the closing quote.

    Scanning stops just past MAX_LENGTH: the caller then reports the length, whatever follows.
    """
    quote, out, i = src[start], [], start + 1
    stop = min(len(src), MAX_LENGTH + 1)
    while i < stop and src[i] != quote:
        if src[i] == "\\" and src[i + 1 : i + 2] in _ESCAPES:
            out.append(_ESCAPES[src[i + 1]])
            i += 2
        elif src[i] == "\\" and i + 1 < len(src):
            raise ExprError(_("unknown escape '\\{char}' in string; use \\\", \\', \\\\ or \\n").format(
                char=src[i + 1]), i)
        else:
            out.append(src[i])
            i += 1
    if i >= len(src):
        raise ExprError(_("unterminated string"), start)
    return "".join(out), i + 1


def tokens(src: str) -> Iterator[Token]:
    """Tokens on demand, so that problems come out in source order together with the parser's.

    A source longer than MAX_LENGTH fails at offset MAX_LENGTH, unless an earlier problem comes first
    (so 10,000 nested parentheses report the nesting, not the length). A token that runs past the limit
    is reported as too long before it is looked at, so no message quotes more than MAX_LENGTH characters
    and no number of more than MAX_LENGTH digits is converted.
    """
    i, n = 0, len(src)
    too_long = ExprError(_("expression is too long: {n} characters, the limit is {limit}").format(n=n, limit=MAX_LENGTH),
                         MAX_LENGTH)
    while True:
        while i < n and src[i] in " \t\r\n":
            i += 1
        if i > MAX_LENGTH or (i == n and n > MAX_LENGTH):
            raise too_long
        if i == n:
            yield Token("eof", "", None, n)
            return
        value = None
        if word := _IDENT.match(src, i):
            kind, end = ("kw" if word.group() in KEYWORDS else "name"), word.end()
            if end < n and src[end] in "\"'" and word.group().lower() in _STRING_PREFIXES:
                raise ExprError(_("f-strings and string prefixes are not supported"), i)
            if kind == "name" and (dotted := _DOTTED.match(src, end)):
                end = dotted.end()
        elif number := _NUMBER.match(src, i):
            kind, end = "num", number.end()
        elif src[i] in "\"'":
            kind, (value, end) = "str", _string(src, i)
        elif op := next((o for o in _OPERATORS if src.startswith(o, i)), None):
            kind, end = "op", i + len(op)
        else:
            hint = _CHAR_HINTS.get(src[i])
            raise ExprError(_(hint) if hint else _("unexpected {char}").format(char=repr(src[i])), i)
        if end > MAX_LENGTH:
            raise too_long
        text = src[i:end]
        if kind == "name":
            _check_name(text, i)
        elif kind == "num":
            if number.group(2):
                raise ExprError(_("invalid number {text}").format(text=repr(text)), i)
            value = Decimal(text) if "." in text else int(text)
        yield Token(kind, text, value, i)
        i = end
