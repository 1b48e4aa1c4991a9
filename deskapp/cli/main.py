"""The `deskapp` group and its top-level commands: check-config, init, demo, staff, estimate, the app's
entry points (display, kiosk, serve, feedback-kiosk) and report. Command groups live beside it."""
from __future__ import annotations

import sys

import click

from deskapp import logs
from deskapp.cli.click_words import Option, argument, group, option, take_language
from deskapp.cli.common import (
    EXIT_BAD_INPUT,
    Env,
    ask_pin,
    emit,
    fail,
    json_option,
    pin_stdin_option,
    progress_bar,
    prove_identity,
    user_errors,
)
from deskapp.i18n import N_, _, ngettext, number
from deskapp.logs import LEVELS


@group(invoke_without_command=True, help=N_("deskapp: the service desk for a bank branch. Without a command it opens "
                                            "the app."))
@option("--config", "config_path", envvar="DESKAPP_CONFIG", type=click.Path(dir_okay=False),  # i18n: not words
        help=N_("Configuration file (default ./config.yaml)."))
@option("--db", "db_url", envvar="DESKAPP_DATABASE_URL",  # i18n: not words
        help=N_("Database URL, overriding the configuration's."))
@option("--branch", "branch", envvar="DESKAPP_BRANCH", default=None, metavar=N_("CODE"),  # i18n: not words
        help=N_("The branch this desk or command is (default: the configuration's first or default_branch)."))
@option("--counter", "counter", default=None, help=N_("The counter this desk is (asked at login otherwise)."))
@option("--log-level", "log_level", type=click.Choice(LEVELS, case_sensitive=False), default=None,
        help=N_("How much goes to the log file (default: the configuration's logging.level, else INFO)."))
@option("--lang", "lang", default=None, metavar=N_("CODE"), callback=lambda _c, _p, v: take_language(v),
        help=N_("Language of messages and screens (e.g. pt, pt-PT, en; default: the locale's, LANG/LC_ALL; "
             "the app then follows the staff member's or the branch's)."))
@click.version_option(package_name="deskapp", prog_name="deskapp", message="%(prog)s %(version)s",  # i18n: not words
                      cls=Option, help=N_("Show the version and exit."))
@click.pass_context
def main(click_ctx: click.Context, config_path: str | None, db_url: str | None, branch: str | None,
         counter: str | None, log_level: str | None, lang: str | None) -> None:
    logs.start(log_level)
    click_ctx.obj = Env(config_path, db_url, branch or None, lang)
    if click_ctx.invoked_subcommand is None:
        _open_app(click_ctx.obj, "desk", counter=counter)


@user_errors
def _open_app(env: Env, mode: str, **options) -> None:
    from deskapp.tui.app import run_app

    if mode == "desk":
        # The desk paints its login screen at once and loads the configuration behind it.
        code = run_app(None, env.db_url, config_path=env.config_path, branch=env.branch, mode=mode, lang=env.lang,
                       **options)
    else:
        code = run_app(env.config(), env.db_url, mode=mode, lang=env.lang, **options)
    if code:
        sys.exit(code)


@main.command("check-config", help=N_("Print every problem in the configuration as PATH:LINE:COL: message "
                                      "(deprecated settings as PATH:LINE:COL: note: ..., which still work and do not "
                                      "fail the check)."))
@argument("path", required=False, type=click.Path(dir_okay=False))
@click.pass_obj
def check_config_cmd(env: Env, path: str | None) -> None:
    from deskapp.config.load import check_config_notes, config_path

    target = config_path(path or env.config_path)
    config, errors, notes = check_config_notes(target)
    for line in sorted(errors + notes):
        click.echo(str(line), err=True)
    if errors:
        click.echo(ngettext("{n} problem in {path}", "{n} problems in {path}", len(errors)).format(
            n=len(errors), path=target), err=True)
        sys.exit(EXIT_BAD_INPUT)
    assert config is not None
    network = config.network()
    where = (_("branch {code}").format(code=config.branch.code) if len(network) == 1 else
             ngettext("{n} branch ({codes})", "{n} branches ({codes})", len(network)).format(
                 n=len(network), codes=", ".join(b.code for b in network)))
    services, counters, staff = len(config.services), sum(len(b.counters) for b in network), len(config.staff)
    click.echo(_("{path}: OK: {where}, {services}, {counters}, {staff}").format(
        path=target, where=where,
        services=ngettext("{n} service", "{n} services", services).format(n=services),
        counters=ngettext("{n} counter", "{n} counters", counters).format(n=counters),
        staff=ngettext("{n} staff", "{n} staff", staff).format(n=staff)))


@main.command(help=N_("Create or migrate the database and sync branch, services, counters and staff from config."))
@click.pass_obj
@user_errors
def init(env: Env) -> None:
    ctx = env.context()
    applied, report = ctx.migrations_applied, ctx.sync_report
    click.echo(_("migrations applied: {names}").format(names=", ".join(applied)) if applied else
               _("migrations applied: none (up to date)"))
    click.echo(_("changes: {changes}").format(changes="; ".join(report.changed)) if report else
               _("changes: none (in step with config)"))
    role = ctx.config.database.desk_role
    if role:
        from deskapp.db import database, roles

        if database.is_postgres():
            click.echo(roles.grant_desk_role(role))
        else:
            click.echo(_("database.desk_role ignored: a SQLite file's permissions are its boundary"))


@main.command(help=N_("Build a realistic demo branch with history, and print the demo PINs."))
@option("--customers", default=2000, show_default=True, type=click.IntRange(0, 5_000_000))
@option("--days", default=30, show_default=True, type=click.IntRange(0, 3650))
@option("--seed", default=1, show_default=True, type=int)
@option("--load", default=1.0, show_default=True, type=click.FloatRange(0, 10, min_open=True),
        help=N_("Multiplies the demo's arrival rate (1.4: 40 % more walk-ins)."))
@option("--branches", "branch_count", default=1, show_default=True, type=click.IntRange(1, 500),
        help=N_("History for the configuration's first N branches (customers shared among them)."))
@option("--if-empty", is_flag=True, help=N_("Do nothing if the database already holds tickets or customers."))
@option("--pause", is_flag=True,
        help=N_("On a terminal, wait for a key after printing the PINs (make run opens the app next)."))
@click.pass_obj
@user_errors
def demo(env: Env, customers: int, days: int, seed: int, load: float, branch_count: int, if_empty: bool,
         pause: bool) -> None:
    from deskapp.core.demo import branch as demo_core

    ctx = env.context()
    if demo_core.has_data():
        if if_empty:
            return
        fail(_("the database already holds customers or tickets; use a new database for the demo"), EXIT_BAD_INPUT)
    with progress_bar(_("Building demo data"), 100) as progress:
        result = demo_core.build(ctx, customers=customers, days=days, seed=seed, load=load, branches=branch_count,
                                 progress=progress)
    codes = ", ".join(b.code for b in ctx.config.network()[:branch_count])
    click.echo(ngettext("Demo branch {codes}: {customers} customers, {tickets} tickets over {days} days.",
                        "Demo branches {codes}: {customers} customers, {tickets} tickets over {days} days.",
                        branch_count).format(codes=codes, customers=result.customers, tickets=result.tickets,
                                             days=days))
    click.echo(_("Demo PINs (shown once):"))
    for login, (role, pin) in result.pins.items():
        click.echo(f"  {login:<10} {role:<12} {pin}")
    if pause:  # click.pause does nothing unless both ends are a terminal
        click.pause(_("Note the PINs, then press any key to open deskapp..."))


@main.command(help=N_("The network's branches: code, name, timezone, counters and the staff who may work there."))
@json_option
@click.pass_obj
@user_errors
def branches(env: Env, as_json: bool) -> None:
    from deskapp.core.security.branches import network_branches

    env.context()
    found = network_branches()
    data = [{"code": b.code, "name": b.name, "timezone": b.timezone, "counters": list(b.counters),
             "staff": list(b.staff), "home_staff": list(b.home_staff)} for b in found]
    code, name, timezone, counters, staff = _("code"), _("name"), _("timezone"), _("counters"), _("staff")
    lines = [f"{code:<8} {name:<22} {timezone:<16} {counters:>8}  {staff}"]
    for b in found:
        lines.append(f"{b.code:<8} {b.name[:22]:<22} {b.timezone:<16} {len(b.counters):>8}  {', '.join(b.staff)}")
    emit(as_json, {"branches": data}, "\n".join(lines))


@main.group(help=N_("Staff PINs and locks."))
def staff() -> None:
    pass


@staff.command("set-pin", help=N_("Set a staff member's PIN (asked twice, never echoed; with --pin-stdin the first "
                                  "line).\n\nA login without a PIN yet needs nothing more. Replacing a PIN needs "
                                  "that person's current PIN (asked next, or the next line) or a supervisor's --by "
                                  "LOGIN and PIN."))
@argument("login")
@option("--by", "by_login", default=None, metavar=N_("LOGIN"),
        help=N_("A supervisor replacing the PIN (their PIN is asked next)."))
@pin_stdin_option
@click.pass_obj
@user_errors
def set_pin(env: Env, login: str, by_login: str | None, pin_stdin: bool) -> None:
    from deskapp.core.security import auth

    ctx = env.context()
    login = login.strip().lower()
    pin = ask_pin(_("New PIN"), pin_stdin, confirm=True)
    problem = auth.pin_problem(pin, ctx.config.security.pin_min_length)
    if problem:
        fail(problem, EXIT_BAD_INPUT)
    by = None
    if by_login is not None:
        by = prove_identity(ctx, by_login, pin_stdin)
    elif auth.has_pin(login):
        by = prove_identity(ctx, login, pin_stdin)
    auth.replace_pin(ctx, login, pin, by=by)
    click.echo(_("PIN set for {login}.").format(login=login))


@staff.command("unlock", help=N_("Unlock an account locked after wrong PINs (a supervisor, with their PIN)."))
@argument("login")
@option("--by", required=True, metavar=N_("LOGIN"), help=N_("Login of the supervisor unlocking the account."))
@pin_stdin_option
@click.pass_obj
@user_errors
def unlock(env: Env, login: str, by: str, pin_stdin: bool) -> None:
    from deskapp.core.security import auth

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    auth.unlock(ctx, login, by=session.login)
    click.echo(_("{login} unlocked.").format(login=login))


@main.command(help=N_("Erlang C: probability of waiting, average wait, service level and occupancy."))
@option("--counters", required=True, type=click.IntRange(0, 10_000))
@option("--arrivals-per-hour", required=True, type=float)
@option("--service-minutes", required=True, type=float)
@option("--target-minutes", type=float, default=None)
@json_option
@user_errors
def estimate(counters: int, arrivals_per_hour: float, service_minutes: float, target_minutes: float | None,
             as_json: bool) -> None:
    from deskapp.core.queue.estimate import EstimateInvalid, counters_needed, erlang_c

    result = erlang_c(counters, arrivals_per_hour, service_minutes, target_minutes)
    data = result.as_dict()
    within = _("{percent}% within {minutes} min")
    rows = [
        (_("traffic"), _("{erlangs} Erlangs").format(erlangs=number(result.traffic_erlangs, digits=4))),
        (_("P(wait)"), _fmt(result.p_wait, lambda v: number(v, digits=4))),
        (_("average wait"), _fmt(result.avg_wait_minutes, lambda v: _minutes(v, 2))),
        (_("service level"), _fmt(result.service_level, lambda v: within.format(
            percent=number(v * 100, digits=2), minutes=number(target_minutes, digits=None)))),
        (_("occupancy"), _fmt(result.occupancy, lambda v: _percent(v, 1))),
    ]
    width = max(16, *(len(label) for label, _value in rows)) + 1
    lines = [f"{label:<{width}}{value}" for label, value in rows]
    if not result.stable:
        lines.append(_("the queue grows without bound: more counters are needed"))
    if target_minutes is not None:
        try:
            needed: int | None = counters_needed(arrivals_per_hour, service_minutes, target_minutes)
        except EstimateInvalid:  # more counters than it searches: the figures above still stand
            needed = None
        data["counters_needed_80pct"] = needed
        lines.append(_("counters for 80% within target: {n}").format(
            n=needed if needed is not None else _("more than 500")))
    emit(as_json, data, "\n".join(lines))


def _minutes(value: float, digits: int = 1) -> str:
    """Minutes as the reader's language writes a number ("2,7 min" in pt-PT, "2.7 min" in English)."""
    return _("{minutes} min").format(minutes=number(value, digits=digits))


_MIN = _minutes


def _percent(value: float, digits: int = 0) -> str:
    """A rate from 0 to 1 as a percentage, its decimals in the reader's language ("12,5%")."""
    return f"{number(value * 100, digits=digits)}%"


def _fmt(value, pattern) -> str:
    if value is None:
        return "-"
    return pattern(value) if callable(pattern) else pattern.format(value)


@main.command(help=N_("The waiting-room \"now serving\" display."))
@click.pass_obj
def display(env: Env) -> None:
    _open_app(env, "display")


@main.command(help=N_("The ticket kiosk for walk-in clients."))
@click.pass_obj
def kiosk(env: Env) -> None:
    _open_app(env, "kiosk")


@main.command(help=N_("Serve the display, kiosk or desk in a web browser (needs textual-serve)."))
@option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on."))
@option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@option("--screen", "screen", type=click.Choice(["display", "kiosk", "desk"]), default="display",
        show_default=True, help=N_("What each browser gets."))
@option("--public-url", default=None, help=N_("The address browsers use, when not http://HOST:PORT."))
@click.pass_obj
@user_errors
def serve(env: Env, host: str, port: int, screen: str, public_url: str | None) -> None:
    import os
    import shlex

    try:
        from textual_serve.server import Server
    except ImportError:
        fail(_("serving in a browser needs textual-serve: pip install 'deskapp[web]'"), EXIT_BAD_INPUT)
    from deskapp.config.load import config_path

    config = env.config()  # a broken configuration is reported here, not in every browser tab
    argv = [sys.executable, "-m", "deskapp", "--config", os.path.abspath(config_path(env.config_path))]
    if env.db_url:
        argv += ["--db", env.db_url]
    argv += ["--branch", config.branch.code]
    if screen != "desk":
        argv.append(screen)
    title = f"deskapp {screen} · {config.branch.name}"
    try:
        Server(shlex.join(argv), host=host, port=port, title=title, public_url=public_url).serve()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        fail(_("cannot serve on {host}:{port}: {problem}").format(host=host, port=port, problem=exc.strerror or exc))


@main.command("feedback-kiosk", help=N_("The feedback terminal at a counter: asks each customer the counter serves "
                                        "to rate the service."))
@option("--counter", "counter_code", required=True, help=N_("The counter whose customers this terminal asks."))
@click.pass_obj
@user_errors
def feedback_kiosk(env: Env, counter_code: str) -> None:
    codes = [c.code for c in env.config().counters]
    if counter_code not in codes:
        fail(_("there is no counter '{code}' (counters: {codes})").format(code=counter_code, codes=", ".join(codes)),
             EXIT_BAD_INPUT)
    _open_app(env, "feedback-kiosk", counter=counter_code)




@main.command(help=N_("Counters needed per coming hour: forecast arrivals, Erlang C over the pooled counters."))
@option("--date", "day", default=None, help=N_("Branch-local day, YYYY-MM-DD (default today)."))
@option("--branch", "branch", default=None, help=N_("Branch code (as the global --branch)."))
@json_option
@click.pass_obj
@user_errors
def staffing(env: Env, day: str | None, branch: str | None, as_json: bool) -> None:
    from deskapp.core.stats import staffing as plan

    if branch is not None:
        env.branch = branch
    ctx = env.context()
    when = ctx.today() if day is None else _report_day(day, "--date")
    hours = plan.day_plan(ctx, when)
    data = {"branch": ctx.config.branch.code, "date": when.isoformat(), "target_level": plan.TARGET_LEVEL,
            "hours": [h.as_dict() for h in hours]}
    lines = [_("{branch} {date}: counters for {level} within target").format(
        branch=ctx.config.branch.code, date=when.isoformat(), level=f"{plan.TARGET_LEVEL:.0%}")]
    for h in hours:
        needed = _("more than the search") if h.needed is None and h.arrivals else (h.needed or 0)
        opened = "" if h.open_counters is None else _(", open {n}").format(n=h.open_counters)
        actual = "" if h.actual_arrivals is None else _(" (actual {n})").format(n=h.actual_arrivals)
        lines.append("  " + _("{hour}:00  arrivals {arrivals}{actual}  needed {needed}{opened}").format(
            hour=f"{h.hour:02d}", arrivals=f"{number(h.arrivals, digits=1):>5}", actual=actual, needed=needed, opened=opened))
    if not hours:
        lines.append("  " + _("no opening hours left that day"))
    emit(as_json, data, "\n".join(lines))


def _network_report(env: Env, first, last, branch_codes: str | None, path, fmt: str, as_json: bool) -> None:
    from deskapp.core.stats import network_report, reports

    codes = None if branch_codes is None else [c.strip() for c in branch_codes.split(",") if c.strip()]
    if codes is not None and not codes:
        fail(_("--branches names at least one branch code, e.g. --branches LIS01,POR01"), EXIT_BAD_INPUT)
    ctx = env.context()
    result = network_report.build_network(ctx, first, last, network_report.branch_ids(codes))
    written = reports.write(result, path, fmt)
    branches = next(t for t in result.tables if t.name == "branches")
    every = [dict(zip(branches.columns, row, strict=True)) for row in branches.rows]
    rows = [r for r in every if r["branch"] != network_report.NETWORK_WIDE]
    total = next((r for r in every if r["branch"] == network_report.NETWORK_WIDE), None)
    data = {"from": first.isoformat(), "to": last.isoformat(), "format": fmt, "files": [str(p) for p in written],
            "tables": {table.name: len(table.rows) for table in result.tables}, "branches": rows, "total": total}
    lines = [ngettext("Network report {first} to {last}: {n} branch", "Network report {first} to {last}: {n} branches",
                      len(rows)).format(first=first, last=last, n=len(rows))]
    for r in [*rows, *([total] if total else [])]:
        lines.append("  " + _("{branch}: {arrivals} arrivals, {completed} completed, mean wait {mean_wait}, p90 {p90}, "
                              "service level {level}").format(
            branch=r["branch"], arrivals=r["arrivals"], completed=r["completed"],
            mean_wait=_fmt(r["mean_wait_minutes"], _MIN), p90=_fmt(r["p90_wait_minutes"], _MIN),
            level=_fmt(r["service_level"], _percent)))
    lines += [_("wrote {path}").format(path=p) for p in written]
    emit(as_json, data, "\n".join(lines))


def _report_day(value: str, option: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(_("{option} must be a date as YYYY-MM-DD, not '{value}'").format(option=option, value=value),
             EXIT_BAD_INPUT)


@main.command(help=N_("The supervisor's report: daily summary, per service, counter, staff and hour, feedback, steps."))
@option("--from", "since", required=True, help=N_("First branch-local day, YYYY-MM-DD."))
@option("--to", "until", required=True, help=N_("Last branch-local day, YYYY-MM-DD (included)."))
@option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
        help=N_("csv (one file per table: OUT stem + _TABLE.csv) or xlsx (one sheet per table); "
             "default from OUT's suffix, else csv."))
@option("--out", "out", required=True, type=click.Path(dir_okay=False), help=N_("Where to write."))
@option("--network", "network", is_flag=True,
        help=N_("Every branch (or --branches): a `branches` table comparing them; every table gains a branch column."))
@option("--branches", "branch_codes", default=None, metavar="A,B",  # i18n: not words
        help=N_("With --network: only these branches (codes, comma-separated)."))
@json_option
@click.pass_obj
@user_errors
def report(env: Env, since: str, until: str, fmt: str | None, out: str, network: bool, branch_codes: str | None,
           as_json: bool) -> None:
    from pathlib import Path

    from deskapp.core.stats import reports

    first, last = _report_day(since, "--from"), _report_day(until, "--to")
    if branch_codes is not None and not network:
        fail(_("--branches chooses the branches of a network report: add --network"), EXIT_BAD_INPUT)
    path = Path(out)
    fmt = fmt or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    if network:
        _network_report(env, first, last, branch_codes, path, fmt, as_json)
        return
    result = reports.build(env.context(), first, last)
    written = reports.write(result, path, fmt)
    t = result.total
    data = {"from": first.isoformat(), "to": last.isoformat(), "format": fmt, "files": [str(p) for p in written],
            "tables": {table.name: len(table.rows) for table in result.tables},
            "total": {"arrivals": t.arrivals, "completed": t.completed, "mean_wait_minutes": t.mean_wait_minutes,
                      "service_level": t.service_level, "throughput": t.throughput}}
    lines = [
        _("Report {first} to {last}: {arrivals} arrivals, {completed} completed").format(
            first=first, last=last, arrivals=t.arrivals, completed=t.completed),
        _("mean wait {mean_wait}, p90 wait {p90}, service level {level}, no-shows {no_shows}, walk-aways "
          "{walk_aways}, throughput {throughput}").format(
            mean_wait=_fmt(t.mean_wait_minutes, _MIN), p90=_fmt(t.p90_wait_minutes, _MIN),
            level=_fmt(t.service_level, _percent), no_shows=_fmt(t.no_show_rate, _percent),
            walk_aways=_fmt(t.walk_away_rate, _percent),
            throughput=_fmt(t.throughput, lambda v: _("{n}/counter-hour").format(n=number(v, digits=2)))),
        *(_("wrote {path}").format(path=p) for p in written),
    ]
    emit(as_json, data, "\n".join(lines))


