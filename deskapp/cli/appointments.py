"""`deskapp appointments ...`: booked visits from scripts and integrations (issue 17).

book, move and cancel act in a staff member's name (`--by LOGIN`, PIN proven); check-in may be done
with nobody named (a kiosk script) and prints the ticket as `queue issue --json` does; list, slots and
sweep read or tidy without a login.
"""
from __future__ import annotations

import datetime as dt

import click

from deskapp.cli.click_words import argument, group, option
from deskapp.cli.common import (
    EXIT_BAD_INPUT,
    Env,
    emit,
    fail,
    json_option,
    pin_stdin_option,
    prove_identity,
    status_word,
    user_errors,
)
from deskapp.cli.queue import issued_data, wait_words
from deskapp.i18n import N_, _, ngettext


@group(help=N_("Booked visits: book, move, cancel, check in, list, and mark no-shows."))
def appointments() -> None:
    pass


def _line(b) -> str:
    said = (_("{code}  {at}  {service} {number} {name}  with {who}  {status}  ticket {ticket}") if b.ticket else
            _("{code}  {at}  {service} {number} {name}  with {who}  {status}"))
    return said.format(code=b.code, at=b.starts_at.strftime("%Y-%m-%d %H:%M"), service=f"{b.service:<6}",
                       number=f"{b.customer_number:<10}", name=b.customer_name, who=b.staff or _("anyone"),
                       status=status_word(b.status), ticket=b.ticket)


def _day(text: str | None, ctx) -> dt.date:
    if not text:
        return ctx.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(_("'{text}' is not a date like 2026-03-10.").format(text=text), EXIT_BAD_INPUT)
        raise


@appointments.command(help=N_("Book a slot for a customer; prints the booking with its code."))
@option("--customer", "customer_number", required=True, metavar=N_("NUMBER"), help=N_("The customer's number."))
@option("--service", "service_code", required=True, metavar=N_("CODE"), help=N_("Service code, e.g. LOAN."))
@option("--at", "at", required=True, metavar=N_("ISO-DATETIME"),
        help=N_("The slot, branch-local, e.g. 2026-03-10T14:30."))
@option("--staff", "named", default=None, metavar=N_("LOGIN"), help=N_("With this staff member (default: anyone)."))
@option("--branch", "branch_code", default=None, metavar="B",  # i18n: not words
        help=N_("The branch (default: this desk's)."))
@option("--notify-phone", "phone", default=None, metavar=N_("PHONE"),
        help=N_("Send this booking's messages (confirmed, reminders, moved, cancelled) to this phone."))
@option("--notify-email", "email", default=None, metavar=N_("ADDRESS"), help=N_("... and/or to this e-mail address."))
@option("--by", "by", required=True, metavar=N_("LOGIN"), help=N_("Who books (their PIN is asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def book(env: Env, customer_number: str, service_code: str, at: str, named: str | None, branch_code: str | None,
         phone: str | None, email: str | None, by: str, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core import appointments as ap

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    booked = ap.book(ctx, customer_number, service_code, at, by=session.login, named=named, branch_code=branch_code,
                     phone=phone, email=email)
    emit(as_json, booked.as_json(), _("Booked {code}: {booking}").format(code=booked.code, booking=_line(booked)))


@appointments.command(help=N_("Move a booking to another slot."))
@argument("code")
@option("--at", "at", required=True, metavar=N_("ISO-DATETIME"), help=N_("The new slot, branch-local."))
@option("--staff", "named", default=None, metavar=N_("LOGIN"), help=N_("With this staff member instead."))
@option("--by", "by", required=True, metavar=N_("LOGIN"), help=N_("Who moves it (their PIN is asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def move(env: Env, code: str, at: str, named: str | None, by: str, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core import appointments as ap

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    moved = ap.move(ctx, code, at, by=session.login, named=named)
    emit(as_json, moved.as_json(), _("Moved {code}: {booking}").format(code=moved.code, booking=_line(moved)))


@appointments.command(help=N_("Cancel a booking (its slot is free again)."))
@argument("code")
@option("--reason", default="", help=N_("Why (kept in the audit)."))
@option("--by", "by", required=True, metavar=N_("LOGIN"), help=N_("Who cancels it (their PIN is asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def cancel(env: Env, code: str, reason: str, by: str, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core import appointments as ap

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    cancelled = ap.cancel(ctx, code, by=session.login, reason=reason)
    emit(as_json, cancelled.as_json(), _("Cancelled {code}.").format(code=cancelled.code))


@appointments.command("check-in", help=N_("Check a booked customer in (booking code, or the last digits of their "
                                          "phone or ID); prints the ticket."))
@argument("code")
@option("--staff", "staff_login", default=None, metavar=N_("LOGIN"),
        help=N_("Who checks the customer in (their PIN is asked); without it: nobody named, as at a kiosk."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def check_in(env: Env, code: str, staff_login: str | None, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core import appointments as ap

    ctx = env.context()
    staff = prove_identity(ctx, staff_login, pin_stdin).login if staff_login else None
    done = ap.check_in(ctx, code, channel="cli", staff=staff)
    t, data = done.issued.ticket, issued_data(done.issued)
    kind = (_("late: an ordinary ticket") if done.late else
            _("booked for {time}").format(time=done.booking.starts_at.strftime("%H:%M")))
    emit(as_json, data, _("{number}  {service}  ({kind}), position {position}, expected wait {wait}").format(
        number=t.number, service=ctx.config.service_name(t.service, t.service_name), kind=kind, position=data["position"], wait=wait_words(data)))


@appointments.command("list", help=N_("The bookings of a day (past ones nobody checked in are marked no-shows first)."))
@option("--date", "day", default=None, metavar="D", help=N_("The day (default: today)."))  # i18n: not words
@option("--days", default=1, type=click.IntRange(1, 31), help=N_("How many days from --date (7: a week)."))
@option("--staff", "named", default=None, metavar=N_("LOGIN"), help=N_("Only this staff member's bookings."))
@option("--all", "include_cancelled", is_flag=True, help=N_("Include cancelled bookings."))
@json_option
@click.pass_obj
@user_errors
def list_(env: Env, day: str | None, days: int, named: str | None, include_cancelled: bool, as_json: bool) -> None:
    from deskapp.core import appointments as ap

    ctx = env.context()
    rows = ap.agenda(ctx, _day(day, ctx), days, with_staff=named, include_cancelled=include_cancelled)
    emit(as_json, [b.as_json() for b in rows], "\n".join(_line(b) for b in rows) or _("No bookings."))


@appointments.command(help=N_("The slots of a day still free for a service."))
@option("--service", "service_code", required=True, metavar=N_("CODE"))
@option("--date", "day", default=None, metavar="D", help=N_("The day (default: today)."))  # i18n: not words
@option("--staff", "named", default=None, metavar=N_("LOGIN"), help=N_("Free for this staff member too."))
@json_option
@click.pass_obj
@user_errors
def slots(env: Env, service_code: str, day: str | None, named: str | None, as_json: bool) -> None:
    from deskapp.core import appointments as ap

    ctx = env.context()
    free = ap.free_slots(ctx, service_code, _day(day, ctx), named=named)
    emit(as_json, [{"at": at.isoformat(timespec="minutes"), "seats": seats} for at, seats in free],
         "\n".join(f"{at:%H:%M}  " + ngettext("{n} free", "{n} free", seats).format(n=seats) for at, seats in free)
         or _("No free slots."))


@appointments.command(help=N_("Mark as no-shows the bookings not checked in by their slot plus the grace."))
@json_option
@click.pass_obj
@user_errors
def sweep(env: Env, as_json: bool) -> None:
    from deskapp.core import appointments as ap

    ctx = env.context()
    codes = ap.sweep(ctx)
    said = (ngettext("{n} no-show: {codes}", "{n} no-shows: {codes}", len(codes)) if codes else _("0 no-shows."))
    emit(as_json, {"no_shows": codes}, said.format(n=len(codes), codes=", ".join(codes)))
