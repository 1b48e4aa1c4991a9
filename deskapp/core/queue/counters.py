"""Counters: who sits at which, open/paused/closed, the services each serves in order, logging out."""
from __future__ import annotations

import datetime as dt

from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.queue import counter_events
from deskapp.core.queue.day import ensure_day
from deskapp.core.queue.tickets import (
    COUNTER_STATES,
    QueueError,
    _acting,
    _counter,
    _held,
    _service,
    _staff,
)
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as, require
from deskapp.db.database import transaction
from deskapp.db.models import (
    Counter,
    CounterService,
    Staff,
)
from deskapp.errors import BadInput
from deskapp.i18n import _


def _take_counter(ctx: Context, counter: Counter, staff: Staff, now: dt.datetime) -> None:
    """Open `counter` for `staff`, refusing to take it from a colleague who still holds a ticket."""
    if counter.state == "open" and counter.staff_id == staff.id:
        return
    if counter.staff_id not in (None, staff.id) and counter.state != "closed":
        holder = _held(counter)
        if holder is not None:
            raise QueueError(_("{counter} is serving {ticket} for {staff}; they must finish or requeue it first.").format(
                counter=ctx.config.counter_name(counter.code, counter.name), ticket=holder.number, staff=counter.staff.name))
    elsewhere = Counter.select().where(
        (Counter.staff == staff) & (Counter.id != counter.id) & (Counter.state != "closed")
    )
    for other in elsewhere:
        held = _held(other)
        if held is not None:
            raise QueueError(_("You still hold {number} at {other}; finish or requeue it first.").format(number=held.number, other=other.name))
        counter_events.record(other.id, "closed", now, staff_id=staff.id, by=staff.login)
        other.state, other.staff, other.state_since = "closed", None, now
        other.save()
    if counter.state != "open" or counter.staff_id != staff.id:
        counter_events.state_change(counter.id, counter.state, "open", now, staff_id=staff.id, by=staff.login,
                                    handover=counter.staff_id != staff.id)
        counter.state, counter.staff, counter.state_since, counter.pause_reason = "open", staff, now, None
        counter.save()


@acts_as("queue.serve")
def open_counter(ctx: Context, counter_code: str, staff_login: str) -> None:
    """A teller sits down at a counter (login at a desk)."""
    staff = _acting(staff_login, "queue.serve")
    ensure_day(ctx)  # before the change: a new day's reset must not close the counter just opened

    def work() -> None:
        counter = _counter(ctx, counter_code, lock=True)
        _take_counter(ctx, counter, staff, ctx.now())
        changes.bump(ctx.branch_id)

    transaction(work)


@acts_as("queue.counter_state", "queue.counter_others")
def set_counter_state(ctx: Context, counter_code: str, state: str, *, by: str, reason: str | None = None) -> None:
    """Pause, close or reopen a counter. Closing or pausing with a ticket in hand is refused. A pause
    may give its reason (a code of config pause_reasons), kept on the counter and its pause event."""
    if state not in COUNTER_STATES:
        raise QueueError(_("A counter is open, paused or closed, not '{state}'.").format(state=state))
    if reason is not None and state != "paused":
        raise BadInput(_("A reason goes with a pause only."))
    if reason is not None:
        pause_reason(ctx, reason)  # an unknown one is refused before anything changes

    def work() -> None:
        staff = _staff(by)
        counter = _counter(ctx, counter_code, lock=True)
        new_reason = counter.state == state == "paused" and reason is not None and reason != counter.pause_reason
        if state != "open" and (counter.state != state or new_reason) and counter.staff_id != staff.id:
            require(staff, "queue.counter_others",
                    doing=_("pause another person's counter") if state == "paused"
                    else _("close another person's counter"))
        else:
            require(staff, "queue.counter_state")
        now = ctx.now()
        held = _held(counter)
        if state != "open" and held is not None:
            raise QueueError(_("{counter} holds {number}; finish or requeue it first.").format(counter=ctx.config.counter_name(counter.code, counter.name), number=held.number))
        if state == "open":
            _take_counter(ctx, counter, staff, now)
        elif new_reason:
            # Paused already, for another reason now (a break that became back-office work): the pause
            # ends and a new one begins, so the time is counted under each reason.
            counter_events.record(counter.id, "resumed", now, staff_id=counter.staff_id, by=by)
            counter_events.record(counter.id, "paused", now, staff_id=counter.staff_id, by=by, reason=reason)
            counter.pause_reason, counter.state_since = reason, now
            counter.save()
        else:
            counter_events.state_change(counter.id, counter.state, state, now, staff_id=counter.staff_id, by=by,
                                        reason=reason)
            if state == "paused":
                counter.pause_reason = reason if counter.state != "paused" else (reason or counter.pause_reason)
            else:
                counter.pause_reason = None
            counter.state, counter.state_since = state, now
            if state == "closed":
                counter.staff = None
            counter.save()
        from deskapp.core.security import audit

        audit.record(now, by, f"counter_{state}", "counter", counter.code, f"reason={reason}" if reason else "")
        changes.bump(ctx.branch_id)

    transaction(work)


def pause_reason(ctx: Context, code: str):
    """The configured pause reason of that code; an unknown one is bad input naming those there are."""
    found = next((r for r in ctx.config.pause_reasons if r.code == code.strip().lower()), None)
    if found is None:
        codes = ", ".join(r.code for r in ctx.config.pause_reasons)
        raise BadInput(_("There is no pause reason '{code}'. Reasons: {codes}.").format(code=code, codes=codes))
    return found


def pause_label(ctx: Context, code: str | None) -> str | None:
    """What people read for a pause reason code: its label, the code itself once it left the
    configuration, None for no reason."""
    if code is None:
        return None
    return next((r.label for r in ctx.config.pause_reasons if r.code == code), code)


@acts_as("queue.counter_profile")
def set_profile(ctx: Context, counter_code: str, services: list[str], *, by: str) -> None:
    """A supervisor changes which services a counter serves and in what order (audited)."""
    from deskapp.core.security import audit

    if not services:
        raise QueueError(_("A counter must serve at least one service."))
    if len(set(services)) != len(services):
        raise QueueError(_("A service may appear only once in a counter's work profile."))

    def work() -> None:
        _acting(by, "queue.counter_profile")
        counter = _counter(ctx, counter_code, lock=True)
        rows = [_service(ctx, code) for code in services]
        CounterService.delete().where(CounterService.counter == counter).execute()
        CounterService.insert_many(
            [{"counter": counter.id, "service": s.id, "position": i} for i, s in enumerate(rows)]
        ).execute()
        audit.record(ctx.now(), by, "counter_profile", "counter", counter.code, ",".join(services))
        changes.bump(ctx.branch_id)

    transaction(work)


def logout(ctx: Context, session: Session, reason: str = "logout") -> None:
    """Audited; a counter the person holds open or paused keeps its state and gets a `logout` event."""
    def work() -> None:
        now = ctx.now()
        audit.record(now, session.login, reason, "staff", session.login)
        for counter_id, staff_id in (Counter.select(Counter.id, Counter.staff).join(Staff)
                                     .where((Staff.login == session.login) & (Counter.state != "closed")).tuples()):
            counter_events.record(counter_id, "logout", now, staff_id=staff_id, by=session.login)

    transaction(work)
