"""`deskapp notify run|status`: the notification outbox's deliverer and its state."""
from __future__ import annotations

import signal

import click

from deskapp.cli.click_words import group, option
from deskapp.cli.common import Env, emit, json_option, user_errors
from deskapp.i18n import N_, _


@group(help=N_("Deliver the notification outbox (e-mail, webhook, SMS) and see its state."))
def notify() -> None:
    pass


@notify.command(help=N_("Deliver messages: retries with backoff, dead-letter after notifications.max_attempts tries. "
                        "Runs until SIGTERM or Ctrl+C (it finishes the message in hand first), or with --once until "
                        "nothing is due."))
@option("--once", is_flag=True, help=N_("Deliver what is due now, then exit (for cron and tests)."))
@json_option
@click.pass_obj
@user_errors
def run(env: Env, once: bool, as_json: bool) -> None:
    from deskapp.core.notify import deliver
    from deskapp.logs import log

    ctx = env.context()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))

    def told(done) -> None:
        log.info("notify: sent %d, failed %d, dead %d", done.sent, done.failed, done.dead)

    try:
        total = deliver.run(ctx, once=once, should_stop=lambda: bool(stop), on_round=told)
    except KeyboardInterrupt:
        return
    emit(as_json, {"sent": total.sent, "failed": total.failed, "dead": total.dead},
         _("sent {sent}, failed {failed} (to retry), dead {dead}").format(
             sent=total.sent, failed=total.failed, dead=total.dead))


@notify.command(help=N_("Pending, failed (awaiting a retry), sent, dead, and the oldest message not yet sent."))
@json_option
@click.pass_obj
@user_errors
def status(env: Env, as_json: bool) -> None:
    from deskapp.core.notify import deliver

    env.context()
    found = deliver.status()
    oldest = found.oldest_pending.isoformat(timespec="seconds") + "Z" if found.oldest_pending else None  # i18n: not words
    emit(as_json, {"pending": found.pending, "failed": found.failed, "sent": found.sent, "dead": found.dead,
                   "oldest_pending": oldest},
         _("pending {pending}, failed {failed}, sent {sent}, dead {dead}, oldest pending {oldest}").format(
             pending=found.pending, failed=found.failed, sent=found.sent, dead=found.dead, oldest=oldest or "-"))
