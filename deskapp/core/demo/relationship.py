"""The demo's relationship-manager history: offer decisions, follow-ups and needs turned into products.

Called at the end of demo.build, after customers_demo filled in the records, with the demo's random
generator (same seed, same history). Everything goes through core (offers.decide, followups, the
customer records), with the clock set back to when each thing happened, so the workspace, the
pipeline and the report figures look like a few weeks of real work.
"""
from __future__ import annotations

import datetime as dt
import random

from deskapp.core.clock import FixedClock, to_local, to_utc
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.customers import records as customer_records
from deskapp.core.customers.directory import session_for
from deskapp.core.demo.data import FOLLOWUP_REASONS, FOLLOWUP_RESOLUTIONS
from deskapp.core.relationship import offers
from deskapp.db.models import Customer, Staff

PER_MANAGER = 40  # portfolio customers whose offers get an answer


def populate(ctx: Context, rng: random.Random, days: int = 30) -> None:
    real = ctx.clock
    now = real.now()
    clock = FixedClock(now)
    ctx.clock = clock
    try:
        for login, manager_id in Staff.select(Staff.login, Staff.id).where(
                (Staff.role == "manager") & Staff.active).order_by(Staff.login).tuples():
            session = session_for(login)
            mine = [cid for (cid,) in Customer.select(Customer.id).where(
                (Customer.manager == manager_id) & Customer.active).order_by(Customer.id).tuples()]
            for cid in rng.sample(mine, k=min(PER_MANAGER, len(mine))):
                clock.set(now - dt.timedelta(days=rng.randrange(1, max(days, 2)), hours=rng.randrange(0, 8)))
                for offer in offers.for_customer(ctx, cid)[:1]:
                    accepted = rng.random() < 0.4
                    made = offers.decide(ctx, session, cid, offer.code, "accepted" if accepted else "declined")
                    if accepted and made.need_id and rng.random() < 0.6:
                        clock.advance(days=rng.randrange(1, 15))
                        if clock.now() < now:
                            customer_records.add_product(ctx, session, cid, offer.product, clock.now().date())
            _followups(ctx, clock, rng, now, login, mine)
    finally:
        ctx.clock = real


def _followups(ctx: Context, clock: FixedClock, rng: random.Random, now: dt.datetime, login: str,
               mine: list[int]) -> None:
    """Some closed (on time or late), some overdue, due today and upcoming: a realistic board."""
    causes = ctx.config.followups.root_causes
    tz = ctx.config.branch.timezone
    today = to_local(now, tz).date()

    def office_hours(day: dt.date) -> dt.datetime:
        """A moment of a working day's office hours (09:00-17:00 branch time), as stored (UTC)."""
        return to_utc(dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=rng.randrange(0, 8 * 60)), tz)

    for cid in rng.sample(mine, k=min(12, len(mine))):
        created = office_hours(_weekday(today - dt.timedelta(days=rng.randrange(1, 20)), -1))
        clock.set(created)
        due_day = _weekday(to_local(created, tz).date() + dt.timedelta(days=rng.choice((1, 2, 3, 5, 20))), +1)
        due = to_utc(dt.datetime.combine(due_day, to_local(created, tz).time()), tz)
        item = followups.create(ctx, source=rng.choice(("manual", "manual", "referral")),
                                reason=rng.choice(FOLLOWUP_REASONS),
                                by=login, customer_id=cid, assignee=login, due_at=due)
        if due < now and rng.random() < 0.7:
            closed = office_hours(_weekday(due_day + dt.timedelta(days=rng.randrange(-1, 2)), +1))
            clock.set(max(created + dt.timedelta(hours=1), min(now, closed)))
            followups.close(ctx, item.id, resolution=rng.choice(FOLLOWUP_RESOLUTIONS), root_cause=rng.choice(causes),
                            by=login)


def _weekday(day: dt.date, step: int) -> dt.date:
    """The day itself when it is Monday to Friday, else the nearest one in the direction of `step`."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=step)
    return day
