"""What any exception means to a user: describe(exc), used by the command line, the app and every dialog.

The errors themselves derive from deskapp.errors.DeskappError (at the package root, because config
and db raise them too): each domain has its subclass (QueueError, AuthError, Forbidden,
CustomerInvalid, FeedbackError, WorkflowError, ...) carrying the words to show and the exit code.
describe() adds what only a whole view can say: the database's own failures in plain words, and for
anything else (a bug) one short line naming the log file, where the traceback has been written.
"""
from __future__ import annotations

from dataclasses import dataclass

from deskapp import logs
from deskapp.errors import EXIT_BAD_INPUT, EXIT_FAILURE, BadInput, DeskappError
from deskapp.i18n import _

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILURE", "BadInput", "DeskappError", "Description", "describe"]  # i18n: not words


@dataclass(frozen=True)
class Description:
    """An exception as a user sees it: `message` is one paragraph, `exit_code` the command's."""

    title: str
    message: str
    severity: str  # "warning": an action was refused; "error": the work cannot go on
    exit_code: int
    expected: bool = True  # False for a bug: its traceback is in the log


def describe(exc: BaseException) -> Description:
    """The title, message, severity and exit code for `exc`, logged on the way.

    A refused action (a DeskappError) is logged as a WARNING naming its kind (and its words unless
    they may carry personal data); anything unexpected as an ERROR with its traceback.
    """
    import peewee

    from deskapp.db.database import (
        ConnectionLost,
        DatabaseDamaged,
        connection_lost,
        damage_message,
        damaged,
        first_line,
        storage_problem,
    )

    if isinstance(exc, DeskappError):
        said = "" if exc.private else f": {first_line(exc)}"
        logs.log.warning("refused (%s)%s", type(exc).__name__, said)  # i18n: not words
        return Description(exc.title, str(exc), exc.severity, exc.exit_code)
    if damaged(exc):
        logs.log.error("database damaged: %s", first_line(exc))  # i18n: not words
        said = DatabaseDamaged(damage_message(exc))
        return Description(said.title, str(said), said.severity, said.exit_code)
    problem = storage_problem(exc)
    if problem:
        logs.log.warning("database cannot be written: %s", first_line(exc))  # i18n: not words
        return Description(_("Cannot save"), problem[0].upper() + problem[1:] + ".", "error", EXIT_FAILURE)
    if isinstance(exc, ConnectionLost):
        logs.log.warning("connection lost while saving")  # i18n: not words
        return Description(_("Connection lost"), str(exc), "error", EXIT_FAILURE)
    if connection_lost(exc):
        logs.log.warning("connection lost: %s", first_line(exc))  # i18n: not words
        return Description(_("Connection lost"), _("The connection to the database was lost; deskapp has reconnected. "
                                                   "Look at the screen before you do it again."), "error", EXIT_FAILURE)
    if isinstance(exc, peewee.PeeweeException):
        logs.log.warning("database error: %s", first_line(exc))  # i18n: not words
        return Description(_("Database problem"),
                           _("The database did not answer: {problem}. Nothing was saved; try again.").format(
                               problem=first_line(exc)),
                           "error", EXIT_FAILURE)
    logs.log.error("unexpected %s", type(exc).__name__, exc_info=(type(exc), exc, exc.__traceback__))  # i18n: not words
    where = logs.current_file()
    details = _("; the details are in {file}").format(file=where) if where else ""
    return Description(_("Unexpected problem"), f"{type(exc).__name__}: {first_line(exc)}{details}.", "error",
                       EXIT_FAILURE, expected=False)
