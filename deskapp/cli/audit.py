"""`deskapp audit verify` and `deskapp audit export`: the auditor's view of the audit trail."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys

import click

from deskapp.cli.click_words import group, option
from deskapp.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    Env,
    emit,
    fail,
    json_option,
    pin_stdin_option,
    progress_bar,
    prove_identity,
    user_errors,
)
from deskapp.i18n import N_, _, ngettext


@group(help=N_("Check the audit's hash chain; export the audit for auditors."))
def audit() -> None:
    pass


def _anchor(value: str) -> tuple[int, str]:
    row_id, _colon, digest = value.partition(":")
    digest = digest.strip().lower()
    if not row_id.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        fail(_("--anchor is ID:HASH as verify printed it (a row id, a colon, 64 hex digits), not '{value}'").format(
            value=value), EXIT_BAD_INPUT)
    return int(row_id), digest


@audit.command(help=N_("Walk the audit's hash chain oldest first; name the first broken row (exit 1), else print the "
                       "head.\n\nRead-only, no PIN. Note the head it prints (ID:HASH): a later `verify --anchor "
                       "ID:HASH` also finds a chain rewritten from some row to the end, which the chain alone cannot."))
@option("--anchor", "anchors", multiple=True, metavar="ID:HASH",  # i18n: not words
        help=N_("A head noted from an earlier verify: that row must still be there with that hash."))
@json_option
@click.pass_obj
@user_errors
def verify(env: Env, anchors: tuple[str, ...], as_json: bool) -> None:
    from deskapp.core.security import auditor

    given = dict(_anchor(a) for a in anchors)
    env.context()
    if sys.stderr.isatty() and not as_json:
        with progress_bar(_("Verifying the audit")) as progress:
            report = auditor.verify(anchors=given, progress=progress)
    else:
        report = auditor.verify(anchors=given)
    head = f"{report.head_id}:{report.head_hash}" if report.head_id is not None else None
    if report.ok:
        emit(as_json, {"ok": True, "rows": report.rows, "head": head},
             ngettext("audit chain OK: {n} row; head {head}", "audit chain OK: {n} rows; head {head}",
                      report.rows).format(n=report.rows, head=head or _("(empty audit)")))
        return
    bad = report.broken
    assert bad is not None
    at = bad.at.isoformat(sep=" ", timespec="seconds") if isinstance(bad.at, dt.datetime) else str(bad.at)
    if as_json:
        emit(True, {"ok": False, "rows": report.rows, "head": head,
                    "broken": {"id": bad.id, "at_utc": at, "staff": bad.staff, "action": bad.action,
                               "reason": bad.reason}}, "")
        sys.exit(EXIT_FAILURE)
    said = (ngettext("audit chain broken at row {id} ({at} UTC, {action}): {reason}; {n} row before it holds",
                     "audit chain broken at row {id} ({at} UTC, {action}): {reason}; {n} rows before it hold",
                     report.rows) if bad.action else
            ngettext("audit chain broken at row {id}: {reason}; {n} row before it holds",
                     "audit chain broken at row {id}: {reason}; {n} rows before it hold", report.rows))
    fail(said.format(id=bad.id, at=at, action=bad.action, reason=bad.reason, n=report.rows), EXIT_FAILURE)


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(_("{option} must be a date as YYYY-MM-DD, not '{value}'").format(option=option, value=value),
             EXIT_BAD_INPUT)
        raise  # (fail exits)


@audit.command(help=N_("Stream the audit of the days --from..--to, oldest first, with each row's hash (supervisors "
                       "only).\n\nThe export is itself audited: who, which days, how many rows."))
@option("--from", "since", required=True, help=N_("First branch-local day, YYYY-MM-DD."))
@option("--to", "until", required=True, help=N_("Last branch-local day, YYYY-MM-DD (included)."))
@option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@option("--by", "by", required=True, metavar=N_("LOGIN"), help=N_("The supervisor exporting (their PIN is asked)."))
@pin_stdin_option
@option("--output", "output", type=click.Path(dir_okay=False), default=None,
        help=N_("Write to FILE (replaced only once the export is complete) instead of standard output."))
@click.pass_obj
@user_errors
def export(env: Env, since: str, until: str, fmt: str, by: str, pin_stdin: bool, output: str | None) -> None:
    from deskapp.core.security import auditor

    first, last = _day(since, "--from"), _day(until, "--to")
    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    if output is None:
        count = auditor.export(ctx, session, first, last, fmt, sys.stdout)
        click.echo(ngettext("{n} audit row exported ({first}..{last}).", "{n} audit rows exported ({first}..{last}).",
                            count).format(n=count, first=first, last=last), err=True)
        return
    part = f"{output}.part"
    try:
        out = open(part, "w", encoding="utf-8", newline="")  # closed below, renamed on success
    except OSError as exc:
        fail(_("cannot write {path}: {problem}").format(path=part, problem=exc.strerror or exc))
    done = False
    try:
        with out:
            count = auditor.export(ctx, session, first, last, fmt, out)
        os.replace(part, output)
        done = True
    except OSError as exc:
        fail(_("cannot write {path}: {problem}").format(path=output, problem=exc.strerror or exc))
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.remove(part)
    click.echo(ngettext("{n} audit row exported ({first}..{last}) to {path}.",
                        "{n} audit rows exported ({first}..{last}) to {path}.", count).format(
        n=count, first=first, last=last, path=output), err=True)
