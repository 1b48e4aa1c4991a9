"""deskapp.core.feedback on SQLite and PostgreSQL: asking, recording, closing the loop, reporting.

The configuration is config.yaml with a second supervisor (zara) and triggers written here, so each
test states exactly what should fire. The clock starts 2026-03-10 10:00 UTC (Lisbon on UTC).
"""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.config.feedback_schema import CesQuestion, Questions, TagRule, Trigger, TriggerWhen
from deskapp.config.schema import StaffMember
from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.customers import followups
from deskapp.core.feedback import rules as feedback_rules
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import AuditEvent, Customer, Feedback, FollowUp, Staff

T0 = dt.datetime(2026, 3, 10, 10, 0, 0)

TRIGGERS = [
    Trigger(when=TriggerWhen(tag="complaint"), assign="supervisor_on_duty", due_hours=24, reason="Complaint"),
    Trigger(when=TriggerWhen(csat_max=2), assign="relationship_manager", due_hours=48, reason="Dissatisfied"),
    Trigger(when=TriggerWhen(nps_max=6), assign="relationship_manager", due_hours=72, reason="Detractor"),
    Trigger(when=TriggerWhen(ces_min=6), assign="joao", due_hours=12, reason="High effort"),
]
TAGS = [
    TagRule(tag="waiting_time", keywords=["wait*", "espera", "fila"]),
    TagRule(tag="complaint", keywords=["complaint", "reclamação", "beschwerde"]),
]


@pytest.fixture
def fctx(config, db_url, clock):
    """A Context whose configuration has two supervisors and the triggers above."""
    feedback = config.feedback.model_copy(update={
        "triggers": TRIGGERS, "tags": TAGS, "timeout_seconds": 90,
        "questions": Questions(ces=CesQuestion(ask=True)),
    })
    staff = [*config.staff, StaffMember(login="zara", name="Zara Lopes", role="supervisor")]
    context = open_context(config.model_copy(update={"feedback": feedback, "staff": staff}), db_url, clock)
    yield context
    database.close()


def served(ctx, clock, *, counter: str = "1", staff: str = "ana", service: str = "CASH",
           customer_id: int | None = None, wait_minutes: float = 2) -> int:
    """A ticket issued, called after `wait_minutes`, served three minutes and completed; its id."""
    ticket = q.issue(ctx, service, customer_id=customer_id).ticket
    clock.advance(minutes=wait_minutes)
    called = q.call_next(ctx, counter, staff)
    assert called is not None and called.id == ticket.id
    q.start(ctx, counter)
    clock.advance(minutes=3)
    q.complete(ctx, counter)
    clock.advance(seconds=20)
    return ticket.id


def customer(ctx, manager: str | None = None, number: str = "00000001") -> int:
    staff_id = Staff.get(Staff.login == manager).id if manager else None
    return Customer.create(number=number, name=f"Cliente {number}", manager=staff_id, created_at=ctx.now()).id


def followup_of(info: fb.FeedbackInfo) -> followups.FollowUpInfo:
    assert info.followup_id is not None
    return followups.get(info.followup_id)


# -- asking -------------------------------------------------------------------------------------------

def test_the_counter_s_last_completed_ticket_is_pending_within_the_timeout(fctx, clock):
    assert fb.pending_for_counter(fctx, "1") is None
    first = served(fctx, clock)
    second = served(fctx, clock)
    pending = fb.pending_for_counter(fctx, "1")
    assert (pending.ticket_id, pending.number, pending.service, pending.counter) == (second, "A002", "CASH", "1")
    assert pending.expires_at == pending.completed_at + dt.timedelta(seconds=90)
    assert fb.pending_for_counter(fctx, "2") is None  # another counter completed nothing

    # The next customer is called: the one who just left may still answer.
    q.issue(fctx, "CASH")
    q.call_next(fctx, "1", "ana")
    assert fb.pending_for_counter(fctx, "1").ticket_id == second

    clock.advance(seconds=71)  # 91 s after completing
    assert fb.pending_for_counter(fctx, "1") is None
    assert first != second


def test_an_answered_ticket_is_no_longer_pending(fctx, clock):
    ticket = served(fctx, clock)
    fb.submit(fctx, ticket, csat=5)
    assert fb.pending_for_counter(fctx, "1") is None


def test_an_unknown_counter_is_refused(fctx):
    with pytest.raises(fb.FeedbackError, match="There is no counter '9'"):
        fb.pending_for_counter(fctx, "9")


# -- recording ------------------------------------------------------------------------------------

def test_an_answer_is_stored_with_where_and_by_whom_the_service_was_given(fctx, clock):
    client = customer(fctx)
    ticket = served(fctx, clock, counter="2", staff="joao", customer_id=client)
    info = fb.submit(fctx, ticket, csat=4, nps=9, ces=2, comment="  Long wait in the fila, but fine  ")

    row = Feedback.get(Feedback.ticket == ticket)
    assert (row.service.code, row.counter.code, row.staff.login, row.customer_id, row.branch_id) == (
        "CASH", "2", "joao", client, fctx.branch_id)
    assert (row.csat, row.nps, row.ces, row.answered, row.entered_by, row.entered_by_login) == (
        4, 9, 2, True, "customer", None)
    assert row.comment == "Long wait in the fila, but fine"
    assert row.tags == "waiting_time"
    assert row.at == clock.now()
    assert info.tags == ("waiting_time",) and info.followup_id is None
    audit = AuditEvent.get(AuditEvent.action == "feedback_recorded")
    assert (audit.entity, audit.entity_id) == ("feedback", str(row.id))
    assert "fila" not in audit.detail  # what the customer wrote stays out of the audit trail


@pytest.mark.parametrize(
    "answers, message",
    [
        ({"csat": 0}, "CSAT is a whole number from 1 to 5, not 0"),
        ({"csat": 6}, "CSAT is a whole number from 1 to 5, not 6"),
        ({"nps": 11}, "NPS is a whole number from 0 to 10, not 11"),
        ({"nps": -1}, "NPS is a whole number from 0 to 10, not -1"),
        ({"ces": 8}, "CES is a whole number from 1 to 7, not 8"),
        ({"csat": True}, "CSAT is a whole number from 1 to 5, not True"),
        ({}, "There is no answer to record"),
        ({"comment": "   "}, "There is no answer to record"),
        ({"csat": 4, "comment": "x" * 2001}, "at most 2000 characters"),
        ({"csat": 4, "entered_by": "kiosk"}, "by the customer or by staff, not 'kiosk'"),
        ({"csat": 4, "entered_by": "staff"}, "needs the login of who entered it"),
        ({"csat": 4, "staff": "ana"}, "Only staff-entered feedback names a staff member"),
        ({"csat": 4, "entered_by": "staff", "staff": "nobody"}, "There is no active staff member 'nobody'"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(fctx, clock, answers, message):
    ticket = served(fctx, clock)
    with pytest.raises(fb.FeedbackError, match=message):
        fb.submit(fctx, ticket, **answers)
    assert Feedback.select().count() == 0
    assert FollowUp.select().count() == 0


def test_feedback_comes_only_after_completing(fctx, clock):
    ticket = q.issue(fctx, "CASH").ticket
    q.call_next(fctx, "1", "ana")
    q.start(fctx, "1")
    with pytest.raises(fb.FeedbackError, match="A001 has not been served to the end"):
        fb.submit(fctx, ticket.id, csat=5)
    with pytest.raises(fb.FeedbackError, match="There is no ticket 999"):
        fb.submit(fctx, 999, csat=5)


def test_a_second_answer_is_refused_as_already_answered(fctx, clock):
    ticket = served(fctx, clock)
    fb.submit(fctx, ticket, csat=1)
    with pytest.raises(fb.AlreadyAnswered, match="A001 has already been answered"):
        fb.submit(fctx, ticket, csat=5, entered_by="staff", staff="sofia")
    row = Feedback.get(Feedback.ticket == ticket)
    assert (Feedback.select().count(), row.csat, FollowUp.select().count()) == (1, 1, 1)


def test_no_answer_is_recorded_once_and_an_answer_may_still_replace_it(fctx, clock):
    ticket = served(fctx, clock)
    assert fb.record_no_answer(fctx, ticket, reason="timeout").answered is False
    assert fb.record_no_answer(fctx, ticket, reason="timeout") is None  # already recorded
    assert fb.pending_for_counter(fctx, "1") is None
    row = Feedback.get(Feedback.ticket == ticket)
    assert (row.answered, row.csat, row.nps, row.ces, row.entered_by) == (False, None, None, None, "customer")

    # The customer tells the teller after all: staff type it in over the "no answer".
    info = fb.submit(fctx, ticket, csat=2, entered_by="staff", staff="ana")
    assert (info.id, info.answered, info.csat, info.entered_by, info.entered_by_login) == (row.id, True, 2, "staff", "ana")
    assert Feedback.select().count() == 1
    assert info.followup_id is not None  # the triggers run for the answer
    assert fb.record_no_answer(fctx, ticket) is None  # and "no answer" never replaces an answer
    assert Feedback.get_by_id(row.id).answered


def test_without_info_the_answer_s_id_comes_back_and_nothing_is_read_back(fctx, clock):
    """#19: the demo's history records ~1,500 answers and "no answers" and never looks at them; each
    was read back after its transaction only to be thrown away."""
    from tests.unit.test_call_next_statements import counted

    tickets = [served(fctx, clock) for _ in range(4)]
    with counted() as read_back:
        fb.record_no_answer(fctx, tickets[0], reason="timeout")
    with counted() as not_read:
        made = fb.note_no_answer(fctx, tickets[1], reason="timeout")
    assert made == Feedback.get(Feedback.ticket == tickets[1]).id
    assert len(not_read) < len(read_back)
    follow_ups = FollowUp.select().count()
    with counted() as read_back:
        fb.submit(fctx, tickets[2], csat=1, nps=2, comment="demorou muito")
    with counted() as not_read:
        answered = fb.record_answer(fctx, tickets[3], csat=1, nps=2, comment="demorou muito")
    row = Feedback.get(Feedback.ticket == tickets[3])
    assert answered == row.id and (row.csat, row.nps, row.answered, row.comment) == (1, 2, True, "demorou muito")
    assert FollowUp.select().count() == follow_ups + 2  # the triggers ran for both answers
    assert len(not_read) < len(read_back)


def test_staff_find_today_s_served_ticket_by_number(fctx, clock):
    ticket = served(fctx, clock)
    assert fb.ticket_for_entry(fctx, " a001 ").ticket_id == ticket
    q.issue(fctx, "CASH")
    with pytest.raises(fb.FeedbackError, match=r"A002 has not been served to the end \(waiting\)"):
        fb.ticket_for_entry(fctx, "A002")
    with pytest.raises(fb.FeedbackError, match="There is no ticket B007 today"):
        fb.ticket_for_entry(fctx, "B007")
    fb.submit(fctx, ticket, csat=3)
    with pytest.raises(fb.AlreadyAnswered):
        fb.ticket_for_entry(fctx, "A001")


# -- triggers -------------------------------------------------------------------------------------

def test_a_good_answer_opens_no_follow_up(fctx, clock):
    info = fb.submit(fctx, served(fctx, clock), csat=3, nps=7, ces=5, comment="ok")
    assert info.followup_id is None
    assert FollowUp.select().count() == 0


def test_several_matching_rules_open_one_follow_up_the_first_deciding_who(fctx, clock):
    client = customer(fctx, manager="pedro")
    ticket = served(fctx, clock, customer_id=client)
    now = clock.now()
    info = fb.submit(fctx, ticket, csat=2, nps=3, comment="I want to make a complaint about the wait")

    assert FollowUp.select().count() == 1
    item = followup_of(info)
    # complaint (first rule) -> supervisor on duty: nobody supervises at a counter, so the first by login.
    assert item.assignee == "sofia"
    assert item.due_at == now + dt.timedelta(hours=24)  # the soonest of 24, 48 and 72 hours
    assert (item.source, item.status, item.customer_id, item.ticket_id, item.feedback_id) == (
        "feedback", "open", client, ticket, info.id)
    first_line, *rest = item.reason.splitlines()
    assert first_line == "Complaint; Dissatisfied; Detractor"
    assert "Answers: CSAT 2, NPS 3" in rest
    assert "Tags: waiting_time, complaint" in rest
    assert any("I want to make a complaint" in line for line in rest)


def test_relationship_manager_rule_goes_to_the_customer_s_manager(fctx, clock):
    client = customer(fctx, manager="pedro")
    ticket = served(fctx, clock, customer_id=client)
    now = clock.now()
    item = followup_of(fb.submit(fctx, ticket, csat=1))
    assert (item.assignee, item.due_at, item.reason.splitlines()[0]) == ("pedro", now + dt.timedelta(hours=48),
                                                                         "Dissatisfied")


def test_without_a_manager_the_supervisor_at_a_counter_gets_it(fctx, clock):
    q.open_counter(fctx, "3", "zara")  # a supervisor working a counter is on duty
    anonymous = served(fctx, clock)
    assert followup_of(fb.submit(fctx, anonymous, nps=2)).assignee == "zara"
    no_manager = served(fctx, clock, customer_id=customer(fctx))
    assert followup_of(fb.submit(fctx, no_manager, nps=2)).assignee == "zara"

    q.set_counter_state(fctx, "3", "closed", by="zara")
    later = served(fctx, clock)
    assert followup_of(fb.submit(fctx, later, nps=2)).assignee == "sofia"  # else the first active by login


def test_an_inactive_manager_or_named_login_falls_back_to_the_supervisor_on_duty(fctx, clock):
    client = customer(fctx, manager="pedro")
    Staff.update(active=False).where(Staff.login.in_(["pedro", "joao"])).execute()
    assert followup_of(fb.submit(fctx, served(fctx, clock, customer_id=client), csat=1)).assignee == "sofia"
    assert followup_of(fb.submit(fctx, served(fctx, clock), ces=7)).assignee == "sofia"


def test_a_named_login_rule_assigns_that_person_with_its_due_time(fctx, clock):
    ticket = served(fctx, clock)
    now = clock.now()
    item = followup_of(fb.submit(fctx, ticket, ces=6))
    assert (item.assignee, item.due_at) == ("joao", now + dt.timedelta(hours=12))


def test_with_no_supervisor_at_all_the_follow_up_is_opened_unassigned(fctx, clock):
    Staff.update(active=False).where(Staff.role == "supervisor").execute()
    item = followup_of(fb.submit(fctx, served(fctx, clock), nps=0))
    assert item.assignee is None and item.status == "open"


def test_rules_match_only_the_scores_given():
    when = dict(csat=None, nps=None, ces=None, tags=())
    rules = TRIGGERS
    assert feedback_rules.matching(rules, **when) == []
    assert [r.reason for r in feedback_rules.matching(rules, **{**when, "nps": 6})] == ["Detractor"]
    assert feedback_rules.matching(rules, **{**when, "nps": 7}) == []
    assert [r.reason for r in feedback_rules.matching(rules, **{**when, "csat": 2, "ces": 6})] == [
        "Dissatisfied", "High effort"]
    both = Trigger(when=TriggerWhen(csat_max=2, tag="complaint"), reason="Both")
    assert not feedback_rules.matches(both, **{**when, "csat": 1})
    assert feedback_rules.matches(both, **{**when, "csat": 1, "tags": ("complaint",)})


# -- the loop closes ------------------------------------------------------------------------------

def test_closing_a_follow_up_needs_a_resolution(fctx, clock):
    item = followup_of(fb.submit(fctx, served(fctx, clock), csat=1))
    for resolution in ("", "   "):
        with pytest.raises(followups.FollowUpError, match="needs a resolution"):
            followups.close(fctx, item.id, resolution=resolution, root_cause="waiting_time", by="sofia")
    with pytest.raises(followups.FollowUpError, match="Choose a root cause"):
        followups.close(fctx, item.id, resolution="Called and apologised", root_cause="", by="sofia")
    assert followups.get(item.id).status == "open"

    followups.record_contact(fctx, item.id, "Reached by phone", by="sofia")
    clock.advance(hours=2)
    done = followups.close(fctx, item.id, resolution="Called and apologised", root_cause="waiting_time", by="sofia")
    assert (done.status, done.resolution, done.root_cause, done.closed_at) == (
        "done", "Called and apologised", "waiting_time", clock.now())
    assert fb.followups_for(fctx)[0].status == "done"


def test_feedback_follow_ups_list_open_first_then_the_latest_closed(fctx, clock):
    first = followup_of(fb.submit(fctx, served(fctx, clock), csat=1))
    second = followup_of(fb.submit(fctx, served(fctx, clock), csat=2))
    followups.close(fctx, first.id, resolution="Solved", root_cause="other", by="sofia")
    followups.create(fctx, source="manual", reason="Not from feedback", by="sofia")
    assert [i.id for i in fb.followups_for(fctx)] == [second.id, first.id]
    assert fb.followups_for(fctx, fb.FeedbackFilter(band="neutral")) == []


# -- reading --------------------------------------------------------------------------------------

def test_with_no_feedback_every_figure_is_none(fctx, clock):
    empty = fb.summary(fctx)
    assert (empty.csat_pct, empty.nps, empty.ces, empty.response_rate) == (None, None, None, None)
    served(fctx, clock)
    one_ticket = fb.summary(fctx)
    assert (one_ticket.csat_pct, one_ticket.response_rate, one_ticket.counts.completed) == (None, 0.0, 1)


def test_summary_hand_worked(fctx, clock):
    tickets = [served(fctx, clock) for _ in range(5)]
    fb.submit(fctx, tickets[0], csat=5, nps=10, ces=1)
    fb.submit(fctx, tickets[1], csat=3, nps=7, ces=4)
    fb.submit(fctx, tickets[2], csat=1, nps=0)
    fb.record_no_answer(fctx, tickets[3])
    fb.submit(fctx, tickets[4], csat=4, nps=9, entered_by="staff", staff="sofia")

    by = fb.summary_by_entry(fctx)
    customers, staff = by["customer"], by["staff"]
    assert customers.csat_pct == pytest.approx(100 / 3)  # 1 of 3 answers 4-5 (3 is not satisfied)
    assert customers.nps == pytest.approx(0.0)  # 1 promoter, 1 passive, 1 detractor
    assert customers.ces == pytest.approx(2.5)  # (1 + 4) / 2
    assert customers.response_rate == pytest.approx(3 / 5)  # 3 customer answers of 5 completed tickets
    c = customers.counts
    assert (c.responses, c.customer_responses, c.completed, c.no_answer, c.ces_answers) == (3, 3, 5, 1, 2)
    assert (c.csat.satisfied, c.csat.answers, c.nps.promoters, c.nps.passives, c.nps.detractors) == (1, 3, 1, 1, 1)
    # Staff-entered answers are reported apart and never count as responses.
    assert (staff.csat_pct, staff.nps, staff.ces, staff.response_rate, staff.counts.responses) == (
        100.0, 100.0, None, None, 1)


def test_filters_narrow_responses_figures_and_the_rate(fctx, clock):
    a = served(fctx, clock, counter="1", staff="ana")  # A001
    b = served(fctx, clock, counter="2", staff="joao", service="CARD")  # C001
    c = served(fctx, clock, counter="2", staff="joao")  # A002
    fb.submit(fctx, a, csat=5, nps=9, comment="Fast, no wait")
    fb.submit(fctx, b, csat=2, nps=4, comment="Vou fazer uma reclamação")
    fb.submit(fctx, c, csat=4, nps=8, entered_by="staff", staff="sofia")

    def numbers(**f) -> list[str]:
        return [r.ticket_number for r in fb.responses(fctx, fb.FeedbackFilter(**f))]

    assert numbers() == ["A002", "C001", "A001"]  # newest first
    assert numbers(service="CASH") == ["A002", "A001"]
    assert numbers(counter="2") == ["A002", "C001"]
    assert numbers(staff="ana") == ["A001"]
    assert numbers(band="detractor") == ["C001"]
    assert numbers(band="promoter") == ["A001"]
    assert numbers(band="passive") == ["A002"]
    assert numbers(band="satisfied") == ["A002", "A001"]
    assert numbers(band="dissatisfied") == ["C001"]
    assert numbers(tag="complaint") == ["C001"]
    assert numbers(tag="waiting_time") == ["A001"]
    assert numbers(tag="wait%") == []  # LIKE wildcards in a tag are literal
    assert numbers(entered_by="staff") == ["A002"]
    assert numbers(since=dt.date(2026, 3, 11)) == []
    assert numbers(since=dt.date(2026, 3, 10), until=dt.date(2026, 3, 10)) == ["A002", "C001", "A001"]

    joao = fb.summary(fctx, fb.FeedbackFilter(staff="joao"))
    assert (joao.csat_pct, joao.response_rate, joao.counts.completed) == (0.0, 0.5, 2)
    complaint = fb.summary(fctx, fb.FeedbackFilter(tag="complaint"))
    # The score band or tag narrows the figures, not the response rate (answers over completed tickets).
    assert (complaint.csat_pct, complaint.counts.responses, complaint.response_rate) == (0.0, 1, pytest.approx(2 / 3))
    assert fb.responses(fctx, fb.FeedbackFilter(band="detractor"))[0].followup_id is not None


@pytest.mark.parametrize(
    "f, message",
    [
        (fb.FeedbackFilter(service="NOPE"), "There is no service 'NOPE'"),
        (fb.FeedbackFilter(counter="9"), "There is no counter '9'"),
        (fb.FeedbackFilter(staff="nobody"), "There is no staff member 'nobody'"),
        (fb.FeedbackFilter(band="awful"), "A score band is one of"),
        (fb.FeedbackFilter(entered_by="robot"), "not 'robot'"),
        (fb.FeedbackFilter(since=dt.date(2026, 3, 10), until=dt.date(2026, 3, 1)), "ends"),
    ],
)
def test_a_bad_filter_is_refused_in_words(fctx, f, message):
    with pytest.raises(fb.FeedbackError, match=message):
        fb.responses(fctx, f)


def test_per_service_summaries_equal_one_summary_per_service(fctx, clock):
    """The report's grouped figures are summary() for each service and for all, over the same days."""
    tickets = [served(fctx, clock, counter="2", staff="joao", service=s)
               for s in ("CASH", "CARD", "CASH", "CARD", "CASH", "CASH")]
    fb.submit(fctx, tickets[0], csat=5, nps=10, ces=1)
    fb.submit(fctx, tickets[1], csat=2, nps=3)
    fb.submit(fctx, tickets[2], csat=3, nps=7, ces=5)
    fb.record_no_answer(fctx, tickets[3])
    fb.submit(fctx, tickets[4], csat=4, nps=9, entered_by="staff", staff="sofia")
    clock.advance(hours=24)  # a day outside the period: its answer must not count
    fb.submit(fctx, served(fctx, clock, counter="2", staff="joao"), csat=1, nps=0)
    day = dt.date(2026, 3, 10)

    grouped = fb.customer_summaries_by_service(fctx, day, day)
    codes = [s.code for s in fctx.config.services]
    assert set(grouped) == {None, *codes}
    for code in [None, *codes]:
        assert grouped[code] == fb.summary(fctx, fb.FeedbackFilter(service=code, since=day, until=day))
    assert (grouped[None].counts.customer_responses, grouped[None].counts.completed,
            grouped[None].counts.no_answer) == (3, 6, 1)
    assert grouped["CARD"].csat_pct == 0.0 and grouped["CASH"].response_rate == pytest.approx(2 / 4)
    with pytest.raises(fb.FeedbackError, match="ends"):
        fb.customer_summaries_by_service(fctx, day, day - dt.timedelta(days=1))
