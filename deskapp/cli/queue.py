"""`deskapp queue ...`: the queue from scripts and integrations (shapes fixed in DESIGN.md)."""
from __future__ import annotations

import sys

import click

from deskapp.cli.common import Env, emit, fail, json_option, pin_stdin_option, prove_identity, user_errors
from deskapp.errors import EXIT_BAD_INPUT


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
        return "no counter open for it"
    return f"about {minutes} min" + ("" if span is None or span[0] == span[1] else f" ({span[0]}-{span[1]} min)")


def _ticket_dict(t) -> dict:
    return {
        "id": t.id, "ticket": t.number, "service": t.service, "priority": t.priority, "status": t.status,
        "counter": t.counter, "customer_id": t.customer_id, "recall_count": t.recall_count,
        "parent": t.parent_number,
    }


@click.group()
def queue() -> None:
    """Tickets: issue, call, serve, and the queue's status."""


@queue.command()
@click.option("--service", "service_code", required=True, help="Service code, e.g. CASH.")
@click.option("--priority", default=None, help="Priority class (default: the last, normal one).")
@click.option("--customer", "customer_id", type=int, default=None, help="Customer id to attach.")
@click.option("--staff", "staff_login", default=None, metavar="LOGIN",
              help="Who issues it (their PIN is asked); without it the ticket is issued by nobody named.")
@click.option("--notify-phone", "notify_phone", default=None, metavar="PHONE",
              help="Tell the customer by SMS when their turn is near and when called (this ticket only).")
@click.option("--notify-email", "notify_email", default=None, metavar="ADDRESS",
              help="Tell the customer by e-mail when their turn is near and when called (this ticket only).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def issue(env: Env, service_code: str, priority: str | None, customer_id: int | None, staff_login: str | None,
          notify_phone: str | None, notify_email: str | None, pin_stdin: bool, as_json: bool) -> None:
    """Issue a ticket."""
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
    told = ""
    if contact:
        told = "\nWe will tell you when your turn is near: " + " and ".join(
            x for x in (contact.phone and f"+{contact.phone}", contact.email) if x)
    service = ctx.config.service_name(t.service, t.service_name)  # in the reader's language (--lang)
    emit(as_json, data, f"{t.number}  {service}  position {issued.position}, expected wait {wait}{told}")


@queue.command("call-next")
@click.option("--counter", "counter_code", required=True)
@click.option("--staff", "staff_login", required=True, metavar="LOGIN", help="Who calls (their PIN is asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def call_next(env: Env, counter_code: str, staff_login: str, pin_stdin: bool, as_json: bool) -> None:
    """Call the next ticket to a counter (opens the counter for that staff member, proven by PIN)."""
    from deskapp.core import queue as q

    ctx = env.context()
    session = prove_identity(ctx, staff_login, pin_stdin)
    t = q.call_next(ctx, counter_code, session.login)
    if t is None:
        emit(as_json, {"ticket": None}, "Nobody is waiting for this counter's services.")
    else:
        emit(as_json, {"id": t.id, "ticket": t.number, "service": t.service, "counter": t.counter},
             f"{t.number} to counter {t.counter}")


def _counter_action(name: str, help_text: str, action, *, extra=()):
    @queue.command(name, help=help_text + " With --staff, in that person's name (PIN proven); without it, "
                   "by nobody named: the events name no staff member.")
    @click.option("--counter", "counter_code", required=True)
    @click.option("--staff", "staff_login", default=None, metavar="LOGIN",
                  help="Who acts (PIN asked): the counter's holder, or a supervisor at anyone's counter.")
    @pin_stdin_option
    @json_option
    @click.pass_obj
    @user_errors
    def command(env: Env, counter_code: str, staff_login: str | None, pin_stdin: bool, as_json: bool,
                **kwargs) -> None:
        ctx = env.context()
        by = prove_identity(ctx, staff_login, pin_stdin).login if staff_login else None
        t = action(ctx, counter_code, by=by, channel="cli", **kwargs)
        emit(as_json, _ticket_dict(t), f"{t.number}: {t.status.replace('_', ' ')}")

    for option in extra:
        command = option(command)
    return command


def _core(name: str):
    def call(ctx, counter_code, **kwargs):
        from deskapp.core import queue as q

        return getattr(q, name)(ctx, counter_code, **kwargs)

    return call


_counter_action("recall", "Call the held ticket again (counted).", _core("recall"))
_counter_action("start", "Start serving the called ticket.", _core("start"))


def _complete(ctx, counter_code, abandon_reason=None, by=None, channel=None):
    from deskapp.core import queue as q
    from deskapp.core.workflows import guide as workflows

    try:
        return workflows.complete_ticket(ctx, counter_code, abandon_reason=abandon_reason, by=by, channel=channel)
    except workflows.StepsLeft as exc:
        raise q.QueueError(
            f"{exc.number} has guided steps left: finish them at the desk, or complete with "
            "--abandon-workflow REASON to abandon them (recorded and audited).") from None
    except workflows.StepInvalid as exc:
        raise q.QueueError(f"--abandon-workflow: {'; '.join(exc.problems.values())}.") from None


_counter_action("complete", "Finish serving the ticket (refused while its workflow has steps left).", _complete,
                extra=[click.option("--abandon-workflow", "abandon_reason", default=None, metavar="REASON",
                                    help="Abandon an unfinished workflow at its current step, with this reason.")])
_counter_action("no-show", "The called customer did not come.", _core("no_show"))
_counter_action("cancel", "The called customer walked away.", _core("cancel"))
_counter_action("requeue", "Put the called ticket back in line.", _core("requeue"),
                extra=[click.option("--front", is_flag=True, help="At the front of its service.")])
_counter_action("transfer", "Send the customer on (a new linked ticket): to another service's line, or to a named "
                "counter or colleague (only they call it), with an optional note for them.", _core("transfer"),
                extra=[click.option("--to", "to_service", default=None, help="Target service code (default with "
                                    "--to-counter/--to-staff: the same service)."),
                       click.option("--to-counter", "to_counter", default=None, metavar="CODE",
                                    help="Only this counter calls the new ticket (it must not be closed)."),
                       click.option("--to-staff", "to_staff", default=None, metavar="LOGIN",
                                    help="Only this colleague, now at a counter, calls the new ticket."),
                       click.option("--note", "note", default=None, metavar="TEXT",
                                    help="A note shown at the receiving desk and kept in the ticket's events.")])


def _counter_state(env: Env, counter_code: str, by_login: str, pin_stdin: bool, as_json: bool, state: str,
                   reason: str | None = None) -> None:
    from deskapp.core import queue as q
    from deskapp.core.queue.counters import pause_label

    ctx = env.context()
    session = prove_identity(ctx, by_login, pin_stdin)
    code = reason.strip().lower() if reason is not None else None
    q.set_counter_state(ctx, counter_code, state, by=session.login, reason=code)
    label = pause_label(ctx, code)
    emit(as_json, {"counter": counter_code, "state": state, "reason": code, "label": label},
         f"Counter {counter_code} {state}" + (f": {label}" if label else "") + ".")


@queue.command("pause")
@click.option("--counter", "counter_code", required=True)
@click.option("--by", "by_login", required=True, metavar="LOGIN",
              help="Who pauses it (PIN asked): the person at it, or a supervisor.")
@click.option("--reason", "reason", required=True, metavar="CODE",
              help="Why (a code of the configuration's pause_reasons, e.g. lunch); counted in reports.")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def pause(env: Env, counter_code: str, by_login: str, reason: str, pin_stdin: bool, as_json: bool) -> None:
    """Pause a counter (refused while it holds a ticket): it calls nothing until resumed."""
    _counter_state(env, counter_code, by_login, pin_stdin, as_json, "paused", reason)


@queue.command("resume")
@click.option("--counter", "counter_code", required=True)
@click.option("--by", "by_login", required=True, metavar="LOGIN", help="Who resumes it (PIN asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def resume(env: Env, counter_code: str, by_login: str, pin_stdin: bool, as_json: bool) -> None:
    """Open a paused counter again, for the person resuming."""
    _counter_state(env, counter_code, by_login, pin_stdin, as_json, "open")


@queue.command()
@json_option
@click.pass_obj
@user_errors
def status(env: Env, as_json: bool) -> None:
    """Waiting per service and what each counter serves."""
    from deskapp.core.queue.floor import queue_status

    s = queue_status(env.context())
    data = {
        "services": [
            {"service": x.code, "name": x.name, "waiting": x.waiting,
             "longest_wait_minutes": None if x.longest_wait_minutes is None else round(x.longest_wait_minutes, 1),
             "open_counters": x.open_counters}
            for x in s.services
        ],
        "counters": [
            {"counter": c.code, "name": c.name, "state": c.state, "staff": c.staff, "services": list(c.services),
             "ticket": c.ticket.number if c.ticket else None, "ticket_status": c.ticket.status if c.ticket else None}
            for c in s.counters
        ],
    }
    lines = ["service  waiting  longest  open counters"]
    for x in s.services:
        longest = "-" if x.longest_wait_minutes is None else f"{x.longest_wait_minutes:.0f} min"
        lines.append(f"{x.code:<8} {x.waiting:>7}  {longest:>7}  {x.open_counters}")
    lines.append("")
    lines.append("counter  state    staff       ticket  services")
    for c in s.counters:
        ticket = f"{c.ticket.number} ({c.ticket.status})" if c.ticket else "-"
        lines.append(f"{c.code:<8} {c.state:<8} {c.staff or '-':<11} {ticket:<7} {','.join(c.services)}")
    emit(as_json, data, "\n".join(lines))


@queue.command("ticket")
@click.argument("number")
@json_option
@click.pass_obj
@user_errors
def ticket(env: Env, number: str, as_json: bool) -> None:
    """A ticket of today: its place in line and its expected wait now (read by anyone, no PIN).

    The wait shown is kept as a re-estimate when it moved a minute or more since the last one kept."""
    from deskapp.core.queue.reestimates import current_wait
    from deskapp.errors import BadInput

    if not number.strip() or number.strip().isdigit():
        raise BadInput(f"'{number}' is not a ticket number: give it as printed, e.g. A014.")
    found = current_wait(env.context(), number.strip())
    if found.status != "waiting":
        text = f"{found.number}  {found.service}  not waiting ({found.status})"
    elif found.minutes is None:
        text = f"{found.number}  {found.service}  position {found.position}, expected wait: no counter open for it"
    else:
        span = found.range
        extra = "" if span is None or span[0] == span[1] else f" ({span[0]}-{span[1]} min)"
        text = f"{found.number}  {found.service}  position {found.position}, expected wait about {found.minutes} min{extra}"
    emit(as_json, found.as_dict(), text)


@queue.command("close-day")
@json_option
@click.pass_obj
@user_errors
def close_day(env: Env, as_json: bool) -> None:
    """End the day: remove every open ticket and close the counters."""
    from deskapp.core import queue as q

    removed = q.close_day(env.context())
    emit(as_json, {"removed": removed}, f"Day closed: {removed} open tickets removed.")


@queue.command("check")
@click.option("--since", default=None, metavar="YYYY-MM-DD",
              help="Only the branch days from this one on (default: the whole history).")
@json_option
@click.pass_obj
@user_errors
def check(env: Env, since: str | None, as_json: bool) -> None:
    """Check the queue's invariants (no lost or doubled ticket, every change has its event); exit 1 on a problem."""
    import datetime as dt

    from deskapp.core.stats import integrity

    first = None
    if since is not None:
        try:
            first = dt.date.fromisoformat(since)
        except ValueError:
            fail(f"--since must be a date as YYYY-MM-DD, not '{since}'", EXIT_BAD_INPUT)
    problems = integrity.check(env.context(init=False).branch_id, first)
    emit(as_json, {"problems": problems}, "\n".join(problems) if problems else "The queue is sound: no problems found.")
    if problems:
        sys.exit(1)


@queue.command("move")
@click.argument("number")
@click.option("--to", "to_service", required=True, help="Target service code.")
@click.option("--by", "by_login", required=True, metavar="LOGIN", help="The supervisor moving it (PIN asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def move(env: Env, number: str, to_service: str, by_login: str, pin_stdin: bool, as_json: bool) -> None:
    """Move a waiting ticket to another service: it gets a number there, and the printed one is never reissued."""
    from deskapp.core import queue as q

    ctx = env.context()
    session = prove_identity(ctx, by_login, pin_stdin)
    t = q.move_waiting(ctx, number, to_service=to_service.upper(), by=session.login)
    emit(as_json, {"id": t.id, "ticket": t.number, "service": t.service, "status": t.status, "was": t.former_number},
         f"{t.number} (was {t.former_number}) waits in {ctx.config.service_name(t.service, t.service_name)}.")


@queue.command("call")
@click.argument("number")
@click.option("--counter", "counter_code", required=True)
@click.option("--reason", default=None, metavar="TEXT",
              help="Why it goes before its turn (required when it is not the next in calling order).")
@click.option("--by", "by_login", required=True, metavar="LOGIN", help="Who calls (their PIN is asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def call(env: Env, number: str, counter_code: str, reason: str | None, by_login: str, pin_stdin: bool,
         as_json: bool) -> None:
    """Call a chosen waiting ticket to a counter (out of its turn with --reason; noted in its history)."""
    from deskapp.core import queue as q

    ctx = env.context()
    session = prove_identity(ctx, by_login, pin_stdin)
    t = q.call_ticket(ctx, counter_code, number.strip(), reason, by=session.login)
    emit(as_json, {"id": t.id, "ticket": t.number, "service": t.service, "counter": t.counter},
         f"{t.number} to counter {t.counter}")


@queue.command("history")
@click.argument("number")
@json_option
@click.pass_obj
@user_errors
def history(env: Env, number: str, as_json: bool) -> None:
    """Every event of a ticket (today's by its number, any day's by its id): what, who, where, when."""
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
    service = ctx.config.service_name(t.service, t.service_name)  # in the reader's language (--lang)
    lines = [f"{t.number}  {service}  {t.priority}  {t.status.replace('_', ' ')}"]
    for e in h.events:
        when = to_local(e.at, ctx.timezone).strftime("%H:%M:%S")
        who = e.staff_name or "-"
        lines.append(f"{when}  {e.what:<34} {who:<20}" + (f"  {e.note}" if e.note else ""))
    emit(as_json, data, "\n".join(line.rstrip() for line in lines))
