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
from deskapp.i18n import _

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
        raise ContactInvalid(_("'{address}' is not an e-mail address (name@example.com)").format(address=shown))
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


def contact_from_text(ctx: Context, text: str) -> Contact | None:
    """One field for either (the kiosk's, reception's): an e-mail address if it has an @, else a phone."""
    text = text.strip()
    if not text:
        return None
    return parse_contact(ctx, None, text) if "@" in text else parse_contact(ctx, text, None)


def told_where(contact: Contact) -> str:
    """Where the messages go, as the screen may show it to the room: enough for the customer to
    recognise, not enough for the next person in front of the kiosk to copy."""
    email = ""
    if contact.email:
        name, _at, domain = contact.email.partition("@")
        email = f"{name[:1]}…@{domain}"
    if contact.phone and email:
        return _("the phone number ending {digits} and {email}").format(digits=contact.phone[-3:], email=email)
    if contact.phone:
        return _("the phone number ending {digits}").format(digits=contact.phone[-3:])
    return email
