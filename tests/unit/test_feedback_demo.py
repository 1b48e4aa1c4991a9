"""Demo feedback: about a third answer, long waits score lower, poor answers are followed up."""
from __future__ import annotations

import datetime as dt
import random
import statistics

from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.demo import feedback as feedback_demo
from deskapp.db.models import Feedback, FollowUp, Service, Ticket


def history(ctx, clock, tickets: int = 160) -> None:
    """CASH tickets served one after another; every fourth waited far past the 10-minute target.

    Each ticket is issued when the previous one ends, and its wait is then played back on the clock
    (so a few hundred tickets fit in one branch day).
    """
    rng = random.Random(7)
    q.open_counter(ctx, "1", "ana")
    for n in range(tickets):
        issued = clock.now()
        q.issue(ctx, "CASH")
        clock.advance(minutes=rng.uniform(25, 40) if n % 4 == 0 else rng.uniform(0.5, 6))
        q.call_next(ctx, "1", "ana")
        q.start(ctx, "1")
        clock.advance(minutes=rng.uniform(1, 3))
        q.complete(ctx, "1")
        clock.set(issued + dt.timedelta(minutes=2))


def answers() -> list[tuple]:
    return list(Feedback.select(Feedback.ticket, Feedback.answered, Feedback.csat, Feedback.nps, Feedback.comment,
                                Feedback.tags, Feedback.entered_by).order_by(Feedback.ticket).tuples())


def test_demo_feedback_is_realistic_and_deterministic(ctx, clock):
    history(ctx, clock)
    stop = clock.advance(days=3)
    made = feedback_demo.add_history(ctx, seed=11, stop=stop)
    assert ctx.clock is clock  # the demo's own clock is put back

    summary = fb.summary(ctx)
    assert 0.25 <= summary.response_rate <= 0.45
    assert made == summary.counts.responses + fb.summary(ctx, fb.FeedbackFilter(entered_by="staff")).counts.responses
    assert summary.counts.no_answer > 0

    target = Service.get(Service.code == "CASH").target_wait_minutes
    waits = {t.id: (t.called_at - t.issued_at).total_seconds() / 60 for t in Ticket.select()}
    scored = [(waits[t], csat) for t, answered, csat, *_ in answers() if answered and csat is not None]
    long_waits = [csat for wait, csat in scored if wait > target * 2]
    short_waits = [csat for wait, csat in scored if wait <= target]
    assert statistics.mean(long_waits) < statistics.mean(short_waits) - 0.8

    comments = [(comment, tags) for _, _, _, _, comment, tags, _ in answers() if comment]
    assert comments and any(tags for _, tags in comments)
    assert any(not comment.isascii() for comment, _ in comments)  # several languages

    followups = list(FollowUp.select())
    assert followups and all(f.source == "feedback" and f.feedback_id for f in followups)
    closed = [f for f in followups if f.status == "done"]
    assert closed and all(f.resolution and f.root_cause in ctx.config.followups.root_causes for f in closed)
    assert all(f.closed_at <= stop for f in closed)

    first = answers()
    FollowUp.delete().execute()
    Feedback.delete().execute()
    feedback_demo.add_history(ctx, seed=11, stop=stop)
    assert answers() == first
    assert dt.timedelta(0) < stop - max(a.at for a in Feedback.select())
