"""`deskapp queue ...`: the queue from scripts and integrations (shapes fixed in DESIGN.md)."""
from __future__ import annotations

import datetime as dt
import sys

import click

from deskapp.cli.click_words import argument, group, option
from deskapp.cli.common import (
    Env,
    emit,
    json_option,
    pin_stdin_option,
    prove_identity,
    since_option,
    status_word,
    user_errors,
)
from deskapp.i18n import N_, _, ngettext, number


def _minutes(value: float | None) -> int | None:
    """Expected waits are shown in whole minutes, rounded up (at least 1): never promise less than we expect."""
    import math

    return None if value is None else max(1, int(math.ceil(value - 1e-9)))


def issued_data(issued) -> dict:
    """An issued ticket as `queue issue --json` prints it (a contract: `appointments check-in --json` prints
    the same keys), and its expected wait in words for the text line."""
    from deskapp.core.queue.waits import wait_range

    t = issued.ticket
    minutes = _minutes(issued.estimated_wait_minutes)
    span = wait_range(issued.estimated_wait_minutes, issued.estimated_wait_range)
    return {"id": t.id, "ticket": t.number, "service": t.service, "priority": t.priority,
            "position": issued.position, "estimated_wait_minutes": minutes,
            "estimated_wait_range": None if span is None else list(span)}


def wait_words(data: dict) -> str:
    """The expected wait of issued_data's dict, as the text line says it."""
    minutes, span = data["estimated_wait_minutes"], data["estimated_wait_range"]
    if minutes is None:
        return _("no counter open for it")
    if span is None or span[0] == span[1]:
        return _("about {minutes} min").format(minutes=minutes)
    return _("about {minutes} min ({low}-{high} min)").format(minutes=minutes, low=span[0], high=span[1])


def _ticket_dict(t) -> dict:
    return {
        "id": t.id, "ticket": t.number, "service": t.service, "priority": t.priority, "status": t.status,
        "counter": t.counter, "customer_id": t.customer_id, "recall_count": t.recall_count,
        "parent": t.parent_number,
    }


@group(help=N_("Tickets: issue, call, serve, and the queue's status."))
def queue() -> None:
    pass


@queue.command(help=N_("Issue a ticket."))
@option("--service", "service_code", required=True, help=N_("Service code, e.g. CASH."))
@option("--priority", default=None, help=N_("Priority class (default: the last, normal one)."))
@option("--customer", "customer_id", type=int, default=None, help=N_("Customer id to attach."))
@option("--staff", "staff_login", default=None, metavar=N_("LOGIN"),
        help=N_("Who issues it (their PIN is asked); without it the ticket is issued by nobody named."))
@option("--notify-phone", "notify_phone", default=None, metavar=N_("PHONE"),
        help=N_("Tell the customer by SMS when their turn is near and when called (this ticket only)."))
@option("--notify-email", "notify_email", default=None, metavar=N_("ADDRESS"),
        help=N_("Tell the customer by e-mail when their turn is near and when called (this ticket only)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def issue(env: Env, service_code: str, priority: str | None, customer_id: int | None, staff_login: str | None,
          notify_phone: str | None, notify_email: str | None, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core import queue as q
    from deskapp.core.notify import check_reachable, parse_contact

    ctx = env.context()
    contact = parse_contact(ctx, notify_phone, notify_email)
    check_reachable(ctx, contact)
    staff = prove_identity(ctx, staff_login, pin_stdin).login if staff_login else None
    issued = q.issue(ctx, service_code.upper(), priority, customer_id=customer_id, channel="cli", staff=staff,
                     contact=contact)
    t = issued.ticket
    data = issued_data(issued)
    if contact:  # the shape above is a contract; this key comes only with --notify-phone/--notify-email
        data["notify"] = {"phone": contact.phone, "email": contact.email}
    wait = wait_words(data)
    text = _("{number}  {service}  position {position}, expected wait {wait}").format(
        number=t.number, service=ctx.config.service_name(t.service, t.service_name), position=issued.position,
        wait=wait)
    if contact:
        ways = [x for x in (contact.phone and f"+{contact.phone}", contact.email) if x]
        where = ways[0] if len(ways) == 1 else _("{first} and {second}").format(first=ways[0], second=ways[1])
        text += "\n" + _("We will tell you when your turn is near: {where}").format(where=where)
    emit(as_json, data, text)


@queue.command("call-next", help=N_("Call the next ticket to a counter (opens the counter for that staff member, "
                                    "proven by PIN)."))
@option("--counter", "counter_code", required=True)
@option("--staff", "staff_login", required=True, metavar=N_("LOGIN"), help=N_("Who calls (their PIN is asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def call_next(env: Env, counter_code: str, staff_login: str, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core import queue as q

    ctx = env.context()
    session = prove_identity(ctx, staff_login, pin_stdin)
    t = q.call_next(ctx, counter_code, session.login)
    if t is None:
        emit(as_json, {"ticket": None}, _("Nobody is waiting for this counter's services."))
    else:
        emit(as_json, {"id": t.id, "ticket": t.number, "service": t.service, "counter": t.counter},
             _("{number} to counter {counter}").format(number=t.number, counter=t.counter))


def _counter_action(name: str, help_text: str, action, *, extra=()):
    @queue.command(name, help=help_text, epilog=N_("With --staff, in that person's name (PIN proven); without it, "
                                                   "by nobody named: the events name no staff member."))
    @option("--counter", "counter_code", required=True)
    @option("--staff", "staff_login", default=None, metavar=N_("LOGIN"),
            help=N_("Who acts (PIN asked): the counter's holder, or a supervisor at anyone's counter."))
    @pin_stdin_option
    @json_option
    @click.pass_obj
    @user_errors
    def command(env: Env, counter_code: str, staff_login: str | None, pin_stdin: bool, as_json: bool,
                **kwargs) -> None:
        ctx = env.context()
        by = prove_identity(ctx, staff_login, pin_stdin).login if staff_login else None
        t = action(ctx, counter_code, by=by, channel="cli", **kwargs)
        emit(as_json, _ticket_dict(t), f"{t.number}: {status_word(t.status)}")

    for extra_option in extra:
        command = extra_option(command)
    return command


def _core(name: str):
    def call(ctx, counter_code, **kwargs):
        from deskapp.core import queue as q

        return getattr(q, name)(ctx, counter_code, **kwargs)

    return call


_counter_action("recall", N_("Call the held ticket again (counted)."), _core("recall"))
_counter_action("start", N_("Start serving the called ticket."), _core("start"))


def _complete(ctx, counter_code, abandon_reason=None, by=None, channel=None):
    from deskapp.core import queue as q
    from deskapp.core.workflows import guide as workflows

    try:
        return workflows.complete_ticket(ctx, counter_code, abandon_reason=abandon_reason, by=by, channel=channel)
    except workflows.StepsLeft as exc:
        raise q.QueueError(
            _("{number} has guided steps left: finish them at the desk, or complete with --abandon-workflow REASON "
              "to abandon them (recorded and audited).").format(number=exc.number)) from None
    except workflows.StepInvalid as exc:
        raise q.QueueError(_("--abandon-workflow: {problems}.").format(problems="; ".join(exc.problems.values()))) from None


_counter_action("complete", N_("Finish serving the ticket (refused while its workflow has steps left)."), _complete,
                extra=[option("--abandon-workflow", "abandon_reason", default=None, metavar=N_("REASON"),
                              help=N_("Abandon an unfinished workflow at its current step, with this reason."))])
_counter_action("no-show", N_("The called customer did not come."), _core("no_show"))
_counter_action("cancel", N_("The called customer walked away."), _core("cancel"))
_counter_action("requeue", N_("Put the called ticket back in line."), _core("requeue"),
                extra=[option("--front", is_flag=True, help=N_("At the front of its service."))])
_counter_action("transfer", N_("Send the customer on (a new linked ticket): to another service's line, or to a "
                   "named counter or colleague (only they call it), with an optional note for them."), _core("transfer"),
                extra=[option("--to", "to_service", default=None, help=N_("Target service code (default with "
                              "--to-counter/--to-staff: the same service).")),
                       option("--to-counter", "to_counter", default=None, metavar=N_("CODE"),
                              help=N_("Only this counter calls the new ticket (it must not be closed).")),
                       option("--to-staff", "to_staff", default=None, metavar=N_("LOGIN"),
                              help=N_("Only this colleague, now at a counter, calls the new ticket.")),
                       option("--note", "note", default=None, metavar=N_("TEXT"),
                              help=N_("A note shown at the receiving desk and kept in the ticket's events."))])


def _counter_state(env: Env, counter_code: str, by_login: str, pin_stdin: bool, as_json: bool, state: str,
                   reason: str | None = None) -> None:
    from deskapp.core import queue as q
    from deskapp.core.queue.counters import pause_label

    ctx = env.context()
    session = prove_identity(ctx, by_login, pin_stdin)
    code = reason.strip().lower() if reason is not None else None
    q.set_counter_state(ctx, counter_code, state, by=session.login, reason=code)
    label = pause_label(ctx, code)
    said = (_("Counter {counter} {state}: {reason}.") if label else _("Counter {counter} {state}.")).format(
        counter=counter_code, state=status_word(state), reason=label)
    emit(as_json, {"counter": counter_code, "state": state, "reason": code, "label": label}, said)


@queue.command("pause", help=N_("Pause a counter (refused while it holds a ticket): it calls nothing until resumed."))
@option("--counter", "counter_code", required=True)
@option("--by", "by_login", required=True, metavar=N_("LOGIN"),
        help=N_("Who pauses it (PIN asked): the person at it, or a supervisor."))
@option("--reason", "reason", required=True, metavar=N_("CODE"),
        help=N_("Why (a code of the configuration's pause_reasons, e.g. lunch); counted in reports."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def pause(env: Env, counter_code: str, by_login: str, reason: str, pin_stdin: bool, as_json: bool) -> None:
    _counter_state(env, counter_code, by_login, pin_stdin, as_json, "paused", reason)


@queue.command("resume", help=N_("Open a paused counter again, for the person resuming."))
@option("--counter", "counter_code", required=True)
@option("--by", "by_login", required=True, metavar=N_("LOGIN"), help=N_("Who resumes it (PIN asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def resume(env: Env, counter_code: str, by_login: str, pin_stdin: bool, as_json: bool) -> None:
    _counter_state(env, counter_code, by_login, pin_stdin, as_json, "open")


@queue.command(help=N_("Waiting per service and what each counter serves."))
@json_option
@click.pass_obj
@user_errors
def status(env: Env, as_json: bool) -> None:
    from deskapp.core.queue.floor import queue_status

    s = queue_status(env.context())
    config = env.context().config
    stored = config.branch.language  # the JSON a script reads names things as the database does, whatever --lang
    data = {
        "services": [
            {"service": x.code, "name": config.service_name(x.code, x.name, stored), "waiting": x.waiting,
             "longest_wait_minutes": None if x.longest_wait_minutes is None else round(x.longest_wait_minutes, 1),
             "open_counters": x.open_counters}
            for x in s.services
        ],
        "counters": [
            {"counter": c.code, "name": config.counter_name(c.code, c.name, stored), "state": c.state, "staff": c.staff, "services": list(c.services),
             "ticket": c.ticket.number if c.ticket else None, "ticket_status": c.ticket.status if c.ticket else None}
            for c in s.counters
        ],
    }
    # Column headers in the language in effect; a longer header widens its column.
    service, waiting, longest_h, open_h = _("service"), _("waiting"), _("longest"), _("open counters")
    w1, w2, w3 = max(8, len(service)), max(7, len(waiting)), max(7, len(longest_h))
    lines = [f"{service:<{w1}} {waiting:>{w2}}  {longest_h:>{w3}}  {open_h}"]
    for x in s.services:
        longest = "-" if x.longest_wait_minutes is None else _("{minutes} min").format(minutes=number(x.longest_wait_minutes))
        lines.append(f"{x.code:<{w1}} {x.waiting:>{w2}}  {longest:>{w3}}  {x.open_counters}")
    lines.append("")
    counter, state, staff, ticket_h, services_h = _("counter"), _("state"), _("staff"), _("ticket"), _("services")
    rows = [(c.code, status_word(c.state), c.staff or "-",
             f"{c.ticket.number} ({status_word(c.ticket.status)})" if c.ticket else "-", ",".join(c.services))
            for c in s.counters]
    w1 = max(8, len(counter))
    w2 = max(8, len(state), *(len(r[1]) for r in rows))
    w3, w4 = max(11, len(staff)), max(7, len(ticket_h))
    lines.append(f"{counter:<{w1}} {state:<{w2}} {staff:<{w3}} {ticket_h:<{w4}} {services_h}")
    for code, said, who, held, services in rows:
        lines.append(f"{code:<{w1}} {said:<{w2}} {who:<{w3}} {held:<{w4}} {services}")
    emit(as_json, data, "\n".join(lines))


@queue.command("ticket", help=N_("A ticket of today: its place in line and its expected wait now (read by anyone, no "
                                 "PIN).\n\nThe wait shown is kept as a re-estimate when it moved a minute or more "
                                 "since the last one kept."))
@argument("number")
@json_option
@click.pass_obj
@user_errors
def ticket(env: Env, number: str, as_json: bool) -> None:
    from deskapp.core.queue.reestimates import current_wait
    from deskapp.errors import BadInput

    if not number.strip() or number.strip().isdigit():
        raise BadInput(_("'{number}' is not a ticket number: give it as printed, e.g. A014.").format(number=number))
    found = current_wait(env.context(), number.strip())
    span = found.range
    if found.status != "waiting":
        text = _("{number}  {service}  not waiting ({status})")
    elif found.minutes is None:
        text = _("{number}  {service}  position {position}, expected wait: no counter open for it")
    elif span is None or span[0] == span[1]:
        text = _("{number}  {service}  position {position}, expected wait about {minutes} min")
    else:
        text = _("{number}  {service}  position {position}, expected wait about {minutes} min ({low}-{high} min)")
    text = text.format(number=found.number, service=found.service, status=status_word(found.status),
                       position=found.position, minutes=found.minutes, low=span and span[0], high=span and span[1])
    emit(as_json, found.as_dict(), text)


@queue.command("close-day", help=N_("End the day: remove every open ticket and close the counters."))
@json_option
@click.pass_obj
@user_errors
def close_day(env: Env, as_json: bool) -> None:
    from deskapp.core import queue as q

    removed = q.close_day(env.context())
    emit(as_json, {"removed": removed}, ngettext("Day closed: {n} open ticket removed.",
                                                 "Day closed: {n} open tickets removed.", removed).format(n=removed))


@queue.command("check", help=N_("Check the queue's invariants (no lost or doubled ticket, every change has its "
                                "event); exit 1 on a problem."))
@since_option(N_("Only the branch days from this one on (default: the whole history)."))
@json_option
@click.pass_obj
@user_errors
def check(env: Env, since: dt.date | None, as_json: bool) -> None:
    from deskapp.core.stats import integrity

    problems = integrity.check(env.context(init=False).branch_id, since)
    emit(as_json, {"problems": problems},
         "\n".join(problems) if problems else _("The queue is sound: no problems found."))
    if problems:
        sys.exit(1)


@queue.command("move", help=N_("Move a waiting ticket to another service: it gets a number there, and the printed "
                               "one is never reissued."))
@argument("number")
@option("--to", "to_service", required=True, help=N_("Target service code."))
@option("--by", "by_login", required=True, metavar=N_("LOGIN"), help=N_("The supervisor moving it (PIN asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def move(env: Env, number: str, to_service: str, by_login: str, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core import queue as q

    ctx = env.context()
    session = prove_identity(ctx, by_login, pin_stdin)
    t = q.move_waiting(ctx, number, to_service=to_service.upper(), by=session.login)
    emit(as_json, {"id": t.id, "ticket": t.number, "service": t.service, "status": t.status, "was": t.former_number},
         _("{number} (was {former}) waits in {service}.").format(number=t.number, former=t.former_number,
                                                                  service=ctx.config.service_name(t.service, t.service_name)))


@queue.command("call", help=N_("Call a chosen waiting ticket to a counter (out of its turn with --reason; noted in "
                               "its history)."))
@argument("number")
@option("--counter", "counter_code", required=True)
@option("--reason", default=None, metavar=N_("TEXT"),
        help=N_("Why it goes before its turn (required when it is not the next in calling order)."))
@option("--by", "by_login", required=True, metavar=N_("LOGIN"), help=N_("Who calls (their PIN is asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def call(env: Env, number: str, counter_code: str, reason: str | None, by_login: str, pin_stdin: bool,
         as_json: bool) -> None:
    from deskapp.core import queue as q

    ctx = env.context()
    session = prove_identity(ctx, by_login, pin_stdin)
    t = q.call_ticket(ctx, counter_code, number.strip(), reason, by=session.login)
    emit(as_json, {"id": t.id, "ticket": t.number, "service": t.service, "counter": t.counter},
         _("{number} to counter {counter}").format(number=t.number, counter=t.counter))


@queue.command("history", help=N_("Every event of a ticket (today's by its number, any day's by its id): what, who, "
                                  "where, when."))
@argument("number")
@json_option
@click.pass_obj
@user_errors
def history(env: Env, number: str, as_json: bool) -> None:
    from deskapp.core import queue as q
    from deskapp.core.clock import to_local

    ctx = env.context()
    h = q.ticket_history(ctx, number.strip())
    t = h.ticket
    data = {
        "id": t.id, "ticket": t.number, "service": t.service, "priority": t.priority, "status": t.status,
        "was": t.former_number, "parent": t.parent_number,
        "events": [{"at": e.at.isoformat(), "kind": e.kind, "what": e.what, "note": e.note, "staff": e.staff,
                    "staff_name": e.staff_name, "counter_name": e.counter_name,
                    "counter": e.counter, "detail": e.detail} for e in h.events],
    }
    lines = [f"{t.number}  {ctx.config.service_name(t.service, t.service_name)}  {t.priority}  {status_word(t.status)}"]
    for e in h.events:
        when = to_local(e.at, ctx.timezone).strftime("%H:%M:%S")
        who = e.staff_name or "-"
        lines.append(f"{when}  {e.what:<34} {who:<20}" + (f"  {e.note}" if e.note else ""))
    emit(as_json, data, "\n".join(line.rstrip() for line in lines))
