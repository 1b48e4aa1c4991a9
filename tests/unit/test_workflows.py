"""The workflow engine on both databases: conditions take the shortest path, every step is committed
once and for good, approvals need another person's PIN, and the last step completes the ticket."""
from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import peewee
import pytest

from deskapp.config.workflow_schema import CUSTOMER_ATTRIBUTES
from deskapp.core import queue as q
from deskapp.core.customers.directory import session_for
from deskapp.core.customers.edit import create as create_customer
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo import branch as demo
from deskapp.core.security import audit, auth
from deskapp.core.startup import open_context
from deskapp.core.workflows import guide as workflows
from deskapp.core.workflows.guide import Approver, Offer, StepInvalid, WorkflowError
from deskapp.db import database
from deskapp.db.models import Customer, FollowUp, Need, Staff, StepRecord, Ticket
from tests.conftest import T0

PINS = {"sofia": "4826", "joao": "3691", "ana": "2580"}


@pytest.fixture
def ready(ctx):
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    return ctx


def serve(ctx, service: str, counter: str, *, customer_id: int | None = None, staff: str = "ana") -> int:
    """Issue a ticket, call it at the counter and start serving it; its id."""
    q.issue(ctx, service, customer_id=customer_id)
    ticket = q.call_next(ctx, counter, staff)
    q.start(ctx, counter)
    return ticket.id


def customer(ctx, name: str = "Maria Silva", *, born: str = "1980-05-31", segment: str = "mass",
             manager: str | None = None, kyc_due: str | None = None) -> int:
    nid = demo.national_id(random.Random(name))
    draft = CustomerDraft(name=name, national_id=nid, birth_date=born, segment=segment, manager=manager,
                          kyc_review_due=kyc_due)
    return create_customer(ctx, session_for("ana"), draft, force=True).id


def records(ticket_id: int) -> list[tuple[str, str]]:
    return [(r.step_id, r.outcome) for r in StepRecord.select().where(StepRecord.ticket == ticket_id)
            .order_by(StepRecord.position)]


def statuses(state) -> dict[str, str]:
    return {s.id: s.status for s in state.steps}


# ----------------------------------------------------------------------------------- cash


def test_a_small_deposit_skips_origin_and_approval_and_completes(ready, clock):
    ticket = serve(ready, "CASH", "1")
    state = workflows.start_or_resume(ready, ticket, "ana")
    assert state.current.id == "transaction" and (state.number, state.total) == (1, 2)
    assert statuses(state) == {"transaction": "current", "origin": "maybe", "approval": "maybe", "summary": "ahead"}

    clock.advance(seconds=50)
    state = workflows.commit_step(ready, ticket, "transaction", {"type": "deposit", "amount": "500", "currency": "EUR"},
                                  "ana")
    assert state.current.id == "summary" and (state.number, state.total) == (2, 2)
    assert records(ticket) == [("transaction", "done"), ("origin", "skipped"), ("approval", "skipped")]
    assert state.values == {"type": "deposit", "amount": Decimal("500.00"), "currency": "EUR"}
    skipped = StepRecord.get(StepRecord.step_id == "origin")
    assert skipped.committed_at == T0 + dt.timedelta(seconds=50), "skipped when the step before it was committed"

    clock.advance(seconds=10)
    state = workflows.commit_step(ready, ticket, "summary", {}, "ana")
    assert state.status == "finished" and state.ticket_status == q.DONE
    assert Ticket.get_by_id(ticket).status == q.DONE
    summary = StepRecord.get(StepRecord.step_id == "summary")
    assert (summary.started_at, summary.committed_at) == (T0 + dt.timedelta(seconds=50), T0 + dt.timedelta(seconds=60))
    assert summary.staff.login == "ana"


def test_a_large_deposit_asks_for_the_origin_of_the_funds(ready):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    state = workflows.commit_step(ready, ticket, "transaction", {"type": "deposit", "amount": "12 500,00",
                                                                 "currency": "EUR"}, "ana")
    assert state.current.id == "origin"
    assert statuses(state)["approval"] == "ahead", "amount > 10000 holds whatever the type"
    state = workflows.commit_step(ready, ticket, "origin", {"origin": "inheritance", "origin_note": "Aunt"}, "ana")
    assert state.current.id == "approval"


def test_form_values_are_checked_field_by_field_and_nothing_is_recorded(ready):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    bad = {"type": "", "amount": "12,000.50", "currency": "YEN"}
    assert workflows.validate_step(ready, ticket, "transaction", bad) == {
        "type": "fill this in",
        "amount": "an amount like 1250 or 1.250,50",
        "currency": "choose one of: EUR, USD, GBP, CHF",
    }
    with pytest.raises(StepInvalid) as failure:
        workflows.commit_step(ready, ticket, "transaction", {"type": "deposit", "amount": "0", "currency": "EUR"}, "ana")
    assert failure.value.problems == {"amount": "at least 0.01"}
    assert records(ticket) == []


def test_a_withdrawal_over_the_limit_needs_another_persons_supervisor_pin(ready):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    state = workflows.commit_step(ready, ticket, "transaction",
                                  {"type": "withdrawal", "amount": "6000", "currency": "EUR"}, "ana")
    assert state.current.id == "approval"

    def attempt(approver):
        with pytest.raises(StepInvalid) as failure:
            workflows.commit_step(ready, ticket, "approval", {}, "ana", approver=approver)
        return failure.value.problems

    assert attempt(None) == {"approver": "a supervisor enters their login and PIN here"}
    assert attempt(Approver("ana", PINS["ana"])) == {"approver": "you cannot approve your own service; ask a supervisor"}
    assert attempt(Approver("sofia", "1357")) == {"pin": "Wrong login or PIN."}
    assert Staff.get(Staff.login == "sofia").failed_attempts == 1, "a wrong approval PIN counts toward lockout"
    assert attempt(Approver("joao", PINS["joao"])) == {"approver": "João Ferreira is not a supervisor"}
    assert records(ticket) == [("transaction", "done"), ("origin", "skipped")], "refusals record nothing"

    state = workflows.commit_step(ready, ticket, "approval", {"note": "known customer"}, "ana",
                                  approver=Approver("Sofia", PINS["sofia"]))
    assert state.current.id == "summary"
    row = StepRecord.get(StepRecord.step_id == "approval")
    assert (row.outcome, row.approver, row.staff.login) == ("approved", "sofia", "ana")
    assert PINS["sofia"] not in row.values
    actions = [(e.action, e.staff) for e in audit.entries(limit=20)]
    assert ("approval_refused", "ana") in actions and ("approval_failed", "sofia") in actions
    assert ("approval_refused", "joao") in actions and ("workflow_approval", "sofia") in actions
    assert Staff.get(Staff.login == "sofia").failed_attempts == 0


def test_a_committed_step_is_never_changed_in_place(ready):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    with pytest.raises(WorkflowError, match="This is the first step"):
        workflows.back(ready, ticket, "ana")
    workflows.commit_step(ready, ticket, "transaction", {"type": "deposit", "amount": "5", "currency": "EUR"}, "ana")
    with pytest.raises(WorkflowError, match=r"'Transaction' is recorded already; go back \(ctrl\+b\) to correct it"):
        workflows.commit_step(ready, ticket, "transaction", {"type": "deposit", "amount": "9", "currency": "EUR"}, "ana")
    assert workflows.back(ready, ticket, "ana").amending.id == "transaction", "a correction is a new version"
    with pytest.raises(peewee.IntegrityError):  # the database itself refuses a second record of a version
        with database.db.atomic():
            StepRecord.create(ticket=ticket, workflow="cash", step_id="transaction", position=0, started_at=T0,
                              committed_at=T0, outcome="done")
    assert json.loads(StepRecord.get(StepRecord.step_id == "transaction").values)["amount"] == "5.00"


def test_steps_must_be_committed_in_order(ready):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    with pytest.raises(WorkflowError, match="'Transaction' comes first"):
        workflows.commit_step(ready, ticket, "summary", {}, "ana")


def test_resuming_in_a_new_process_finds_the_same_step_and_values(ready, config, db_url, clock):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    workflows.commit_step(ready, ticket, "transaction", {"type": "withdrawal", "amount": "7000", "currency": "USD"},
                          "ana")
    database.close()
    again = open_context(config, db_url, clock)  # what a desk does when it starts again
    assert q.held_by(again, "1").id == ticket
    state = workflows.start_or_resume(again, ticket, "ana")
    assert state.current.id == "approval"
    assert state.values == {"type": "withdrawal", "amount": Decimal("7000.00"), "currency": "USD"}
    assert state.recap() == ["Transaction: Deposit or withdrawal: Withdrawal; Amount: 7000.00; Currency: USD"]


def test_complete_waits_for_the_workflow_unless_it_is_abandoned(ready):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    with pytest.raises(q.QueueError, match="guided steps left"):
        workflows.complete_ticket(ready, "1")
    with pytest.raises(StepInvalid):
        workflows.abandon(ready, ticket, "  ", "ana")
    state = workflows.abandon(ready, ticket, "Customer changed their mind", "ana")
    assert state.status == "abandoned" and state.current is None
    assert records(ticket) == [("transaction", "abandoned")]
    assert statuses(state)["summary"] == "dropped"
    assert not workflows.unfinished(ready, ticket)
    assert workflows.complete_ticket(ready, "1").status == q.DONE
    assert [e.action for e in audit.entries(entity="ticket", limit=5)][0] == "workflow_abandoned"


def test_a_service_without_a_workflow_completes_normally(ready):
    ready.config = ready.config.model_copy(update={"workflows": {}})
    ticket = serve(ready, "CASH", "1")
    assert workflows.start_or_resume(ready, ticket, "ana") is None
    assert not workflows.unfinished(ready, ticket)
    assert workflows.complete_ticket(ready, "1").status == q.DONE


def test_a_ticket_not_yet_served_has_no_steps_to_record(ready):
    q.issue(ready, "CASH")
    ticket = q.call_next(ready, "1", "ana").id
    with pytest.raises(WorkflowError, match="start serving it first"):
        workflows.start_or_resume(ready, ticket, "ana")


# ----------------------------------------------------------------------------- open account


def test_open_account_identifies_and_branches_on_the_customer(ready, monkeypatch):
    minor = customer(ready, "Tiago Santos", born="2012-01-15", kyc_due="2025-01-01")
    monkeypatch.setattr("deskapp.core.workflows.state.offers_for", lambda ctx, cid: [Offer("renew_id_document", "Renew the ID document on file")])
    ticket = serve(ready, "ACCT", "4")
    state = workflows.start_or_resume(ready, ticket, "ana")
    assert state.current.id == "identify" and state.customer is None
    assert statuses(state)["guardian"] == "maybe", "it depends on the customer, not yet identified"
    with pytest.raises(StepInvalid) as failure:
        workflows.commit_step(ready, ticket, "identify", {"customer_id": None}, "ana")
    assert failure.value.problems == {"customer": "identify the customer: search for them, or add them as a new customer"}

    state = workflows.commit_step(ready, ticket, "identify", {"customer_id": minor}, "ana")
    assert Ticket.get_by_id(ticket).customer_id == minor
    assert state.current.id == "guardian" and state.customer.name == "Tiago Santos"
    assert statuses(state)["kyc"] == "ahead", "the KYC review is overdue"
    with pytest.raises(StepInvalid) as failure:
        workflows.commit_step(ready, ticket, "guardian", {"ticked": [0]}, "ana")
    assert failure.value.problems == {"items": "tick every item; not yet: Guardian's consent form signed"}
    workflows.commit_step(ready, ticket, "guardian", {"ticked": [0, 1]}, "ana")
    workflows.commit_step(ready, ticket, "documents", {"ticked": [0, 1, 2]}, "ana")
    state = workflows.commit_step(ready, ticket, "kyc", {"ticked": [0, 1]}, "ana")
    assert state.current.id == "details"
    state = workflows.commit_step(ready, ticket, "details", {"occupation": "Student", "monthly_income": "0",
                                                             "account_type": "joint", "online_banking": True}, "ana")
    assert state.current.id == "second_holder"
    with pytest.raises(StepInvalid) as failure:
        workflows.commit_step(ready, ticket, "second_holder", {"second_holder_name": "Ana Santos",
                                                               "second_holder_id": "123456780"}, "ana")
    assert failure.value.problems == {"second_holder_id": "this NIF has a wrong check digit; check it was typed correctly"}
    workflows.commit_step(ready, ticket, "second_holder", {"second_holder_name": "Ana Santos",
                                                           "second_holder_id": demo.national_id(random.Random(2))},
                          "ana")
    state = workflows.commit_step(ready, ticket, "needs", {"needs": [{"category": "savings",
                                                                      "description": "Save for university"}]}, "ana")
    assert [(n.category, n.source, n.created_by) for n in Need.select()] == [("savings", "workflow", "ana")]
    assert state.current.id == "offers" and state.offers == (Offer("renew_id_document", "Renew the ID document on file"),)
    with pytest.raises(StepInvalid) as failure:
        workflows.commit_step(ready, ticket, "offers", {"decisions": {}}, "ana")
    assert failure.value.problems == {"renew_id_document": "accept or decline this offer"}
    state = workflows.commit_step(ready, ticket, "offers", {"decisions": {"renew_id_document": "declined"}}, "ana")
    assert "Offers for this customer: renew_id_document declined" in state.recap()
    state = workflows.commit_step(ready, ticket, "summary", {}, "ana")
    assert state.status == "finished" and Ticket.get_by_id(ticket).status == q.DONE
    assert [o for _, o in records(ticket)] == ["done"] * 9


def test_open_account_for_an_adult_with_current_kyc_takes_the_short_path(ready):
    adult = customer(ready, "Rui Gonçalves", born="1975-02-02", kyc_due="2027-01-01")
    ticket = serve(ready, "ACCT", "4", customer_id=adult)
    state = workflows.start_or_resume(ready, ticket, "ana")
    assert state.customer.name == "Rui Gonçalves"
    workflows.commit_step(ready, ticket, "identify", {"customer_id": adult}, "ana")
    state = workflows.commit_step(ready, ticket, "documents", {"ticked": [0, 1, 2]}, "ana")
    assert state.current.id == "details"
    state = workflows.commit_step(ready, ticket, "details", {"occupation": "Engineer", "monthly_income": "2500",
                                                             "account_type": "current"}, "ana")
    assert state.current.id == "needs"
    state = workflows.commit_step(ready, ticket, "needs", {"needs": []}, "ana")
    assert state.current.id == "summary", "no offer fits (no marketing consent): the offers step is skipped"
    assert records(ticket) == [("identify", "done"), ("guardian", "skipped"), ("documents", "done"),
                               ("kyc", "skipped"), ("details", "done"), ("second_holder", "skipped"),
                               ("needs", "done"), ("offers", "skipped")]


# ---------------------------------------------------------------------------- loan, complaint


def test_a_loan_enquiry_refers_to_the_customers_manager(ready, clock):
    client = customer(ready, "Inês Araújo", segment="premier", manager="ines")
    ticket = serve(ready, "LOAN", "4", customer_id=client)
    workflows.start_or_resume(ready, ticket, "ana")
    workflows.commit_step(ready, ticket, "identify", {"customer_id": client}, "ana")
    with pytest.raises(StepInvalid) as failure:
        workflows.commit_step(ready, ticket, "needs", {"needs": []}, "ana")
    assert failure.value.problems == {"needs": "record at least one need"}
    workflows.commit_step(ready, ticket, "needs", {"needs": [{"category": "mortgage", "description": "Flat"}]}, "ana")
    state = workflows.commit_step(ready, ticket, "loan", {"purpose": "car", "amount": "15000", "term_months": "48"},
                                  "ana")
    assert state.current.id == "referral" and state.assignee == "ines"
    state = workflows.commit_step(ready, ticket, "referral", {"reason": "Car loan, 48 months", "due_hours": "24"}, "ana")
    follow_up = FollowUp.get()
    assert (follow_up.source, follow_up.assignee.login, follow_up.customer_id, follow_up.ticket_id) == \
        ("referral", "ines", client, ticket)
    assert follow_up.due_at == T0 + dt.timedelta(hours=24)
    assert state.current.id == "summary" and records(ticket)[-2:] == [("home_documents", "skipped"), ("referral", "done")]


def test_a_loan_referral_without_a_manager_goes_to_the_fallback(ready):
    client = customer(ready, "Luís Brandão")
    ticket = serve(ready, "LOAN", "5", customer_id=client)
    workflows.start_or_resume(ready, ticket, "ana")
    workflows.commit_step(ready, ticket, "identify", {"customer_id": client}, "ana")
    workflows.commit_step(ready, ticket, "needs", {"needs": [{"category": "mortgage", "description": ""}]}, "ana")
    state = workflows.commit_step(ready, ticket, "loan", {"purpose": "home", "amount": "200000", "term_months": "360"},
                                  "ana")
    assert state.current.id == "home_documents" and state.values["term_months"] == 360
    state = workflows.commit_step(ready, ticket, "home_documents", {"ticked": [0, 1]}, "ana")
    assert state.assignee == "pedro"
    workflows.commit_step(ready, ticket, "referral", {}, "ana")
    assert FollowUp.get().assignee.login == "pedro"
    assert FollowUp.get().reason == "Loan enquiry; call the customer with a proposal."


def test_an_anonymous_complaint_opens_a_complaint_follow_up(ready):
    ticket = serve(ready, "CMPL", "4")
    workflows.start_or_resume(ready, ticket, "ana")
    state = workflows.commit_step(ready, ticket, "identify", {"customer_id": None}, "ana")
    assert state.current.id == "complaint"
    state = workflows.commit_step(ready, ticket, "complaint", {"category": "waiting_time", "contact_by": "phone",
                                                               "description": "Waited 40 minutes"}, "ana")
    assert state.current.id == "anonymous", "no customer identified"
    workflows.commit_step(ready, ticket, "anonymous", {}, "ana")
    workflows.commit_step(ready, ticket, "follow_up", {}, "ana")
    follow_up = FollowUp.get()
    assert (follow_up.source, follow_up.assignee.login, follow_up.customer_id) == ("complaint", "sofia", None)
    assert follow_up.due_at == T0 + dt.timedelta(hours=24)


def test_customer_attributes_are_exactly_the_documented_ones(ready):
    assert set(workflows.customer_env(ready, None)) == set(CUSTOMER_ATTRIBUTES)
    client = customer(ready, "Zoë Müller", born="1950-03-10", segment="affluent", manager="pedro")
    env = workflows.customer_env(ready, client)
    assert set(env) == set(CUSTOMER_ATTRIBUTES)
    assert env == {"customer.identified": True, "customer.segment": "affluent", "customer.age": 76,
                   "customer.kyc_current": True, "customer.marketing_consent": False, "customer.has_manager": True}
    Customer.update(kyc_review_due=dt.date(2026, 3, 10)).where(Customer.id == client).execute()
    assert workflows.customer_env(ready, client)["customer.kyc_current"] is False, "due today is no longer current"
