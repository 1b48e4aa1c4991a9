"""`deskapp summaries`: the nightly job that summarises every closed day before anyone asks for a report."""
from __future__ import annotations

import datetime as dt

import click

from deskapp.cli.click_words import Command, option
from deskapp.cli.common import EXIT_BAD_INPUT, Env, emit, fail, json_option, progress_bar, since_option, user_errors
from deskapp.i18n import N_, _, ngettext


@click.command(cls=Command, help=N_("Summarise every closed day not yet summarised (or changed since), so that reports over long "
                 "periods read day summaries instead of tickets: run it after closing, e.g. from cron. Shows "
                 "progress on stderr."))
@option("--network", "network", is_flag=True, help=N_("Every branch of the database (default: this desk's branch)."))
@option("--branches", "branch_codes", default=None, metavar="A,B",
        help=N_("Only these branches (codes, comma-separated)."))
@since_option(N_("First day to look at (default: each branch's first recorded day)."))
@json_option
@click.pass_obj
@user_errors
def summaries(env: Env, network: bool, branch_codes: str | None, since: dt.date | None, as_json: bool) -> None:
    from deskapp.core.stats import network_report, nightly

    if network and branch_codes is not None:
        fail(_("--network and --branches: choose one"), EXIT_BAD_INPUT)
    ctx = env.context()
    if branch_codes is not None:
        codes = [c.strip() for c in branch_codes.split(",") if c.strip()]
        if not codes:
            fail(_("--branches names at least one branch code, e.g. --branches LIS01,POR01"), EXIT_BAD_INPUT)
        ids = network_report.branch_ids(codes)
    else:
        ids = None if network else [ctx.branch_id]
    with progress_bar(_("Summarising closed days")) as progress:
        done = nightly.summarise(ctx, ids, since=since, progress=progress)
    data = {"branches": [{"branch": d.branch, "since": d.since.isoformat(), "until": d.until.isoformat(),
                          "filled": d.filled} for d in done], "filled": sum(d.filled for d in done)}
    lines = [ngettext("{branch}: {filled} day summarised ({since} to {until})",
                      "{branch}: {filled} days summarised ({since} to {until})", d.filled).format(
        branch=d.branch, filled=d.filled, since=d.since.isoformat(), until=d.until.isoformat()) for d in done]
    emit(as_json, data, "\n".join(lines))
