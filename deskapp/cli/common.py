"""What every command shares: the global options' Env, exit codes, error reporting, --json output.

Exit codes (a contract): 0 success, 2 bad input or configuration, 1 anything else. An error is one
line on stderr, never a traceback: a bug's traceback goes to the log file, which the line names.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from deskapp.cli.click_words import option
from deskapp.errors import EXIT_BAD_INPUT, EXIT_FAILURE
from deskapp.i18n import N_, _

__all__ = [
    "EXIT_BAD_INPUT", "EXIT_FAILURE", "Env", "ask_pin", "emit", "fail", "json_option", "pin_stdin_option",  # i18n: not words
    "prove_identity", "report_error", "since_option", "status_word", "user_errors",
]


class Env:
    """What the global options chose; the Context is opened only by commands that need it."""

    def __init__(self, config_path: str | None, db_url: str | None, branch: str | None = None,
                 lang: str | None = None):
        self.config_path = config_path
        self.db_url = db_url
        self.branch = branch  # --branch or DESKAPP_BRANCH; None: the configuration's default branch
        self.lang = lang  # --lang (already the process's language); None: the locale's, then the staff's
        self._ctx = None

    def config(self):
        from deskapp.config.load import load_config

        return load_config(self.config_path, self.branch)

    def context(self, *, init: bool = True):
        if self._ctx is None:
            from deskapp.core.startup import open_context

            self._ctx = open_context(self.config(), self.db_url, init=init)
        return self._ctx


def fail(message: str, code: int = EXIT_FAILURE) -> None:
    click.echo(f"deskapp: {message}", err=True)
    sys.exit(code)


def user_errors(func: Callable) -> Callable:
    """Turn the errors a user can cause into a message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001  sorted below; imports stay lazy for a fast start
            report_error(exc)

    return wrapper


def report_error(exc: Exception) -> None:
    """Exit with the message and code deskapp.core.errors.describe gives `exc`; click's own pass through."""
    if isinstance(exc, (click.ClickException, click.exceptions.Abort, click.exceptions.Exit)):
        raise exc
    from deskapp.config.errors import ConfigInvalid
    from deskapp.core.errors import describe

    told = describe(exc)
    if isinstance(exc, ConfigInvalid):
        click.echo(told.message, err=True)  # PATH:LINE:COL: lines, as check-config prints them
        sys.exit(told.exit_code)
    fail(told.message, told.exit_code)


def emit(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        click.echo(json.dumps(data, default=str, ensure_ascii=False))
    else:
        click.echo(text)


json_option = option("--json", "as_json", is_flag=True, help=N_("Print one JSON document."))

pin_stdin_option = option(
    "--pin-stdin", "pin_stdin", is_flag=True,
    help=N_("Read the PIN from the first line of standard input (for scripts); asked hidden otherwise."))


def _since_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(_("--since must be a date as YYYY-MM-DD, not '{value}'").format(value=value), EXIT_BAD_INPUT)


def since_option(help_text: str) -> Callable:
    """--since YYYY-MM-DD, handed to the command as a date (None when not given); `help_text` an N_() word.

    A value that is not such a date ends the command with one line and exit 2 before it does anything.
    """
    return option("--since", "since", default=None, metavar=N_("YYYY-MM-DD"), callback=_since_date, help=help_text)


def ask_pin(label: str, pin_stdin: bool, *, confirm: bool = False) -> str:
    """A PIN: the next line of standard input with --pin-stdin, else asked hidden on the terminal.

    `label` is the prompt, already in the language in effect ("New PIN", "PIN for ana"). Successive
    calls read successive lines, so a command needing two PINs reads them in order.
    """
    if pin_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            fail(_("--pin-stdin: no {label} on standard input (one PIN a line)").format(label=label), EXIT_BAD_INPUT)
        return line.strip()
    try:
        pin = click.prompt(label, hide_input=True, confirmation_prompt=_("Repeat the PIN") if confirm else False)
    except click.exceptions.Abort:
        fail(_("no {label} given (it is asked on a terminal; scripts pass --pin-stdin)").format(label=label),
             EXIT_BAD_INPUT)
    return pin.strip()


def prove_identity(ctx, login: str, pin_stdin: bool):
    """The Session of `login` once its PIN is proven, for a command acting in that staff member's name.

    The PIN is checked by deskapp.core.security.auth with purpose "cli": a wrong one counts toward
    the same lockout as at a desk, and the audit records the channel. A wrong PIN or a locked
    account ends the command with one line and exit 1.
    """
    from deskapp.core.security import auth

    pin = ask_pin(_("PIN for {login}").format(login=login), pin_stdin)
    try:
        return auth.check_pin(ctx, login, pin, purpose="cli")
    except Exception as exc:  # noqa: BLE001  one line through describe, as every command error
        report_error(exc)


@contextmanager
def progress_bar(label: str, steps: int = 1000) -> Iterator[Callable[[float], None]]:
    """A click progress bar on stderr (so --json stays clean), fed the fraction done (0..1) by core."""
    with click.progressbar(length=steps, label=label, file=sys.stderr) as bar:
        shown = 0

        def progress(fraction: float) -> None:
            nonlocal shown
            step = int(fraction * steps) - shown
            if step > 0:
                bar.update(step)
                shown += step

        yield progress


# What a ticket's or booking's status and a counter's state are called in text output (--json keeps the codes).
_STATUS_WORDS = {
    "waiting": N_("waiting"), "called": N_("called"), "serving": N_("serving"), "done": N_("done"),
    "no_show": N_("no show"), "cancelled": N_("cancelled"), "transferred": N_("transferred"),
    "removed_by_reset": N_("removed by reset"), "booked": N_("booked"), "checked_in": N_("checked in"),
    "late": N_("late"),
    "open": N_("open"), "paused": N_("paused"), "closed": N_("closed"),
}


def status_word(code: str) -> str:
    """A ticket's or booking's status or a counter's state as text output says it, in the language in effect."""
    return _(_STATUS_WORDS.get(code, code.replace("_", " ")))
