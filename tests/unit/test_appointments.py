"""Issue 17, items 1, 3 and 4: appointments on SQLite and PostgreSQL.

Booking within capacity and opening hours, a code without ambiguous characters, a named staff member who
cannot be booked twice at once, move and cancel (audited, seat given back); check-in making a ticket in
the appointment class that is called before walk-ins who came earlier, an early arrival waiting for slot
minus margin, a booking named for one person called only at their counter, a late one becoming a walk-in,
and a booking nobody checked in marked a no-show after the grace. Clock: 2026-03-10 10:00 UTC (Lisbon = UTC).
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from deskapp.core import appointments as ap
from deskapp.core import queue as q
from deskapp.core.customers import directory, edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.security.permissions import Forbidden
from deskapp.db.models import Appointment, AuditEvent, Service, Ticket

DAY = "2026-03-10"


def customer(ctx, name: str = "Rosa Dono", phone: str | None = None) -> str:
    boss = directory.session_for("sofia")
    draft = CustomerDraft(name=name, phones=[phone] if phone else None, manager="ines")
    return edit.create(ctx, boss, draft, force=True).number


def with_appointments(ctx, **values) -> None:
    ctx.config = ctx.config.model_copy(
        update={"appointments": ctx.config.appointments.model_copy(update=values)})


def actions(code: str) -> list[str]:
    return [a.action for a in AuditEvent.select().where(AuditEvent.entity_id == code).order_by(AuditEvent.id)]


def test_a_booking_has_an_unambiguous_code_and_is_audited(ctx):
    number = customer(ctx)
    booked = ap.book(ctx, number, "ACCT", f"{DAY}T11:00", by="rita")
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", booked.code)
    assert not set(booked.code) & set("0O1IL")
    assert (booked.service, booked.customer_number, booked.status) == ("ACCT", number, "booked")
    assert booked.starts_at == dt.datetime(2026, 3, 10, 11, 0)
    assert booked.ends_at == dt.datetime(2026, 3, 10, 11, 30)  # 18 minutes take one 30-minute slot
    assert actions(booked.code) == ["appointment_booked"]
    assert [b.code for b in ap.agenda(ctx, dt.date(2026, 3, 10))] == [booked.code]


def test_codes_are_unique_across_many_bookings(ctx, clock):
    with_appointments(ctx, capacity={"ACCT": 50})
    number = customer(ctx)
    codes = {ap.book(ctx, number, "ACCT", f"{DAY}T14:00", by="rita").code for _ in range(40)}
    assert len(codes) == 40


@pytest.mark.parametrize("at, words", [
    (f"{DAY}T11:10", "every 30 minutes"),
    (f"{DAY}T07:00", "outside opening hours"),
    (f"{DAY}T09:00", "already begun"),
    ("tomorrow", "not a date and time"),
])
def test_times_that_are_not_bookable_slots_are_refused_as_bad_input(ctx, at, words):
    number = customer(ctx)
    with pytest.raises(ap.BookingInvalid, match=words) as caught:
        ap.book(ctx, number, "ACCT", at, by="rita")
    assert caught.value.exit_code == 2
    assert Appointment.select().count() == 0


def test_a_service_without_capacity_takes_no_bookings(ctx):
    with pytest.raises(ap.BookingInvalid, match="takes no bookings"):
        ap.book(ctx, customer(ctx), "CASH", f"{DAY}T11:00", by="rita")


def test_capacity_per_hour_is_kept_and_a_cancel_gives_the_seat_back(ctx):
    number = customer(ctx)
    first = ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita")
    ap.book(ctx, number, "LOAN", f"{DAY}T11:30", by="rita")  # the same hour: capacity 2
    with pytest.raises(ap.SlotFull, match="fully booked"):
        ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita")
    assert [t.strftime("%H:%M") for t, _ in ap.free_slots(ctx, "LOAN", dt.date(2026, 3, 10))][:2] == ["10:00", "10:30"]
    assert "11:00" not in [t.strftime("%H:%M") for t, _ in ap.free_slots(ctx, "LOAN", dt.date(2026, 3, 10))]
    cancelled = ap.cancel(ctx, first.code, by="rita", reason="rang to cancel")
    assert cancelled.status == "cancelled"
    assert ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita").status == "booked"
    assert actions(first.code) == ["appointment_booked", "appointment_cancelled"]
    with pytest.raises(ap.BookingError, match="cancelled"):
        ap.cancel(ctx, first.code, by="rita")


def test_a_named_staff_member_cannot_be_booked_twice_at_once(ctx):
    number = customer(ctx)
    ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita", named="ana")
    with pytest.raises(ap.SlotFull, match="Ana Costa already has a booking"):
        ap.book(ctx, number, "ACCT", f"{DAY}T11:00", by="rita", named="ana")
    other = ap.book(ctx, number, "ACCT", f"{DAY}T11:00", by="rita", named="joao")
    assert other.staff == "joao"
    assert "11:00" not in [t.strftime("%H:%M") for t, _ in
                           ap.free_slots(ctx, "ACCT", dt.date(2026, 3, 10), named="ana")]


def test_move_takes_a_new_seat_and_keeps_the_code(ctx):
    number = customer(ctx)
    booked = ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita", named="ana")
    moved = ap.move(ctx, booked.code, f"{DAY}T13:30", by="pedro")
    assert (moved.code, moved.starts_at.strftime("%H:%M"), moved.staff) == (booked.code, "13:30", "ana")
    assert actions(booked.code) == ["appointment_booked", "appointment_moved"]
    # its old hour is free again for two
    ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita")
    ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="rita")


def test_booking_needs_a_staff_member_and_check_in_does_not(ctx):
    number = customer(ctx)
    with pytest.raises(Forbidden):
        ap.book(ctx, number, "LOAN", f"{DAY}T11:00", by="nobody")
    booked = ap.book(ctx, number, "LOAN", f"{DAY}T10:00", by="rita")
    assert ap.check_in(ctx, booked.code).issued is not None  # at the kiosk: nobody named


# ------------------------------------------------------------------------------------ check-in and calling


def test_a_booked_customer_checked_in_at_the_slot_is_called_before_earlier_walk_ins(ctx, clock):
    number = customer(ctx)
    booked = ap.book(ctx, number, "ACCT", f"{DAY}T10:30", by="rita")
    walk_ins = [q.issue(ctx, "ACCT", with_estimate=False).ticket for _ in range(3)]
    clock.advance(minutes=29)  # 10:29: the slot (10:30) minus the 5-minute margin has come
    checked = ap.check_in(ctx, booked.code.lower(), channel="kiosk")
    ticket = checked.issued.ticket
    assert ticket.number.startswith("VB") and ticket.priority == "appointment"
    assert checked.booking.status == "checked_in" and checked.booking.ticket == ticket.number
    called = q.call_next(ctx, "4", "joao")
    assert called.id == ticket.id
    assert q.call_next(ctx, "5", "mehmet").id == walk_ins[0].id
    assert actions(booked.code) == ["appointment_booked", "appointment_checked_in"]
    from deskapp.core.stats.integrity import check
    assert check(ctx.branch_id) == []


def test_a_walk_in_issued_just_after_a_checked_in_booking_counts_it_ahead(ctx, clock):
    # Issue 17 (review): the walk-in's position, its expected wait and its "ticket issued" message
    # follow the calling order call-next uses (queue.booked.arrange), which calls the booking first.
    from deskapp.config.notify_schema import Notifications, Webhook
    from deskapp.core.notify import parse_contact
    from deskapp.db.models import NotificationOutbox

    ctx.config = ctx.config.model_copy(update={"notifications": Notifications(
        enabled=True, phone_channel="webhook", webhook=Webhook(url="http://127.0.0.1:9/hook", secret_env="X"))})
    booked = ap.book(ctx, customer(ctx), "ACCT", f"{DAY}T10:30", by="rita")
    clock.advance(minutes=30)  # 10:30: at the slot
    ticket = ap.check_in(ctx, booked.code, channel="kiosk").issued.ticket
    clock.advance(seconds=20)
    walk_in = q.issue(ctx, "ACCT", contact=parse_contact(ctx, "912 345 678"))
    assert walk_in.position == 2
    assert json.loads(NotificationOutbox.get().payload)["position"] == 2
    from deskapp.core.queue.waits import service_waits
    assert [w.ticket_id for w in service_waits(ctx, Service.get(Service.code == "ACCT"))] == [ticket.id, walk_in.ticket.id]
    assert q.call_next(ctx, "4", "joao").id == ticket.id  # as the desk calls them
    assert q.call_next(ctx, "5", "mehmet").id == walk_in.ticket.id


def test_an_early_arrival_waits_until_slot_minus_margin(ctx, clock):
    number = customer(ctx)
    booked = ap.book(ctx, number, "ACCT", f"{DAY}T11:00", by="rita")
    checked = ap.check_in(ctx, booked.code)  # 10:00, an hour early
    assert checked.issued.estimated_wait_minutes == pytest.approx(55)
    walk_in = q.issue(ctx, "ACCT", with_estimate=False).ticket
    assert q.call_next(ctx, "4", "joao").id == walk_in.id
    q.start(ctx, "4")
    q.complete(ctx, "4")
    assert q.call_next(ctx, "4", "joao") is None  # only the early booking waits
    clock.set(dt.datetime(2026, 3, 10, 10, 55))
    assert q.call_next(ctx, "4", "joao").id == checked.issued.ticket.id


def test_a_booking_named_for_someone_is_called_only_at_their_counter(ctx, clock):
    number = customer(ctx)
    booked = ap.book(ctx, number, "ACCT", f"{DAY}T10:00", by="rita", named="mehmet")
    ticket = ap.check_in(ctx, booked.code).issued.ticket
    walk_in = q.issue(ctx, "ACCT", with_estimate=False).ticket
    assert q.call_next(ctx, "4", "joao").id == walk_in.id  # joao is not mehmet
    q.start(ctx, "4")
    q.complete(ctx, "4")
    assert q.call_next(ctx, "4", "joao") is None
    assert q.call_next(ctx, "5", "mehmet").id == ticket.id
    q.start(ctx, "5")
    moved = q.transfer(ctx, "5", "LOAN", by="mehmet")  # transferred by them: an ordinary ticket of LOAN
    assert moved.priority == "normal"
    assert q.call_next(ctx, "4", "joao").id == moved.id


def test_a_late_arrival_becomes_a_walk_in(ctx, clock):
    number = customer(ctx)
    booked = ap.book(ctx, number, "ACCT", f"{DAY}T10:00", by="rita")
    earlier = q.issue(ctx, "ACCT", with_estimate=False).ticket
    clock.set(dt.datetime(2026, 3, 10, 10, 11))  # grace is 10 minutes
    checked = ap.check_in(ctx, booked.code)
    assert checked.late and checked.booking.status == "late"
    assert checked.issued.ticket.number.startswith("B") and checked.issued.ticket.priority == "normal"
    assert q.call_next(ctx, "4", "joao").id == earlier.id
    assert q.call_next(ctx, "5", "mehmet").id == checked.issued.ticket.id
    assert actions(booked.code)[-1] == "appointment_late"
    with pytest.raises(ap.BookingError, match="is late"):  # a second check-in issues nothing more
        ap.check_in(ctx, booked.code)
    assert Ticket.select().where(Ticket.customer.is_null(False)).count() == 1


def test_a_late_arrival_is_refused_when_the_policy_says_so(ctx, clock):
    with_appointments(ctx, late_policy="refuse")
    booked = ap.book(ctx, customer(ctx), "ACCT", f"{DAY}T10:00", by="rita")
    clock.set(dt.datetime(2026, 3, 10, 10, 11))
    with pytest.raises(ap.BookingError, match="grace has passed"):
        ap.check_in(ctx, booked.code)
    assert Ticket.select().count() == 0


def test_a_booking_nobody_checked_in_is_a_no_show_after_the_grace(ctx, clock):
    booked = ap.book(ctx, customer(ctx), "ACCT", f"{DAY}T10:30", by="rita")
    clock.set(dt.datetime(2026, 3, 10, 10, 40))
    assert ap.sweep(ctx) == []  # exactly slot + grace: not yet
    clock.set(dt.datetime(2026, 3, 10, 10, 40, 1))
    assert ap.sweep(ctx) == [booked.code]
    assert Appointment.get(Appointment.code == booked.code).status == "no_show"
    assert actions(booked.code) == ["appointment_booked", "appointment_no_show"]
    assert ap.sweep(ctx) == []
    # a listing marks them lazily too
    other = ap.book(ctx, customer(ctx, "Outro Nome"), "ACCT", f"{DAY}T11:00", by="rita")
    clock.set(dt.datetime(2026, 3, 10, 11, 30))
    assert {b.code: b.status for b in ap.agenda(ctx, dt.date(2026, 3, 10))}[other.code] == "no_show"


def test_check_in_by_the_last_digits_of_a_phone(ctx):
    number = customer(ctx, phone="+351912345678")
    booked = ap.book(ctx, number, "ACCT", f"{DAY}T10:30", by="rita")
    assert ap.check_in(ctx, "5678", channel="kiosk").booking.code == booked.code
    with pytest.raises(ap.BookingNotFound):
        ap.check_in(ctx, "9999")
    with pytest.raises(ap.BookingNotFound, match="last 4"):
        ap.check_in(ctx, "78")


def test_who_is_expected_in_the_next_hour(ctx, clock):
    number = customer(ctx)
    soon = ap.book(ctx, number, "ACCT", f"{DAY}T10:30", by="rita", named="ana")
    anyone = ap.book(ctx, number, "LOAN", f"{DAY}T10:30", by="rita")
    ap.book(ctx, number, "ACCT", f"{DAY}T12:00", by="rita")
    mine = ap.book(ctx, number, "CARD", f"{DAY}T10:00", by="rita", named="joao")
    assert [b.code for b in ap.expected(ctx)] == [mine.code, soon.code, anyone.code]
    assert [b.code for b in ap.expected(ctx, with_staff="ana")] == [soon.code, anyone.code]


# ------------------------------------------------------------------------------------ figures and staffing


def test_the_report_counts_bookings_by_service_and_staff(ctx, clock):
    from deskapp.core.stats import reports

    number = customer(ctx)
    on_time = ap.book(ctx, number, "ACCT", f"{DAY}T10:30", by="rita", named="joao")
    ap.book(ctx, number, "ACCT", f"{DAY}T11:00", by="rita", named="joao")  # will be a no-show
    late = ap.book(ctx, number, "LOAN", f"{DAY}T10:30", by="rita")
    gone = ap.book(ctx, number, "LOAN", f"{DAY}T14:00", by="rita")
    ap.cancel(ctx, gone.code, by="rita")
    clock.set(dt.datetime(2026, 3, 10, 10, 28))
    ap.check_in(ctx, on_time.code)
    clock.set(dt.datetime(2026, 3, 10, 10, 31))
    assert q.call_next(ctx, "4", "joao").id == Ticket.get(Ticket.number.startswith("VB")).id
    q.start(ctx, "4")
    clock.set(dt.datetime(2026, 3, 10, 10, 45))
    ap.check_in(ctx, late.code)
    clock.set(dt.datetime(2026, 3, 10, 11, 30))
    table = {t.name: t for t in reports.build(ctx, dt.date(2026, 3, 10), dt.date(2026, 3, 10)).tables}["appointments"]
    assert table.columns == ("service", "staff", "booked", "checked_in", "late", "no_shows", "started_on_time",
                             "no_show_rate", "on_time_rate")
    assert table.rows == (
        ("ACCT", "joao", 2, 1, 0, 1, 1, 0.5, 1.0),
        ("LOAN", "anyone", 1, 0, 1, 0, 0, 0.0, None),
        ("ALL", "", 3, 1, 1, 1, 1, 0.3333, 1.0),
    )


def test_staffing_counts_the_booked_load_of_the_coming_hours(ctx, clock):
    from deskapp.core.stats import staffing

    before = {h.hour: h for h in staffing.day_plan(ctx, dt.date(2026, 3, 10))}
    number = customer(ctx)
    codes = [ap.book(ctx, number, "LOAN", f"{DAY}T{at}", by="rita").code for at in ("13:00", "13:30", "14:00")]
    ctx._arrival_forecast = None  # the forecast cache holds past weeks only; bookings are read each time
    after = {h.hour: h for h in staffing.day_plan(ctx, dt.date(2026, 3, 10))}
    assert (before[13].booked, after[13].booked, after[14].booked, after[12].booked) == (0, 2, 1, 0)
    assert after[13].arrivals == pytest.approx(before[13].arrivals + 2)
    assert after[13].needed >= 1
    assert after[13].as_dict()["booked"] == 2
    ap.check_in(ctx, codes[0])  # checked in: a ticket now, no longer a booking to come
    assert {h.hour: h for h in staffing.day_plan(ctx, dt.date(2026, 3, 10))}[13].booked == 1


# ------------------------------------------------------------------------------------ configuration


def test_check_config_points_at_bad_appointment_settings(tmp_path):
    from deskapp.config.load import check_config
    from tests.conftest import CONFIG

    text = CONFIG.read_text(encoding="utf-8").replace(
        "  capacity: {ACCT: 2, LOAN: 2, CARD: 2, INFO: 2}", "  capacity: {ACCT: 2, LAON: 2}").replace(
        "  prefix: V\n", "  prefix: v1\n")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "workflows.yaml").write_text((CONFIG.parent / "workflows.yaml").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    _config, errors = check_config(path)
    messages = [e.message for e in errors]
    assert any("appointment prefix 'v1' must be 1 or 2 capital letters" in m for m in messages), messages
    path.write_text(text.replace("prefix: v1", "prefix: V"), encoding="utf-8")
    _config, errors = check_config(path)
    assert [e.message for e in errors] == ["appointments.capacity names unknown service 'LAON' (did you mean 'LOAN'?)"]
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "LAON" in row)
    assert errors[0].line == line
