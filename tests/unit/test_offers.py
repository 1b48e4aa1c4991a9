"""Next-best offers: the shipped rules over a matrix of customers, priorities, cool-down, consent, and
what an acceptance creates; on SQLite and PostgreSQL with the clock fixed at T0 (2026-03-10)."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from deskapp.config.offers_schema import OfferRule, Offers
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import followups
from deskapp.core.customers import records as customer_records
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.relationship import offers
from deskapp.core.security.auth import Forbidden, Session
from deskapp.core.workflows import state as workflow_state
from deskapp.db.models import AuditEvent, Need, OfferDecision

TELLER = Session("ana", "Ana Costa", "teller")
GREETER = Session("rita", "Rita Marques", "greeter")
MANAGER = Session("pedro", "Pedro Nunes", "manager")


def make(ctx, name: str, *, born: str | None = "1990-06-01", segment: str = "mass", consent: bool = True,
         id_expiry: str | None = None, products: tuple[str, ...] = (), events: tuple[tuple[str, str], ...] = (),
         needs: tuple[str, ...] = (), manager: str | None = "pedro") -> int:
    draft = CustomerDraft(name=name, national_id=national_id(random.Random(name)), birth_date=born, segment=segment,
                          marketing_consent=consent, id_doc_expiry=id_expiry, manager=manager,
                          id_doc_type="id_card" if id_expiry else None)
    cid = customer_edit.create(ctx, MANAGER, draft, force=True).id
    for kind in products:
        customer_records.add_product(ctx, MANAGER, cid, kind, "2020-01-01")
    for kind, day in events:
        customer_records.add_life_event(ctx, MANAGER, cid, kind, day)
    for category in needs:
        customer_records.add_need(ctx, MANAGER, cid, category)
    return cid


# Every customer, and the offer codes the shipped config.yaml rules give them today, best first.
MATRIX = [
    ("adult mass with consent", dict(), ["starter_credit_card"]),
    ("adult mass without consent", dict(consent=False), []),
    ("minor with consent", dict(born="2012-01-15"), []),
    ("no birth date", dict(born=None), []),
    ("premier at 60 with an account", dict(born="1965-04-01", segment="premier", products=("current_account",)),
     ["retirement_investment"]),
    ("premier at 60 who invests", dict(born="1965-04-01", segment="premier", products=("investment",)), []),
    ("affluent who moved in January", dict(segment="affluent", events=(("moved", "2026-01-10"),)),
     ["home_loan_after_move", "starter_credit_card"]),
    ("moved two years ago", dict(segment="affluent", events=(("moved", "2024-01-10"),)), ["starter_credit_card"]),
    ("ID expiring, no consent", dict(born="1986-02-02", consent=False, id_expiry="2026-03-25"),
     ["renew_id_document"]),
    ("ID expiring in 60 days", dict(consent=False, id_expiry="2026-05-09"), []),
    ("card and mortgage", dict(born="1981-01-01", segment="affluent", products=("credit_card", "mortgage")),
     ["home_insurance"]),
    ("new parent, ID expiring, digital need", dict(born="1996-01-01", id_expiry="2026-03-20",
                                                  events=(("child", "2025-12-01"),), products=("current_account",),
                                                  needs=("digital_banking",)),
     ["renew_id_document", "savings_for_new_parents", "starter_credit_card"]),  # max_shown 3 cuts digital (40)
    ("digital need without consent", dict(consent=False, products=("current_account",), needs=("digital_banking",)),
     ["digital_banking_activation"]),
    ("business segment", dict(segment="business"), []),
]


def test_the_shipped_rules_over_a_matrix_of_customers(ctx):
    ids = {name: make(ctx, f"Cliente {i} {name}", **values) for i, (name, values, _) in enumerate(MATRIX)}
    found = {name: [o.code for o in offers.for_customer(ctx, ids[name])] for name, _, _ in MATRIX}
    assert found == {name: expected for name, _, expected in MATRIX}


def test_marketing_is_never_offered_without_consent_for_any_customer(ctx):
    ids = [make(ctx, f"Sem consentimento {i}", consent=False, **values)
           for i, (_, values, _) in enumerate(MATRIX) if "consent" not in values]
    shown = {o.kind for cid in ids for o in offers.for_customer(ctx, cid)}
    assert shown <= {"service"}
    assert ids and all(o.kind == "service" for cid in ids for o in offers.for_customer(ctx, cid))


def rules(*specs: dict) -> Offers:
    base = dict(product="savings", reason="because", need_category="savings")
    return Offers(cooldown_days=30, max_shown=5, rules=[OfferRule(**{**base, **spec}) for spec in specs])


def test_priority_orders_the_offers_and_ties_keep_the_config_order(ctx):
    ctx.config = ctx.config.model_copy(update={"offers": rules(
        dict(code="low", title="Low", when="age >= 18", priority=10),
        dict(code="tie_first", title="Tie 1", when="age >= 18", priority=50),
        dict(code="high", title="High", when="age >= 18", priority=90),
        dict(code="tie_second", title="Tie 2", when="age >= 18", priority=50),
        dict(code="never", title="Never", when="age < 18", priority=100),
    )})
    cid = make(ctx, "Maria Prioridade")
    assert [o.code for o in offers.for_customer(ctx, cid)] == ["high", "tie_first", "tie_second", "low"]
    ctx.config = ctx.config.model_copy(update={"offers": ctx.config.offers.model_copy(update={"max_shown": 2})})
    assert [o.code for o in offers.for_customer(ctx, cid)] == ["high", "tie_first"]


def test_conditions_read_contacts_and_needs_and_the_list_of_products(ctx):
    ctx.config = ctx.config.model_copy(update={"offers": rules(
        dict(code="quiet", title="Quiet", when="contacts_within(30) == 0"),
        dict(code="card_holder", title="Card", when='"debit_card" in products and not needs("savings")'),
        dict(code="long_time", title="Loyal", when="customer_years >= 0 and days_since_contact == null"),
    )})
    cid = make(ctx, "Rui Contacto", products=("debit_card",))
    assert [o.code for o in offers.for_customer(ctx, cid)] == ["quiet", "card_holder", "long_time"]
    customer_records.add_interaction(ctx, MANAGER, cid, "call", note="", outcome="reached")
    customer_records.add_need(ctx, MANAGER, cid, "savings")
    assert offers.for_customer(ctx, cid) == []


def test_a_declined_offer_cools_down_for_its_days(ctx, clock):
    cid = make(ctx, "Joana Recusa")
    assert [o.code for o in offers.for_customer(ctx, cid)] == ["starter_credit_card"]
    made = offers.decide(ctx, MANAGER, cid, "starter_credit_card", "declined", note="has one elsewhere")
    assert made.need_id is None and made.followup_id is None
    assert offers.for_customer(ctx, cid) == []
    with pytest.raises(offers.OfferError, match="not offered again yet"):
        offers.decide(ctx, MANAGER, cid, "starter_credit_card", "accepted")
    clock.advance(days=89, hours=23)
    assert offers.for_customer(ctx, cid) == [], "90 days of cool-down (offers.cooldown_days)"
    clock.advance(hours=1)
    assert [o.code for o in offers.for_customer(ctx, cid)] == ["starter_credit_card"]


def test_a_rule_may_have_its_own_cool_down(ctx, clock):
    cid = make(ctx, "Pedro Documento", consent=False, id_expiry="2026-03-25")
    offers.decide(ctx, TELLER, cid, "renew_id_document", "declined")
    clock.advance(days=13)
    assert offers.for_customer(ctx, cid) == []
    clock.advance(days=1)
    assert [o.code for o in offers.for_customer(ctx, cid)] == ["renew_id_document"]


def test_consent_is_enforced_in_core_when_a_decision_is_recorded(ctx):
    cid = make(ctx, "Luis Sem Consentimento", consent=False)
    with pytest.raises(offers.OfferError, match="has not agreed to marketing"):
        offers.decide(ctx, MANAGER, cid, "starter_credit_card", "accepted")
    with pytest.raises(Forbidden):
        offers.decide(ctx, GREETER, cid, "renew_id_document", "declined")
    with pytest.raises(offers.OfferError, match="no offer 'nope'"):
        offers.decide(ctx, MANAGER, cid, "nope", "declined")
    assert OfferDecision.select().count() == 0


def test_accepting_creates_a_need_that_the_opened_product_meets(ctx, clock):
    cid = make(ctx, "Carla Cartão")
    made = offers.decide(ctx, MANAGER, cid, "starter_credit_card", "accepted")
    need = Need.get_by_id(made.need_id)
    assert (need.category, need.status, need.source) == ("cards", "open", "manager")
    assert need.description == "Accepted offer: Classic credit card"
    clock.advance(days=6)
    product = customer_records.add_product(ctx, MANAGER, cid, "credit_card", "2026-03-16")
    need = Need.get_by_id(made.need_id)
    assert (need.status, need.met_by_product_id, need.met_at) == ("met", product, clock.now())
    row = OfferDecision.get_by_id(made.id)
    assert (row.decision, row.staff.login, row.manager.login, row.product) == ("accepted", "pedro", "pedro", "credit_card")
    assert AuditEvent.select().where(AuditEvent.action == "offer_decision").count() == 1


def test_accepting_a_referral_offer_opens_a_follow_up_for_the_relationship_manager(ctx):
    cid = make(ctx, "Hugo Mudança", segment="affluent", events=(("moved", "2026-02-01"),), manager="ines")
    made = offers.decide(ctx, TELLER, cid, "home_loan_after_move", "accepted")
    info = followups.get(made.followup_id)
    assert (info.source, info.assignee, info.customer_id) == ("offer", "ines", cid)
    assert info.due_at == ctx.now() + dt.timedelta(hours=72)
    assert info.reason == "Accepted offer: Mortgage consultation"


def test_the_workflow_offers_step_gets_the_rules_offers(ctx):
    cid = make(ctx, "Sara Fluxo", segment="affluent", events=(("moved", "2026-01-10"),))
    shown = workflow_state.offers_for(ctx, cid)
    assert [(o.code, o.title) for o in shown] == [("home_loan_after_move", "Mortgage consultation"),
                                                  ("starter_credit_card", "Classic credit card")]
    assert shown[0].text == "The customer moved recently and has no mortgage with us."


def test_offer_and_workflow_conditions_read_the_customer_s_attributes_from_one_declaration():
    from deskapp.config.customer_names import CUSTOMER_NAMES
    from deskapp.config.offers_schema import OFFER_NAMES
    from deskapp.config.workflow_schema import CUSTOMER_ATTRIBUTES

    assert set(CUSTOMER_NAMES) == {"segment", "age", "kyc_current", "marketing_consent"}
    for name, declared in CUSTOMER_NAMES.items():
        assert OFFER_NAMES[name] is declared and CUSTOMER_ATTRIBUTES[f"customer.{name}"] is declared
