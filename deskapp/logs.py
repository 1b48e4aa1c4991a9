"""The log: one rotating file per process, set up once at start by deskapp.cli and deskapp.launch.

What goes in (logger "deskapp"): one INFO line per staff action, written at the two choke points every
action passes (deskapp.core.security.audit.record and the queue's ticket events) once its transaction
has committed, so a retried or rolled-back transaction leaves no line behind; a WARNING per refused
action (deskapp.core.errors.describe) and per retried transaction (deskapp.db.database); an ERROR with
its traceback per unexpected exception. Never a national ID, phone, PIN or name: a line carries logins,
action names, ticket numbers and record ids, nothing a user typed about a customer.

The file is the configuration's `logging.file`, else deskapp.log in the user's log directory
(platformdirs). Until the configuration is loaded the default file is used; `--log-level` beats the
configuration's level. Nothing here runs at import: a library user's logging is theirs.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")  # i18n: not words
MAX_BYTES = 5_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # i18n: not words

log = logging.getLogger("deskapp")
_handler: RotatingFileHandler | None = None
_chosen_level: str | None = None  # from --log-level: the configuration does not override it
_held = threading.local()  # action lines of the transaction running in this thread


def default_file() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("deskapp", appauthor=False)) / "deskapp.log"


def current_file() -> Path | None:
    """The file the log goes to, or None when logging was never started (a library or test use)."""
    return Path(_handler.baseFilename) if _handler is not None else None


def start(level: str | None = None, file: str | Path | None = None) -> None:
    """Send deskapp's log to a rotating file at `level` (INFO when not given). Called once at start."""
    global _chosen_level
    _chosen_level = level.upper() if level else None
    _open(Path(file) if file else default_file())
    log.setLevel(_chosen_level or "INFO")  # i18n: not words


def use_config(settings) -> None:
    """Follow the configuration's `logging:` section, once it is loaded; nothing if start() never ran."""
    if _handler is None:
        return
    if settings.file and Path(settings.file).resolve() != current_file():
        _open(Path(settings.file))
    if _chosen_level is None:
        log.setLevel(settings.level)


def stop() -> None:
    """Close the file (the end of a process, or a test)."""
    global _handler
    if _handler is not None:
        log.removeHandler(_handler)
        _handler.close()
        _handler = None


def _open(path: Path) -> None:
    from logging.handlers import RotatingFileHandler  # here, not at import: the desk's start stays light

    global _handler
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except OSError:
        return  # a log that cannot be written must not stop the desk; the previous file stays
    handler.setFormatter(logging.Formatter(FORMAT))
    # A write that fails (a full disk, a read-only folder) must not print "--- Logging error ---" and a
    # traceback on the user's screen: the line is lost, the desk or command goes on and says its own words.
    handler.handleError = lambda record: None  # type: ignore[method-assign]
    stop()
    _handler = handler
    log.addHandler(handler)


def action(who: str | None, what: str, **refs: object) -> None:
    """One staff action: who did what to which ticket, customer or record (ids and numbers only).

    Inside a transaction (held()) the line waits for the commit, so only what was saved is logged.
    """
    if not log.isEnabledFor(logging.INFO):
        return
    line = " ".join([f"{who or '-'} {what}", *(f"{k}={v}" for k, v in refs.items() if v not in (None, ""))])
    pending = getattr(_held, "lines", None)
    if pending is None:
        log.info(line)
    else:
        pending.append(line)


@contextmanager
def held() -> Iterator[None]:
    """Hold action lines until the block ends without an error, then write them; drop them on an error."""
    outer = getattr(_held, "lines", None)
    _held.lines = []
    try:
        yield
    except BaseException:
        _held.lines = outer
        raise
    lines, _held.lines = _held.lines, outer
    if outer is not None:
        outer.extend(lines)
    else:
        for line in lines:
            log.info(line)


@contextmanager
def quiet() -> Iterator[None]:
    """Only warnings and errors during the block (the demo's simulated days are nobody's actions)."""
    before = log.level
    log.setLevel(max(logging.WARNING, log.getEffectiveLevel()))
    try:
        yield
    finally:
        log.setLevel(before)
