"""`deskapp appointments ...` as scripts use it (issue 17, item 2): the installed CLI in a subprocess, on
SQLite and PostgreSQL. The commands run on the real clock, so bookings are made for tomorrow."""
from __future__ import annotations

import datetime as dt

from deskapp.core.customers import directory, edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.db import database
from deskapp.db.models import Appointment, Branch, Customer, Service, Staff
from tests.unit.test_cli_queue import ISSUED, cli, deskapp, failed, ok_json  # noqa: F401  (cli is a fixture)

TOMORROW = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date()  # Lisbon: within an hour of UTC


def test_book_list_move_cancel(ctx, cli, db_url, tmp_path) -> None:  # noqa: F811
    def read(*args: str):  # `--staff` here filters: no PIN
        return deskapp(db_url, *args, cwd=tmp_path)

    number = edit.create(ctx, directory.session_for("sofia"), CustomerDraft(name="Rosa Dono"), force=True).number
    database.close()
    booked = ok_json(cli("appointments", "book", "--customer", number, "--service", "loan",
                         "--at", f"{TOMORROW}T11:00", "--by", "rita", "--staff", "ana", "--json"))
    assert booked["code"] and booked["status"] == "booked" and booked["staff"] == "ana"
    assert booked["starts_at"] == f"{TOMORROW}T11:00" and booked["service"] == "LOAN"
    listed = ok_json(read("appointments", "list", "--date", str(TOMORROW), "--staff", "ana", "--json"))
    assert [b["code"] for b in listed] == [booked["code"]]
    assert ok_json(read("appointments", "list", "--date", str(TOMORROW), "--staff", "joao", "--json")) == []
    moved = ok_json(cli("appointments", "move", booked["code"], "--at", f"{TOMORROW}T13:30", "--by", "ana", "--json"))
    assert (moved["code"], moved["starts_at"]) == (booked["code"], f"{TOMORROW}T13:30")
    free = ok_json(read("appointments", "slots", "--service", "LOAN", "--date", str(TOMORROW), "--staff", "ana",
                       "--json"))
    assert {"at": f"{TOMORROW}T13:30", "seats": 1} not in free and {"at": f"{TOMORROW}T11:00", "seats": 2} in free
    text = cli("appointments", "cancel", booked["code"].lower(), "--by", "rita")
    assert text.returncode == 0 and "Cancelled" in text.stdout
    assert "is cancelled" in failed(cli("appointments", "cancel", booked["code"], "--by", "rita"), 1)


def test_bad_input_is_a_clear_message_and_exit_2(ctx, cli) -> None:  # noqa: F811
    number = edit.create(ctx, directory.session_for("sofia"), CustomerDraft(name="Rosa Dono"), force=True).number
    database.close()
    book = ("appointments", "book", "--customer", number, "--by", "rita")
    assert "not a date and time" in failed(cli(*book, "--service", "LOAN", "--at", "soon"), 2)
    assert "Slots start every 30 minutes" in failed(cli(*book, "--service", "LOAN", "--at", f"{TOMORROW}T11:10"), 2)
    assert "no service 'NOPE'" in failed(cli(*book, "--service", "NOPE", "--at", f"{TOMORROW}T11:00"), 2)
    assert "no active customer 999999" in failed(cli("appointments", "book", "--customer", "999999", "--by", "rita",
                                                     "--service", "LOAN", "--at", f"{TOMORROW}T11:00"), 2)
    assert "no booking ZZZZZZ" in failed(cli("appointments", "check-in", "ZZZZZZ"), 2)
    assert "not a date like" in failed(cli("appointments", "list", "--date", "monday"), 2)


def test_check_in_prints_the_ticket_like_queue_issue(ctx, cli) -> None:  # noqa: F811
    number = edit.create(ctx, directory.session_for("sofia"), CustomerDraft(name="Rosa Dono"), force=True).number
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    # a booking for this minute, written as a booking made earlier would be (the CLI runs on the real clock)
    Appointment.create(branch=Branch.get().id, service=Service.get(Service.code == "ACCT").id,
                       customer=Customer.get(Customer.number == number).id, code="QW3RTY", starts_at=now,
                       ends_at=now + dt.timedelta(minutes=30), hour_start=now.replace(minute=0), seat=0,
                       status="booked", created_at=now, created_by=Staff.get(Staff.login == "rita").id)
    database.close()
    ticket = ok_json(cli("appointments", "check-in", "qw3rty", "--json"))
    assert set(ticket) == ISSUED
    assert ticket["ticket"].startswith("VB") and ticket["service"] == "ACCT" and ticket["priority"] == "appointment"
    assert ticket["position"] == 1
    again = failed(cli("appointments", "check-in", "QW3RTY", "--json"), 1)
    assert "checked in" in again
