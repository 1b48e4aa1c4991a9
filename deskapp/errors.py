"""DeskappError: the one base of every error a user can cause or meet, with its words and exit code.

It lives at the package root, not in deskapp.core, because config (ConfigInvalid, ExprError) and db
(DatabaseUnavailable, BackupError) raise such errors too, and neither may import core (the layers in
pyproject.toml). deskapp.core.errors turns any exception, these or a bug, into what a user is shown.
"""
from __future__ import annotations

EXIT_BAD_INPUT = 2  # bad input or configuration (a contract: scripts rely on it)
EXIT_FAILURE = 1  # anything else


class DeskappError(Exception):
    """An error worded for the person at the desk; `str(exc)` is the message shown.

    Subclasses say what kind it is: `exit_code` 2 for bad input or configuration, 1 otherwise;
    `title` and `severity` for the screens ("warning" for a refused action, "error" when work
    cannot go on); `private` when the message may carry personal data (a name, an ID), so the log
    names only the class.
    """

    exit_code: int = EXIT_FAILURE
    title: str = ""
    severity: str = "warning"
    private: bool = False


class BadInput(DeskappError):
    """Input or configuration that cannot be used as given: exit code 2."""

    exit_code = EXIT_BAD_INPUT
