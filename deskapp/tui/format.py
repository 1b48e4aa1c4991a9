"""How numbers look on screen: one place, so every screen shows them alike (a dash for no data)."""
from __future__ import annotations

import datetime as dt
import math

DASH = "-"


def minutes(value: float | None) -> str:
    """Minutes, rounded up (a wait is never promised shorter than expected); a dash for no data."""
    if value is None:
        return DASH
    return f"{int(math.ceil(value - 1e-9))} min"


def elapsed(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def percent(value: float | None, *, fraction: bool = False, digits: int = 0) -> str:
    """A percentage ("82%"); `fraction=True` for a rate from 0 to 1. A dash for no data."""
    if value is None:
        return DASH
    return f"{value * 100 if fraction else value:.{digits}f}%"


def score(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """A score such as a CES mean ("2.4") or, signed, an NPS ("+12", "-5", "0"). A dash for no data."""
    if value is None:
        return DASH
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return "0" if signed and float(text) == 0 else text


def ticket_number(number: str, former_number: str | None = None) -> str:
    """A ticket's number as screens show it: "A005 (was C001)" once a supervisor's move renumbered
    it, so whoever holds the paper printed C001 still finds their turn."""
    return f"{number} (was {former_number})" if former_number else number


def escape(text: str) -> str:
    """Text from data (a name, a note, a login) made safe to put inside our own markup.

    Textual's own `escape` leaves `[/` without a closing bracket, a backslash before `[` and `[$var]`
    live, so a customer named `Olga [/` still crashed a screen; every `[` is escaped here instead. A
    trailing backslash would escape the tag that follows it, so a zero-width space closes it off."""
    escaped = text.replace("[", "\\[")
    return escaped + "\u200b" if escaped.endswith("\\") else escaped
