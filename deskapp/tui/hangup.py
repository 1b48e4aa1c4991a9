"""A desk, display or kiosk whose terminal goes away exits, keeping its counter and ticket.

An SSH connection that drops or a tmux session killed closes the terminal. The process gets
SIGHUP, or, when the hang-up went to another process (`make run` as the parent), only end of
input: Textual's input thread then reads end-of-file again and again at 100% of a core and the
desk never ends. Either way the app logs it and exits within a second. Its counter and the
ticket at it stay as a lock leaves them (the person's logout is audited and the counter gets a
`logout` event), so a new start at that counter resumes them.
"""
from __future__ import annotations

import asyncio
import logging
import os
import select
import signal
import threading
import time
from typing import Any

from deskapp import logs

DeskApp = Any  # deskapp.tui.app.DeskApp, which imports this module (no import back: no cycle)

EXIT_HANGUP = 129  # 128 + SIGHUP, as a shell reports a job whose terminal hung up
CHECK_SECONDS = 0.25
GRACE_SECONDS = 0.8  # then the process ends even if the shutdown waits on the dead terminal


def terminal_gone(fd: int = 0) -> bool:
    """Whether the terminal on `fd` has hung up (poll reports POLLHUP, POLLERR or POLLNVAL on it;
    a live terminal never does, whether or not a key is waiting)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events)


def watch(app: DeskApp) -> None:
    """Make the running app leave on SIGHUP and on end of input (checked every CHECK_SECONDS).
    A headless app (tests) has no terminal to lose."""
    if app.is_headless:
        return
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, leave, app, "SIGHUP")  # i18n: not words (for the log)
    except (NotImplementedError, RuntimeError, ValueError):  # no signals here (not the main thread)
        pass
    if os.isatty(0):
        app.set_interval(CHECK_SECONDS, lambda: terminal_gone(0) and leave(app, "end of input"))


def leave(app: DeskApp, why: str) -> None:
    """Log, keep the counter and ticket as a lock does, and exit (at the latest after GRACE_SECONDS)."""
    if getattr(app, "_leaving", False):
        return
    app._leaving = True
    started = time.monotonic()
    logs.log.warning("terminal closed (%s): exiting; the counter and its ticket are kept as at a lock",  # i18n: not words
                     why)
    threading.Thread(target=_end_after, args=(started + GRACE_SECONDS,), daemon=True, name="hangup").start()
    session = app.session
    if session is not None and app.ctx is not None:
        worker = threading.Thread(target=_logout, args=(app, session), daemon=True, name="hangup-logout")
        worker.start()
        worker.join(GRACE_SECONDS / 2)
    app.exit(return_code=EXIT_HANGUP)


def _logout(app: DeskApp, session) -> None:
    from deskapp.core import queue as q
    from deskapp.db.pool import borrowed

    try:
        with borrowed():
            q.logout(app.ctx, session, "terminal_closed")
    except Exception as exc:  # noqa: BLE001  the exit goes on: the counter is kept either way
        logs.log.warning("terminal closed: the logout was not recorded (%s)",  # i18n: not words (the log)
                         type(exc).__name__)


def _end_after(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.monotonic()))
    logging.shutdown()  # the log lines are written before the hard exit
    os._exit(EXIT_HANGUP)
