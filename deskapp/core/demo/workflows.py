"""Workflow history for `deskapp demo`: the steps each simulated service went through, and how long each took.

Called by deskapp.core.demo when a simulated ticket is completed. The service time the demo drew is
shared among the workflow's steps by a typical weight per kind of step (a form takes longer than an
info page), with some noise; conditions are decided on plausible simulated values, so skipped steps and
approvals appear as they would. Deterministic: the randomness is seeded by the ticket's id.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass, field
from typing import Any

from deskapp.config.workflow_schema import (
    ApprovalStep,
    CaptureNeedsStep,
    ChecklistStep,
    FormField,
    FormStep,
    IdentifyStep,
    OffersStep,
    ReferralStep,
)
from deskapp.core.context import Context
from deskapp.core.queue import TicketInfo
from deskapp.core.workflows import guide as workflows
from deskapp.core.workflows.runner import typed
from deskapp.db.models import Staff, StepRecord

# Typical minutes per kind of step; a form adds FIELD_MINUTES per field.
KIND_MINUTES = {"info": 0.6, "checklist": 1.4, "form": 0.6, "identify": 1.0, "capture_needs": 1.6, "offers": 1.0,
                "approval": 2.2, "referral": 1.3, "summary": 0.5}
FIELD_MINUTES = 0.35
NOISE = 0.35  # sigma of the log-normal noise on each step's share


@dataclass
class Batch:
    """The StepRecords of a simulated day, written together (`flush`: insert_many, in the day's
    transaction) instead of one INSERT per ticket, with what record_run looks up once rather than per
    ticket: the supervisor who approves, each login's staff id, each customer's attributes for the
    day (nothing changes them while the history is built: customers_demo fills the records after)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    staff_ids: dict[str, int | None] = field(default_factory=dict)
    envs: dict[tuple[int | None, dt.date], dict[str, Any]] = field(default_factory=dict)
    supervisor: list = field(default_factory=list)  # [login or None] once looked up

    def flush(self) -> int:
        written = len(self.rows)
        for start in range(0, written, FLUSH_ROWS):
            StepRecord.insert_many(self.rows[start:start + FLUSH_ROWS]).execute()
        self.rows.clear()
        return written


FLUSH_ROWS = 500  # rows per INSERT (10 columns: well inside SQLite's limit of bound parameters)


def record_run(ctx: Context, ticket: TicketInfo, staff: str, batch: Batch | None = None) -> int:
    """The StepRecords of a completed simulated ticket, written now or (`batch`) kept for its flush;
    the number of records."""
    workflow = workflows.workflow_for(ctx, ticket.service)
    if workflow is None or ticket.started_at is None or ticket.ended_at is None:
        return 0
    rng = random.Random(ticket.id * 7919 + 17)
    now_written = batch is None
    batch = Batch() if batch is None else batch
    key = (ticket.customer_id, ctx.today())
    if key not in batch.envs:
        batch.envs[key] = workflows.customer_env(ctx, ticket.customer_id)
    env = dict(batch.envs[key])  # the conditions' values: form fields are added below
    if not batch.supervisor:
        batch.supervisor.append(Staff.select(Staff.login).where((Staff.role == "supervisor") & Staff.active)
                                .order_by(Staff.login).scalar())
    supervisor = batch.supervisor[0]
    if staff not in batch.staff_ids:
        batch.staff_ids[staff] = Staff.select(Staff.id).where(Staff.login == staff).scalar()
    staff_id = batch.staff_ids[staff]
    plan: list[tuple[int, str, dict[str, Any], str | None, float]] = []
    for index, step in enumerate(workflow.steps):
        needs_customer = isinstance(step, (CaptureNeedsStep, OffersStep))
        if (step.when is not None and not workflows.holds(ctx, step.when, env)) or \
                (needs_customer and ticket.customer_id is None) or isinstance(step, OffersStep):
            plan.append((index, workflows.SKIPPED, {}, None, 0.0))  # no offer rules yet: offers are skipped
            continue
        values = _values(ctx, step, rng, ticket.customer_id)
        if isinstance(step, FormStep):
            env.update({f.name: typed(f, values.get(f.name)) for f in step.fields})
        approver = supervisor if isinstance(step, ApprovalStep) and supervisor else None
        weight = KIND_MINUTES[step.kind] + (FIELD_MINUTES * len(step.fields) if isinstance(step, FormStep) else 0)
        plan.append((index, workflows.APPROVED if approver else workflows.DONE, values, approver,
                     weight * rng.lognormvariate(0, NOISE)))
    total = sum(weight for *_, weight in plan) or 1.0
    span = (ticket.ended_at - ticket.started_at).total_seconds()
    at, rows = ticket.started_at, []
    for index, outcome, values, approver, weight in plan:
        end = at + dt.timedelta(seconds=round(span * weight / total))
        rows.append({"ticket": ticket.id, "workflow": _name(ctx, ticket.service), "step_id": workflow.steps[index].id,
                     "position": index, "started_at": at, "committed_at": end, "staff": staff_id,
                     "values": json.dumps(values, sort_keys=True, ensure_ascii=False), "outcome": outcome,
                     "approver": approver})
        at = end
    rows[-1]["committed_at"] = max(rows[-1]["committed_at"], ticket.ended_at)
    batch.rows.extend(rows)
    if now_written:
        batch.flush()
    return len(rows)


def _name(ctx: Context, service: str) -> str:
    return next(s.workflow for s in ctx.config.services if s.code == service)


def _values(ctx: Context, step: Any, rng: random.Random, customer_id: int | None) -> dict[str, Any]:
    if isinstance(step, FormStep):
        return {f.name: _field(ctx, f, rng) for f in step.fields}
    if isinstance(step, ChecklistStep):
        return {"ticked": list(step.items)}
    if isinstance(step, IdentifyStep):
        return {"customer_id": customer_id}
    if isinstance(step, CaptureNeedsStep):
        return {"needs": []}
    if isinstance(step, ReferralStep):
        return {"reason": step.reason, "due_hours": step.due_hours}
    if isinstance(step, ApprovalStep):
        return {"note": ""}
    return {}


def _field(ctx: Context, spec: FormField, rng: random.Random) -> Any:
    low = float(spec.min) if spec.min is not None else None
    high = float(spec.max) if spec.max is not None else None
    if spec.type == "choice":
        return rng.choice(spec.choices or [""])
    if spec.type == "money":
        amount = rng.lognormvariate(math.log(400), 1.3)
        amount = min(max(amount, low or 0.01), high or amount)
        return f"{amount:.2f}"
    if spec.type == "number":
        return rng.randint(int(low if low is not None else 1), int(high if high is not None else 100))
    if spec.type == "yesno":
        return rng.random() < 0.3
    if spec.type == "date":
        return ctx.today().isoformat()
    if spec.type == "id" and spec.required:
        from deskapp.core.demo.customers import national_id

        return national_id(rng)
    if spec.type == "phone" and spec.required:
        return "3519" + rng.choice("1236") + "".join(rng.choice("0123456789") for _ in range(7))
    if spec.type == "text" and spec.required:
        return f"{spec.label} (demo)"[: int(high) if high else None]
    return None
