"""The demo gives the managers a portfolio with offer decisions and a follow-up board that looks real."""
from __future__ import annotations

import datetime as dt

from deskapp.core.clock import FixedClock, to_local
from deskapp.core.demo import branch as demo
from deskapp.core.demo.data import FOLLOWUP_REASONS as REASONS
from deskapp.core.relationship import pipeline, portfolio
from deskapp.core.security.auth import Session
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import FollowUp, OfferDecision, Staff
from tests.unit.test_demo import NOW


def test_the_demo_managers_have_portfolios_decisions_and_follow_ups(config, tmp_path):
    ctx = open_context(config, f"sqlite:///{tmp_path / 'demo.db'}", FixedClock(NOW))
    demo.build(ctx, customers=300, days=20, seed=2)
    try:
        for login, name in (("pedro", "Pedro Nunes"), ("ines", "Inês Duarte")):
            session = Session(login, name, "manager")
            assert len(portfolio.customers_of(ctx, session, login)) > 20
            board = portfolio.followups_of(ctx, session, login)
            assert board.overdue and board.upcoming
        decisions = {d for (d,) in OfferDecision.select(OfferDecision.decision).tuples()}
        assert decisions == {"accepted", "declined"}
        assert FollowUp.select().where(FollowUp.status == "done").count() > 5
        per_offer, per_manager = pipeline.offer_acceptance(ctx, NOW.date().replace(day=1), NOW.date())
        assert per_offer and {a.key for a in per_manager} >= {"pedro", "ines"}
        assert pipeline.needs_pipeline(ctx).to_products, "some accepted offers became products"

        # A manager's board is kept in office hours: made, due and closed on weekdays 09:00-17:00.
        tz = config.branch.timezone
        managers = FollowUp.select().where(FollowUp.assignee.in_(
            Staff.select(Staff.id).where(Staff.login.in_(("pedro", "ines")))) & FollowUp.reason.in_(REASONS))
        moments = [m for f in managers for m in (f.created_at, f.due_at, f.closed_at) if m is not None]
        assert len(moments) > 24
        for moment in moments:
            local = to_local(moment, tz)
            assert local.weekday() < 5 and dt.time(9) <= local.time() <= dt.time(17), local
    finally:
        database.close()
