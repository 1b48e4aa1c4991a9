"""How a branch writes dates and times on screen: one format per branch (`branch.datetime_format`), by
default the usual one of the branch's country (its `customers.phone_region`), checked when the
configuration loads so that a typo is reported at its line and column instead of on a screen.
"""
from __future__ import annotations

import datetime as dt
import re

from deskapp.i18n import N_, _

# Countries that write the month first, and those that write the year first; everyone else day first.
_MONTH_FIRST = {"US", "PH", "BZ", "FM", "MH", "PW"}  # i18n: not words
_YEAR_FIRST = {"CN", "JP", "KR", "TW", "HU", "LT", "MN", "SE", "CA", "IR", "KP"}  # i18n: not words

_DIRECTIVE = re.compile(r"%(.)")
_ALLOWED = set("aAbBdeHIjmMpSyYz%")
_DAY, _MONTH, _YEAR, _HOUR, _MINUTE = set("de"), set("mbB"), set("yY"), set("HI"), {"M"}  # i18n: not words
_SAMPLE = dt.datetime(2026, 11, 7, 9, 53, 4)


def default_format(region: str | None) -> str:
    """The usual date and time of a country (ISO 3166 code)."""
    if region in _MONTH_FIRST:
        return "%b %d %Y %H:%M"  # i18n: not words
    if region in _YEAR_FIRST:
        return "%Y-%m-%d %H:%M"  # i18n: not words
    return "%d %b %Y %H:%M"  # i18n: not words


def check_format(value: str) -> str:
    """A strftime format with a day, a month, a year, an hour and minutes, nothing a terminal would act on
    and no directive unknown to every platform; the reason in plain words otherwise (ValueError)."""
    if not value.strip():
        raise ValueError(_("datetime_format is empty; write e.g. \"%d %b %Y %H:%M\" (07 Nov 2026 09:53)"))
    if any(ord(c) < 0x20 for c in value):
        raise ValueError(_("datetime_format may not contain control characters"))
    used = set(_DIRECTIVE.findall(value))
    unknown = sorted(used - _ALLOWED)
    if unknown:
        raise ValueError(_("datetime_format has an unknown directive %{directive}; use %d %m %b %B %Y %y %H %I %p %M "
                           "%a %A (e.g. \"%d %b %Y %H:%M\")").format(directive=unknown[0]))
    if value.replace("%%", "").endswith("%"):
        raise ValueError(_("datetime_format ends with a lone %"))
    for part, missing in ((_DAY, N_("datetime_format \"{value}\" has no day (%d): every date on screen needs one")),
                          (_MONTH, N_("datetime_format \"{value}\" has no month (%m or %b): every date on screen "
                                      "needs one")),
                          (_YEAR, N_("datetime_format \"{value}\" has no year (%Y): every date on screen needs one")),
                          (_HOUR, N_("datetime_format \"{value}\" has no hour (%H): every date on screen needs one")),
                          (_MINUTE, N_("datetime_format \"{value}\" has no minutes (%M): every date on screen "
                                       "needs one"))):
        if not used & part:
            raise ValueError(_(missing).format(value=value))
    return value


def date_part(fmt: str) -> str:
    """The date alone of a date-and-time format: what comes before its hour ("%d %b %Y %H:%M" -> "%d %b %Y")."""
    match = re.search(r"%[HIp]", fmt)
    if match is None:
        return fmt
    head = fmt[:match.start()].rstrip(" ,T-/.")
    return head if _DIRECTIVE.search(head) else fmt


def sample(fmt: str) -> str:
    return _SAMPLE.strftime(fmt)
