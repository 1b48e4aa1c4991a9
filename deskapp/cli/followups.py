"""`deskapp followups close ID`: close a follow-up from a script, in a staff member's name (`--by LOGIN`,
PIN proven). Core checks the role and the rule a desk's dialog follows: a resolution always, a root
cause for a complaint or poor feedback only (a loan referral closes without one)."""
from __future__ import annotations

import click

from deskapp.cli.common import Env, emit, json_option, pin_stdin_option, prove_identity, user_errors


@click.group()
def followups() -> None:
    """Follow-ups owed to customers: close one with its resolution."""


@followups.command()
@click.argument("followup_id", type=int)
@click.option("--resolution", required=True, help="What was done for the customer.")
@click.option("--root-cause", "root_cause", default=None, metavar="CODE",
              help="Why it happened, one of followups.root_causes; required for a complaint or poor feedback.")
@click.option("--by", "by", required=True, metavar="LOGIN", help="Who closes it (their PIN is asked).")
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def close(env: Env, followup_id: int, resolution: str, root_cause: str | None, by: str, pin_stdin: bool,
          as_json: bool) -> None:
    """Close a follow-up: done, with what was done and (for a complaint) why it happened."""
    from deskapp.core.customers import followups as core

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    done = core.close(ctx, followup_id, resolution=resolution, root_cause=root_cause, by=session.login)
    emit(as_json, {"id": done.id, "status": done.status, "source": done.source, "root_cause": done.root_cause,
                   "resolution": done.resolution, "closed_at": done.closed_at},
         f"Follow-up {done.id} closed" + (f" (root cause: {done.root_cause.replace('_', ' ')})"
                                          if done.root_cause else "") + ".")
