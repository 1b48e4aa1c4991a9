"""Demo feedback for a demo branch's history, through the same code a real answer goes through.

About a third of the customers served answer (a little more after a long wait: annoyed customers
speak up); some of the others leave "no answer". Scores follow the wait against the service's
target: a long wait pulls satisfaction, recommendation and effort down. Some customers comment, in
Portuguese, English, German, French or Spanish, so comments get tagged. Every answer goes through
feedback.submit, so the configured triggers open the follow-ups; most of those older than a day
are then worked: a contact recorded, and closed with a resolution and a root cause (some late).
Deterministic for a seed.
"""
from __future__ import annotations

import datetime as dt
import random

from deskapp.core import feedback as fb
from deskapp.core.clock import FixedClock
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.demo.data import COMMENTS, CONTACTS, FEEDBACK_RESOLUTIONS
from deskapp.core.queue import DONE
from deskapp.db.database import db
from deskapp.db.models import FollowUp, Service, Ticket

RESPONSE_RATE = 0.36
NO_ANSWER_SHARE = 0.4  # of those who do not answer, how many were asked and let it time out
STAFF_ENTERED = 0.05
COMMENT_SHARE = 0.3  # of answers; twice that after a poor experience


def _clip(value: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(value))))


def _scores(rng: random.Random, wait_ratio: float) -> tuple[float, int, int, int]:
    """(latent satisfaction 1-5, CSAT, NPS, CES) for a wait of wait_ratio times the target."""
    late = max(0.0, wait_ratio - 1.0)
    latent = 4.3 - 1.3 * min(late, 2.0) - 0.4 * min(wait_ratio, 1.0) + rng.gauss(0, 0.75)
    csat = _clip(latent, 1, 5)
    nps = _clip(2.2 * latent - 0.6 + rng.gauss(0, 1.1), 0, 10)
    ces = _clip(1 + (5 - latent) * 1.2 + rng.gauss(0, 0.8), 1, 7)
    return latent, csat, nps, ces


def _comment(rng: random.Random, latent: float, wait_ratio: float) -> str:
    if latent < 3:
        themes = ["waiting_time"] * (3 if wait_ratio > 1 else 1) + ["attitude", "complaint"]
        return rng.choice(COMMENTS[rng.choice(themes)])
    if latent > 4.2:
        return rng.choice(COMMENTS["praise"])
    return rng.choice(COMMENTS["neutral"])


def add_history(ctx: Context, *, seed: int, stop: dt.datetime) -> int:
    """Feedback for the completed tickets of the history, and the follow-ups worked; returns answers made."""
    rng = random.Random(f"feedback-{seed}")
    questions = ctx.config.feedback.questions
    staff = [m.login for m in ctx.config.branch_staff() if m.role in ("teller", "supervisor")] or [None]
    real_clock, clock = ctx.clock, FixedClock(stop)
    ctx.clock = clock
    answers = 0
    try:
        served = (
            Ticket.select(Ticket.id, Ticket.day, Ticket.issued_at, Ticket.called_at, Ticket.ended_at,
                          Service.target_wait_minutes)
            .join(Service)
            .where((Ticket.branch == ctx.branch_id) & (Ticket.status == DONE))
            .order_by(Ticket.ended_at, Ticket.id)
            .tuples()
        )
        by_day: dict[dt.date, list[tuple]] = {}
        for row in served:
            by_day.setdefault(row[1], []).append(row)
        for day in sorted(by_day):
            with db.atomic():
                for ticket_id, _, issued, called, ended, target in by_day[day]:
                    answers += _one(ctx, clock, rng, questions, staff, ticket_id, issued, called, ended, target, stop)
        _work_follow_ups(ctx, clock, rng, stop)
    finally:
        ctx.clock = real_clock
    return answers


def _one(ctx, clock, rng, questions, staff, ticket_id, issued, called, ended, target, stop) -> int:
    wait_ratio = (called - issued).total_seconds() / 60 / max(target, 1)
    respond = RESPONSE_RATE + 0.06 * min(max(wait_ratio - 1, 0), 1.5)
    when = ended + dt.timedelta(seconds=rng.uniform(10, 80))
    if when >= stop:
        return 0
    clock.set(when)
    if rng.random() >= respond:
        if rng.random() < NO_ANSWER_SHARE:
            fb.note_no_answer(ctx, ticket_id, reason="timeout")
        return 0
    latent, csat, nps, ces = _scores(rng, wait_ratio)
    writes = rng.random() < COMMENT_SHARE * (2 if latent < 3 else 1)
    comment = _comment(rng, latent, wait_ratio) if questions.comment.ask and writes else ""
    given = {
        "csat": csat if questions.csat.ask else None,
        "nps": nps if questions.nps.ask else None,
        "ces": ces if questions.ces.ask else None,
    }
    by_staff = rng.random() < STAFF_ENTERED
    fb.record_answer(ctx, ticket_id, **given, comment=comment, entered_by=fb.STAFF if by_staff else fb.CUSTOMER,
                     staff=rng.choice(staff) if by_staff else None)
    return 1


def _work_follow_ups(ctx: Context, clock: FixedClock, rng: random.Random, stop: dt.datetime) -> None:
    """Most follow-ups older than a day are contacted and closed, some after their due time."""
    rows = list(
        FollowUp.select(FollowUp.id, FollowUp.created_at, FollowUp.reason)
        .where((FollowUp.branch == ctx.branch_id) & (FollowUp.source == "feedback")
               & (FollowUp.created_at < stop - dt.timedelta(days=1)))
        .order_by(FollowUp.created_at, FollowUp.id)
        .tuples()
    )
    causes = ctx.config.followups.root_causes
    supervisor = next((m.login for m in ctx.config.branch_staff() if m.role == "supervisor"), "demo")
    with db.atomic():
        for followup_id, created, reason in rows:
            roll = rng.random()
            if roll >= 0.88:
                continue  # still open, and by now overdue
            item = followups.get(followup_id)
            by = item.assignee or supervisor  # who may work an unassigned follow-up
            contacted = created + dt.timedelta(hours=rng.uniform(1, 30))
            clock.set(min(contacted, stop))
            followups.record_contact(ctx, followup_id, rng.choice(CONTACTS), by=by)
            if roll >= 0.75:
                continue  # contacted, not yet resolved
            clock.set(min(contacted + dt.timedelta(hours=rng.uniform(0.5, 40)), stop))
            theme = next((t for t in ("complaint", "attitude", "waiting_time") if t in reason), "other")
            cause, resolution = FEEDBACK_RESOLUTIONS[theme]
            followups.close(ctx, followup_id, resolution=resolution, root_cause=cause if cause in causes else causes[-1],
                            by=by)
