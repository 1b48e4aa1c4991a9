"""Quick customer identification at reception: by phone digits, national ID or customer number.

A deliberately small lookup so a greeter can attach a customer to a ticket; the customers issue
replaces it with full ranked search (deskapp.db.search). Results are masked as for a greeter:
only the last digits of a national ID or phone number are shown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.db.models import Customer, CustomerPhone

MIN_DIGITS = 4


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    number: str
    name: str
    national_id_tail: str | None  # last 3 characters, e.g. "•••789"
    phone_tail: str | None  # last 4 digits of the phone that matched (or the first phone)


def _tail(value: str | None, keep: int) -> str | None:
    if not value:
        return None
    return "•••" + value[-keep:]


def find_customers(ctx: Context, text: str, limit: int = 5) -> list[CustomerMatch]:
    """Active customers whose number or national ID is `text`, whose national ID ends with it,
    or one of whose phones contains its digits (at least four). Exact matches come first."""
    del ctx  # customers are not per branch; kept for the signature every core function shares
    typed = re.sub(r"[\s.\-/]", "", text or "").upper()
    if not typed or not typed.isalnum():
        return []
    digits = re.sub(r"\D", "", typed)
    exact = (Customer.number == typed) | (Customer.national_id == typed)
    condition = exact
    if len(typed) >= MIN_DIGITS:
        condition |= Customer.national_id.endswith(typed)
    phone_match = None
    if len(digits) >= MIN_DIGITS and digits == typed:
        phone_match = CustomerPhone.digits.contains(digits)
        condition |= Customer.id.in_(CustomerPhone.select(CustomerPhone.customer).where(phone_match))

    def matching(where, count: int) -> list[Customer]:
        return list(
            Customer.select(Customer.id, Customer.number, Customer.name, Customer.national_id)
            .where(where & Customer.active)
            .order_by(Customer.name, Customer.id)
            .limit(count)
        )

    rows = matching(exact, limit)
    if len(rows) < limit and condition is not exact:
        # Excluded by id, not by NOT(exact): a NULL national ID would make that NOT unknown.
        rest = condition & Customer.id.not_in([c.id for c in rows]) if rows else condition
        rows += matching(rest, limit - len(rows))
    phones = _phones([c.id for c in rows], digits if phone_match is not None else None)
    return [CustomerMatch(c.id, c.number, c.name, _tail(c.national_id, 3), _tail(phones.get(c.id), 4)) for c in rows]


def _phones(ids: list[int], digits: str | None) -> dict[int, str]:
    """One phone per customer: the one containing `digits` when given, else the first."""
    if not ids:
        return {}
    result: dict[int, str] = {}
    query = (
        CustomerPhone.select(CustomerPhone.customer, CustomerPhone.digits)
        .where(CustomerPhone.customer.in_(ids))
        .order_by(CustomerPhone.id)
        .tuples()
    )
    for customer_id, phone in query:
        if digits and digits in phone:
            result[customer_id] = phone
        else:
            result.setdefault(customer_id, phone)
    return result
