"""`deskapp appointments ...`: booked visits from scripts and integrations (issue 17).

book, move and cancel act in a staff member's name (`--by LOGIN`, PIN proven); check-in may be done
with nobody named (a kiosk script) and prints the ticket as `queue issue --json` does; list, slots and
sweep read or tidy without a login.
"""
from __future__ import annotations

import datetime as dt

import click

from deskapp.cli.common import (
    EXIT_BAD_INPUT,
    Env,
    emit,
    fail,
    json_option,
    pin_stdin_option,
    prove_identity,
    user_errors,
)
from deskapp.cli.queue import issued_data, wait_words


@click.group()
def appointments() -> None:
    """Booked visits: book, move, cancel, check in, list, and mark no-shows."""


def _line(b) -> str:
    who = b.staff or "anyone"
    tail = f"  ticket {b.ticket}" if b.ticket else ""
    return (f"{b.code}  {b.starts_at:%Y-%m-%d %H:%M}  {b.service:<6} {b.customer_number:<10} {b.customer_name}"
            f"  with {who}  {b.status}{tail}")


def _day(text: str | None, ctx) -> dt.date:
    if not text:
        return ctx.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"'{text}' is not a date like 2026-03-10.", EXIT_BAD_INPUT)
        raise


@appointments.command()
@click.option("--customer", "customer_number", required=True, metavar="NUMBER", help="The customer's number.")
@click.option("--service", "service_code", required=True, metavar="CODE", help="Service code, e.g. LOAN.")
@click.option("--at", "at", required=True, metavar="ISO-DATETIME", help="The slot, branch-local, e.g. 2026-03-10T14:30.")
@click.option("--staff", "named", default=None, metavar="LOGIN", help="With this staff member (default: anyone).")
@click.option("--branch", "branch_code", default=None, metavar="B", help="The branch (default: this desk's).")
@click.option("--notify-phone", "phone", default=None, metavar="PHONE",
              help="Send this booking's messages (confirmed, reminders, moved, cancelled) to this phone.")
@click.option("--notify-email", "email", default=None, metavar="ADDRESS", help="... and/or to this e-mail address.")
@click.option("--by", "by", required=True, metavar="LOGIN", help="Who books (their PIN is asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def book(env: Env, customer_number: str, service_code: str, at: str, named: str | None, branch_code: str | None,
         phone: str | None, email: str | None, by: str, pin_stdin: bool, as_json: bool) -> None:
    """Book a slot for a customer; prints the booking with its code."""
    from deskapp.core import appointments as ap

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    booked = ap.book(ctx, customer_number, service_code, at, by=session.login, named=named, branch_code=branch_code,
                     phone=phone, email=email)
    emit(as_json, booked.as_json(), f"Booked {booked.code}: " + _line(booked))


@appointments.command()
@click.argument("code")
@click.option("--at", "at", required=True, metavar="ISO-DATETIME", help="The new slot, branch-local.")
@click.option("--staff", "named", default=None, metavar="LOGIN", help="With this staff member instead.")
@click.option("--by", "by", required=True, metavar="LOGIN", help="Who moves it (their PIN is asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def move(env: Env, code: str, at: str, named: str | None, by: str, pin_stdin: bool, as_json: bool) -> None:
    """Move a booking to another slot."""
    from deskapp.core import appointments as ap

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    moved = ap.move(ctx, code, at, by=session.login, named=named)
    emit(as_json, moved.as_json(), f"Moved {moved.code}: " + _line(moved))


@appointments.command()
@click.argument("code")
@click.option("--reason", default="", help="Why (kept in the audit).")
@click.option("--by", "by", required=True, metavar="LOGIN", help="Who cancels it (their PIN is asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def cancel(env: Env, code: str, reason: str, by: str, pin_stdin: bool, as_json: bool) -> None:
    """Cancel a booking (its slot is free again)."""
    from deskapp.core import appointments as ap

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    cancelled = ap.cancel(ctx, code, by=session.login, reason=reason)
    emit(as_json, cancelled.as_json(), f"Cancelled {cancelled.code}.")


@appointments.command("check-in")
@click.argument("code")
@click.option("--staff", "staff_login", default=None, metavar="LOGIN",
              help="Who checks the customer in (their PIN is asked); without it: nobody named, as at a kiosk.")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def check_in(env: Env, code: str, staff_login: str | None, pin_stdin: bool, as_json: bool) -> None:
    """Check a booked customer in (booking code, or the last digits of their phone or ID); prints the ticket."""
    from deskapp.core import appointments as ap

    ctx = env.context()
    staff = prove_identity(ctx, staff_login, pin_stdin).login if staff_login else None
    done = ap.check_in(ctx, code, channel="cli", staff=staff)
    t, data = done.issued.ticket, issued_data(done.issued)
    kind = "late: an ordinary ticket" if done.late else f"booked for {done.booking.starts_at:%H:%M}"
    service = ctx.config.service_name(t.service, t.service_name)  # in the reader's language (--lang)
    emit(as_json, data, f"{t.number}  {service}  ({kind}), position {data['position']}, "
         f"expected wait {wait_words(data)}")


@appointments.command("list")
@click.option("--date", "day", default=None, metavar="D", help="The day (default: today).")
@click.option("--days", default=1, type=click.IntRange(1, 31), help="How many days from --date (7: a week).")
@click.option("--staff", "named", default=None, metavar="LOGIN", help="Only this staff member's bookings.")
@click.option("--all", "include_cancelled", is_flag=True, help="Include cancelled bookings.")
@json_option
@click.pass_obj
@user_errors
def list_(env: Env, day: str | None, days: int, named: str | None, include_cancelled: bool, as_json: bool) -> None:
    """The bookings of a day (past ones nobody checked in are marked no-shows first)."""
    from deskapp.core import appointments as ap

    ctx = env.context()
    rows = ap.agenda(ctx, _day(day, ctx), days, with_staff=named, include_cancelled=include_cancelled)
    emit(as_json, [b.as_json() for b in rows], "\n".join(_line(b) for b in rows) or "No bookings.")


@appointments.command()
@click.option("--service", "service_code", required=True, metavar="CODE")
@click.option("--date", "day", default=None, metavar="D", help="The day (default: today).")
@click.option("--staff", "named", default=None, metavar="LOGIN", help="Free for this staff member too.")
@json_option
@click.pass_obj
@user_errors
def slots(env: Env, service_code: str, day: str | None, named: str | None, as_json: bool) -> None:
    """The slots of a day still free for a service."""
    from deskapp.core import appointments as ap

    ctx = env.context()
    free = ap.free_slots(ctx, service_code, _day(day, ctx), named=named)
    emit(as_json, [{"at": at.isoformat(timespec="minutes"), "seats": seats} for at, seats in free],
         "\n".join(f"{at:%H:%M}  {seats} free" for at, seats in free) or "No free slots.")


@appointments.command()
@json_option
@click.pass_obj
@user_errors
def sweep(env: Env, as_json: bool) -> None:
    """Mark as no-shows the bookings not checked in by their slot plus the grace."""
    from deskapp.core import appointments as ap

    ctx = env.context()
    codes = ap.sweep(ctx)
    emit(as_json, {"no_shows": codes}, f"{len(codes)} no-show(s)" + (": " + ", ".join(codes) if codes else "."))
