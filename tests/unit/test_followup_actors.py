"""Issue 14, finding 3 in core: closing, snoozing, starting or recording a contact on a follow-up is refused
unless the acting login exists, is active and owns the follow-up (opened it, or manages its customer), is
its assignee, or is a supervisor; a refused change leaves the follow-up and the audit as they were."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core.customers import followups
from deskapp.core.security.auth import Forbidden
from deskapp.db.models import AuditEvent, FollowUp, Staff
from tests.conftest import T0
from tests.unit.test_offers import make


@pytest.fixture
def item(ctx):
    """ines's customer's follow-up, opened by ines and assigned to joao."""
    cid = make(ctx, "Rosa Dono", manager="ines")
    return followups.create(ctx, source="manual", reason="call back", by="ines", customer_id=cid, assignee="joao",
                            due_at=T0 + dt.timedelta(hours=4))


def attempts(ctx, followup_id: int, by: str):
    later = ctx.now() + dt.timedelta(days=2)
    return [
        lambda: followups.close(ctx, followup_id, resolution="Solved", root_cause="other", by=by),
        lambda: followups.snooze(ctx, followup_id, later, "customer abroad", by=by),
        lambda: followups.record_contact(ctx, followup_id, "Reached by phone", by=by),
        lambda: followups.start(ctx, followup_id, by=by),
    ]


@pytest.mark.parametrize("by", ["rita", "ana", "pedro", "nobody", ""])
def test_anyone_else_is_refused_and_nothing_changes(ctx, item, by):
    before = FollowUp.get_by_id(item.id).__data__.copy()
    audited = AuditEvent.select().count()
    for attempt in attempts(ctx, item.id, by):
        with pytest.raises(Forbidden, match="Only"):
            attempt()
    assert FollowUp.get_by_id(item.id).__data__ == before  # the due time (and the on-time figure) unmoved
    assert AuditEvent.select().count() == audited


def test_an_inactive_assignee_is_refused(ctx, item):
    Staff.update(active=False).where(Staff.login == "joao").execute()
    with pytest.raises(Forbidden, match="^Only an active staff member may record a contact on a follow-up; "
                                        "'joao' is not an active staff member.$"):
        followups.record_contact(ctx, item.id, "Reached", by="joao")


@pytest.mark.parametrize("by", ["joao", "ines", "sofia"])  # the assignee, the owner, a supervisor
def test_the_assignee_the_owner_and_a_supervisor_may(ctx, item, by):
    contact, snooze, close = (attempts(ctx, item.id, by)[i] for i in (2, 1, 0))
    assert contact().status == "in_progress"
    assert snooze().due_at > T0 + dt.timedelta(hours=4)
    done = close()
    assert (done.status, FollowUp.get_by_id(item.id).closed_by) == ("done", by)
    assert [e.staff for e in AuditEvent.select().where(AuditEvent.entity == "followup",
                                                       AuditEvent.entity_id == str(item.id))][-3:] == [by, by, by]
