"""Reading typed amounts, numbers and dates the branch's usual way (config `input:`), in one place.

The workflow steps, the customer forms and the command line all read what people type through these
functions, so "1.250,50" or "31/12/1980" means the same at a desk and in a script. Every refusal is one
line in the teller's words. `typable` decides what a box keeps of a keystroke or a paste: a stray
character is refused with a reason, never dropped silently, and a paste keeps its valid middle when only
its ends are foreign ("EUR 12,50", "12,5abc").
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from deskapp.i18n import N_, _

DATE_ORDERS = ("DMY", "MDY", "YMD")  # i18n: not words
_SPACES = " \u00a0\u202f'"  # spaces, no-break spaces and the Swiss apostrophe group thousands
_DATE_SEPARATORS = "/.- "


@dataclass(frozen=True)
class Formats:
    """How this branch writes dates and amounts (config.input)."""

    date_order: str = "DMY"  # i18n: not words
    decimal: str = "."

    @property
    def grouping(self) -> str:
        return "," if self.decimal == "." else "."

    def date_example(self, day: dt.date = dt.date(1980, 12, 31)) -> str:
        parts = {"D": f"{day.day:02d}", "M": f"{day.month:02d}", "Y": f"{day.year:04d}"}  # i18n: not words
        return "/".join(parts[c] for c in self.date_order)

    def amount_example(self) -> str:
        return f"1{self.grouping}250{self.decimal}50"


def shown(kind: str, value, fmt: Formats) -> str:
    """A recorded value (ISO date, amount with a point) as the branch types it, to be typed over."""
    if value is None:
        return ""
    if kind == "date":
        try:
            return fmt.date_example(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind in ("money", "number") and isinstance(value, (int, float, Decimal, str)):
        return str(value).replace(".", fmt.decimal)
    return str(value)


def formats(config) -> Formats:
    """The Formats of a loaded configuration (any object with an `input` section)."""
    section = getattr(config, "input", None)
    if section is None:
        return Formats()
    return Formats(section.date_order, section.decimal_separator)


input_formats = formats  # for modules where `fields` names something else (a form's list of fields)


# ------------------------------------------------------------------------------------------ dates


def parse_date(text: str, fmt: Formats) -> dt.date:
    """A date typed as ISO (1980-12-31) or in the branch's order (31/12/1980 with DMY); ValueError
    saying what was expected otherwise."""
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = [p for p in re.split(r"[/.\- ]+", text) if p]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(_("write it as {example} or 1980-12-31").format(example=fmt.date_example()))
    order = "YMD" if len(parts[0]) == 4 else fmt.date_order  # i18n: not words (1980/12/31 is year first)
    values = dict(zip(order, parts, strict=True))
    if len(values["Y"]) != 4:  # i18n: not words
        raise ValueError(_("write the year in full, as {example}").format(example=fmt.date_example()))
    try:
        return dt.date(int(values["Y"]), int(values["M"]), int(values["D"]))  # i18n: not words
    except ValueError:
        raise ValueError(_("there is no such day; write it as {example} or 1980-12-31").format(
            example=fmt.date_example())) from None


def parse_date_time(text: str, fmt: Formats) -> dt.datetime:
    """A date and a time of day as the branch writes them ("10/03/2026 14:30" with DMY, or ISO
    "2026-03-10 14:30" / "2026-03-10T14:30"); ValueError saying what was expected otherwise."""
    example = fmt.date_example(dt.date(2026, 3, 10))
    compact = text.strip().replace("T", " ")
    day_text, _sep, time_text = compact.rpartition(" ")
    if not day_text or not re.fullmatch(r"[0-9]{1,2}[:h][0-9]{2}", time_text.strip()):
        raise ValueError(_("write a date and time like {example} 14:30").format(example=example))
    hours, minutes = (int(x) for x in re.split(r"[:h]", time_text.strip()))
    if hours > 23 or minutes > 59:
        raise ValueError(_("there is no such time; write a date and time like {example} 14:30").format(example=example))
    try:
        day = parse_date(day_text, fmt)
    except ValueError as exc:
        raise ValueError(_("{problem} (then the time, as 14:30)").format(problem=exc)) from None
    return dt.datetime.combine(day, dt.time(hours, minutes))


def date_time_shown(value: dt.datetime, fmt: Formats) -> str:
    """A wall-clock date-time as the branch types it, to be typed over (the inverse of parse_date_time)."""
    return f"{fmt.date_example(value.date())} {value:%H:%M}"


# ---------------------------------------------------------------------------------------- amounts


class _Negative(ValueError):
    """A negative amount where none is allowed (parse_money says so as it is, not as a bad number)."""


def parse_decimal(text: str, fmt: Formats, *, negative: bool = True) -> Decimal:
    """A number typed with the branch's decimal separator, thousands grouped or not: with "," as the
    separator "1.250,50" and "1250,5" are 1250.50; the other separator followed by other than exactly
    three digits ("12.5") is read as the decimal point too, since it groups nothing."""
    compact = "".join(c for c in text.strip() if c not in _SPACES)
    sign = ""
    if compact[:1] in "+-":
        sign, compact = compact[0].replace("+", ""), compact[1:]
    if sign and not negative:
        raise _Negative(_("an amount cannot be negative"))
    dec, grp = re.escape(fmt.decimal), re.escape(fmt.grouping)
    if re.fullmatch(rf"[0-9]+(?:{dec}[0-9]+)?", compact):
        plain = compact.replace(fmt.decimal, ".")
    elif re.fullmatch(rf"[0-9]{{1,3}}(?:{grp}[0-9]{{3}})+(?:{dec}[0-9]+)?", compact):
        plain = compact.replace(fmt.grouping, "").replace(fmt.decimal, ".")
    elif re.fullmatch(rf"[0-9]+{grp}(?:[0-9]{{1,2}}|[0-9]{{4,}})", compact):
        plain = compact.replace(fmt.grouping, ".")
    else:
        raise ValueError(_("a number like 12 or 3{decimal}5").format(decimal=fmt.decimal))
    try:
        return Decimal(sign + plain)
    except InvalidOperation:  # pragma: no cover - the patterns above only let numbers through
        raise ValueError(_("a number like 12 or 3{decimal}5").format(decimal=fmt.decimal)) from None


def parse_money(text: str, fmt: Formats) -> Decimal:
    """An amount of money to the cent: at most two decimals, never negative."""
    try:
        amount = parse_decimal(text, fmt, negative=False)
    except _Negative:
        raise
    except ValueError:
        raise ValueError(_("an amount like 1250 or {example}").format(example=fmt.amount_example())) from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("at most two decimals (cents)"))
    return amount.quantize(Decimal("0.01"))


# ------------------------------------------------------------------------ what a box lets through

_KINDS = {"money": N_("an amount"), "number": N_("a number"), "date": N_("a date")}


def _allowed(kind: str, fmt: Formats) -> str:
    if kind == "date":
        return "0123456789" + _DATE_SEPARATORS
    signs = "-+" if kind == "number" else ""
    return "0123456789" + ".," + _SPACES + signs


def _hint(kind: str, fmt: Formats) -> str:
    if kind == "date":
        return _("type it as {example} or 1980-12-31").format(example=fmt.date_example())
    if kind == "money":
        return _("type digits, with {decimal} before the cents ({example})").format(
            decimal=repr(fmt.decimal), example=fmt.amount_example())
    return _("type digits, with {decimal} before decimals").format(decimal=repr(fmt.decimal))


def typable(kind: str, text: str, fmt: Formats) -> tuple[str, str | None]:
    """What a box of `kind` (money, number, date) keeps of typed or pasted text, and the one line that
    says what it refused (None when it kept everything). Characters foreign to the kind at the ends
    of a paste are left out ("12,5abc" keeps "12,5"); one in the middle refuses the whole text, as
    keeping "1a2"'s digits would make a number nobody typed."""
    if kind not in _KINDS:
        return text, None
    allowed = _allowed(kind, fmt)
    ok = [c in allowed for c in text]
    if all(ok):
        return text, None
    first = ok.index(True) if True in ok else len(text)
    last = len(ok) - ok[::-1].index(True) if True in ok else 0
    middle = text[first:last]
    foreign = "".join(dict.fromkeys(c for c in text if c not in allowed))
    shown = ", ".join(repr(c) for c in foreign[:5])
    if middle and all(c in allowed for c in middle):
        return middle, _("{characters} left out: {kind} takes no such characters; {hint}").format(
            characters=shown, kind=_(_KINDS[kind]), hint=_hint(kind, fmt))
    refused = (_("{characters} refused: that key cannot be part of {kind}; {hint}") if len(text) == 1 else
               _("{characters} refused: the pasted text cannot be part of {kind}; {hint}"))
    return "", refused.format(characters=shown, kind=_(_KINDS[kind]), hint=_hint(kind, fmt))
