"""`deskapp backup` and `deskapp restore`: a consistent copy of the live database, and bringing it back."""
from __future__ import annotations

import sys

import click

from deskapp.cli.click_words import argument, option
from deskapp.cli.common import EXIT_BAD_INPUT, Env, emit, fail, json_option, user_errors
from deskapp.cli.main import main
from deskapp.i18n import N_, _, number


def _source_url(env: Env) -> str:
    if env.db_url:
        return env.db_url
    from deskapp.core.context import database_url

    return database_url(env.config())


class _Bar:
    """A click progress bar fed (done, total) by core; shown on stderr, so --json stays clean."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        step = done - self.shown
        if step > 0:
            self.bar.update(step)
            self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command(help=N_("Write a consistent copy of the database to OUT while desks keep working.\n\nSQLite: a SQLite "
                      "file (the online backup API). PostgreSQL: a pg_dump archive (custom format); needs pg_dump of "
                      "the server's major version on PATH."))
@argument("out", type=click.Path(dir_okay=False))
@option("--force", is_flag=True, help=N_("Replace OUT when it exists."))
@json_option
@click.pass_obj
@user_errors
def backup(env: Env, out: str, force: bool, as_json: bool) -> None:
    from deskapp.db import backup as core

    bar = _Bar(_("Backing up"))
    try:
        result = core.backup(_source_url(env), out, force=force, progress=bar)
    finally:
        bar.close()
    emit(as_json, {"path": result.path, "backend": result.backend, "bytes": result.size_bytes,
                   "seconds": round(result.seconds, 3)},
         _("Backup written to {path} ({size} bytes, {seconds} s).").format(
             path=result.path, size=number(result.size_bytes), seconds=number(result.seconds, digits=1)))


@main.command(help=N_("Restore the backup IN into a new, empty database, then migrate it to this version."))
@argument("backup_file", metavar="IN", type=click.Path(dir_okay=False))  # i18n: not words
@option("--db", "target", default=None,
        help=N_("The new, empty database to restore into (default: the global --db)."))
@option("--force", is_flag=True, help=N_("Restore even into a database that already holds tables."))
@json_option
@click.pass_obj
@user_errors
def restore(env: Env, backup_file: str, target: str | None, force: bool, as_json: bool) -> None:
    from deskapp.db import backup as core

    url = target or env.db_url
    if not url:
        fail(_("say which database to restore into: deskapp restore IN --db URL"), EXIT_BAD_INPUT)
    bar = _Bar(_("Restoring"))
    try:
        result = core.restore(backup_file, url, force=force, progress=bar)
    finally:
        bar.close()
    applied = result.migrations_applied
    emit(as_json, {"backend": result.backend, "migrations_applied": applied},
         _("Restored {path}; migrations applied: {names}.").format(path=backup_file, names=", ".join(applied))
         if applied else _("Restored {path}; migrations applied: none (up to date).").format(path=backup_file))
