"""What each kind of workflow step accepts, and what committing it does besides recording it.

`check(...)` turns what the teller entered into the values to store (JSON data: money, numbers with
decimals and dates as text) or the problems, keyed by the field they belong to. `apply(...)` runs
inside the commit's transaction and does the step's work: attach the customer, record needs, open a
follow-up. deskapp.core.workflows decides which step is current and writes the StepRecord.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
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
from deskapp.core import fields
from deskapp.core.context import Context
from deskapp.core.customers.rules import (
    normalise_phone,
    parse_bool,
    parse_national_id,
)
from deskapp.db.models import Customer, Staff
from deskapp.db.search import id_key
from deskapp.i18n import N_, _

TEXT_MAX = 2000
DECISIONS = (N_("accepted"), N_("declined"))  # codes stored; N_: the recap shows them in words


@dataclass(frozen=True)
class Offer:
    """A product offer the offer rules found for a customer (the manager issue adds the rules)."""

    code: str
    title: str
    text: str = ""


@dataclass(frozen=True)
class Approver:
    """The supervisor approving at this desk; the PIN is checked, never stored or shown."""

    login: str
    pin: str = field(repr=False)


# ------------------------------------------------------------------------------------- form values


def check_field(ctx: Context, spec: FormField, raw: Any) -> tuple[Any, str | None]:
    """(value to store, None) or (None, what is wrong), for one form field."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return None, (_("fill this in") if spec.required else None)
    try:
        value = _parse(ctx, spec, raw)
    except ValueError as exc:
        return None, str(exc)
    return value, _limits(spec, value, raw)


def _parse(ctx: Context, spec: FormField, raw: Any) -> Any:
    kind = spec.type
    if kind == "yesno":
        return parse_bool(raw)
    text = str(raw)
    if len(text) > TEXT_MAX:
        raise ValueError(_("at most {n} characters").format(n=TEXT_MAX))
    fmt = fields.formats(ctx.config)
    if kind == "number":
        number = fields.parse_decimal(text, fmt)
        return str(number) if "." in str(number) else int(number)
    if kind == "money":
        return str(fields.parse_money(text, fmt))
    if kind == "date":
        return fields.parse_date(text, fmt).isoformat()
    if kind == "choice":
        if text not in (spec.choices or []):
            raise ValueError(_("choose one of: {choices}").format(choices=', '.join(spec.choices or [])))
        return text
    if kind == "phone":
        return normalise_phone(ctx.config, text)
    if kind == "id":
        return parse_national_id(ctx.config, id_key(text))
    return text


def _limits(spec: FormField, value: Any, raw: Any) -> str | None:
    """min, max and pattern, worded for the teller."""
    if spec.type in ("number", "money"):
        amount = Decimal(str(value))
        if spec.min is not None and amount < spec.min:
            return _("at least {n}").format(n=_plain(spec.min))
        if spec.max is not None and amount > spec.max:
            return _("at most {n}").format(n=_plain(spec.max))
    elif spec.type in ("text", "phone", "id"):
        length = len(str(raw))
        if spec.min is not None and length < spec.min:
            return _("at least {n} characters").format(n=_plain(spec.min))
        if spec.max is not None and length > spec.max:
            return _("at most {n} characters").format(n=_plain(spec.max))
        if spec.pattern is not None and not re.fullmatch(spec.pattern, str(raw)):
            return spec.help or _("not in the expected format")
    return None


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral_value() else format(number, "f")


def typed(spec: FormField, stored: Any) -> Any:
    """A stored value as conditions see it: Decimal for money and numbers, date for dates."""
    if stored is None:
        return None
    if spec.type in ("money", "number"):
        return Decimal(str(stored)) if not isinstance(stored, int) or isinstance(stored, bool) else stored
    if spec.type == "date":
        return dt.date.fromisoformat(stored)
    return stored


# ------------------------------------------------------------------------------------ each kind


def check(ctx: Context, step: Any, values: dict[str, Any], *, customer_required: bool = False,
          offers: list[Offer] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(values to store, problems by field name) for a step's input; nothing is written."""
    values = values or {}
    problems: dict[str, str] = {}
    stored: dict[str, Any] = {}
    if isinstance(step, ChecklistStep):
        ticked = {int(i) for i in values.get("ticked", []) if str(i).isdigit()}
        missing = [item for i, item in enumerate(step.items) if i not in ticked]
        if missing:
            problems["items"] = _("tick every item; not yet: {items}").format(items="; ".join(missing))
        stored["ticked"] = [item for i, item in enumerate(step.items) if i in ticked]
    elif isinstance(step, FormStep):
        for spec in step.fields:
            value, problem = check_field(ctx, spec, values.get(spec.name))
            stored[spec.name] = value
            if problem:
                problems[spec.name] = problem
    elif isinstance(step, IdentifyStep):
        customer_id = values.get("customer_id")
        if customer_id is None:
            if step.required or customer_required:
                problems["customer"] = _("identify the customer: search for them, or add them as a new customer")
        elif not Customer.select().where((Customer.id == int(customer_id)) & Customer.active).exists():
            problems["customer"] = _("that customer does not exist or is no longer active")
        stored["customer_id"] = None if customer_id is None else int(customer_id)
    elif isinstance(step, CaptureNeedsStep):
        stored["needs"] = _needs(ctx, step, values.get("needs") or [], problems)
    elif isinstance(step, OffersStep):
        decisions = values.get("decisions") or {}
        stored["decisions"] = {}
        for offer in offers or []:
            decision = decisions.get(offer.code)
            if decision not in DECISIONS:
                problems[offer.code] = _("accept or decline this offer")
            else:
                stored["decisions"][offer.code] = decision
    elif isinstance(step, ApprovalStep):
        note = str(values.get("note") or "").strip()
        if len(note) > TEXT_MAX:
            problems["note"] = _("at most {n} characters").format(n=TEXT_MAX)
        stored["note"] = note
    elif isinstance(step, ReferralStep):
        reason = str(values.get("reason") or step.reason).strip()
        if not reason:
            problems["reason"] = _("say what the follow-up is about")
        elif len(reason) > TEXT_MAX:
            problems["reason"] = _("at most {n} characters").format(n=TEXT_MAX)
        hours = str(values.get("due_hours") or step.due_hours).strip()
        if not hours.isdigit() or not 1 <= int(hours) <= 24 * 60:
            problems["due_hours"] = _("a whole number of hours, 1 to 1440")
        else:
            stored["due_hours"] = int(hours)
        stored["reason"] = reason
    return stored, problems


def _needs(ctx: Context, step: CaptureNeedsStep, given: list[Any], problems: dict[str, str]) -> list[dict]:
    categories = step.categories or ctx.config.customers.need_categories
    needs = []
    for need in given:
        category = str(need.get("category") or "").strip()
        description = str(need.get("description") or "").strip()
        if category not in categories:
            problems["category"] = _("choose one of: {choices}").format(choices=', '.join(categories))
        elif len(description) > TEXT_MAX:
            problems["description"] = _("at most {n} characters").format(n=TEXT_MAX)
        else:
            needs.append({"category": category, "description": description})
    if step.required and not needs and not problems:
        problems["needs"] = _("record at least one need")
    return needs


def referral_assignee(step: ReferralStep, customer_id: int | None) -> str | None:
    """The login who gets the follow-up: the customer's manager, a named login, the fallback, or nobody."""
    if step.assign != "relationship_manager":
        return step.assign
    if customer_id is not None:
        manager = (
            Staff.select(Staff.login).join(Customer, on=(Customer.manager == Staff.id))
            .where((Customer.id == customer_id) & Staff.active).first()
        )
        if manager is not None:
            return manager.login
    return step.fallback


def apply(ctx: Context, step: Any, stored: dict[str, Any], *, ticket_id: int, customer_id: int | None,
          staff: str) -> dict[str, Any]:
    """The step's work, inside the commit's transaction; returns what to add to the stored values."""
    from deskapp.core import queue as q
    from deskapp.core.customers import followups

    if isinstance(step, IdentifyStep) and stored["customer_id"] != customer_id:
        q.attach_customer(ctx, ticket_id, stored["customer_id"], by=staff)
    elif isinstance(step, CaptureNeedsStep) and stored["needs"]:
        from deskapp.core.customers.directory import session_for
        from deskapp.core.customers.records import add_need

        session = session_for(staff)
        ids = [add_need(ctx, session, customer_id, n["category"], n["description"], source="workflow")
               for n in stored["needs"]]
        return {"need_ids": ids}
    elif isinstance(step, OffersStep) and stored["decisions"]:
        from deskapp.core.customers.directory import session_for
        from deskapp.core.relationship import offers

        session = session_for(staff)
        made = [offers.decide(ctx, session, customer_id, code, decision, ticket_id=ticket_id)
                for code, decision in stored["decisions"].items()]
        return {"decision_ids": [d.id for d in made]}
    elif isinstance(step, ReferralStep):
        assignee = referral_assignee(step, customer_id)
        due = ctx.now() + dt.timedelta(hours=stored["due_hours"])
        info = followups.create(ctx, source=step.source, reason=stored["reason"], by=staff, customer_id=customer_id,
                                ticket_id=ticket_id, assignee=assignee, due_at=due)
        return {"followup_id": info.id, "assignee": assignee}
    return {}
