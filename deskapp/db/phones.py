"""Phone numbers with Google's libphonenumber (the `phonenumbers` package): parsed, stored, shown, searched.

Stored: the E.164 number's digits, country code first, without the '+' (customer_phone.digits):
"07911 123456" typed at a GB branch and "+44 7911 123456" typed anywhere are both 447911123456.
A number is read with the branch's region, so its trunk prefix (the national '0' of GB, DE, FR ...)
is dropped and its country code added; one typed with '+' or the region's international prefix
(00) keeps its own. Shown: in national format ("07911 123456") when its country code is the
branch's, in international format ("+351 912 345 678") otherwise.

Search: what a teller types is matched against those digits (deskapp.db.search); `search_forms` gives
the digit strings a typed number stands for at the branch, so the national format with its trunk
prefix finds a stored number too.
"""
from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from deskapp.i18n import N_, _

_MAX_SHOWN = 40
_PARSE_PROBLEMS = {
    NumberParseException.INVALID_COUNTRY_CODE: N_("its country code is not one in use"),
    NumberParseException.NOT_A_NUMBER: N_("use digits, spaces, dashes and a leading +"),
    NumberParseException.TOO_SHORT_AFTER_IDD: N_("too few digits after the international prefix"),
    NumberParseException.TOO_SHORT_NSN: N_("too few digits"),
    NumberParseException.TOO_LONG: N_("too many digits"),
}
_POSSIBLE_PROBLEMS = {
    ValidationResult.INVALID_COUNTRY_CODE: N_("its country code is not one in use"),
    ValidationResult.TOO_SHORT: N_("too few digits"),
    ValidationResult.TOO_LONG: N_("too many digits"),
    ValidationResult.INVALID_LENGTH: N_("the wrong number of digits"),
}


class PhoneInvalid(ValueError):
    """What is wrong with a typed phone number, in one line a teller can act on."""


def country_code(region: str) -> int:
    return phonenumbers.country_code_for_region(region)


def _shown(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


def parse(text: str, region: str) -> str:
    """The E.164 digits of a number typed at a branch in `region`; PhoneInvalid says what is wrong."""
    text = text.strip()
    local = not text.startswith("+")
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        why = _(_PARSE_PROBLEMS.get(exc.error_type, N_("it cannot be read as a phone number")))
        raise PhoneInvalid(_not_a_number(text, region, local, why)) from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible not in (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        why = _(_POSSIBLE_PROBLEMS.get(possible, N_("it cannot be a phone number")))
        raise PhoneInvalid(_not_a_number(text, region, local, why))
    if not phonenumbers.is_valid_number(number):
        said = (_("'{number}' is not a phone number in use in {region}: check the digits (and the country code, "
                  "for a number from abroad)") if local else
                _("'{number}' is not a phone number in use: check the digits (and the country code, for a number "
                  "from abroad)"))
        raise PhoneInvalid(said.format(number=_shown(text), region=region))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")


def _not_a_number(text: str, region: str, local: bool, why: str) -> str:
    said = (_("'{number}' is not a phone number in {region}: {why}") if local else
            _("'{number}' is not a phone number: {why}"))
    return said.format(number=_shown(text), region=region, why=why)


def stored_as_e164(digits: str) -> str | None:
    """The E.164 digits of a stored number (country code first, perhaps in an older form such as
    4407911123456, with the trunk 0 kept), or None when it is not a valid number."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")


def shown(digits: str, region: str) -> str:
    """National format for a number of the branch's country, international otherwise; a stored
    number libphonenumber cannot read is shown as +digits."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except NumberParseException:
        return "+" + digits
    home = number.country_code == country_code(region)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL)


@functools.lru_cache(maxsize=256)
def trunk_prefix(region: str) -> str:
    """The national (trunk) prefix dialled before a number inside the country: '0' in GB, '' in PT."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (metadata.national_prefix or "") if metadata is not None else ""


def search_forms(text: str, region: str | None) -> tuple[list[str], list[str]]:
    """(whole numbers, digit runs) that a query of digits and phone punctuation stands for at the branch.

    Whole numbers are the digits typed (which a stored number may end with) and, when they differ,
    the E.164 number libphonenumber reads ('07911 123456' or '+44 (0)7911 123456' in GB); digit runs
    are looked for inside stored numbers. '00' before a country code is dropped, as is the region's
    trunk prefix before a national number ('07911 12' looks for 791112 in GB).
    """
    stripped = text.strip()
    digits = "".join(c for c in stripped if "0" <= c <= "9")
    if stripped.startswith("00") or (not stripped.startswith("+") and digits.startswith("00")):
        digits = digits[2:]
        international = True
    else:
        international = stripped.startswith("+")
    whole, runs = [digits], [digits]
    if region and not international:
        trunk = trunk_prefix(region)
        if trunk and digits.startswith(trunk):
            runs.append(digits[len(trunk):])
    if region and len(digits) >= 4:
        try:
            number = parse(text, region)
        except PhoneInvalid:
            number = digits
        if not number.endswith(digits):  # otherwise the digits typed find it already
            whole.append(number)
    return list(dict.fromkeys(whole)), list(dict.fromkeys(runs))


def is_international(text: str) -> bool:
    """Typed with its country code: after '+' (perhaps in brackets) or the international prefix 00
    (not 000...: no country code begins with 0, so '00001234' is a customer number or digits)."""
    if text.strip().lstrip("(").lstrip().startswith("+"):
        return True
    digits = "".join(c for c in text if "0" <= c <= "9")
    return digits.startswith("00") and not digits.startswith("000")


def e164_starts(text: str, region: str | None, least: int = 4) -> list[str]:
    """The beginnings of stored E.164 digits a number typed so far stands for ('+351 9' -> 3519).

    With its country code ('+' or 00), the digits typed. In national format at a branch in `region`:
    the region's country code and the digits after its trunk prefix ('07911 1' in GB -> 4479111),
    and the digits as typed (a country code typed without '+': '35191' -> 35191). Nothing for a
    national number without a region, nor when fewer than `least` digits were typed (after 00 or
    the trunk prefix).
    """
    digits = "".join(c for c in text if "0" <= c <= "9")
    if is_international(text):
        digits = digits if text.strip().lstrip("(").lstrip().startswith("+") else digits[2:]
        return [digits] if len(digits) >= least else []
    if not region:
        return []
    trunk = trunk_prefix(region)
    national = digits[len(trunk):] if trunk and digits.startswith(trunk) else digits
    starts = []
    if len(national) >= least and country_code(region):
        starts.append(f"{country_code(region)}{national}")
    if len(digits) >= least:
        starts.append(digits)
    return list(dict.fromkeys(starts))
