"""Next-best offers: which configured offer rules hold for a customer, and what the customer answered.

An offer is shown for a customer when, all at once:
- its rule's `when:` condition holds over the customer's facts (deskapp.config.offers_schema names
  them: age, segment, products, open needs, recent life events and contacts ...);
- it is a service offer, or the customer has marketing consent (enforced here, whoever asks);
- no decision (accepted or declined) on it was recorded for the customer within its cool-down days.
The offers shown are the `offers.max_shown` highest priorities (ties: the rule's order in config).

`decide` records an OfferDecision; an acceptance creates a need (rule need_category) or a referral
follow-up for the customer's relationship manager, in the same transaction. When a product is opened,
`customer_records.meet_offer_needs` marks the open needs that accepted offers of that product type created as met by
it: that is how the needs pipeline sees a need turned into a product.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from deskapp.config.expr import Expr, Function, Type, evaluate, parse
from deskapp.config.offers_schema import OfferRule
from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.customers.records import OFFER_ACCEPTED as ACCEPTED
from deskapp.core.customers.records import OPEN_NEEDS
from deskapp.core.customers.rules import age_on
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as, require
from deskapp.db.database import transaction
from deskapp.db.models import Customer, Interaction, LifeEvent, Need, OfferDecision, Product, Staff
from deskapp.errors import BadInput
from deskapp.i18n import _
from deskapp.i18n import text as in_language

DECLINED = "declined"
DECISIONS = (ACCEPTED, DECLINED)


class OfferError(BadInput):
    """An offer decision that cannot be recorded, in plain words."""

    private = True  # may name the customer


@dataclass(frozen=True)
class OfferInfo:
    code: str
    title: str
    product: str
    kind: str  # marketing, service
    priority: int
    reason: str


@dataclass(frozen=True)
class Facts:
    """What offer conditions read about one customer on one day."""

    env: dict[str, Any]
    products: frozenset[str]
    needs: frozenset[str]
    events: tuple[tuple[str, dt.date], ...]  # (kind, date or the day it was recorded)
    contacts: tuple[dt.date, ...]
    today: dt.date

    def functions(self) -> dict[str, Function]:
        def event_within(kind: str | None, days: Any) -> bool:
            if kind is None or days is None:
                return False
            since = self.today - dt.timedelta(days=int(days))
            return any(k == kind and since <= day <= self.today for k, day in self.events)

        def contacts_within(days: Any) -> int | None:
            if days is None:
                return None
            since = self.today - dt.timedelta(days=int(days))
            return sum(1 for day in self.contacts if day >= since)

        return {
            "holds": Function((Type.TEXT,), Type.BOOL, lambda t: t in self.products),
            "needs": Function((Type.TEXT,), Type.BOOL, lambda c: c in self.needs),
            "event_within": Function((Type.TEXT, Type.NUMBER), Type.BOOL, event_within),
            "contacts_within": Function((Type.NUMBER,), Type.NUMBER, contacts_within),
            "today": Function((), Type.DATE, lambda: self.today),
        }


def facts(ctx: Context, customer_id: int) -> Facts:
    c = Customer.get_or_none(Customer.id == customer_id)
    if c is None:
        raise OfferError(_("There is no customer {customer}.").format(customer=customer_id))
    today = ctx.today()
    products = frozenset(p for (p,) in Product.select(Product.type).where(
        (Product.customer == c.id) & (Product.status == "active")).tuples())
    needs = frozenset(n for (n,) in Need.select(Need.category).where(
        (Need.customer == c.id) & Need.status.in_(OPEN_NEEDS)).tuples())
    events = tuple((kind, day or created.date()) for kind, day, created in LifeEvent.select(
        LifeEvent.kind, LifeEvent.date, LifeEvent.created_at).where(LifeEvent.customer == c.id).tuples())
    contacts = tuple(at.date() for (at,) in Interaction.select(Interaction.at).where(
        Interaction.customer == c.id).tuples())
    last = max(contacts, default=None)
    env = {
        "age": age_on(c.birth_date, today) if c.birth_date else None,
        "segment": c.segment,
        "marketing_consent": bool(c.marketing_consent),
        "kyc_current": c.kyc_review_due is None or c.kyc_review_due > today,
        "customer_years": age_on(c.created_at.date(), today) if c.created_at else 0,
        "products": tuple(sorted(products)),
        "open_needs": tuple(sorted(needs)),
        "id_doc_days_left": (c.id_doc_expiry - today).days if c.id_doc_expiry else None,
        "days_since_contact": (today - last).days if last else None,
    }
    return Facts(env, products, needs, events, contacts, today)


@lru_cache(maxsize=512)
def _condition(source: str) -> Expr:
    return parse(source)  # checked when the configuration loaded


def rule_holds(rule: OfferRule, customer: Facts) -> bool:
    return evaluate(_condition(rule.when), customer.env, customer.functions()) is True


def _cooldown(ctx: Context, rule: OfferRule) -> int:
    return ctx.config.offers.cooldown_days if rule.cooldown_days is None else rule.cooldown_days


def _cooling(ctx: Context, customer_id: int) -> dict[str, dt.datetime]:
    """The latest decision time per offer code for the customer."""
    latest: dict[str, dt.datetime] = {}
    for code, at in OfferDecision.select(OfferDecision.offer, OfferDecision.at).where(
            OfferDecision.customer == customer_id).tuples():
        if code not in latest or at > latest[code]:
            latest[code] = at
    return latest


def for_customer(ctx: Context, customer_id: int) -> list[OfferInfo]:
    """The offers to show for the customer now, best first (see the module doc for the rules)."""
    customer = facts(ctx, customer_id)
    consent = customer.env["marketing_consent"]
    decided = _cooling(ctx, customer_id)
    now = ctx.now()
    found: list[tuple[int, int, OfferRule]] = []
    for index, rule in enumerate(ctx.config.offers.rules):
        if rule.kind == "marketing" and not consent:
            continue
        last = decided.get(rule.code)
        if last is not None and now < last + dt.timedelta(days=_cooldown(ctx, rule)):
            continue
        if rule_holds(rule, customer):
            found.append((-rule.priority, index, rule))
    found.sort(key=lambda item: item[:2])
    return [_info(rule) for _, _, rule in found[: ctx.config.offers.max_shown]]


def _info(rule: OfferRule) -> OfferInfo:
    return OfferInfo(rule.code, rule.title, rule.product, rule.kind, rule.priority, rule.reason.strip())


def rule(ctx: Context, code: str) -> OfferRule:
    found = next((r for r in ctx.config.offers.rules if r.code == code), None)
    if found is None:
        raise OfferError(_("There is no offer '{offer}' in the configuration.").format(offer=code))
    return found


@dataclass(frozen=True)
class DecisionInfo:
    id: int
    customer_id: int
    offer: str
    decision: str
    at: dt.datetime
    need_id: int | None
    followup_id: int | None


@acts_as("offers.decide")
def decide(ctx: Context, session: Session, customer_id: int, code: str, decision: str, *,
           ticket_id: int | None = None, note: str = "") -> DecisionInfo:
    """Record the customer's answer to an offer; an acceptance opens a need or a referral. One transaction.

    Refused for a marketing offer when the customer has no marketing consent (it should never have been
    shown), and for an offer in its cool-down (already answered)."""
    require(session, "offers.decide")
    if decision not in DECISIONS:
        raise OfferError(_("An offer is {decisions}, not '{decision}'.").format(
            decisions=_("{some} or {last}").format(some=", ".join(DECISIONS[:-1]), last=DECISIONS[-1]),
            decision=decision))
    offer = rule(ctx, code)
    note = (note or "").strip()[:500]

    def work() -> DecisionInfo:
        c = Customer.get_or_none(Customer.id == customer_id)
        if c is None:
            raise OfferError(_("There is no customer {customer}.").format(customer=customer_id))
        if offer.kind == "marketing" and not c.marketing_consent:
            raise OfferError(_("{name} has not agreed to marketing, so '{offer}' cannot be offered.").format(
                name=c.name, offer=in_language(offer.title)))
        now = ctx.now()
        last = _cooling(ctx, customer_id).get(code)
        if last is not None and now < last + dt.timedelta(days=_cooldown(ctx, offer)):
            raise OfferError(_("'{offer}' was answered on {date}; it is not offered again yet.").format(
                offer=in_language(offer.title), date=f"{last:%Y-%m-%d}"))
        staff = Staff.get_or_none(Staff.login == session.login)
        need_id = followup_id = None
        if decision == ACCEPTED:
            need_id, followup_id = _on_accept(ctx, session, c, offer)
        row = OfferDecision.create(
            customer=c.id, offer=code, product=offer.product, decision=decision, staff=staff.id if staff else None,
            manager=c.manager_id, ticket=ticket_id, need=need_id, followup=followup_id, note=note, at=now,
        )
        audit.record(now, session.login, "offer_decision", "customer", c.id,
                     f"offer={code} decision={decision}" + (f" ticket={ticket_id}" if ticket_id else ""))
        changes.bump(ctx.branch_id)
        return DecisionInfo(row.id, c.id, code, decision, now, need_id, followup_id)

    return transaction(work)


def _on_accept(ctx: Context, session: Session, c: Customer, offer: OfferRule) -> tuple[int | None, int | None]:
    from deskapp.core.customers.records import add_need

    text = f"Accepted offer: {offer.title}"  # i18n: not words (stored: the need's or follow-up's words)
    if offer.on_accept == "need":
        assert offer.need_category is not None  # config checks require it
        return add_need(ctx, session, c.id, offer.need_category, text, source="manager"), None
    manager = Staff.get_or_none((Staff.id == c.manager_id) & Staff.active) if c.manager_id else None
    due = ctx.now() + dt.timedelta(hours=ctx.config.offers.referral_due_hours)
    info = followups.create(ctx, source="offer", reason=text, by=session.login, customer_id=c.id,
                            assignee=manager.login if manager else session.login, due_at=due)
    return None, info.id


@dataclass(frozen=True)
class DecisionRow:
    offer: str
    decision: str
    at: dt.datetime
    staff: str | None


def history(customer_id: int, limit: int = 50) -> list[DecisionRow]:
    """The customer's offer decisions, newest first."""
    from peewee import JOIN

    query = (OfferDecision.select(OfferDecision, Staff).join(Staff, JOIN.LEFT_OUTER, on=(OfferDecision.staff == Staff.id))
             .where(OfferDecision.customer == customer_id).order_by(OfferDecision.at.desc(), OfferDecision.id.desc())
             .limit(limit))
    return [DecisionRow(d.offer, d.decision, d.at, d.staff.login if d.staff_id else None) for d in query]


@acts_as("offers.view")
def shown_for(ctx: Context, session: Session, customer_id: int) -> list[OfferInfo]:
    """for_customer, for a person who may view the customer's profile (the profile's Offers tab)."""
    require(session, "offers.view")
    return for_customer(ctx, customer_id)
