"""Correcting a workflow step already committed, on both databases: Back shows the form recorded, the
correction is a new version with who, when and why beside the earlier one, the later steps are decided
again with the new values, the step statistics count it, and nothing is half-written."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from deskapp.core import queue as q
from deskapp.core.security import audit, auth
from deskapp.core.stats.steps import step_figures
from deskapp.core.workflows import guide as workflows
from deskapp.core.workflows.guide import Approver, StepInvalid, WorkflowError
from deskapp.db.models import StepRecord, Ticket
from tests.unit.test_workflows import PINS, customer, serve

CASH = {"type": "withdrawal", "amount": "6000", "currency": "EUR"}


@pytest.fixture
def ready(ctx):
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    return ctx


def versions(ticket_id: int, step_id: str) -> list[tuple[int, str, str | None, dict]]:
    rows = StepRecord.select().where((StepRecord.ticket == ticket_id) & (StepRecord.step_id == step_id))
    return [(r.version, r.outcome, r.reason, json.loads(r.values)) for r in rows.order_by(StepRecord.version)]


def statuses(state) -> dict[str, str]:
    return {s.id: s.status for s in state.steps}


def test_back_then_a_correction_keeps_the_first_record_and_drops_a_step_that_no_longer_applies(ready, clock):
    """Finding: every Next commits, so Back could never work; a typo in an amount meant abandoning."""
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    clock.advance(seconds=30)
    state = workflows.commit_step(ready, ticket, "transaction", CASH, "ana")
    assert state.current.id == "approval"

    clock.advance(seconds=5)
    back = workflows.back(ready, ticket, "ana")
    assert back.amending.id == "transaction" and back.amending.values["amount"] == "6000.00"
    assert back.current.id == "approval" and back.shown_at == clock.now()
    with pytest.raises(StepInvalid) as failure:
        workflows.amend_step(ready, ticket, "transaction", {**CASH, "amount": "600"}, " ", "ana")
    assert failure.value.problems == {"amend_reason": "say why it is corrected, for the record"}

    clock.advance(seconds=20)
    state = workflows.amend_step(ready, ticket, "transaction", {**CASH, "amount": "600"}, "amount mistyped", "ana",
                                 started_at=back.shown_at)
    assert state.amending is None and state.current.id == "summary"
    assert versions(ticket, "transaction") == [
        (1, "done", None, {"amount": "6000.00", "currency": "EUR", "type": "withdrawal"}),
        (2, "done", "amount mistyped", {"amount": "600.00", "currency": "EUR", "type": "withdrawal"})]
    amended = StepRecord.get((StepRecord.step_id == "transaction") & (StepRecord.version == 2))
    assert (amended.staff.login, amended.started_at, amended.committed_at) == (
        "ana", back.shown_at, back.shown_at + dt.timedelta(seconds=20))
    assert statuses(state)["approval"] == "skipped", "a withdrawal of 600 needs no approval"
    assert versions(ticket, "approval") == [(1, "skipped", None, {})]
    assert "Transaction: Deposit or withdrawal: Withdrawal; Amount: 600.00; Currency: EUR (corrected: amount mistyped)" \
        in state.recap()
    assert ("workflow_step_amended", "ana") in [(e.action, e.staff) for e in audit.entries(limit=10)]

    state = workflows.commit_step(ready, ticket, "summary", {}, "ana")
    assert state.status == "finished" and Ticket.get_by_id(ticket).status == q.DONE
    with pytest.raises(WorkflowError, match="is over; nothing can be corrected"):
        workflows.back(ready, ticket, "ana")
    with pytest.raises(WorkflowError, match="is complete; 'Transaction' can no longer be corrected"):
        workflows.amend_step(ready, ticket, "transaction", CASH, "again", "ana")


def test_a_correction_reopens_the_steps_that_apply_now_and_an_approval_given_before_it(ready):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    state = workflows.commit_step(ready, ticket, "transaction", {**CASH, "type": "deposit", "amount": "500"}, "ana")
    assert state.current.id == "summary" and statuses(state)["origin"] == "skipped"

    state = workflows.amend_step(ready, ticket, "transaction", {**CASH, "type": "deposit", "amount": "15000"},
                                 "it was 15000", "ana")
    assert state.current.id == "origin" and (state.number, state.total) == (2, 4)
    assert statuses(state) == {"transaction": "done", "origin": "current", "approval": "ahead", "summary": "ahead"}
    assert [v[:3] for v in versions(ticket, "origin")] == [
        (1, "skipped", None), (2, "reopened", "applies after 'Transaction' was corrected")]
    state = workflows.commit_step(ready, ticket, "origin", {"origin": "savings"}, "ana")
    state = workflows.commit_step(ready, ticket, "approval", {}, "ana", approver=Approver("sofia", PINS["sofia"]))
    assert state.current.id == "summary"

    # corrected again after the approval: the supervisor approved the earlier amount, so approves again
    state = workflows.amend_step(ready, ticket, "transaction", {**CASH, "type": "deposit", "amount": "16000"},
                                 "counted again", "ana")
    assert state.current.id == "approval"
    assert [v[:3] for v in versions(ticket, "approval")] == [
        (1, "skipped", None), (2, "reopened", "applies after 'Transaction' was corrected"), (3, "approved", None),
        (4, "reopened", "approved before 'Transaction' was corrected: to approve again")]
    assert [v[1] for v in versions(ticket, "origin")][-1] == "done", "the origin still applies and stays"


def test_only_forms_are_corrected_and_a_correction_made_meanwhile_elsewhere_wins(ready):
    client = customer(ready, "Rita Moura")
    ticket = serve(ready, "LOAN", "5", customer_id=client, staff="lucas")
    workflows.start_or_resume(ready, ticket, "lucas")
    workflows.commit_step(ready, ticket, "identify", {"customer_id": client}, "lucas")
    with pytest.raises(WorkflowError, match="only forms can"):
        workflows.back(ready, ticket, "lucas")
    workflows.commit_step(ready, ticket, "needs", {"needs": [{"category": "credit"}]}, "lucas")
    loan = {"purpose": "car", "amount": "20000", "term_months": "60"}
    state = workflows.commit_step(ready, ticket, "loan", loan, "lucas")
    assert state.current.id == "referral"
    assert workflows.back(ready, ticket, "lucas").amending.id == "loan"
    with pytest.raises(WorkflowError, match="only forms can"):
        workflows.back(ready, ticket, "lucas", before="loan")
    with pytest.raises(WorkflowError, match="'Identify the customer' is not a form recorded earlier"):
        workflows.amend_step(ready, ticket, "identify", {"customer_id": client}, "wrong person", "lucas")

    # a home loan now: the mortgage documents apply, and come before the referral
    state = workflows.amend_step(ready, ticket, "loan", {**loan, "purpose": "home"}, "a flat, not a car", "lucas")
    assert state.current.id == "home_documents"
    workflows.amend_step(ready, ticket, "loan", {**loan, "purpose": "home", "amount": "150000"}, "price", "lucas")
    assert [v[0] for v in versions(ticket, "loan")] == [1, 2, 3]


def test_a_failing_correction_writes_nothing(ready, monkeypatch):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    workflows.commit_step(ready, ticket, "transaction", CASH, "ana")
    before = [(r.step_id, r.version, r.outcome) for r in StepRecord.select()]

    def broken(*args, **kwargs):
        raise RuntimeError("the desk crashed here")

    monkeypatch.setattr("deskapp.core.workflows.guide.audit.record", broken)
    with pytest.raises(RuntimeError):
        workflows.amend_step(ready, ticket, "transaction", {**CASH, "amount": "600"}, "typo", "ana")
    assert [(r.step_id, r.version, r.outcome) for r in StepRecord.select()] == before
    monkeypatch.undo()
    assert workflows.state(ready, ticket).current.id == "approval", "resumes where it was"


def test_step_statistics_count_the_correction(ready, clock):
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    clock.advance(seconds=60)
    workflows.commit_step(ready, ticket, "transaction", CASH, "ana")
    back = workflows.back(ready, ticket, "ana")
    clock.advance(seconds=30)
    workflows.amend_step(ready, ticket, "transaction", {**CASH, "amount": "6100"}, "typo", "ana",
                         started_at=back.shown_at)
    figures = {s.step_id: s for s in step_figures(ready, ready.today(), ready.today())}
    transaction = figures["transaction"]
    assert (transaction.worked, transaction.amended) == (1, 1)
    assert transaction.mean_minutes == pytest.approx(0.75), "the first minute and the half minute correcting"
    assert (figures["origin"].skipped, figures["origin"].amended) == (1, 0)


def test_step_n_of_n_says_more_may_follow_and_a_required_step_is_never_if_needed(ready):
    """Finding: "Step 1 of 4" became "Step 2 of 5"; the loan's required Needs step read "(if needed)"."""
    ticket = serve(ready, "CASH", "1")
    state = workflows.start_or_resume(ready, ticket, "ana")
    assert state.progress() == "Step 1 of 2 (more may follow)"
    state = workflows.commit_step(ready, ticket, "transaction", {**CASH, "amount": "500"}, "ana")
    assert state.progress() == "Step 2 of 2"

    loan = serve(ready, "LOAN", "5", staff="lucas")
    state = workflows.start_or_resume(ready, loan, "lucas")
    assert statuses(state)["needs"] == "ahead", "the customer will be identified: the workflow requires one"
    assert state.progress() == "Step 1 of 5 (more may follow)"
