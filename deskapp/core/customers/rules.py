"""What a valid customer record is: national ID, phone, dates, email, segment; one message per field.

`check(ctx, draft)` turns what a person typed (or a CSV row held) into the values to store,
or the problems found, each keyed by the field it belongs to so a form shows it next to that
field and an import reports it on that row. Nothing here touches the database.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from stdnum import exceptions as stdnum_errors

from deskapp.config import national_ids
from deskapp.config.schema import Config
from deskapp.core import fields
from deskapp.core.fields import Formats
from deskapp.db import phones
from deskapp.db.search import clean, folded_name, id_key
from deskapp.errors import BadInput
from deskapp.i18n import N_, _, ngettext, say

MAX_AGE = 120
NAME_MAX = 200
ADDRESS_MAX = 500
_DEFAULT_LABEL = N_("national ID")  # config customers.national_id.label's default, shown through say()
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


# The fields a problem is reported on, as a person reads them (the keys stay the fields' names).
FIELD_LABELS = {
    "name": N_("name"), "national_id": N_("national ID"), "birth_date": N_("birth date"), "phones": N_("phones"),
    "email": N_("email"), "address": N_("address"), "segment": N_("segment"), "id_doc_type": N_("id doc type"),
    "id_doc_expiry": N_("id doc expiry"), "kyc_review_due": N_("kyc review due"),
    "marketing_consent": N_("marketing consent"), "consent_source": N_("consent source"), "number": N_("number"),
    "manager": N_("manager"), "kind": N_("kind"), "note": N_("note"), "outcome": N_("outcome"),
    "duration": N_("duration"), "category": N_("category"), "source": N_("source"), "status": N_("status"),
    "product": N_("product"), "date": N_("date"), "type": N_("type"), "opened": N_("opened"),
    "description": N_("description"),
}


def field_label(name: str) -> str:
    """A field's name as a person reads it, in the language in effect."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name.replace("_", " ")


class CustomerInvalid(BadInput):
    """The record cannot be saved; `problems` maps each field to what is wrong with it."""

    private = True  # a problem may quote what was typed, or name the customer an ID belongs to

    def __init__(self, problems: dict[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{field_label(name)}: {text}" for name, text in self.problems.items()))


@dataclass
class CustomerDraft:
    """A customer as typed: text or dates; `check` parses and validates it.

    For an edit, fields left as None keep the stored value; an empty text clears an optional one.
    """

    name: str | None = None
    national_id: str | None = None
    birth_date: str | dt.date | None = None
    phones: list[str] | None = None
    email: str | None = None
    address: str | None = None
    segment: str | None = None
    manager: str | None = None  # staff login
    marketing_consent: bool | str | None = None
    consent_source: str | None = None
    kyc_review_due: str | dt.date | None = None
    id_doc_type: str | None = None
    id_doc_expiry: str | dt.date | None = None
    active: bool | None = None
    number: str | None = None  # only imports set it; new customers get the next number otherwise

    def given(self) -> dict[str, object]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


@dataclass
class Checked:
    """Values ready for the Customer row (only the fields given) and the normalised phones."""

    values: dict[str, object] = field(default_factory=dict)
    phones: list[str] | None = None


def mod11_ok(digits: str) -> bool:
    """The deprecated `check: mod11` (Portugal's NIF weighting): weights len..2 over all but the last
    digit; 11 minus the remainder, 10 and 11 give 0. It accepts 000000000: `country: pt, kind: nif`
    (python-stdnum) does not."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * w for d, w in zip(body, range(len(body) + 1, 1, -1)))
    expected = 11 - total % 11
    return check == (0 if expected >= 10 else expected)


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def parse_national_id(config: Config, key: str) -> str:
    """The ID as stored (python-stdnum's compact form, else the key as typed without separators), or
    ValueError saying what is wrong. `key` is id_key of what was typed."""
    rules = config.customers.national_id
    label = say(rules.label)  # the configured label, or deskapp's default (_DEFAULT_LABEL) in the language in effect
    wrong_digit = _("this {label} has a wrong check digit; check it was typed correctly")
    if rules.stdnum:
        module = national_ids.module(rules.country or "", rules.kind or "")
        assert module is not None, "check_config refuses an unknown country or kind"  # i18n: not words
        try:
            return str(module.validate(key)).upper()
        except stdnum_errors.InvalidChecksum:
            problem = wrong_digit.format(label=label)
        except stdnum_errors.InvalidLength:
            problem = ngettext("a {label} cannot have {n} character; '{id}' is not one",
                               "a {label} cannot have {n} characters; '{id}' is not one", len(key)).format(
                label=label, n=len(key), id=_shown(key))
        except stdnum_errors.InvalidComponent:
            problem = _("'{id}' is not a {label}: a part of it (a date, a region or a prefix) does not exist").format(
                id=_shown(key), label=label)
        except stdnum_errors.ValidationError:
            problem = _("'{id}' is not written as a {label} is").format(id=_shown(key), label=label)
        raise ValueError(problem)
    if not re.fullmatch(rules.pattern, key):
        raise ValueError(_("a {label} looks like {example}; '{id}' does not").format(
            label=label, example=_example(rules.pattern), id=_shown(key)))
    if rules.check == "mod11" and not mod11_ok(key):
        raise ValueError(wrong_digit.format(label=label))
    if rules.check == "luhn" and not luhn_ok(key):
        raise ValueError(wrong_digit.format(label=label))
    return key


def national_id_problem(config: Config, key: str) -> str | None:
    """What is wrong with an ID (see parse_national_id), or None."""
    try:
        parse_national_id(config, key)
    except ValueError as exc:
        return str(exc)
    return None


def format_national_id(config: Config, stored: str) -> str:
    """A stored ID as the country writes it (python-stdnum's format, e.g. '36 574 261 809' for a de idnr)."""
    rules = config.customers.national_id
    module = national_ids.module(rules.country or "", rules.kind or "") if rules.stdnum else None
    if module is None or not callable(getattr(module, "format", None)):
        return stored
    try:
        return str(module.format(stored))
    except Exception:  # noqa: BLE001 - an ID stored before the rules changed is shown as stored
        return stored


def _example(pattern: str) -> str:
    return _("9 digits") if pattern == "[0-9]{9}" else _("the pattern {pattern}").format(pattern=pattern)


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def normalise_phone(config: Config, text: str) -> str:
    """The E.164 digits stored for a number typed at the branch: '912 345 678' gives '351912345678'
    in PT, '07911 123456' gives '447911123456' in GB (deskapp.db.phones). A number typed with '+'
    or '00' keeps its own country code. ValueError explains a bad one."""
    return phones.parse(clean(text), config.customers.region)


def format_phone(config: Config, digits: str) -> str:
    """'912 345 678' for a stored number of the branch's country, '+44 20 7946 0958' for one from abroad."""
    return phones.shown(digits, config.customers.region)


def parse_date(value: str | dt.date | None, fmt: Formats | None = None) -> dt.date | None:
    """A date given as a date, ISO text, or text in the branch's order (fmt, config.input); None when empty."""
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return fields.parse_date(text, fmt or Formats())
    except ValueError as exc:
        raise ValueError(_("'{text}' is not a date: {problem}").format(text=_shown(text), problem=exc)) from None


def parse_bool(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in ("1", "true", "yes", "y", "sim", "s"):
        return True
    if text in ("", "0", "false", "no", "n", "nao", "não"):
        return False
    raise ValueError(_("'{text}' is not yes or no").format(text=_shown(value)))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check(config: Config, today: dt.date, draft: CustomerDraft, *, new: bool) -> Checked:
    """The values to store for the fields the draft gives, or CustomerInvalid with every problem."""
    problems: dict[str, str] = {}
    out = Checked()
    given = draft.given()
    customers = config.customers

    def text(name: str, limit: int = 255) -> str | None:
        value = clean(str(given[name])).strip()
        if len(value) > limit:
            problems[name] = ngettext("at most {n} character", "at most {n} characters", limit).format(n=limit)
        return value or None

    if new and not (draft.name or "").strip():
        problems["name"] = _("a customer needs a name")
    if "name" in given:
        name = " ".join(clean(" ".join((draft.name or "").split())).split())  # line breaks become spaces
        if not name:
            problems["name"] = _("a customer needs a name")
        elif len(name) > NAME_MAX:
            problems["name"] = ngettext("at most {n} character", "at most {n} characters", NAME_MAX).format(
                n=NAME_MAX)
        elif not (folded := folded_name(name)):
            problems["name"] = _("a name needs letters")
        else:
            out.values["name"] = name
            out.values["name_folded"] = folded[:255]
    if "national_id" in given:
        key = id_key(clean(draft.national_id or ""))
        if not key:
            out.values["national_id"] = None
        else:
            try:
                out.values["national_id"] = parse_national_id(config, key)
            except ValueError as exc:
                problems["national_id"] = str(exc)
    if "number" in given:
        number = id_key(clean(draft.number or ""))
        if number and not re.fullmatch(r"[A-Z0-9]{1,20}", number):
            problems["number"] = _("a customer number is 1-20 letters or digits")
        elif number:
            out.values["number"] = number
    for name in ("birth_date", "kyc_review_due", "id_doc_expiry"):
        if name in given:
            try:
                out.values[name] = parse_date(given[name], fields.formats(config))  # type: ignore[arg-type]
            except ValueError as exc:
                problems[name] = str(exc)
    birth = out.values.get("birth_date")
    if isinstance(birth, dt.date):
        if birth > today:
            problems["birth_date"] = _("a birth date cannot be in the future")
        elif age_on(birth, today) > MAX_AGE:
            problems["birth_date"] = _("that would make the customer older than {age}").format(age=MAX_AGE)
    if "phones" in given:
        phones: list[str] = []
        for typed in draft.phones or []:
            if not typed.strip():
                continue
            try:
                digits = normalise_phone(config, typed)
            except ValueError as exc:
                problems["phones"] = str(exc)
                continue
            if digits not in phones:
                phones.append(digits)
        out.phones = phones
    if "email" in given:
        email = text("email", 254)
        if email and not _EMAIL.fullmatch(email):
            problems["email"] = _("'{text}' is not an email address like name@example.com").format(
                text=_shown(email))
        out.values["email"] = email.lower() if email else None
    if "address" in given:
        out.values["address"] = text("address", ADDRESS_MAX)
    for name, choices in (("segment", customers.segments), ("id_doc_type", customers.id_doc_types)):
        if name in given:
            value = text(name, 32)
            if value and value not in choices:
                problems[name] = _("choose one of: {choices}").format(choices=", ".join(choices))
            out.values[name] = value
    if "consent_source" in given:
        out.values["consent_source"] = text("consent_source", 20)
    if "marketing_consent" in given:
        try:
            out.values["marketing_consent"] = parse_bool(given["marketing_consent"])  # type: ignore[arg-type]
        except ValueError as exc:
            problems["marketing_consent"] = str(exc)
    if "active" in given:
        out.values["active"] = bool(given["active"])
    if problems:
        raise CustomerInvalid(problems)
    return out
