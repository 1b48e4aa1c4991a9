"""Notifications through the outbox, delivered to real servers on loopback: an SMTP server (aiosmtpd)
and an HTTP receiver (webhook and SMS gateway) started by the tests, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from deskapp.config.load import check_config
from deskapp.config.notify_schema import Email, Notifications, Sms, Webhook
from deskapp.core import queue as q
from deskapp.core.notify import ContactInvalid, deliver, enqueue_booking, parse_contact
from deskapp.core.notify.channels import verify
from deskapp.db.database import transaction
from deskapp.db.models import NotificationOutbox, TicketContact
from tests.conftest import CONFIG
from tests.notify_servers import Mailbox, Receiver

SECRET = "s3cret-for-tests"


@pytest.fixture
def servers(monkeypatch):
    monkeypatch.setenv("DESKAPP_TEST_HOOK_SECRET", SECRET)
    with Receiver(SECRET) as hook, Receiver(SECRET) as gateway, Mailbox() as mailbox:
        yield hook, gateway, mailbox


def enable(ctx, hook, gateway, mailbox, **settings):
    """The context's config with notifications on, pointed at the loopback servers."""
    section = Notifications(
        enabled=True, max_attempts=3, backoff_seconds=10, lease_seconds=60, batch_size=10,
        email=Email(host="127.0.0.1", port=mailbox.port, starttls=False, sender="Lisboa <branch@bank.example>"),
        webhook=Webhook(url=hook.url, secret_env="DESKAPP_TEST_HOOK_SECRET"),
        sms=Sms(url=gateway.url, secret_env="DESKAPP_TEST_HOOK_SECRET"), **settings)
    ctx.config = ctx.config.model_copy(update={"notifications": section})
    return ctx


def outbox(kind: str | None = None) -> list[NotificationOutbox]:
    query = NotificationOutbox.select().order_by(NotificationOutbox.id)
    return list(query.where(NotificationOutbox.kind == kind) if kind else query)


@pytest.mark.pg
def test_a_ticket_without_contact_writes_nothing(ctx, servers) -> None:
    enable(ctx, *servers)
    q.issue(ctx, "CASH")
    q.call_next(ctx, "1", "ana")
    assert outbox() == [] and TicketContact.select().count() == 0


@pytest.mark.pg
def test_issue_and_calls_write_their_messages_in_the_same_transaction(ctx, servers) -> None:
    enable(ctx, *servers, turn_soon_position=2)
    contact = parse_contact(ctx, "912 345 678", "rosa@example.com")
    for _ in range(3):
        q.issue(ctx, "CASH")
    told = q.issue(ctx, "CASH", contact=contact)  # 4th in line
    issued = outbox("ticket_issued")
    assert {(m.channel, m.recipient) for m in issued} == {("email", "rosa@example.com"), ("sms", "351912345678")}
    payload = json.loads(issued[0].payload)
    assert payload["number"] == told.ticket.number and payload["position"] == 4
    assert issued[0].next_attempt_at == ctx.now()  # released once the wait was filled in
    q.call_next(ctx, "1", "ana")  # now 3rd: not yet
    assert outbox("turn_soon") == []
    q.call_next(ctx, "2", "joao")  # now 2nd: near
    soon = outbox("turn_soon")
    assert len(soon) == 2 and json.loads(soon[0].payload)["position"] == 2
    q.call_next(ctx, "3", "mehmet")
    assert len(outbox("turn_soon")) == 2  # told once
    # A refused call (the counter already holds a ticket) writes nothing: the transaction rolled back.
    with pytest.raises(q.QueueError):
        q.call_next(ctx, "1", "ana")
    assert outbox("ticket_called") == []


@pytest.mark.pg
def test_messages_arrive_with_content_and_signature(ctx, servers) -> None:
    hook, gateway, mailbox = enable(ctx, *servers, phone_channel="sms") and servers
    ticket = q.issue(ctx, "CASH", contact=parse_contact(ctx, "+351 912 345 678", "rosa@example.com")).ticket
    q.call_next(ctx, "1", "ana")
    done = deliver.run(ctx, once=True)
    assert (done.sent, done.failed, done.dead) == (4, 0, 0)
    subjects = sorted(m["Subject"] for m in mailbox.messages)
    assert subjects == [f"{ticket.number}: it is your turn", f"Your ticket {ticket.number}"]
    called = next(m for m in mailbox.messages if "your turn" in m["Subject"])
    assert called["To"] == "rosa@example.com" and "please go to Counter 1" in called.get_content()
    assert called["X-Deskapp-Idempotency-Key"] == f"t{ticket.id}:ticket_called:email" and called["Message-ID"]
    texts = sorted(body["text"] for body in gateway.received.values())
    assert texts[0].startswith(f"{ticket.number}: please go to Counter 1")
    assert all(body["to"] == "+351912345678" for body in gateway.received.values())
    assert gateway.bad_signatures == 0 and all(verify(SECRET.encode(), json.dumps(body, separators=(",", ":"),
                                                      ensure_ascii=False).encode(), h["X-Deskapp-Signature"])
                                               for body, h in zip(gateway.received.values(), gateway.headers))
    assert deliver.status().sent == 4 and deliver.status().pending == 0


def test_a_forged_or_replayed_signature_is_rejected() -> None:
    from deskapp.core.notify.channels import sign

    body = b'{"id":"k"}'
    header = sign(b"key", body, 1_000_000)
    assert verify(b"key", body, header, now=1_000_100)
    assert not verify(b"key", body + b" ", header, now=1_000_100)  # body changed
    assert not verify(b"other", body, header, now=1_000_100)  # wrong key
    assert not verify(b"key", body, header, now=1_000_000 + 301)  # replayed after 5 minutes
    assert not verify(b"key", body, "garbage", now=1_000_000)


@pytest.mark.pg
def test_a_receiver_failing_twice_then_succeeding_gets_the_message_once(ctx, clock, servers, monkeypatch) -> None:
    hook, gateway, mailbox = servers
    enable(ctx, *servers, phone_channel="webhook")
    hook.fail_first = 2
    ticket = q.issue(ctx, "CASH", contact=parse_contact(ctx, "912 345 678")).ticket
    assert deliver.run(ctx, once=True).failed == 1
    row = outbox()[0]
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, clock.now() + dt.timedelta(seconds=10))
    assert deliver.run(ctx, once=True).sent == 0  # not due before its backoff
    clock.advance(seconds=10)
    assert deliver.run(ctx, once=True).failed == 1
    assert outbox()[0].next_attempt_at == clock.now() + dt.timedelta(seconds=20)  # doubled
    clock.advance(seconds=20)
    assert deliver.run(ctx, once=True).sent == 1
    assert list(hook.received) == [f"t{ticket.id}:ticket_issued:webhook"] and hook.duplicates == 0
    assert hook.requests == 3 and outbox()[0].status == "sent"


@pytest.mark.pg
def test_a_receiver_that_is_down_ends_in_dead_letter(ctx, clock, servers) -> None:
    hook, gateway, mailbox = servers
    enable(ctx, *servers, phone_channel="webhook")
    hook.down = True
    q.issue(ctx, "CASH", contact=parse_contact(ctx, "912 345 678"))
    for _ in range(5):
        deliver.run(ctx, once=True)
        clock.advance(hours=1)
    row = outbox()[0]
    assert (row.status, row.attempts) == ("dead", 3) and "500" in row.last_error
    assert hook.requests == 3 and hook.received == {}
    found = deliver.status()
    assert (found.pending, found.failed, found.dead, found.sent) == (0, 0, 1, 0)


@pytest.mark.pg
def test_bookings_write_their_messages_and_reminders(ctx, servers) -> None:
    enable(ctx, *servers, reminder_hours=[24, 1])
    at = ctx.now() + dt.timedelta(days=2)
    written = transaction(lambda: enqueue_booking(ctx, "booking_confirmed", code="K7P2Q", at=at, service="Loans",
                                                  email="rosa@example.com", customer="Rosa"))
    assert written == 3
    reminders = outbox("booking_reminder")
    assert sorted(r.not_before for r in reminders) == [at - dt.timedelta(hours=24), at - dt.timedelta(hours=1)]
    assert all(r.next_attempt_at == r.not_before for r in reminders)
    later = at + dt.timedelta(hours=3)
    transaction(lambda: enqueue_booking(ctx, "booking_moved", code="K7P2Q", at=later, previous_at=at,
                                        service="Loans", email="rosa@example.com"))
    moved = json.loads(outbox("booking_moved")[0].payload)
    assert (moved["previous_time"], moved["time"]) == ("10:00", "13:00")  # Lisbon is UTC in March
    assert sorted(r.not_before for r in outbox("booking_reminder")) == [later - dt.timedelta(hours=24),
                                                                        later - dt.timedelta(hours=1)]
    transaction(lambda: enqueue_booking(ctx, "booking_cancelled", code="K7P2Q", at=later, service="Loans",
                                        email="rosa@example.com"))
    assert outbox("booking_reminder") == [] and len(outbox("booking_cancelled")) == 1
    # Written twice (a retried transaction): one message.
    transaction(lambda: enqueue_booking(ctx, "booking_cancelled", code="K7P2Q", at=later, service="Loans",
                                        email="rosa@example.com"))
    assert len(outbox("booking_cancelled")) == 1
    assert transaction(lambda: enqueue_booking(ctx, "booking_confirmed", code="Z9", at=at, service="Loans")) == 0


def test_contacts_are_validated(ctx) -> None:
    assert parse_contact(ctx, " ", "") is None
    with pytest.raises(ContactInvalid, match="not a phone number"):
        parse_contact(ctx, "12")
    with pytest.raises(ContactInvalid, match="not an e-mail address"):
        parse_contact(ctx, None, "rosa@example")


def test_check_config_rejects_unknown_placeholders_where_they_are(tmp_path) -> None:
    text = CONFIG.read_text() + (
        "notifications:\n"
        "  enabled: true\n"
        "  templates:\n"
        "    ticket_called:\n"
        "      text: \"{number}: go to {countr} {\"\n"
        "    ticket_lost:\n"
        "      text: x\n")
    (tmp_path / "workflows.yaml").write_text((CONFIG.parent / "workflows.yaml").read_text())
    path = tmp_path / "config.yaml"
    path.write_text(text)
    _, errors = check_config(path)
    line = text.splitlines().index("      text: \"{number}: go to {countr} {\"") + 1
    found = [str(e) for e in errors]
    assert f"{path}:{line}:30: ticket_called text: unknown placeholder {{countr}} (did you mean 'counter'?)" in found, found
    assert any(f":{line}:39: ticket_called text: a lone brace" in e for e in found), found
    assert any("unknown message kind 'ticket_lost'" in e for e in found), found


def _config_file(tmp_path, hook, **extra) -> str:
    """config.yaml with notifications on, its webhook at `hook`, for a deliverer run as a process."""
    (tmp_path / "workflows.yaml").write_text((CONFIG.parent / "workflows.yaml").read_text())
    settings = {"batch_size": 10, "lease_seconds": 1, "poll_seconds": 0.05, "backoff_seconds": 1, **extra}
    text = CONFIG.read_text() + "notifications:\n  enabled: true\n  phone_channel: webhook\n" + "".join(
        f"  {k}: {v}\n" for k, v in settings.items()) + (
        f"  webhook:\n    url: {hook.url}\n    secret_env: DESKAPP_TEST_HOOK_SECRET\n")
    path = tmp_path / "notify.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.pg
@pytest.mark.slow
def test_a_deliverer_killed_mid_batch_and_restarted_delivers_every_message_exactly_once(
        ctx, db_url, tmp_path, servers) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from deskapp.core.notify.outbox import enqueue
    from deskapp.db import database

    hook = servers[0]
    hook.delay = 0.02
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    keys = [f"k{i}" for i in range(60)]
    transaction(lambda: [enqueue("ticket_called", "webhook", "351912345678", {"number": f"A{i:03}", "counter": "C1"},
                                 key, branch_id=ctx.branch_id, now=now) for i, key in enumerate(keys)])
    database.close()
    command = [sys.executable, "-m", "deskapp", "--config", _config_file(tmp_path, hook), "--db", db_url, "notify", "run"]
    env = {**os.environ, "DESKAPP_TEST_HOOK_SECRET": SECRET}
    runner = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(hook.received) < 25 and time.monotonic() < deadline and runner.poll() is None:
        time.sleep(0.005)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    assert 25 <= len(hook.received) < 60, runner.stderr.read().decode()
    marked = {r.idempotency_key for r in NotificationOutbox.select().where(NotificationOutbox.status == "sent")}
    assert marked <= set(hook.received)  # nothing marked sent that was not acknowledged
    assert len(marked) < 60
    time.sleep(1.2)  # the killed deliverer's lease runs out
    again = subprocess.run(command + ["--once", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert sorted(hook.received) == sorted(keys)  # each message reached the receiver, repeats dropped by key
    assert hook.duplicates <= deliver.MARK_EVERY  # at most those acknowledged but not yet marked when killed
    assert {r.status for r in NotificationOutbox.select()} == {"sent"}
    assert deliver.status().sent == 60


@pytest.mark.pg
def test_notify_commands(ctx, db_url, tmp_path, servers) -> None:
    import os
    import subprocess
    import sys

    from deskapp.db import database

    hook = servers[0]
    database.close()
    base = [sys.executable, "-m", "deskapp", "--config", _config_file(tmp_path, hook), "--db", db_url]
    env = {**os.environ, "DESKAPP_TEST_HOOK_SECRET": SECRET}
    run = lambda *args: subprocess.run(base + list(args), env=env, capture_output=True, text=True, timeout=120)
    issued = run("queue", "issue", "--service", "CASH", "--notify-phone", "912 345 678", "--json")
    assert issued.returncode == 0, issued.stderr
    assert json.loads(issued.stdout)["notify"] == {"phone": "351912345678", "email": None}
    text = run("queue", "issue", "--service", "CASH", "--notify-phone", "+44 7911 123456")
    assert "We will tell you when your turn is near: +447911123456" in text.stdout
    no_mail = run("queue", "issue", "--service", "CASH", "--notify-email", "rosa@example.com")
    assert no_mail.returncode == 2 and "sends no e-mail" in no_mail.stderr
    bad = run("queue", "issue", "--service", "CASH", "--notify-phone", "12")
    assert bad.returncode == 2 and bad.stderr.startswith("deskapp: '12' is not a phone number") and not bad.stdout
    status = json.loads(run("notify", "status", "--json").stdout)
    assert (status["pending"], status["sent"], status["dead"]) == (2, 0, 0) and status["oldest_pending"]
    assert json.loads(run("notify", "run", "--once", "--json").stdout) == {"sent": 2, "failed": 0, "dead": 0}
    assert "pending 0, failed 0, sent 2, dead 0" in run("notify", "status").stdout
    env.pop("DESKAPP_TEST_HOOK_SECRET")
    missing = run("notify", "run", "--once")
    assert missing.returncode == 2 and "DESKAPP_TEST_HOOK_SECRET" in missing.stderr


@pytest.mark.pg
def test_staff_are_told_of_follow_ups_due_and_overdue_once(ctx, clock, servers) -> None:
    from deskapp.db.models import FollowUp, Staff

    hook, gateway, mailbox = servers
    enable(ctx, *servers, followup_notice_hours=4, staff_emails={"ana": "ana@bank.example"})
    ana, joao = Staff.get(Staff.login == "ana"), Staff.get(Staff.login == "joao")
    soon = FollowUp.create(branch=ctx.branch_id, source="manual", reason="Call back about the card", assignee=ana,
                           created_at=clock.now(), due_at=clock.now() + dt.timedelta(hours=2))
    FollowUp.create(branch=ctx.branch_id, source="manual", reason="Later", assignee=ana, created_at=clock.now(),
                    due_at=clock.now() + dt.timedelta(days=2))
    late = FollowUp.create(branch=ctx.branch_id, source="manual", reason="Complaint answer", assignee=joao,
                           created_at=clock.now(), due_at=clock.now() - dt.timedelta(hours=1))
    assert deliver.run(ctx, once=True).sent == 2
    assert [m["Subject"] for m in mailbox.messages] == ["Follow-up due 2026-03-10 12:00"]
    assert "Call back about the card" in mailbox.messages[0].get_content()
    [(key, body)] = hook.received.items()
    assert key == f"f{late.id}:followup_overdue:20260310T0900" and body["recipient"] == "joao"
    deliver.scan_followups(ctx)  # scanned again: nothing new
    assert len(outbox()) == 2
    clock.advance(hours=3)  # the first is overdue now: told once more
    deliver.scan_followups(ctx)
    assert [m.kind for m in outbox()][-1] == "followup_overdue" and len(outbox()) == 3
    assert soon.id in {int(m.idempotency_key[1:].split(":")[0]) for m in outbox()}


@pytest.mark.pg
def test_two_deliverers_at_once_never_send_a_message_twice(ctx, db_url, tmp_path, servers) -> None:
    import os
    import subprocess
    import sys

    from deskapp.core.notify.outbox import enqueue
    from deskapp.db import database

    hook = servers[0]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    transaction(lambda: [enqueue("ticket_called", "webhook", "351912345678", {"number": f"A{i:03}"}, f"k{i}",
                                 branch_id=ctx.branch_id, now=now) for i in range(120)])
    database.close()
    command = [sys.executable, "-m", "deskapp", "--config", _config_file(tmp_path, hook, lease_seconds=600), "--db",
               db_url, "notify", "run", "--once", "--json"]
    env = {**os.environ, "DESKAPP_TEST_HOOK_SECRET": SECRET}
    runners = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [r.communicate(timeout=120) for r in runners]
    assert all(r.returncode == 0 for r in runners), outputs
    assert sum(json.loads(out)["sent"] for out, _ in outputs) == 120
    assert len(hook.received) == 120 and hook.duplicates == 0  # the claims never overlapped


def test_a_booking_with_a_contact_tells_the_customer_when_booked_moved_and_cancelled(ctx, servers) -> None:
    """Appointments write their messages in the booking's own transaction, only to the contact given for
    that booking; a booking without one writes nothing."""
    from deskapp.core import appointments as ap
    from tests.unit.test_appointments import DAY, customer

    enable(ctx, *servers, reminder_hours=[2])
    number = customer(ctx)
    silent = ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita")
    assert outbox() == []
    booked = ap.book(ctx, number, "LOAN", f"{DAY}T14:00", by="rita", email="rosa@example.com")
    confirmed = outbox("booking_confirmed")
    assert [(r.recipient, json.loads(r.payload)["code"]) for r in confirmed] == [("rosa@example.com", booked.code)]
    assert [r.not_before.hour for r in outbox("booking_reminder")] == [12]  # 2 hours before, in UTC
    ap.move(ctx, booked.code, f"{DAY}T13:00", by="rita")
    moved = json.loads(outbox("booking_moved")[0].payload)
    assert (moved["previous_time"], moved["time"]) == ("14:00", "13:00")
    ap.cancel(ctx, booked.code, by="rita")
    assert len(outbox("booking_cancelled")) == 1 and outbox("booking_reminder") == []
    ap.cancel(ctx, silent.code, by="rita")
    assert len(outbox("booking_cancelled")) == 1
    with pytest.raises(ContactInvalid):
        ap.book(ctx, number, "LOAN", f"{DAY}T12:00", by="rita", phone="12")


def test_a_booking_at_a_branch_in_another_time_zone_is_kept_and_told_in_its_wall_time(ctx, servers) -> None:
    """A Lisbon desk books at Ponta Delgada (Azores: UTC-1 in March): 11:00 there is 12:00 UTC, and the
    customer's messages say 11:00 (before: read as Lisbon's 11:00, and told so)."""
    from deskapp.core import appointments as ap
    from deskapp.db.models import Appointment, AuditEvent
    from tests.network_branches import add_branch
    from tests.unit.test_appointments import DAY, customer

    enable(ctx, *servers)
    ctx.config = ctx.config.model_copy(update={"appointments": ctx.config.appointments.model_copy(
        update={"branch_capacity": {"AZR01": {"ACCT": 2}}})})
    add_branch("AZR01", "Ponta Delgada", "Atlantic/Azores", services=(("ACCT", "B", 10),))
    booked = ap.book(ctx, customer(ctx), "ACCT", f"{DAY}T11:00", by="rita", branch_code="AZR01",
                     email="rosa@example.com")
    assert booked.starts_at == dt.datetime(2026, 3, 10, 11, 0)  # shown in the branch's wall time
    assert Appointment.get(Appointment.code == booked.code).starts_at == dt.datetime(2026, 3, 10, 12, 0)
    told = json.loads(outbox("booking_confirmed")[0].payload)
    assert (told["branch"], told["date"], told["time"]) == ("Ponta Delgada", DAY, "11:00")
    assert "at=2026-03-10T11:00" in AuditEvent.get(AuditEvent.entity_id == booked.code).detail
    ap.move(ctx, booked.code, f"{DAY}T14:30", by="rita")
    moved = json.loads(outbox("booking_moved")[0].payload)
    assert (moved["previous_time"], moved["time"]) == ("11:00", "14:30")
    assert [local.strftime("%H:%M") for local, _ in ap.free_slots(ctx, "ACCT", dt.date(2026, 3, 10),
                                                                    branch_code="AZR01")][:2] == ["09:00", "09:30"]


def _speaking_portuguese(ctx) -> None:
    """The branch as shipped: Portuguese its own language, English offered at the kiosk."""
    branch = ctx.config.branch.model_copy(update={"languages": ["pt-PT", "en"]})
    ctx.config = ctx.config.model_copy(update={"branch": branch})


@pytest.mark.pg
def test_a_ticket_s_messages_speak_the_language_its_customer_chose(ctx, servers) -> None:
    """At a Portuguese branch a tourist who picked English at the kiosk is told in English (the service's
    name too), a customer who picked Portuguese in Portuguese, and a ticket issued by staff (no choice)
    in the branch's own language."""
    hook, gateway, mailbox = servers
    enable(ctx, *servers)
    _speaking_portuguese(ctx)
    english = q.issue(ctx, "CASH", contact=parse_contact(ctx, None, "tourist@example.com"), language="en").ticket
    portuguese = q.issue(ctx, "CASH", contact=parse_contact(ctx, None, "rosa@example.com"), language="pt-PT").ticket
    staff = q.issue(ctx, "CASH", contact=parse_contact(ctx, None, "ze@example.com")).ticket
    q.call_next(ctx, "1", "ana")
    q.call_next(ctx, "2", "joao")
    assert deliver.run(ctx, once=True).sent == 5
    mail = {}
    for m in mailbox.messages:
        mail.setdefault(m["To"], []).append((m["Subject"], m.get_content()))
    assert {s for s, _ in mail["tourist@example.com"]} == {f"Your ticket {english.number}",
                                                           f"{english.number}: it is your turn"}
    assert any(f"Your ticket {english.number} for Cash deposit and withdrawal" in t
               for _, t in mail["tourist@example.com"])
    assert {s for s, _ in mail["rosa@example.com"]} == {f"A sua senha {portuguese.number}",
                                                        f"{portuguese.number}: é a sua vez"}
    assert any(f"{portuguese.number}: dirija-se a Balcão 2" in t for _, t in mail["rosa@example.com"])
    assert any("Counter 1" in t for _, t in mail["tourist@example.com"])  # the counter's name in hers (issue 20)
    assert not any("Balcão" in t for _, t in mail["tourist@example.com"])
    assert any("Depósitos e levantamentos" in t for _, t in mail["rosa@example.com"])
    assert [s for s, _ in mail["ze@example.com"]] == [f"A sua senha {staff.number}"]
    called = [json.loads(r.payload) for r in outbox("ticket_called")]
    assert sorted(p["language"] for p in called) == ["en", "pt-PT"]  # the webhook's data says it too


@pytest.mark.pg
def test_a_configured_template_per_language_is_sent_in_the_ticket_s(ctx, servers) -> None:
    from deskapp.config.notify_schema import Template
    from deskapp.config.texts import Text

    hook, gateway, mailbox = servers
    called = Template(text=Text("{number}: dirija-se ao {counter}", {"pt-PT": "{number}: dirija-se ao {counter}",
                                                                       "en": "{number}: please come to {counter}"}))
    enable(ctx, *servers, templates={"ticket_called": called})
    _speaking_portuguese(ctx)
    english = q.issue(ctx, "CASH", contact=parse_contact(ctx, "912 345 678"), language="en", with_estimate=False)
    portuguese = q.issue(ctx, "CASH", contact=parse_contact(ctx, "912 345 679"), with_estimate=False)
    q.call_next(ctx, "1", "ana")
    q.call_next(ctx, "2", "joao")
    deliver.run(ctx, once=True)
    texts = sorted(body["text"] for body in gateway.received.values())
    assert f"{english.ticket.number}: please come to Counter 1" in texts
    assert f"{portuguese.ticket.number}: dirija-se ao Balcão 2" in texts  # the counter's name in hers too


def test_check_config_reports_a_template_missing_a_language_where_it_is(tmp_path) -> None:
    text = CONFIG.read_text() + (
        "notifications:\n"
        "  enabled: true\n"
        "  templates:\n"
        "    turn_soon:\n"
        "      text: {pt-PT: \"{number}: a sua vez está perto.\"}\n"
        "    ticket_called:\n"
        "      text: {pt-PT: \"{number}: dirija-se ao {counter}\", en: \"{number}: go to {countr}\"}\n")
    (tmp_path / "workflows.yaml").write_text((CONFIG.parent / "workflows.yaml").read_text())
    path = tmp_path / "config.yaml"
    path.write_text(text)
    config, errors = check_config(path)
    lines = text.splitlines()
    soon = lines.index("    turn_soon:") + 2
    called = soon + 2
    found = [str(e) for e in errors]
    assert config is None
    assert f"{path}:{soon}:13: this text has no en (the branch speaks pt-PT, en); add en: ..." in found, found
    col = lines[called - 1].index("{countr}") + 1
    assert any(e.startswith(f"{path}:{called}:{col}: ticket_called text: unknown placeholder {{countr}}")
               for e in found), found


@pytest.mark.parametrize("model, setting, given", [
    (Email, "password_env", {"sender": "branch@example.com"}),
    (Webhook, "secret_env", {"url": "https://example.com/hook"}),
    (Sms, "secret_env", {"url": "https://example.com/sms"}),
    (Sms, "token_env", {"url": "https://example.com/sms"}),
])
def test_a_secret_setting_takes_the_name_of_an_environment_variable_never_the_secret(model, setting, given):
    from pydantic import ValidationError

    assert getattr(model(**given, **{setting: "DESKAPP_SECRET_1"}), setting) == "DESKAPP_SECRET_1"
    with pytest.raises(ValidationError) as refused:
        model(**given, **{setting: "s3cr3t-value"})
    assert [(e["loc"], e["msg"]) for e in refused.value.errors()] == [
        ((setting,), "Value error, 's3cr3t-value' must be the NAME of an environment variable (A-Z, 0-9, _), "
                     "never the secret itself")]
