"""Where a ticket's workflow stands, read from its StepRecords: the plain dataclasses screens get, and
the planning that decides which step is current, which come next and which are skipped.

deskapp.core.workflows is the API that changes anything; this module only reads, except `Run.record`
and `Run.advance`, which the API calls inside its transactions.

What it hands out is masked: the value of a sensitive form field (type id, or `sensitive: true`) shows
only its last four characters, like a customer's national ID (deskapp.core.customers.masking), in
StepState.values, RunState.values and so in the recap. The full value comes only from
deskapp.core.workflows.guide.reveal_step_value, for customers.reveal_roles, audited.

It is longer than 450 lines because the planning (which step applies, and deciding the later steps
again after a correction) and the recap of what it planned read the same records and belong together.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import peewee

from deskapp.config.expr import Expr, Function, Type, evaluate, names_used, parse
from deskapp.config.workflow_schema import (
    ApprovalStep,
    CaptureNeedsStep,
    FormStep,
    IdentifyStep,
    OffersStep,
    ReferralStep,
    Workflow,
)
from deskapp.core import queue as q
from deskapp.core.context import Context
from deskapp.core.customers.masking import mask
from deskapp.core.customers.rules import age_on
from deskapp.core.labels import label, lower_label
from deskapp.core.security import audit
from deskapp.core.workflows.runner import Offer, referral_assignee, typed
from deskapp.db import statements
from deskapp.db.database import is_postgres
from deskapp.db.models import Customer, Service, Staff, StepRecord, Ticket
from deskapp.errors import EXIT_BAD_INPUT, DeskappError
from deskapp.i18n import _

DONE, SKIPPED, APPROVED, ABANDONED = "done", "skipped", "approved", "abandoned"
RECORDED = (DONE, SKIPPED, APPROVED, ABANDONED)
# The outcome of a later step's new version when a correction makes it apply again (it was skipped, or a
# supervisor approved the values before the correction): it is open again, to be done as if new.
REOPENED = "reopened"
# A step not yet recorded is the current one, or ahead (will be shown as things stand), maybe (its
# condition reads a value not entered yet), not_needed (it will be skipped), or dropped (after an abandon).
CURRENT, AHEAD, MAYBE, NOT_NEEDED, DROPPED = "current", "ahead", "maybe", "not_needed", "dropped"


class WorkflowError(DeskappError):
    """Something the teller cannot do with this workflow now, in plain words."""


class StepInvalid(WorkflowError):
    """What was entered cannot be committed; `problems` maps each field to what is wrong with it."""

    exit_code = EXIT_BAD_INPUT
    private = True  # a problem may quote what was typed

    def __init__(self, problems: dict[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {text}" for name, text in self.problems.items()))


@dataclass(frozen=True)
class CustomerBrief:
    id: int
    number: str
    name: str
    segment: str | None
    manager_name: str | None
    alerts: tuple[str, ...]


@dataclass(frozen=True)
class StepState:
    index: int  # the step's position in the workflow
    id: str
    title: str
    kind: str
    status: str  # done, skipped, approved, abandoned; current, ahead, maybe, not_needed, dropped
    definition: Any  # the step as configured (a frozen model from workflow_schema)
    values: dict[str, Any] = field(default_factory=dict)  # as recorded
    started_at: dt.datetime | None = None
    committed_at: dt.datetime | None = None
    staff: str | None = None
    approver: str | None = None
    version: int = 0  # of its latest record (0: none); above 1 after a correction
    reason: str | None = None  # why the latest version replaced the one before


@dataclass(frozen=True)
class RunState:
    ticket_id: int
    ticket_number: str
    ticket_status: str
    workflow: str
    title: str
    steps: tuple[StepState, ...]
    current: StepState | None
    values: dict[str, Any]  # form values of the committed steps, as conditions see them
    customer: CustomerBrief | None
    require_customer: bool
    shown_at: dt.datetime | None  # when the current step was shown
    offers: tuple[Offer, ...] = ()  # for a current offers step
    assignee: str | None = None  # who a current referral step would assign (login)
    assignee_name: str | None = None  # and their name, as screens show them
    amending: StepState | None = None  # a committed step the teller went back to correct (guide.back)

    @property
    def status(self) -> str:
        if any(s.status == ABANDONED for s in self.steps):
            return ABANDONED
        return "running" if self.current is not None else "finished"

    @property
    def number(self) -> int:
        """n in "Step n of N": the current step's place among the steps shown."""
        return 1 + sum(s.status in (DONE, APPROVED) for s in self.steps)

    @property
    def total(self) -> int:
        """N in "Step n of N": the steps that apply as things stand (done, current and ahead); those that
        depend on what is entered yet are not counted, `more_may_follow` says they exist."""
        return self.number + sum(s.status == AHEAD for s in self.steps) - (self.current is None)

    @property
    def more_may_follow(self) -> bool:
        return any(s.status == MAYBE for s in self.steps)

    def progress(self) -> str:
        """"Step 2 of 4", and "(more may follow)" when a step depends on what is entered yet."""
        said = _("Step {n} of {total} (more may follow)") if self.more_may_follow else _("Step {n} of {total}")
        return said.format(n=self.number, total=self.total)

    def place(self, step_id: str) -> int:
        """A shown step's place among the steps shown (done, approved or current), counting from 1."""
        shown = [s.id for s in self.steps if s.status in (DONE, APPROVED, CURRENT)]
        return shown.index(step_id) + 1 if step_id in shown else 0

    def left(self) -> list[StepState]:
        """The steps still to come, those that depend on what is entered yet included."""
        return [s for s in self.steps if s.status in (AHEAD, MAYBE)]

    def recap(self, revealed: dict[tuple[str, str], str] | None = None) -> list[str]:
        """One line for each step done so far, for the summary and the side panel; sensitive values
        masked but those in `revealed` ((step id, field) -> value, as reveal_step_value gave them)."""
        return [line for s in self.steps if (line := _recap(s, self, revealed or {})) is not None]




def offers_for(ctx: Context, customer_id: int) -> list[Offer]:
    """The offers the offer rules find for a customer, best first: the hook the offers step calls
    (deskapp.core.relationship.offers decides: conditions, consent, cool-down, priority)."""
    from deskapp.core.relationship import offers

    return [Offer(o.code, o.title, o.reason) for o in offers.for_customer(ctx, customer_id)]


def load_ticket(ticket_id: int, *, lock: bool = False) -> Ticket:
    query = Ticket.select(Ticket, Service).join(Service).where(Ticket.id == ticket_id)
    if lock and is_postgres():
        query = query.for_update(of=Ticket)
    ticket = query.first()
    if ticket is None:
        raise WorkflowError(_("There is no ticket {ticket_id}.").format(ticket_id=ticket_id))
    return ticket


def _records(ticket_id: int) -> dict[str, StepRecord]:
    """The latest version of each recorded step, in workflow order."""
    rows = StepRecord.select(StepRecord, Staff).join(Staff, peewee.JOIN.LEFT_OUTER).where(
        StepRecord.ticket == ticket_id)
    return {r.step_id: r for r in rows.order_by(StepRecord.position, StepRecord.version, StepRecord.id)}


def _workflow(ctx: Context, ticket: Ticket, records: dict[str, StepRecord]) -> tuple[str, Workflow] | None:
    """The workflow a ticket runs: the one already recorded (the configuration may have changed
    since), else its service's."""
    names = [r.workflow for r in records.values()]
    name = names[0] if names else next((s.workflow for s in ctx.config.services if s.code == ticket.service.code), None)
    workflow = ctx.config.workflows.get(name) if name else None
    return (name, workflow) if workflow is not None else None


_CUSTOMER = statements.Prepared(lambda customer: Customer.select().where(Customer.id == customer), 1)


def customer_env(ctx: Context, customer_id: int | None) -> dict[str, Any]:
    """The customer attributes conditions read (workflow_schema.CUSTOMER_ATTRIBUTES), for a customer or none."""
    row = _CUSTOMER.first(customer_id) if customer_id is not None else None
    if row is None:
        return {"customer.identified": False, "customer.segment": None, "customer.age": None,
                "customer.kyc_current": None, "customer.marketing_consent": None, "customer.has_manager": None}
    today = ctx.today()
    return {
        "customer.identified": True,
        "customer.segment": row.segment,
        "customer.age": age_on(row.birth_date, today) if row.birth_date else None,
        "customer.kyc_current": row.kyc_review_due is None or row.kyc_review_due > today,
        "customer.marketing_consent": bool(row.marketing_consent),
        "customer.has_manager": row.manager_id is not None,
    }


@lru_cache(maxsize=512)
def _condition(source: str) -> Expr:
    return parse(source)  # checked when the configuration loaded


def _functions(ctx: Context) -> dict[str, Function]:
    return {"today": Function((), Type.DATE, ctx.today)}


def holds(ctx: Context, condition: str, env: dict[str, Any]) -> bool:
    """Whether a (checked) `when:` condition holds over form values and customer attributes."""
    return evaluate(_condition(condition), env, _functions(ctx)) is True


@dataclass
class Run:
    """Everything needed to decide the steps: the ticket, its workflow, records, values and customer."""

    ctx: Context
    ticket: Ticket
    name: str
    workflow: Workflow
    records: dict[str, StepRecord]
    values: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, ctx: Context, ticket_id: int, *, lock: bool = False) -> Run | None:
        ticket = load_ticket(ticket_id, lock=lock)
        records = _records(ticket_id)
        found = _workflow(ctx, ticket, records)
        if found is None:
            return None
        run = cls(ctx, ticket, found[0], found[1], records)
        run.refresh()
        return run

    def refresh(self) -> None:
        fields = self.workflow.fields()
        self.values = {}
        for record in self.records.values():
            if record.outcome in (DONE, APPROVED):
                for key, value in json.loads(record.values or "{}").items():
                    if key in fields:
                        self.values[key] = typed(fields[key], value)
        self.env = {**self.values, **customer_env(self.ctx, self.ticket.customer_id)}

    def is_open(self, step_id: str) -> bool:
        """Whether a step is still to be done: no record, or reopened by a correction."""
        record = self.records.get(step_id)
        return record is None or record.outcome == REOPENED

    def first_open(self) -> int | None:
        """Index of the first step still to be done (None: all recorded, or abandoned)."""
        if any(r.outcome == ABANDONED for r in self.records.values()):
            return None
        return next((i for i, s in enumerate(self.workflow.steps) if self.is_open(s.id)), None)

    def applies(self, index: int) -> bool | None:
        """Whether a step is to be shown, as things stand: None when it depends on a value not entered yet."""
        step = self.workflow.steps[index]
        pending = {name for i, s in enumerate(self.workflow.steps)
                   if self.is_open(s.id) and i < index and isinstance(s, FormStep)
                   for name in (f.name for f in s.fields)}
        identify_ahead = [s for s in self.workflow.steps[:index] if isinstance(s, IdentifyStep) and self.is_open(s.id)]
        # A customer is sure to be known when the workflow or an identify step ahead requires one.
        customer_sure = bool(identify_ahead) and (self.workflow.require_customer or any(s.required for s in identify_ahead))
        unknown = False
        if step.when is not None:
            expr = _condition(step.when)
            used = names_used(expr)
            unknown = bool(used & pending) or (identify_ahead and any(n.startswith("customer.") for n in used))
            if not unknown and not holds(self.ctx, step.when, self.env):
                return False
        if isinstance(step, (CaptureNeedsStep, OffersStep)):
            if self.ticket.customer_id is None and not (customer_sure and isinstance(step, CaptureNeedsStep)):
                return None if identify_ahead else False
            if isinstance(step, OffersStep) and not unknown and not identify_ahead and \
                    not offers_for(self.ctx, self.ticket.customer_id):
                return False
        return None if unknown else True

    def state(self) -> RunState:
        ctx, open_at = self.ctx, self.first_open()
        steps: list[StepState] = []
        abandoned = any(r.outcome == ABANDONED for r in self.records.values())
        for i, step in enumerate(self.workflow.steps):
            record = self.records.get(step.id)
            version, reason = (record.version, record.reason) if record is not None else (0, None)
            if record is not None and record.outcome == REOPENED:
                record = None
            if record is not None:
                status = record.outcome
            elif abandoned:
                status = DROPPED
            elif i == open_at:
                status = CURRENT
            else:
                status = {True: AHEAD, False: NOT_NEEDED, None: MAYBE}[self.applies(i)]
            steps.append(StepState(
                index=i, id=step.id, title=step.title, kind=step.kind, status=status, definition=step,
                values=_masked(step, json.loads(record.values or "{}")) if record else {},
                started_at=record.started_at if record else None, committed_at=record.committed_at if record else None,
                staff=record.staff.login if record and record.staff_id else None,
                approver=record.approver if record else None, version=version, reason=reason,
            ))
        current = steps[open_at] if open_at is not None else None
        offers: tuple[Offer, ...] = ()
        assignee = None
        if current is not None and isinstance(current.definition, OffersStep) and self.ticket.customer_id:
            offers = tuple(offers_for(ctx, self.ticket.customer_id))
        if current is not None and isinstance(current.definition, ReferralStep):
            assignee = referral_assignee(current.definition, self.ticket.customer_id)
        return RunState(
            ticket_id=self.ticket.id, ticket_number=self.ticket.number, ticket_status=self.ticket.status,
            workflow=self.name, title=self.workflow.title, steps=tuple(steps), current=current,
            values=masked_values(self.workflow, self.values), customer=_brief(ctx, self.ticket.customer_id),
            require_customer=self.workflow.require_customer,
            shown_at=self.shown_at() if current is not None else None, offers=offers, assignee=assignee,
            assignee_name=_staff_name(assignee) if assignee else None,
        )

    def shown_at(self) -> dt.datetime:
        """When the first open step was shown: the latest commit, or the start of service."""
        times = [r.committed_at for r in self.records.values()]
        start = self.ticket.started_at or self.ticket.called_at or self.ticket.issued_at
        return max([start, *times])

    def record(self, index: int, outcome: str, values: dict[str, Any], staff_id: int | None,
               approver: str | None = None, *, reason: str | None = None,
               started_at: dt.datetime | None = None) -> None:
        """Write the step's next version (1 when it has none yet)."""
        step, now = self.workflow.steps[index], self.ctx.now()
        started = min(max(started_at, self.shown_at()) if started_at else self.shown_at(), now)
        before = self.records.get(step.id)
        row = StepRecord.create(
            ticket=self.ticket.id, workflow=self.name, step_id=step.id, position=index, started_at=started,
            committed_at=now, staff=staff_id, values=json.dumps(values, sort_keys=True, ensure_ascii=False),
            outcome=outcome, approver=approver, version=before.version + 1 if before else 1, reason=reason,
        )
        self.records[step.id] = row

    def reevaluate(self, after: int, staff_id: int | None, title: str) -> None:
        """After the step at `after` was corrected: each later step recorded is decided again with the new
        values. One done whose condition no longer holds is recorded as skipped (not applicable); one
        skipped that applies now, or an approval given for the earlier values, is reopened. Inside the
        correction's transaction; every change is a new version with its reason."""
        for index in range(after + 1, len(self.workflow.steps)):
            step = self.workflow.steps[index]
            record = self.records.get(step.id)
            if record is None or record.outcome == REOPENED:
                continue
            applies = self.applies(index)
            if record.outcome in (DONE, APPROVED) and applies is False:
                self.record(index, SKIPPED, {}, staff_id, reason=_("no longer applies after '{step}' was corrected").format(step=title))
            elif record.outcome == SKIPPED and applies is not False:
                self.record(index, REOPENED, {}, staff_id, reason=_("applies after '{step}' was corrected").format(step=title))
            elif record.outcome == APPROVED:
                self.record(index, REOPENED, {}, staff_id,
                            reason=_("approved before '{step}' was corrected: to approve again").format(step=title))
            else:
                continue
            self.refresh()

    def advance(self, staff_id: int | None, staff: str) -> None:
        """Record as skipped every step from the first open one up to the next to show; complete the
        ticket when none is left. Runs inside the caller's transaction."""
        while (index := self.first_open()) is not None:
            if self.applies(index) is not False:
                return
            self.record(index, SKIPPED, {}, staff_id)
        if self.ticket.status == q.SERVING and not any(r.outcome == ABANDONED for r in self.records.values()):
            if self.workflow.require_customer and self.ticket.customer_id is None:
                raise WorkflowError(_("{title} needs an identified customer before it can finish.").format(title=self.workflow.title))
            counter = self.ticket.counter
            q.complete(self.ctx, counter.code, by=staff or None)
            audit.record(self.ctx.now(), staff, "workflow_finished", "ticket", self.ticket.number, self.name)
            self.ticket = load_ticket(self.ticket.id)


def sensitive_fields(step: Any) -> frozenset[str]:
    """The names of a step's form fields whose values are shown masked (none for other kinds)."""
    if not isinstance(step, FormStep):
        return frozenset()
    return frozenset(f.name for f in step.fields if f.masked)


def _hidden(value: Any) -> Any:
    return value if value in (None, "") else mask(str(value))


def _masked(step: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A step's recorded values with those of its sensitive fields masked."""
    hidden = sensitive_fields(step)
    return {k: _hidden(v) if k in hidden else v for k, v in values.items()} if hidden else values


def masked_values(workflow: Workflow, values: dict[str, Any]) -> dict[str, Any]:
    """Form values by name, the sensitive fields' masked."""
    fields = workflow.fields()
    return {k: _hidden(v) if k in fields and fields[k].masked else v for k, v in values.items()}


def _brief(ctx: Context, customer_id: int | None) -> CustomerBrief | None:
    if customer_id is None:
        return None
    from deskapp.core.customers import followups
    from deskapp.core.customers.directory import alerts

    row = Customer.get_or_none(Customer.id == customer_id)
    if row is None:
        return None
    manager = Staff.get_or_none(Staff.id == row.manager_id) if row.manager_id else None
    open_followups = tuple(f for f in followups.search(customer_id=row.id) if f.status != followups.DONE)
    return CustomerBrief(
        id=row.id, number=row.number, name=row.name, segment=row.segment,
        manager_name=manager.name if manager else None,
        alerts=tuple(a.text for a in alerts(ctx.today(), row, open_followups)),
    )


def _recap(s: StepState, run: RunState, revealed: dict[tuple[str, str], str]) -> str | None:
    if s.status == SKIPPED and s.version > 1 and s.reason:
        return f"{s.title}: {s.reason}"  # done before a correction made it not applicable
    if s.status == SKIPPED or s.status not in RECORDED:
        return None
    if s.status == ABANDONED:
        return _("{step}: abandoned ({reason})").format(step=s.title, reason=s.values.get("reason", ""))
    line = _recap_values(s, run, revealed)
    if s.version > 1 and s.reason:
        return _("{recap} (corrected: {reason})").format(recap=line, reason=s.reason)
    return line


def _recap_values(s: StepState, run: RunState, revealed: dict[tuple[str, str], str]) -> str:
    step = s.definition
    v = s.values
    if isinstance(step, FormStep):
        v = {**v, **{name: value for (step_id, name), value in revealed.items() if step_id == s.id}}
        shown = [f"{f.label}: {label(v.get(f.name)) if f.type == 'choice' else _shown(v.get(f.name))}"
                 for f in step.fields if v.get(f.name) not in (None, "")]
        return _("{step}: {values}").format(step=s.title, values="; ".join(shown) if shown else _("nothing entered"))
    if isinstance(step, IdentifyStep):
        who = run.customer.name if run.customer and v.get("customer_id") == run.customer.id else None
        if not who:
            who = (_("customer {id}").format(id=v["customer_id"]) if v.get("customer_id") else _("no customer"))
        return _("{step}: {values}").format(step=s.title, values=who)
    if isinstance(step, CaptureNeedsStep):
        needs = ", ".join(lower_label(n["category"]) for n in v.get("needs", [])) or _("none")
        return _("{step}: {values}").format(step=s.title, values=needs)
    if isinstance(step, OffersStep):
        decisions = ", ".join(f"{code} {_(d)}" for code, d in v.get("decisions", {}).items()) or _("none")
        return _("{step}: {values}").format(step=s.title, values=decisions)
    if isinstance(step, ApprovalStep):
        return _("{step}: approved by {name}").format(step=s.title, name=_staff_name(s.approver))
    if isinstance(step, ReferralStep):
        to = _staff_name(v["assignee"]) if v.get("assignee") else _("unassigned")
        return _("{step}: follow-up #{id} for {name}, due in {hours} h").format(
            step=s.title, id=v.get("followup_id"), name=to, hours=v.get("due_hours"))
    return _("{step}: done").format(step=s.title)


def _staff_name(login: str | None) -> str:
    """A colleague as people know them: their name from the staff table (the login when unknown)."""
    if not login:
        return "-"
    name = Staff.select(Staff.name).where(Staff.login == login).scalar()
    return name or login


def _shown(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)
