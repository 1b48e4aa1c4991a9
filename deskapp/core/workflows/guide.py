"""Service workflows: guiding the teller through a service, step by step, one committed step at a time.

The state of a ticket's workflow is nothing but its StepRecords: a step is committed in one
transaction (its record, and what it does: attach the customer, record needs, open a follow-up), and
a committed record is never changed (a unique index refuses a second record of the same version). So
a desk that crashes loses nothing: logging in again at that counter resumes the same ticket at the
first step without a record, with the earlier values read back.

Corrections: until the ticket completes, the teller may go back (`back`) to a form committed earlier
and correct it with a reason (`amend_step`): a new version of the step with who, when and why, the
earlier one kept. The later steps are then decided again with the new values (Run.reevaluate): those
no longer applying are recorded as skipped, those applying now (or an approval given for the earlier
values) are reopened, each as a new version with its reason; the teller goes on from the first step
open. Only forms are corrected here: what the other kinds did (a customer attached, needs, offer
decisions, a follow-up) lives in its own records and is changed there.

Conditions (`when:`) are decided at the last possible moment with what is known then: when a step is
committed, the steps after it whose conditions do not hold are recorded as skipped straight away, up
to the next step to show, so the teller takes the shortest path and every skip is on record. Steps
that need the customer (capture_needs, offers) are skipped when none is identified, and offers also
when the offer rules find none. Committing the last step completes the ticket on its counter.

A step's started_at is when it was shown: the commit of the step before it (or the start of service).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import peewee

from deskapp.config.workflow_schema import (
    ApprovalStep,
    FormStep,
    IdentifyStep,
    OffersStep,
    Workflow,
)
from deskapp.core import changes
from deskapp.core import queue as q
from deskapp.core.context import Context
from deskapp.core.security import audit, auth
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as, allowed, require
from deskapp.core.workflows import state as workflow_state
from deskapp.core.workflows.runner import Approver, Offer, apply, check
from deskapp.core.workflows.state import (
    ABANDONED,
    APPROVED,
    DONE,
    MAYBE,
    REOPENED,
    SKIPPED,
    CustomerBrief,
    Run,
    RunState,
    StepInvalid,
    StepState,
    WorkflowError,
    customer_env,
    holds,
    load_ticket,
    sensitive_fields,
)
from deskapp.db.database import transaction
from deskapp.db.models import Staff
from deskapp.i18n import _

__all__ = ["ABANDONED", "APPROVED", "DONE", "MAYBE", "REOPENED", "SKIPPED", "Approver", "CustomerBrief", "Offer",  # i18n: not words
           "RunState", "StepInvalid", "StepState", "StepsLeft", "WorkflowError", "abandon", "amend_step", "back",  # i18n: not words
           "commit_step", "complete_ticket",
           "customer_env", "holds", "reveal_step_value", "sensitive_fields", "start_or_resume", "state", "unfinished", "validate_step",
           "workflow_for"]


# --------------------------------------------------------------------------------------- reading


def workflow_for(ctx: Context, service_code: str) -> Workflow | None:
    service = next((s for s in ctx.config.services if s.code == service_code), None)
    name = service.workflow if service else None
    return ctx.config.workflows.get(name) if name else None


# --------------------------------------------------------------------------------------- the API


def state(ctx: Context, ticket_id: int) -> RunState | None:
    """Where a ticket's workflow stands (None when its service has none); writes nothing."""
    run = Run.load(ctx, ticket_id)
    return run.state() if run else None


@acts_as("workflows.reveal")
def reveal_step_value(ctx: Context, session: Session, ticket_id: int, step_id: str, field: str) -> str | None:
    """The full value of a sensitive form field as recorded (state() shows it masked), for a role in
    customers.reveal_roles only; the reveal is audited with the step and field, never the value."""
    require(session, "workflows.reveal", config=ctx.config)
    run = Run.load(ctx, ticket_id)
    if run is None:
        raise WorkflowError(_("This service has no workflow."))
    if not any(s.id == step_id for s in run.workflow.steps):
        raise WorkflowError(_("{workflow} has no step '{step}'.").format(workflow=run.workflow.title, step=step_id))
    step = run.workflow.step(step_id)
    if field not in sensitive_fields(step):
        raise WorkflowError(_("'{title}' has no sensitive field '{field}'.").format(title=step.title, field=field))
    record = run.records.get(step_id)
    if record is None or record.outcome not in (DONE, APPROVED):
        raise WorkflowError(_("'{title}' is not recorded yet.").format(title=step.title))
    value = json.loads(record.values or "{}").get(field)
    transaction(lambda: audit.record(ctx.now(), session.login, "step_reveal", "ticket", run.ticket.number,
                                     f"workflow={run.name} step={step_id} field={field}"))
    return None if value is None else str(value)


def unfinished(ctx: Context, ticket_id: int) -> bool:
    """Whether the ticket is being served with a workflow still to go through."""
    run = Run.load(ctx, ticket_id)
    return run is not None and run.ticket.status == q.SERVING and run.first_open() is not None


@acts_as("workflows.run")
def start_or_resume(ctx: Context, ticket_id: int, staff: str) -> RunState | None:
    """The workflow of a ticket being served, at its first step without a record (None: no workflow).

    On a fresh start, leading steps whose conditions do not hold are recorded as skipped.
    """
    require(staff, "workflows.run")

    def work() -> RunState | None:
        run = Run.load(ctx, ticket_id, lock=True)
        if run is None:
            return None
        if run.ticket.status not in (q.SERVING, q.DONE, q.TRANSFERRED):
            raise WorkflowError(_("{number} is not being served; start serving it first.").format(number=run.ticket.number))
        if run.ticket.status == q.SERVING and run.first_open() is not None:
            run.advance(_staff_id(staff), staff)
        return run.state()

    return transaction(work)


def validate_step(ctx: Context, ticket_id: int, step_id: str, values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with these values for the step, by field name (empty when they can be committed)."""
    run = Run.load(ctx, ticket_id)
    if run is None:
        raise WorkflowError(_("This service has no workflow."))
    step = run.workflow.step(step_id)
    offers = workflow_state.offers_for(ctx, run.ticket.customer_id) if isinstance(step, OffersStep) and run.ticket.customer_id else []
    _stored, problems = check(ctx, step, values, customer_required=run.workflow.require_customer, offers=offers)
    return problems


@acts_as("workflows.run", "workflows.approve")
def commit_step(ctx: Context, ticket_id: int, step_id: str, values: dict[str, Any], staff: str,
                approver: Approver | None = None) -> RunState:
    """Record the current step with what was entered, do its work, and move on; one transaction.

    Raises StepInvalid with the problems by field; WorkflowError when the step is not the current one
    (a committed step cannot be changed). An approval needs `approver`: a supervisor other than `staff`,
    whose PIN is checked here (wrong PINs count toward their lockout and are audited).
    """
    require(staff, "workflows.run")
    run = _current(ctx, ticket_id, step_id)
    step = run.workflow.step(step_id)
    customer_id = run.ticket.customer_id
    offers = workflow_state.offers_for(ctx, customer_id) if isinstance(step, OffersStep) and customer_id else []
    stored, problems = check(ctx, step, values, customer_required=run.workflow.require_customer, offers=offers)
    if problems:
        raise StepInvalid(problems)
    approved_by = _approve(ctx, run, step, approver, staff) if isinstance(step, ApprovalStep) else None

    def write(run: Run, index: int, staff_id: int | None) -> None:
        stored.update(apply(ctx, step, stored, ticket_id=ticket_id, customer_id=run.ticket.customer_id, staff=staff))
        if isinstance(step, IdentifyStep):
            run.ticket = load_ticket(ticket_id)
        run.record(index, APPROVED if approved_by else DONE, stored, staff_id, approver=approved_by)
        run.refresh()

    return _write_and_go_on(ctx, step, staff, lambda: _current(ctx, ticket_id, step_id, lock=True), write,
                            _("'{title}' was recorded meanwhile at another desk; see what it holds now.").format(title=step.title))


def _write_and_go_on(ctx: Context, step: Any, staff: str, locked: Callable[[], Run],
                     write: Callable[[Run, int, int | None], None], conflict: str) -> RunState:
    """The one transaction of a commit or a correction: the run read again under its lock (`locked`),
    `write(run, index of step, staff id)` records the step, then on to the first step open and the
    branch's change marker moved. A record written meanwhile at another desk (the unique index on a
    step's version) is WorkflowError(conflict)."""
    def work() -> RunState:
        run = locked()
        staff_id = _staff_id(staff)
        write(run, run.workflow.steps.index(step), staff_id)
        run.advance(staff_id, staff)
        changes.bump(ctx.branch_id)
        return run.state()

    try:
        return transaction(work)
    except peewee.IntegrityError:
        raise WorkflowError(conflict) from None


def _current(ctx: Context, ticket_id: int, step_id: str, *, lock: bool = False) -> Run:
    run = Run.load(ctx, ticket_id, lock=lock)
    if run is None:
        raise WorkflowError(_("This service has no workflow."))
    if run.ticket.status != q.SERVING:
        raise WorkflowError(_("{number} is not being served, so its steps cannot be recorded.").format(number=run.ticket.number))
    if not any(s.id == step_id for s in run.workflow.steps):
        raise WorkflowError(_("{workflow} has no step '{step}'.").format(workflow=run.workflow.title, step=step_id))
    if not run.is_open(step_id):
        title = run.workflow.step(step_id).title
        raise WorkflowError(_("'{title}' is recorded already; go back (ctrl+b) to correct it.").format(title=title))
    index = run.first_open()
    if index is None:
        raise WorkflowError(_("The workflow of {number} is over.").format(number=run.ticket.number))
    current = run.workflow.steps[index]
    if current.id != step_id:
        raise WorkflowError(_("'{title}' comes first.").format(title=current.title))
    return run


def _approve(ctx: Context, run: Run, step: ApprovalStep, approver: Approver | None, staff: str) -> str:
    """The approving supervisor's login, after their PIN; StepInvalid otherwise (every refusal audited)."""
    now, ticket = ctx.now(), run.ticket.number
    if approver is None or not approver.login.strip() or not approver.pin:
        raise StepInvalid({"approver": _("a supervisor enters their login and PIN here")})
    login = approver.login.strip().lower()
    if login == staff:
        transaction(lambda: audit.record(now, staff, "approval_refused", "ticket", ticket, "own approval"))  # i18n: not words
        raise StepInvalid({"approver": _("you cannot approve your own service; ask a supervisor")})
    try:
        session = auth.check_pin(ctx, login, approver.pin, purpose="approval")
    except auth.AuthError as exc:
        raise StepInvalid({"pin": str(exc)}) from None
    if not allowed(session.role, "workflows.approve"):
        transaction(lambda: audit.record(now, login, "approval_refused", "ticket", ticket, f"role={session.role}"))
        raise StepInvalid({"approver": _("{name} is not a supervisor").format(name=session.name)})
    transaction(lambda: audit.record(now, login, "workflow_approval", "ticket", ticket,
                                     f"workflow={run.name} step={step.id} teller={staff}"))
    return session.login


@acts_as("workflows.run")
def back(ctx: Context, ticket_id: int, staff: str, *, before: str | None = None) -> RunState:
    """The state with `amending` set to the form committed last before the current step (or before the
    step `before`, when the teller goes back further), to be corrected with amend_step; writes nothing.

    Only a form can be corrected here (steps skipped and those without a form are passed over); the
    error says so when there is none.
    """
    require(staff, "workflows.run")
    run = Run.load(ctx, ticket_id)
    if run is None:
        raise WorkflowError(_("This service has no workflow."))
    index = run.first_open()
    if run.ticket.status != q.SERVING or index is None:
        raise WorkflowError(_("The workflow of {number} is over; nothing can be corrected now.").format(number=run.ticket.number))
    if before is not None and not any(s.id == before for s in run.workflow.steps):
        raise WorkflowError(_("{workflow} has no step '{step}'.").format(workflow=run.workflow.title, step=before))
    end = run.workflow.steps.index(run.workflow.step(before)) if before else index
    shown = [s for s in run.workflow.steps[:end] if not run.is_open(s.id) and run.records[s.id].outcome != SKIPPED]
    if not shown:
        raise WorkflowError(_("This is the first step."))
    forms = [s for s in shown if _amendable(s, run.records[s.id])]
    if not forms:
        raise WorkflowError(_("Nothing before '{title}' can be corrected here: only forms can (a customer, needs, offers, approvals and follow-ups are changed where they are kept).").format(title=run.workflow.steps[end].title))
    state = run.state()
    amending = next(s for s in state.steps if s.id == forms[-1].id)
    return replace(state, amending=replace(amending, values=_unmasked_for_amending(amending)), shown_at=ctx.now())


def _amendable(step: Any, record: Any) -> bool:
    return isinstance(step, FormStep) and record.outcome == DONE


def _unmasked_for_amending(step: StepState) -> dict[str, Any]:
    """A form's values to put back in its boxes: a sensitive one left empty (empty keeps it as recorded)."""
    hidden = sensitive_fields(step.definition)
    return {k: (None if k in hidden else v) for k, v in step.values.items()}


@acts_as("workflows.run")
def amend_step(ctx: Context, ticket_id: int, step_id: str, values: dict[str, Any], reason: str, staff: str, *,
               started_at: dt.datetime | None = None) -> RunState:
    """Correct a form committed earlier, while the ticket is served: a new version of its record with
    `staff`, now and `reason` (the earlier version kept); the later steps decided again with the new
    values (Run.reevaluate); then on to the first step open. One transaction; audited without values.

    A sensitive field left empty keeps its recorded value. Raises StepInvalid (the field's problems, or
    "amend_reason" when no reason is given) and WorkflowError when the step cannot be corrected.
    `started_at`: when the teller went back to it (back's `shown_at`), for the step's statistics.
    """
    require(staff, "workflows.run")
    reason = (reason or "").strip()
    run = _to_amend(ctx, ticket_id, step_id)
    step = run.workflow.step(step_id)
    recorded = json.loads(run.records[step_id].values or "{}")
    given = {k: (recorded.get(k) if k in sensitive_fields(step) and v in (None, "") else v) for k, v in values.items()}
    stored, problems = check(ctx, step, given, customer_required=run.workflow.require_customer)
    if not reason:
        problems["amend_reason"] = _("say why it is corrected, for the record")
    elif len(reason) > 500:
        problems["amend_reason"] = _("at most 500 characters")
    if problems:
        raise StepInvalid(problems)
    version = run.records[step_id].version

    conflict = _("'{title}' was corrected meanwhile at another desk; see what it holds now.").format(title=step.title)

    def write(run: Run, index: int, staff_id: int | None) -> None:
        if run.records[step_id].version != version:
            raise WorkflowError(conflict)
        run.record(index, DONE, stored, staff_id, reason=reason, started_at=started_at)
        run.refresh()
        run.reevaluate(index, staff_id, step.title)
        audit.record(ctx.now(), staff, "workflow_step_amended", "ticket", run.ticket.number,
                     f"workflow={run.name} step={step_id} version={version + 1}")

    return _write_and_go_on(ctx, step, staff, lambda: _to_amend(ctx, ticket_id, step_id, lock=True), write, conflict)


def _to_amend(ctx: Context, ticket_id: int, step_id: str, *, lock: bool = False) -> Run:
    run = Run.load(ctx, ticket_id, lock=lock)
    if run is None:
        raise WorkflowError(_("This service has no workflow."))
    if not any(s.id == step_id for s in run.workflow.steps):
        raise WorkflowError(_("{workflow} has no step '{step}'.").format(workflow=run.workflow.title, step=step_id))
    step = run.workflow.step(step_id)
    if run.ticket.status != q.SERVING or run.first_open() is None:
        raise WorkflowError(_("{number} is complete; '{title}' can no longer be corrected.").format(number=run.ticket.number, title=step.title))
    if run.is_open(step_id) or not _amendable(step, run.records[step_id]):
        raise WorkflowError(_("'{title}' is not a form recorded earlier, so it cannot be corrected.").format(title=step.title))
    return run


@acts_as("workflows.run")
def abandon(ctx: Context, ticket_id: int, reason: str, staff: str) -> RunState:
    """Stop the workflow at its current step, with the reason; the teller then completes or transfers."""
    require(staff, "workflows.run")
    return _abandon(ctx, ticket_id, reason, staff)


def _abandon(ctx: Context, ticket_id: int, reason: str, staff: str | None, channel: str | None = None) -> RunState:
    """abandon, for `staff` (checked by the caller), or for nobody: a script that named nobody."""
    reason = (reason or "").strip()
    if not reason:
        raise StepInvalid({"reason": _("say why the workflow is abandoned")})
    how = "".join(f" {word}" for word in (f"channel={channel}" if channel else "", "" if staff else "unnamed") if word)

    def work() -> RunState:
        run = Run.load(ctx, ticket_id, lock=True)
        if run is None:
            raise WorkflowError(_("This service has no workflow."))
        index = run.first_open()
        if run.ticket.status != q.SERVING or index is None:
            raise WorkflowError(_("The workflow of {number} is over.").format(number=run.ticket.number))
        run.record(index, ABANDONED, {"reason": reason[:500]}, _staff_id(staff) if staff else None)
        audit.record(ctx.now(), staff, "workflow_abandoned", "ticket", run.ticket.number,
                     f"workflow={run.name} step={run.workflow.steps[index].id}{how}")
        changes.bump(ctx.branch_id)
        return run.state()

    return transaction(work)


class StepsLeft(q.QueueError):
    """Complete was refused: the ticket's workflow is unfinished."""

    def __init__(self, number: str) -> None:
        super().__init__(_("{number} has guided steps left: finish them (g), or abandon them there.").format(number=number))
        self.number = number


@acts_as("workflows.run", "queue.serve", "queue.counter_others")
def complete_ticket(ctx: Context, counter_code: str, *, abandon_reason: str | None = None,
                    by: str | None = None, channel: str | None = None) -> q.TicketInfo:
    """Complete at a desk or from a script: refused while the ticket's workflow is unfinished.

    `by` must be an active teller or supervisor who holds the counter (a supervisor: any counter), as
    for queue.complete. With `abandon_reason` an unfinished workflow is first abandoned at its current
    step with that reason, recorded for `by` (or for nobody, when a script named nobody: never the
    counter's holder, who did not do it), and audited; then completed.
    """
    if by:
        require(by, "workflows.run")
        q.acting_at(ctx, counter_code, by)
    held = q.held_by(ctx, counter_code)
    if held is not None and unfinished(ctx, held.id):
        if abandon_reason is None:
            raise StepsLeft(held.number)
        _abandon(ctx, held.id, abandon_reason, by, channel)
    return q.complete(ctx, counter_code, by=by, channel=channel)


def _staff_id(login: str) -> int | None:
    row = Staff.get_or_none(Staff.login == login)
    return row.id if row else None
