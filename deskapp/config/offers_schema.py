"""The `offers:` section of config.yaml: next-best-offer rules.

Each rule offers one product to the customers its condition (`when:`) holds for, in the expression
language of workflow conditions (deskapp.config.expr) over the names and functions declared here, in
one place. Checks that need the whole configuration (product types, need categories, life-event kinds,
duplicate codes, every condition located to the character) are in deskapp.config.offers_checks; the
engine that evaluates the rules is deskapp.core.offers.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from deskapp.config.customer_names import customer_names
from deskapp.config.expr import Function, Type
from deskapp.config.texts import RequiredText


class _Section(BaseModel):
    """Unknown keys are errors, never silent defaults (as everywhere in the configuration)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


OFFER_NAMES: dict[str, tuple[Type, str]] = {
    **customer_names("", "age", "segment", "marketing_consent", "kyc_current"),
    "customer_years": (Type.NUMBER, "whole years since the customer was first recorded"),  # i18n: not words (what each name means, for the docs)
    "products": (Type.LIST, "the types of the products the customer holds (active ones)"),  # i18n: not words (what each name means, for the docs)
    "open_needs": (Type.LIST, "the categories of the customer's open or in-progress needs"),  # i18n: not words (what each name means, for the docs)
    "id_doc_days_left": (Type.NUMBER, "days until the ID document expires (negative: expired); null if unknown"),  # i18n: not words (what each name means, for the docs)
    "days_since_contact": (Type.NUMBER, "days since the last interaction (service, call, meeting, note); "  # i18n: not words (what each name means, for the docs)
                                        "null when there was none"),  # i18n: not words (what each name means, for the docs)
}
"""Everything an offer condition may read about the customer."""


def _engine_only(*_args: object) -> object:  # pragma: no cover - deskapp.core.offers supplies the real ones
    raise RuntimeError("offer functions are evaluated by deskapp.core.offers")  # i18n: not words (a bug)


OFFER_FUNCTIONS: dict[str, Function] = {
    "holds": Function((Type.TEXT,), Type.BOOL, _engine_only),
    "needs": Function((Type.TEXT,), Type.BOOL, _engine_only),
    "event_within": Function((Type.TEXT, Type.NUMBER), Type.BOOL, _engine_only),
    "contacts_within": Function((Type.NUMBER,), Type.NUMBER, _engine_only),
    "today": Function((), Type.DATE, _engine_only),
}
"""Functions an offer condition may call:
holds("credit_card"): the customer holds an active product of that type (customers.product_types);
needs("mortgage"): an open or in-progress need of that category (customers.need_categories);
event_within("new_job", 90): a life event of that kind (customers.life_event_kinds) in the last N days;
contacts_within(30): how many interactions the customer had in the last N days; today(): the branch's date."""

ARGUMENT_LISTS: dict[str, str] = {"holds": "product_types", "needs": "need_categories",
                                  "event_within": "life_event_kinds"}
"""The customers list the first argument of each of these functions must come from."""


class OfferRule(_Section):
    code: str
    """Short, unique name of the offer (lower-case letters, digits, '_'); decisions are recorded under it."""
    title: RequiredText
    """What staff see, e.g. "Classic credit card": a text, or one per language ({pt-PT: ..., en: ...})."""
    product: str
    """The product offered: one of customers.product_types."""
    kind: Literal["marketing", "service"] = "marketing"
    """marketing offers are shown only to customers with marketing consent; service offers (replace an
    expiring card, renew a document) to every customer."""
    when: str = Field(min_length=1)
    """The condition, e.g. age >= 18 and not holds("credit_card") and segment in ["mass", "affluent"]."""
    priority: int = Field(50, ge=1, le=100)
    """1-100; higher is shown first."""
    reason: RequiredText
    """Why this customer gets the offer, in plain words staff can say aloud (a text, or one per language)."""
    cooldown_days: int | None = Field(None, ge=0, le=3650)
    """Days a declined (or accepted) offer is not shown again; default offers.cooldown_days."""
    on_accept: Literal["need", "referral"] = "need"
    """What an acceptance creates: a need (category need_category) or a referral follow-up for the
    customer's relationship manager."""
    need_category: str | None = None
    """For on_accept: need, the need's category (one of customers.need_categories); required then."""


class Offers(_Section):
    cooldown_days: int = Field(90, ge=0, le=3650)
    """Days a declined or accepted offer is not shown again to that customer, unless its rule says otherwise."""
    max_shown: int = Field(3, ge=1, le=20)
    """At most this many offers are shown for one customer, highest priority first."""
    referral_due_hours: int = Field(72, ge=1, le=24 * 60)
    """Hours the relationship manager has for the follow-up an accepted on_accept: referral offer opens."""
    rules: list[OfferRule] = Field(default_factory=list)
    """The rules, in any order (priority decides)."""
