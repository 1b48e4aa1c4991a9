"""Supervisor-only actions are refused in core to anyone else, with a clear reason, and change nothing."""
from __future__ import annotations

import pytest

from deskapp.core import queue as q
from deskapp.core.customers import followups
from deskapp.core.security.auth import Forbidden
from deskapp.db.models import AuditEvent, Counter, CounterService, Ticket


def profile(code: str) -> list[str]:
    counter = Counter.get(Counter.code == code)
    return [cs.service.code for cs in CounterService.select().where(CounterService.counter == counter)
            .order_by(CounterService.position)]


@pytest.mark.parametrize("login, who", [("ana", "Ana Costa is a teller"), ("pedro", "is a manager"),
                                        ("rita", "is a greeter")])
def test_only_a_supervisor_moves_a_waiting_ticket(ctx, login, who):
    q.issue(ctx, "CASH", with_estimate=False)
    with pytest.raises(Forbidden, match=f"^Only a supervisor may move a waiting ticket; .*{who}"):
        q.move_waiting(ctx, "A001", front=True, by=login)
    with pytest.raises(Forbidden):
        q.move_waiting(ctx, "A001", to_service="CARD", by=login)
    ticket = Ticket.get()
    assert (ticket.number, ticket.front) == ("A001", False)
    assert AuditEvent.select().where(AuditEvent.action == "ticket_moved").count() == 0
    assert q.move_waiting(ctx, "A001", front=True, by="sofia").number == "A001"


def test_only_a_supervisor_changes_a_counters_services(ctx):
    before = profile("1")
    with pytest.raises(Forbidden, match="^Only a supervisor may change a counter's services; Ana Costa is a teller"):
        q.set_profile(ctx, "1", ["INFO"], by="ana")
    assert profile("1") == before
    q.set_profile(ctx, "1", ["INFO", "CASH"], by="sofia")
    assert profile("1") == ["INFO", "CASH"]


def test_a_teller_pauses_or_closes_only_their_own_counter(ctx):
    q.open_counter(ctx, "1", "ana")
    q.open_counter(ctx, "2", "joao")
    with pytest.raises(Forbidden, match="^Only a supervisor may pause another person's counter; Ana Costa is a teller"):
        q.set_counter_state(ctx, "2", "paused", by="ana")
    with pytest.raises(Forbidden, match="may close another person's counter"):
        q.set_counter_state(ctx, "2", "closed", by="pedro")
    assert Counter.get(Counter.code == "2").state == "open"
    q.set_counter_state(ctx, "1", "paused", by="ana")  # her own
    q.set_counter_state(ctx, "2", "closed", by="sofia")  # the supervisor's
    assert [c.state for c in Counter.select().where(Counter.code.in_(["1", "2"])).order_by(Counter.code)] == [
        "paused", "closed"]


def test_only_a_supervisor_or_its_assignee_reassigns_a_follow_up(ctx):
    item = followups.create(ctx, source="manual", reason="Call back about the card", by="sofia", assignee="pedro")
    with pytest.raises(Forbidden, match="^Only a supervisor may reassign someone else's follow-up; Ana Costa is a teller"):
        followups.reassign(ctx, item.id, "ana", by="ana")
    with pytest.raises(Forbidden, match="Inês"):
        followups.reassign(ctx, item.id, "ines", by="ines")
    assert followups.get(item.id).assignee == "pedro"
    assert followups.reassign(ctx, item.id, "ines", by="pedro").assignee == "ines"  # hands on his own
    assert followups.reassign(ctx, item.id, "sofia", by="sofia").assignee == "sofia"
    assert [e.detail for e in AuditEvent.select().where(AuditEvent.action == "followup_reassigned")
            .order_by(AuditEvent.id)] == ["to=ines", "to=sofia"]
