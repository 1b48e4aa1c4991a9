"""`deskapp retention run`: apply the retention periods of config `retention`."""
from __future__ import annotations

import click

from deskapp.cli.common import Env, emit, json_option, user_errors


@click.group()
def retention() -> None:
    """Retention of personal data (config `retention`)."""


@retention.command()
@click.option("--dry-run", is_flag=True, help="Count what would be blanked or unlinked, change nothing.")
@json_option
@click.pass_obj
@user_errors
def run(env: Env, dry_run: bool, as_json: bool) -> None:
    """Blank or unlink the personal data older than its configured period (feedback comments, interaction
    notes, workflow step values, ticket-to-customer links). Audited with the counts."""
    from deskapp.core.customers import retention as core

    results = core.run(env.context(), dry_run=dry_run)
    data = [{"rule": r.rule, "period": r.period, "before": r.before.isoformat(), "rows": r.rows} for r in results]
    verb = "would change" if dry_run else "changed"
    lines = [f"{r.rule:<26} {r.period:<10} before {r.before:%Y-%m-%d}: {r.rows} rows {verb}" for r in results]
    emit(as_json, {"dry_run": dry_run, "rules": data},
         "\n".join(lines) if lines else "No retention period is configured (config `retention`).")
