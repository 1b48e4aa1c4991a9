"""Cells of the files deskapp writes for spreadsheets (CSV exports, report tables, XLSX workbooks).

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula (and some also after a
tab or carriage return), so a customer named `=HYPERLINK("http://...","x")` would become a live link,
or worse, in whoever opens the export. Every writer passes its cells through `cell` (OWASP's rule for
CSV injection): such text gets a leading single quote, which spreadsheets show as text. Numbers that
deskapp computes are not text and stay plain numbers, negative ones included. Only the files change:
what is stored stays as it was typed.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def cell(value: Any) -> Any:
    """The value to write: text that a spreadsheet would run as a formula behind a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def cells(values: Iterable[Any]) -> list[Any]:
    """A row's values through `cell`; None stays None (the writer decides how an empty cell looks)."""
    return [cell(v) for v in values]
