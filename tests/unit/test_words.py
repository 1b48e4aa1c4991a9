"""Words and formats (issue 19, part 6): ticket events in the teller's words, codes as labels, one
definition of a customer's alerts, a root cause only for complaint-type follow-ups, the branch's one
date and time format."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.config.dates import check_format, date_part, default_format
from deskapp.core import queue as q
from deskapp.core.customers import directory, followups
from deskapp.core.customers import records as customer_records
from deskapp.core.labels import label, lower_label
from deskapp.core.queue.words import action_words, event_words, ordinal, status_words
from deskapp.core.relationship import portfolio
from deskapp.core.security.auth import Session
from deskapp.db.models import Customer, FollowUp
from tests.conftest import T0
from tests.unit.test_offers import make

PEDRO = Session("pedro", "Pedro Nunes", "manager")


def test_every_ticket_event_in_the_tellers_words():
    said = {
        "issued": event_words("issued", "A004", service="Cards"),
        "called": event_words("called", "A004", counter="Counter 2"),
        "recalled": event_words("recalled", "A004", count=2),
        "started": event_words("started", "A004"),
        "completed": event_words("completed", "A004"),
        "no_show": event_words("no_show", "A004"),
        "requeued back": event_words("requeued", "A004"),
        "requeued front": event_words("requeued", "A004", front=True),
        "cancelled": event_words("cancelled", "E001"),
        "transferred": event_words("transferred", "A004", service="Cards", new="C002"),
        "moved front": event_words("moved", "A004", front=True),
        "moved service": event_words("moved", "C001", service="Cash", new="A005"),
        "removed": event_words("removed_by_reset", "A004"),
    }
    assert said == {
        "issued": "A004 issued for Cards",
        "called": "A004 called to Counter 2",
        "recalled": "A004 recalled (2nd time)",
        "started": "A004 now being served",
        "completed": "A004 served and completed",
        "no_show": "A004 did not come: marked a no-show",
        "requeued back": "A004 back in the queue at the back",
        "requeued front": "A004 back in the queue at the front",
        "cancelled": "E001 walked away",
        "transferred": "A004 transferred to Cards as C002",
        "moved front": "A004 moved to the front of the queue",
        "moved service": "C001 moved to Cash as A005",
        "removed": "A004 removed at the end of the day",
    }
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]


def test_every_desk_action_is_worded_from_what_core_returned(ctx, clock):
    """The old desk said "A001: called" after a recall and "C001: cancelled" after a walk-away."""
    for service in ("CASH", "CASH", "CASH", "CARD"):
        q.issue(ctx, service)
    said = []

    def act(action: str, *args, **options) -> None:
        name = "requeue" if action == "requeue_front" else action
        said.append(action_words(action, getattr(q, name)(ctx, "2", *args, by="ana", **options)))

    q.call_next(ctx, "2", "ana")
    act("recall")
    act("recall")
    act("requeue_front", front=True)
    q.call_next(ctx, "2", "ana")
    clock.advance(minutes=2)  # back of the line: behind those issued before
    act("requeue")
    q.call_next(ctx, "2", "ana")
    act("no_show")
    q.call_next(ctx, "2", "ana")
    act("start")
    act("complete")
    q.call_next(ctx, "2", "ana")
    act("start")
    act("transfer", "CARD")
    q.call_next(ctx, "2", "ana")
    act("cancel")
    assert said == [
        "A001 recalled (1st time)", "A001 recalled (2nd time)", "A001 back in the queue at the front",
        "A001 back in the queue at the back", "A002 did not come: marked a no-show", "A003 now being served",
        "A003 served and completed", "A001 now being served", "A001 transferred to Cards as C002",
        "C001 walked away",
    ]


def test_where_a_ticket_stands_for_reception(ctx, clock):
    issued = q.issue(ctx, "CASH").ticket
    assert status_words(q.ticket_info(issued.id)) == "waiting"
    q.call_next(ctx, "2", "ana")
    assert status_words(q.ticket_info(issued.id), "Counter 2") == "called to Counter 2"
    q.start(ctx, "2", by="ana")
    assert status_words(q.ticket_info(issued.id), "Counter 2") == "being served at Counter 2"
    q.complete(ctx, "2", by="ana")
    assert status_words(q.ticket_info(issued.id), "Counter 2") == "served at Counter 2"


def test_codes_become_labels():
    assert label("waiting_time") == "Waiting time" and lower_label("in_progress") == "in progress"
    assert label(None) == "-" and lower_label("") == "-"
    assert followups.source_label("feedback") == "Poor feedback" and followups.source_label("referral") == "Referral"


def test_the_portfolio_and_the_360_give_the_same_alerts(ctx, clock):
    """The portfolio said "Dormant" while the 360 of the same customer said nothing needed attention."""
    clock.set(T0 - dt.timedelta(days=200))
    dormant = make(ctx, "Dora Dormente")
    customer_records.add_interaction(ctx, PEDRO, dormant, "call", outcome="reached")
    clock.set(T0)
    kyc_soon = make(ctx, "Kiko Breve")
    Customer.update(kyc_review_due=T0.date() + dt.timedelta(days=12)).where(Customer.id == kyc_soon).execute()
    rows = {r.id: r for r in portfolio.customers_of(ctx, PEDRO, "pedro")}
    for cid in (dormant, kyc_soon):
        profile = directory.profile(ctx, PEDRO, cid)
        assert profile.alerts == rows[cid].alerts, "one definition: the 360 shows what the portfolio flags"
    assert [a.kind for a in directory.profile(ctx, PEDRO, dormant).alerts] == ["dormant"]
    assert [a.kind for a in directory.profile(ctx, PEDRO, kyc_soon).alerts] == ["kyc_due_soon"]


def test_only_a_complaint_type_follow_up_needs_a_root_cause(ctx, clock):
    """A loan referral could not be closed without a complaint-style root cause."""
    cid = make(ctx, "Rui Referido")
    referral = followups.create(ctx, source="referral", reason="Wants a loan quote", by="ana", customer_id=cid,
                                assignee="pedro")
    complaint = followups.create(ctx, source="complaint", reason="Waited an hour", by="ana", customer_id=cid,
                                 assignee="pedro")
    feedback = followups.create(ctx, source="feedback", reason="CSAT 1", by="ana", customer_id=cid, assignee="pedro")
    closed = followups.close(ctx, referral.id, resolution="Quote sent", by="pedro")
    assert (closed.status, closed.root_cause) == ("done", None)
    for item in (complaint, feedback):
        with pytest.raises(followups.FollowUpError, match="Choose a root cause: a (complaint|poor feedback) follow"):
            followups.close(ctx, item.id, resolution="Called back", by="pedro")
        assert FollowUp.get_by_id(item.id).status != "done"
        assert followups.close(ctx, item.id, resolution="Called back", root_cause="waiting_time",
                               by="pedro").root_cause == "waiting_time"
    other = followups.create(ctx, source="offer", reason="Card offer accepted", by="ana", customer_id=cid,
                             assignee="pedro")
    with pytest.raises(followups.FollowUpError, match="Choose a root cause"):
        followups.close(ctx, other.id, resolution="Done", root_cause="bad_luck", by="pedro")
    assert followups.close(ctx, other.id, resolution="Done", root_cause="process", by="pedro").root_cause == "process"


def test_the_branchs_one_date_format():
    assert default_format("PT") == "%d %b %Y %H:%M" and default_format("US") == "%b %d %Y %H:%M"
    assert default_format("JP") == "%Y-%m-%d %H:%M"
    assert date_part("%d %b %Y %H:%M") == "%d %b %Y" and date_part("%Y-%m-%dT%H:%M") == "%Y-%m-%d"
    assert date_part("%d/%m/%Y, %I:%M %p") == "%d/%m/%Y"
    assert check_format("%d.%m.%Y %H:%M") == "%d.%m.%Y %H:%M"
    for bad, why in (("%d %b %H:%M", "no year"), ("%m-%d %H:%M", "no year"), ("%d %b %Y", "no hour"),
                     ("%d %b %Y %H:%M %Q", "unknown directive %Q"), ("", "empty"), ("%d %m %Y %H:%M%", "lone %")):
        with pytest.raises(ValueError, match=why):
            check_format(bad)


def test_a_bad_datetime_format_is_reported_at_its_line_and_column(tmp_path):
    from deskapp.config.load import check_config
    from tests.unit.test_config_files import DATA

    text = (DATA / "10_unknown_timezone.yaml").read_text().replace(
        "  timezone: Europe/Lisbn\n", "  timezone: Europe/Lisbon\n  datetime_format: \"%d %b %H:%M\"\n")
    path = tmp_path / "config.yaml"
    path.write_text(text)
    config, errors = check_config(path)
    assert config is None
    assert [f"{e.line}:{e.col}: {e.message}" for e in errors] == [
        '5:20: datetime_format "%d %b %H:%M" has no year (%Y): every date on screen needs one']
    path.write_text(text.replace('"%d %b %H:%M"', '"%d.%m.%Y %H:%M"'))
    config, errors = check_config(path)
    assert errors == [] and config is not None and config.branch.datetime_format == "%d.%m.%Y %H:%M"


def test_the_command_line_closes_a_referral_without_a_root_cause_and_a_complaint_with_one(ctx, db_url):
    from click.testing import CliRunner

    from deskapp.cli import main
    from deskapp.core.security import auth
    from tests.conftest import CONFIG

    auth.set_pin(ctx, "pedro", "1357")
    cid = make(ctx, "Rui Referido")
    referral = followups.create(ctx, source="referral", reason="Loan quote", by="ana", customer_id=cid, assignee="pedro")
    complaint = followups.create(ctx, source="complaint", reason="Rude", by="ana", customer_id=cid, assignee="pedro")

    def run(*args):
        return CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, "followups", "close", *args,
                                         "--by", "pedro", "--pin-stdin"], input="1357\n", catch_exceptions=False)

    done = run(str(referral.id), "--resolution", "Quote sent")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == f"Follow-up {referral.id} closed."
    refused = run(str(complaint.id), "--resolution", "Apologised")
    assert refused.exit_code == 1 and "Choose a root cause: a complaint follow-up" in refused.stderr, refused.output
    done = run(str(complaint.id), "--resolution", "Apologised", "--root-cause", "staff_attitude", "--json")
    assert done.exit_code == 0 and '"root_cause": "staff_attitude"' in done.stdout
    assert FollowUp.get_by_id(complaint.id).root_cause == "staff_attitude"


def test_a_complaints_recap_shows_labels_and_names_not_codes_and_logins(ctx):
    """"About: waiting_time" and "opens a follow-up for sofia" were on the teller's screen."""
    from deskapp.core.security import auth
    from deskapp.core.workflows import guide as workflows
    from tests.unit.test_workflows import serve

    auth.set_pin(ctx, "ana", "2580")
    ticket = serve(ctx, "CMPL", "4")
    workflows.start_or_resume(ctx, ticket, "ana")
    workflows.commit_step(ctx, ticket, "identify", {"customer_id": None}, "ana")
    workflows.commit_step(ctx, ticket, "complaint", {"category": "waiting_time", "contact_by": "in_branch",
                                                     "description": "Waited 40 minutes"}, "ana")
    state = workflows.commit_step(ctx, ticket, "anonymous", {}, "ana")
    assert (state.current.id, state.assignee, state.assignee_name) == ("follow_up", "sofia", "Sofia Almeida")
    state = workflows.commit_step(ctx, ticket, "follow_up", {}, "ana")
    recap = "\n".join(state.recap())
    assert "About: Waiting time" in recap and "How to reply: In branch" in recap
    assert "for Sofia Almeida, due in 24 h" in recap and "sofia" not in recap
