"""The relationship manager's portfolio, alerts on crafted dates, the follow-up life cycle (overdue,
snooze, reassign), the needs pipeline and the figures of the report; clock fixed at T0 = 2026-03-10 10:00."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from deskapp.core.customers import followups
from deskapp.core.customers import records as customer_records
from deskapp.core.relationship import offers, pipeline, portfolio
from deskapp.core.security.auth import Forbidden, Session
from deskapp.core.stats import reports
from deskapp.db.models import AuditEvent, Customer, FollowUp
from tests.conftest import T0
from tests.unit.test_offers import make

PEDRO = Session("pedro", "Pedro Nunes", "manager")
INES = Session("ines", "Inês Duarte", "manager")
TELLER = Session("ana", "Ana Costa", "teller")
SUPERVISOR = Session("sofia", "Sofia Almeida", "supervisor")
TODAY = T0.date()


def kinds(row) -> list[str]:
    return [a.kind for a in row.alerts]


def test_only_the_manager_and_supervisors_open_a_portfolio(ctx):
    make(ctx, "Maria Carteira")
    assert [r.name for r in portfolio.customers_of(ctx, PEDRO, "pedro")] == ["Maria Carteira"]
    assert [r.name for r in portfolio.customers_of(ctx, SUPERVISOR, "pedro")] == ["Maria Carteira"]
    refusals = {
        TELLER: "Only a supervisor or a manager may open pedro's portfolio; Ana Costa is a teller.",
        INES: "Inês Duarte (manager) may not open pedro's portfolio: only their own.",
        Session("rita", "Rita Marques", "greeter"):
            "Only a supervisor or a manager may open pedro's portfolio; Rita Marques is a greeter.",
    }
    for session, refusal in refusals.items():
        with pytest.raises(Forbidden, match=f"^{re.escape(refusal)}$"):
            portfolio.customers_of(ctx, session, "pedro")
        with pytest.raises(Forbidden):
            portfolio.followups_of(ctx, session, "pedro")


def test_portfolio_alerts_on_crafted_dates(ctx, clock):
    expiring = make(ctx, "A Expira", id_expiry="2026-04-09")  # 30 days ahead: the last day warned
    later = make(ctx, "B Mais Tarde", id_expiry="2026-04-10")  # 31 days ahead: not yet
    birthday = make(ctx, "C Aniversario", born="1980-03-10")
    kyc = make(ctx, "D Kyc")
    kyc_soon = make(ctx, "E Kyc Breve")
    Customer.update(kyc_review_due=TODAY).where(Customer.id == kyc).execute()
    Customer.update(kyc_review_due=TODAY + dt.timedelta(days=12)).where(Customer.id == kyc_soon).execute()
    # Every customer was recorded today; contact one 179 days ago, another 180 days ago.
    clock.set(T0 - dt.timedelta(days=180))
    old = make(ctx, "F Dormente")
    customer_records.add_interaction(ctx, PEDRO, old, "call", outcome="reached")
    clock.set(T0 - dt.timedelta(days=179))
    recent = make(ctx, "G Recente")
    customer_records.add_interaction(ctx, PEDRO, recent, "meeting", outcome="met")
    never = make(ctx, "H Nunca")
    clock.set(T0)
    rows = {r.id: r for r in portfolio.customers_of(ctx, PEDRO, "pedro")}
    assert kinds(rows[expiring]) == ["id_expiring"] and "in 30 days" in rows[expiring].alerts[0].text
    assert kinds(rows[later]) == []
    assert kinds(rows[birthday]) == ["birthday"]
    assert kinds(rows[kyc]) == ["kyc_overdue"]
    assert kinds(rows[kyc_soon]) == ["kyc_due_soon"] and rows[kyc_soon].alerts[0].text == "KYC review due in 12 days"
    assert kinds(rows[old]) == ["dormant"] and rows[old].alerts[0].text == "Dormant: no contact since 2025-09-11"
    assert kinds(rows[recent]) == []
    assert kinds(rows[never]) == [], "recorded 179 days ago and never contacted: not yet dormant"
    clock.advance(days=1)
    rows = {r.id: r for r in portfolio.customers_of(ctx, PEDRO, "pedro")}
    assert kinds(rows[never]) == ["dormant"] and rows[never].alerts[0].text == "Dormant: never contacted"
    assert kinds(rows[recent]) == ["dormant"]


def test_my_customers_filter_search_and_sort(ctx, clock):
    a = make(ctx, "Ana Lopes", segment="affluent", products=("savings", "current_account"), needs=("mortgage",))
    b = make(ctx, "Bruno Alves", segment="mass", id_expiry="2026-03-20")
    c = make(ctx, "Carla Dias", segment="mass", needs=("cards", "savings"))
    make(ctx, "Outra Gestora", manager="ines")
    customer_records.add_interaction(ctx, PEDRO, b, "call", outcome="reached")
    clock.advance(days=1)
    customer_records.add_interaction(ctx, PEDRO, a, "note", note="likes email")
    rows = portfolio.customers_of(ctx, PEDRO, "pedro")
    assert [r.name for r in rows] == ["Ana Lopes", "Bruno Alves", "Carla Dias"]
    assert rows[0].products == ("current_account", "savings") and rows[0].open_needs == 1
    assert rows[0].last_contact == T0 + dt.timedelta(days=1)
    assert [r.id for r in portfolio.customers_of(ctx, PEDRO, "pedro", sort="open_needs")] == [c, a, b]
    assert [r.id for r in portfolio.customers_of(ctx, PEDRO, "pedro", sort="last_contact")] == [c, b, a]
    assert [r.id for r in portfolio.customers_of(ctx, PEDRO, "pedro", sort="alerts")] == [b, a, c]
    assert [r.id for r in portfolio.customers_of(ctx, PEDRO, "pedro", segment="mass")] == [b, c]
    assert [r.id for r in portfolio.customers_of(ctx, PEDRO, "pedro", search="dias")] == [c]
    assert [r.id for r in portfolio.customers_of(ctx, PEDRO, "pedro", alert="id_expiring")] == [b]
    number = Customer.get_by_id(a).number
    assert [r.id for r in portfolio.customers_of(ctx, PEDRO, "pedro", search=number)] == [a]
    with pytest.raises(portfolio.PortfolioError, match="Sort by one of"):
        portfolio.customers_of(ctx, PEDRO, "pedro", sort="age")


def test_follow_up_life_cycle_overdue_today_upcoming_snooze_reassign_complete(ctx, clock):
    cid = make(ctx, "Rosa Seguimento")
    create = lambda source, hours: followups.create(ctx, source=source, reason=f"{source} call back", by="pedro",
                                                    customer_id=cid, assignee="pedro",
                                                    due_at=T0 + dt.timedelta(hours=hours))
    late = create("feedback", -2)
    today = create("referral", 5)  # 15:00 UTC, still today in Lisbon
    upcoming = create("manual", 30)
    board = portfolio.followups_of(ctx, PEDRO, "pedro")
    assert [[f.id for f in part] for part in (board.overdue, board.today, board.upcoming)] == [
        [late.id], [today.id], [upcoming.id]]
    assert {f.source for f in board.all()} == {"feedback", "referral", "manual"}

    clock.advance(hours=6)  # 16:00: the 15:00 one is now overdue too
    board = portfolio.followups_of(ctx, PEDRO, "pedro")
    assert [f.id for f in board.overdue] == [late.id, today.id] and board.today == ()

    with pytest.raises(followups.FollowUpError, match="needs a reason"):
        followups.snooze(ctx, late.id, clock.now() + dt.timedelta(days=2), " ", by="pedro")
    snoozed = followups.snooze(ctx, late.id, clock.now() + dt.timedelta(days=2), "customer abroad", by="pedro")
    assert not snoozed.overdue(clock.now())
    moved = followups.reassign(ctx, today.id, "ines", by="pedro")
    assert moved.assignee == "ines"
    board = portfolio.followups_of(ctx, PEDRO, "pedro")
    assert board.overdue == () and [f.id for f in board.upcoming] == [upcoming.id, late.id]
    assert [f.id for f in portfolio.followups_of(ctx, INES, "ines").overdue] == [today.id]

    with pytest.raises(followups.FollowUpError, match="resolution"):
        followups.close(ctx, upcoming.id, resolution="", root_cause="product", by="pedro")
    done = followups.close(ctx, upcoming.id, resolution="Explained the fee", root_cause="fees", by="pedro")
    assert done.status == "done" and upcoming.id not in [f.id for f in portfolio.followups_of(ctx, PEDRO, "pedro").all()]
    with pytest.raises(followups.FollowUpError, match="already done"):
        followups.reassign(ctx, upcoming.id, "ines", by="pedro")
    trail = [(e.action, e.detail) for e in AuditEvent.select().where(AuditEvent.entity == "followup")
             .order_by(AuditEvent.id) if e.action != "followup_created"]
    # The reason is kept on the follow-up, not in the audit (which an erasure cannot reach).
    assert trail == [("followup_snoozed", "until=2026-03-12T16:00"),
                     ("followup_reassigned", "to=ines"), ("followup_closed", "root_cause=fees")]
    assert FollowUp.get_by_id(late.id).snooze_reason == "customer abroad"


def test_needs_pipeline_by_category_and_status_and_needs_turned_into_products(ctx, clock):
    a = make(ctx, "Ana Pipeline", needs=("savings", "mortgage"))
    b = make(ctx, "Bruno Pipeline", manager="ines", needs=("savings",))
    made = offers.decide(ctx, PEDRO, a, "starter_credit_card", "accepted")
    clock.advance(days=3, hours=12)
    customer_records.add_product(ctx, PEDRO, a, "credit_card", "2026-03-13")
    declined = customer_records.add_need(ctx, PEDRO, b, "insurance")
    customer_records.set_need_status(ctx, PEDRO, declined, "declined")
    whole = pipeline.needs_pipeline(ctx)
    assert [(r.category, r.counts) for r in whole.categories] == [
        ("savings", {"open": 2, "in_progress": 0, "met": 0, "declined": 0}),
        ("mortgage", {"open": 1, "in_progress": 0, "met": 0, "declined": 0}),
        ("insurance", {"open": 0, "in_progress": 0, "met": 0, "declined": 1}),
        ("cards", {"open": 0, "in_progress": 0, "met": 1, "declined": 0}),
    ]
    (converted,) = whole.to_products
    assert (converted.need_id, converted.customer, converted.category, converted.product) == (
        made.need_id, "Ana Pipeline", "cards", "credit_card")
    assert converted.days == 3.5 and whole.median_days_to_product == 3.5
    mine = pipeline.needs_pipeline(ctx, manager="ines")
    assert [r.category for r in mine.categories] == ["savings", "insurance"] and mine.to_products == ()
    assert mine.median_days_to_product is None


def test_figures_acceptance_on_time_and_needs_met_for_a_period(ctx, clock):
    a = make(ctx, "Ana Figura")
    b = make(ctx, "Bruno Figura", segment="affluent", events=(("moved", "2026-02-01"),), manager="ines")
    c = make(ctx, "Carla Figura", manager=None)
    offers.decide(ctx, PEDRO, a, "starter_credit_card", "accepted")
    offers.decide(ctx, PEDRO, b, "starter_credit_card", "declined")
    offers.decide(ctx, INES, b, "home_loan_after_move", "accepted")
    offers.decide(ctx, PEDRO, c, "starter_credit_card", "declined")
    per_offer, per_manager = pipeline.offer_acceptance(ctx, TODAY, TODAY)
    assert [(x.key, x.label, x.accepted, x.declined, x.rate) for x in per_offer] == [
        ("home_loan_after_move", "Mortgage consultation", 1, 0, 1.0),
        ("starter_credit_card", "Classic credit card", 1, 2, 1 / 3)]
    assert [(x.key, x.accepted, x.answered, x.rate) for x in per_manager] == [
        ("", 0, 1, 0.0), ("ines", 1, 2, 0.5), ("pedro", 1, 1, 1.0)]
    assert pipeline.offer_acceptance(ctx, TODAY - dt.timedelta(days=1), TODAY - dt.timedelta(days=1)) == ((), ())

    # Follow-ups due today: one closed before its due time, one after, one still open and overdue,
    # one not yet due (left out), plus the referral the mortgage acceptance opened (due in 72 h: left out).
    due = lambda hours, who="pedro": followups.create(ctx, source="manual", reason="call", by="pedro", customer_id=a,
                                                      assignee=who, due_at=T0 + dt.timedelta(hours=hours))
    on_time, late, _still_open, later = due(1), due(2), due(3, "ines"), due(12)
    followups.close(ctx, on_time.id, resolution="done", root_cause="other", by="pedro")
    clock.advance(hours=4)
    followups.close(ctx, late.id, resolution="done late", root_cause="other", by="pedro")
    rows = {r.login: (r.due, r.on_time, r.rate) for r in pipeline.followups_on_time(ctx, TODAY, TODAY)}
    assert rows == {"pedro": (2, 1, 0.5), "ines": (1, 0, 0.0), "all": (3, 1, 1 / 3)}
    assert later.id not in (on_time.id, late.id)

    met = {r.category: (r.recorded, r.met, r.met_by_product) for r in pipeline.needs_met(ctx, TODAY, TODAY)}
    assert met == {"cards": (1, 0, 0), "all": (1, 0, 0)}
    customer_records.add_product(ctx, PEDRO, a, "credit_card", "2026-03-10")
    met = {r.category: (r.recorded, r.met, r.met_by_product, r.median_days_to_product)
           for r in pipeline.needs_met(ctx, TODAY, TODAY)}
    assert met == {"cards": (1, 1, 1, pytest.approx(4 / 24)), "all": (1, 1, 1, pytest.approx(4 / 24))}

    tables = {t.name: t for t in reports.build(ctx, TODAY, TODAY).tables}
    assert tables["offers"].rows == (("home_loan_after_move", "Mortgage consultation", 1, 1, 0, 1.0),
                                     ("starter_credit_card", "Classic credit card", 3, 1, 2, 0.3333))
    assert tables["offers_by_manager"].rows[1] == ("ines", "Inês Duarte", 2, 1, 1, 0.5)
    assert tables["followups_on_time"].rows[-1] == ("all", "All", 3, 1, 0.3333)
    assert tables["needs"].rows == (("cards", 1, 1, 1, 0.17), ("all", 1, 1, 1, 0.17))


def test_figures_with_no_data_are_none(ctx):
    per_offer, per_manager = pipeline.offer_acceptance(ctx, TODAY, TODAY)
    assert per_offer == () and per_manager == ()
    assert [(r.login, r.due, r.rate) for r in pipeline.followups_on_time(ctx, TODAY, TODAY)] == [("all", 0, None)]
    assert [(r.category, r.median_days_to_product) for r in pipeline.needs_met(ctx, TODAY, TODAY)] == [("all", None)]


def test_reassigning_a_portfolio_keeps_the_manager_of_past_decisions(ctx):
    a = make(ctx, "Ana Historia")
    offers.decide(ctx, PEDRO, a, "starter_credit_card", "accepted")
    Customer.update(manager=None).where(Customer.id == a).execute()
    _, per_manager = pipeline.offer_acceptance(ctx, TODAY, TODAY)
    assert [(x.key, x.accepted) for x in per_manager] == [("pedro", 1)]
    assert portfolio.customers_of(ctx, PEDRO, "pedro") == []
