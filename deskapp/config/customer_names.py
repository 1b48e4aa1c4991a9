"""What a condition may read about a customer, declared once for the two expression languages' users:
workflow conditions read them as `customer.NAME` (workflow_schema.CUSTOMER_ATTRIBUTES), offer conditions
as bare names (offers_schema.OFFER_NAMES); each adds names of its own."""
from __future__ import annotations

from deskapp.config.expr import Type

CUSTOMER_NAMES: dict[str, tuple[Type, str]] = {
    "segment": (Type.TEXT, "the customer's segment (one of customers.segments); null when not set"),  # i18n: not words (what each name means, for the docs)
    "age": (Type.NUMBER, "age in whole years today; null when the birth date is unknown"),  # i18n: not words (what each name means, for the docs)
    "kyc_current": (Type.BOOL, "the KYC review is not yet due (no due date counts as current)"),  # i18n: not words (what each name means, for the docs)
    "marketing_consent": (Type.BOOL, "the customer agreed to marketing"),  # i18n: not words (what each name means, for the docs)
}
"""The customer's own attributes, each with its type and what it means (for the docs)."""


def customer_names(prefix: str, *names: str) -> dict[str, tuple[Type, str]]:
    """These CUSTOMER_NAMES, in this order, each named `prefix` + its name."""
    return {prefix + name: CUSTOMER_NAMES[name] for name in names}
