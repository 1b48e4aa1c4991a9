"""How numbers, dates and codes look on screen: one place, so every screen shows them alike (a dash for no
data, the branch's one date and time format, labels instead of codes)."""
from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from rich.text import Text

from deskapp import i18n
from deskapp.config.dates import date_part, default_format
from deskapp.core.clock import to_local
from deskapp.core.labels import label, lower_label  # noqa: F401 (codes in people's words, for the screens)
from deskapp.i18n import N_, _

if TYPE_CHECKING:
    from deskapp.config.schema import Config

DASH = "-"


def minutes(value: float | None) -> str:
    """Minutes, rounded up (a wait is never promised shorter than expected); a dash for no data."""
    if value is None:
        return DASH
    return f"{int(math.ceil(value - 1e-9))} min"


def elapsed(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _decimals(value: float, digits: int) -> str:
    """`value` with `digits` decimals as the language in effect writes it: English as it always was (no
    Babel loaded), any other through i18n.number (CLDR: "12,5" in pt-PT)."""
    if i18n.current() == i18n.SOURCE:
        return f"{value:.{digits}f}"
    return i18n.number(value, digits=digits)


def percent(value: float | None, *, fraction: bool = False, digits: int = 0) -> str:
    """A percentage ("82%", "12,5%" in pt-PT); `fraction=True` for a rate from 0 to 1. A dash for no data."""
    if value is None:
        return DASH
    return f"{_decimals(value * 100 if fraction else value, digits)}%"


def score(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """A score such as a CES mean ("2.4", "2,4" in pt-PT) or, signed, an NPS ("+12", "-5", "0"). A dash
    for no data."""
    if value is None:
        return DASH
    text = _decimals(abs(value) if signed else value, digits)
    if not signed:
        return text
    if math.isfinite(value) and not any(c in "123456789" for c in text):  # rounds to nothing: no sign
        return "0"
    return ("-" if value < 0 else "+") + text


def datetime_format(config: Config) -> str:
    """The branch's one date-and-time format (branch.datetime_format, else its country's usual one)."""
    return config.branch.datetime_format or default_format(config.customers.region)


def when(value: dt.datetime | dt.date | None, config: Config, *, local: bool = False, date_only: bool = False) -> str:
    """A date and time in the branch's one format, on every screen: a stored (UTC) time in the branch's
    timezone, or one already local (`local=True`, as appointments' are); a date (or `date_only`) in the
    format's date part. A dash for none. Without a configured branch.datetime_format, a language other
    than English writes it the CLDR way of the language in effect ("5 de dez. de 2026 09:53")."""
    if value is None:
        return DASH
    shown = value
    if isinstance(value, dt.datetime) and not local:
        shown = to_local(value, config.branch.timezone)
    if config.branch.datetime_format is None and i18n.current() != i18n.SOURCE:
        return cldr_when(shown, date_only=date_only or not isinstance(value, dt.datetime))
    fmt = datetime_format(config)
    if not isinstance(value, dt.datetime):
        return value.strftime(date_part(fmt))
    return shown.strftime(date_part(fmt) if date_only else fmt)


def cldr_when(value: dt.datetime | dt.date, *, date_only: bool = False, language: str | None = None) -> str:
    """A date (and time) as the language writes it (CLDR, through Babel): the locale's long date with the
    month abbreviated ("5 de dez. de 2026", "Dec 5, 2026") and its short time ("09:53", "9:53 AM")."""
    from babel import Locale
    from babel.dates import format_date, format_time

    locale = Locale.parse(i18n.locale_name(language))
    pattern = locale.date_formats["long"].pattern.replace("MMMM", "MMM")
    day = format_date(value, pattern, locale=locale)
    if date_only or not isinstance(value, dt.datetime):
        return day
    return f"{day} {format_time(value, 'short', locale=locale)}"


def number(value: float | int | None, *, digits: int = 0, language: str | None = None) -> str:
    """A number as the language writes it ("1 234,56" in pt-PT, "1,234.56" in English); a dash for none."""
    return DASH if value is None else i18n.number(value, digits=digits, language=language)


def money(amount, currency: str = "EUR", *, language: str | None = None) -> str:  # i18n: not words
    """An amount of money (a Decimal, never a float) as the language writes it: "1 234,56 €" in pt-PT,
    "€1,234.56" in English; a dash for none."""
    if amount is None:
        return DASH
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=i18n.locale_name(language))


# The screens by the names their keys and titles give them (the names in code: deskapp.core.security.auth).
SCREEN_TITLES = {"reception": N_("Reception"), "desk": N_("Queue"), "customers": N_("Customers"),
                 "feedback": N_("Feedback"), "supervisor": N_("Supervisor"), "manager": N_("Manager"),
                 "audit": N_("Audit"), "network": N_("Network"), "customer360": N_("Customer 360")}
ROLES = {"greeter": N_("greeter"), "teller": N_("teller"), "supervisor": N_("supervisor"), "manager": N_("manager"),
         "area_manager": N_("area manager")}


# A ticket's status code in words (deskapp.core.queue.tickets).
TICKET_STATES = {"waiting": N_("waiting"), "called": N_("called"), "serving": N_("serving"), "done": N_("done"),
                 "no_show": N_("no show"), "cancelled": N_("cancelled"), "transferred": N_("transferred"),
                 "removed_by_reset": N_("removed by reset")}


# A counter's state code in words (deskapp.core.queue.tickets.COUNTER_STATES).
COUNTER_STATES = {"open": N_("open"), "paused": N_("paused"), "closed": N_("closed")}


def counter_state(state: str) -> str:
    """A counter's state code ("paused") in the words of the language in effect."""
    return _(COUNTER_STATES[state]) if state in COUNTER_STATES else state


def ticket_state(status: str) -> str:
    """A ticket's status code ("no_show") in the words of the language in effect ("no show")."""
    return _(TICKET_STATES[status]) if status in TICKET_STATES else status.replace("_", " ")


def screen_title(name: str) -> str:
    """A screen's name ("desk") as its key and title say it, in the language in effect ("Queue", "Fila")."""
    return _(SCREEN_TITLES[name]) if name in SCREEN_TITLES else name


def role_name(role: str) -> str:
    """A role's code ("area_manager") in words of the language in effect ("area manager")."""
    return _(ROLES[role]) if role in ROLES else role.replace("_", " ")


def one_of(words: list[str]) -> str:
    """Words as a choice: "a", "a or b", "a, b or c", in the language in effect."""
    if len(words) < 2:
        return "".join(words)
    return _("{some} or {last}").format(some=", ".join(words[:-1]), last=words[-1])


def person(login: str | None, config: Config) -> str:
    """A colleague by name (the staff list, which the staff table is synced from), never by login; the login
    when the list does not know it, a dash for nobody."""
    if not login:
        return DASH
    return next((s.name for s in config.staff if s.login == login), login)


def ticket_number(number: str, former_number: str | None = None) -> str:
    """A ticket's number as screens show it: "A005 (was C001)" once a supervisor's move renumbered
    it, so whoever holds the paper printed C001 still finds their turn."""
    return f"{number} " + _("(was {number})").format(number=former_number) if former_number else number


# Characters a terminal would act on instead of showing: C0 controls (ESC starts a colour or a cursor
# move), DEL, the C1 controls and the bidirectional overrides that turn the rest of a line around.
# Each is shown as a visible stand-in instead (the Unicode "control pictures": ESC is shown as ␛).
_SHOWN = {code: 0x2400 + code for code in range(0x20) if code != 0x0A}  # newline stays a line break
_SHOWN[0x09] = 0x20  # a tab becomes a space: cells and panels lay text out themselves
_SHOWN[0x7F] = 0x2421
_SHOWN.update({code: 0xFFFD for code in range(0x80, 0xA0)})
_SHOWN.update({code: 0xFFFD for code in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def literal(text: str) -> str:
    """Text from data (a name, a note, a config text) with nothing in it a terminal would act on.

    Every widget that shows such text goes through here: `escape` (text inside our own markup), the
    DataTable of widgets/table.py and `plain` (a label, option or button shown without markup)."""
    return text.translate(_SHOWN)


def plain(text: str) -> Text:
    """Text from data as a widget label that is never read as markup: a table cell, an option of an
    OptionList or a Select (whose type-to-search reads a Text), a Button or RadioButton label, a
    Static built from data alone."""
    return Text(literal(text), end="")


def escape(text: str) -> str:
    """Text from data (a name, a note, a login) made safe to put inside our own markup.

    Textual's own `escape` leaves `[/` without a closing bracket, a backslash before `[` and `[$var]`
    live, so a customer named `Olga [/` still crashed a screen; every `[` is escaped here instead. A
    trailing backslash would escape the tag that follows it, so a zero-width space closes it off."""
    escaped = literal(text).replace("[", "\\[")
    return escaped + "\u200b" if escaped.endswith("\\") else escaped
