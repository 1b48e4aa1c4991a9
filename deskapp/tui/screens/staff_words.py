"""Words the staff screens of the floor and the customer share: a table's headers in the staff member's
language, and the codes data is stored with ("in_progress", "no_show") in their words.

The tables' columns are written once, at import, before anyone logs in (and the language is the
logged-in staff member's: set at login, deskapp.tui.app), so their headers are marked with N_() and
translated here when a screen is built. A status shown alone in a column agrees with "Estado" in
Portuguese (masculine), whatever it is the status of.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

from deskapp.i18n import N_, NP_, SOURCE, _, current, locale_name, pgettext
from deskapp.tui.format import cldr_when, lower_label, score
from deskapp.tui.widgets.fit_table import Column

# Codes deskapp stores in English, as people read them (lowercase: inside a cell or a sentence).
CODES = {
    # counters
    "open": N_("open"), "paused": N_("paused"), "closed": N_("closed"),
    # tickets
    "waiting": N_("waiting"), "called": N_("called"), "serving": N_("serving"), "no_show": N_("no show"),
    "cancelled": N_("cancelled"), "transferred": N_("transferred"),
    # follow-ups, needs, products
    "in_progress": N_("in progress"), "done": N_("done"), "met": N_("met"), "declined": N_("declined"),
    "active": N_("active"), "dormant": N_("dormant"), "accepted": N_("accepted"),
    # bookings
    "booked": N_("booked"), "checked_in": N_("checked in"), "late": N_("late"),
    # the contact log
    "service": NP_("contact log", "service"), "call": N_("call"), "meeting": N_("meeting"), "note": N_("note"),
    # roles
    "greeter": N_("greeter"), "teller": N_("teller"), "supervisor": N_("supervisor"), "manager": N_("manager"),
    "area_manager": N_("area manager"),
}


def word(code: str | None) -> str:
    """A stored code in the staff member's words ("in_progress" -> "in progress", "em curso"); a code
    deskapp does not know (a configured category, a product type) as format.lower_label writes it."""
    known = CODES.get(code) if code else None
    if isinstance(known, tuple):
        return pgettext(*known)
    return _(known) if known else lower_label(code)


def columns(specs: Sequence[Column]) -> tuple[Column, ...]:
    """A FitTable's columns with their headers (full and short) in the language now in effect."""
    return tuple(replace(c, label=_(c.label), short=None if c.short is None else _(c.short)) for c in specs)


def figure(value: float, digits: int = 1) -> str:
    """A measured figure ("4.5" minutes, "12.0" an hour) as the language writes it ("4,5" in pt-PT, CLDR):
    format.score's decimals, which keep English as it always was (no Babel loaded)."""
    return score(value, digits=digits)


def day_text(day: dt.date) -> str:
    """A date in a line of figures or a card: "2026-03-09" in English, the language's own short way
    otherwise (CLDR's medium date: "09/03/2026" in pt-PT, where a written-out date would not fit)."""
    if current() == SOURCE:
        return f"{day:%Y-%m-%d}"
    from babel.dates import format_date

    return format_date(day, "medium", locale=locale_name())


def weekday_date(day: dt.date) -> str:
    """A day with its weekday: "Mon 2026-03-09" in English, "seg., 9 de mar. de 2026" in pt-PT (CLDR)."""
    if current() == SOURCE:
        return f"{day:%a %Y-%m-%d}"  # i18n: not words
    from babel.dates import format_date

    return f"{format_date(day, 'EEE', locale=locale_name())}, {cldr_when(day, date_only=True)}"  # i18n: not words (a CLDR pattern)


def day_and_time(at: dt.datetime) -> str:
    """A time in a week's list with its day: "Tue 10 09:30" in English, "ter., 10 09:30" in pt-PT (CLDR)."""
    if current() == SOURCE:
        return f"{at:%a %d %H:%M}"  # i18n: not words
    from babel.dates import format_date

    return f"{format_date(at.date(), 'EEE, d', locale=locale_name())} {at:%H:%M}"  # i18n: not words (a CLDR pattern)


_YEAR = re.compile(r",? (de )?\d{4}\b")  # i18n: not words (" 2026", " de 2026", ", 2026" in a written date)


def without_year(text: str) -> str:
    """A date and time in a narrow column, its year left out ("OVERDUE 05 Dec 09:53", "EM ATRASO 5 de dez.
    09:53"): the CLDR date of a language other than English is longer, and a due date is this year's."""
    return _YEAR.sub("", text, count=1)
