"""`deskapp retention run`: apply the retention periods of config `retention`."""
from __future__ import annotations

import click

from deskapp.cli.click_words import group, option
from deskapp.cli.common import Env, emit, json_option, user_errors
from deskapp.i18n import N_, _, ngettext


@group(help=N_("Retention of personal data (config `retention`)."))
def retention() -> None:
    pass


@retention.command(help=N_("Blank or unlink the personal data older than its configured period (feedback comments, "
                           "interaction notes, workflow step values, ticket-to-customer links). Audited with the "
                           "counts."))
@option("--dry-run", is_flag=True, help=N_("Count what would be blanked or unlinked, change nothing."))
@json_option
@click.pass_obj
@user_errors
def run(env: Env, dry_run: bool, as_json: bool) -> None:
    from deskapp.core.customers import retention as core

    results = core.run(env.context(), dry_run=dry_run)
    data = [{"rule": r.rule, "period": r.period, "before": r.before.isoformat(), "rows": r.rows} for r in results]
    lines = [f"{r.rule:<26} {r.period:<10} " + (
        ngettext("before {date}: {n} row would change", "before {date}: {n} rows would change", r.rows) if dry_run else
        ngettext("before {date}: {n} row changed", "before {date}: {n} rows changed", r.rows)).format(
            date=r.before.isoformat(), n=r.rows) for r in results]
    emit(as_json, {"dry_run": dry_run, "rules": data},
         "\n".join(lines) if lines else _("No retention period is configured (config `retention`)."))
