"""`deskapp notify run|status`: the notification outbox's deliverer and its state."""
from __future__ import annotations

import signal

import click

from deskapp.cli.common import Env, emit, json_option, user_errors


@click.group()
def notify() -> None:
    """Deliver the notification outbox (e-mail, webhook, SMS) and see its state."""


@notify.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron and tests).")
@json_option
@click.pass_obj
@user_errors
def run(env: Env, once: bool, as_json: bool) -> None:
    """Deliver messages: retries with backoff, dead-letter after notifications.max_attempts tries.
    Runs until SIGTERM or Ctrl+C (it finishes the message in hand first), or with --once until nothing is due."""
    from deskapp import logs
    from deskapp.core.notify import deliver

    ctx = env.context()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))

    def told(done) -> None:
        logs.log.info("notify: sent %d, failed %d, dead %d", done.sent, done.failed, done.dead)

    try:
        total = deliver.run(ctx, once=once, should_stop=lambda: bool(stop), on_round=told)
    except KeyboardInterrupt:
        return
    emit(as_json, {"sent": total.sent, "failed": total.failed, "dead": total.dead},
         f"sent {total.sent}, failed {total.failed} (to retry), dead {total.dead}")


@notify.command()
@json_option
@click.pass_obj
@user_errors
def status(env: Env, as_json: bool) -> None:
    """Pending, failed (awaiting a retry), sent, dead, and the oldest message not yet sent."""
    from deskapp.core.notify import deliver

    env.context()
    found = deliver.status()
    oldest = found.oldest_pending.isoformat(timespec="seconds") + "Z" if found.oldest_pending else None
    emit(as_json, {"pending": found.pending, "failed": found.failed, "sent": found.sent, "dead": found.dead,
                   "oldest_pending": oldest},
         f"pending {found.pending}, failed {found.failed}, sent {found.sent}, dead {found.dead}, "
         f"oldest pending {oldest or '-'}")
