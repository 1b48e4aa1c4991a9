"""`deskapp followups close ID`: close a follow-up from a script, in a staff member's name (`--by LOGIN`,
PIN proven). Core checks the role and the rule a desk's dialog follows: a resolution always, a root
cause for a complaint or poor feedback only (a loan referral closes without one)."""
from __future__ import annotations

import click

from deskapp.cli.click_words import argument, group, option
from deskapp.cli.common import Env, emit, json_option, pin_stdin_option, prove_identity, user_errors
from deskapp.i18n import N_, _


@group(help=N_("Follow-ups owed to customers: close one with its resolution."))
def followups() -> None:
    pass


@followups.command(help=N_("Close a follow-up: done, with what was done and (for a complaint) why it happened."))
@argument("followup_id", type=int)
@option("--resolution", required=True, help=N_("What was done for the customer."))
@option("--root-cause", "root_cause", default=None, metavar=N_("CODE"),
        help=N_("Why it happened, one of followups.root_causes; required for a complaint or poor feedback."))
@option("--by", "by", required=True, metavar=N_("LOGIN"), help=N_("Who closes it (their PIN is asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def close(env: Env, followup_id: int, resolution: str, root_cause: str | None, by: str, pin_stdin: bool,
          as_json: bool) -> None:
    from deskapp.core.customers import followups as core

    ctx = env.context()
    session = prove_identity(ctx, by, pin_stdin)
    done = core.close(ctx, followup_id, resolution=resolution, root_cause=root_cause, by=session.login)
    emit(as_json, {"id": done.id, "status": done.status, "source": done.source, "root_cause": done.root_cause,
                   "resolution": done.resolution, "closed_at": done.closed_at},
         _("Follow-up {id} closed (root cause: {cause}).").format(id=done.id, cause=done.root_cause.replace("_", " "))
         if done.root_cause else _("Follow-up {id} closed.").format(id=done.id))
