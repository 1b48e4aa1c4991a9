"""What a customer may leave for "tell me when it's my turn": a phone number or an e-mail address.

Phones are read with the branch's region (deskapp.db.phones, libphonenumber) and kept as E.164
digits; e-mail addresses are checked for their syntax only (one @, a dotted domain, no spaces).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.db import phones
from deskapp.errors import BadInput

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


class ContactInvalid(BadInput):
    """A phone number or e-mail address left for notifications that cannot be used."""

    private = True  # carries what the customer typed


@dataclass(frozen=True)
class Contact:
    phone: str | None = None  # E.164 digits
    email: str | None = None

    def __bool__(self) -> bool:
        return bool(self.phone or self.email)


def valid_email(text: str) -> str:
    address = text.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        shown = address if len(address) <= 40 else address[:40] + "…"
        raise ContactInvalid(f"'{shown}' is not an e-mail address (name@example.com)")
    return address


def parse_contact(ctx: Context, phone: str | None = None, email: str | None = None) -> Contact | None:
    """The contact as stored, None when nothing was given; ContactInvalid says what is wrong."""
    phone = (phone or "").strip() or None
    email = (email or "").strip() or None
    if phone is None and email is None:
        return None
    digits = None
    if phone is not None:
        try:
            digits = phones.parse(phone, ctx.config.customers.region)
        except phones.PhoneInvalid as exc:
            raise ContactInvalid(str(exc)) from None
    return Contact(phone=digits, email=valid_email(email) if email is not None else None)
