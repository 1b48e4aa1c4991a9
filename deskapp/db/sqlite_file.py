"""A SQLite database file's permissions are its only access boundary.

Whoever can read the file reads every customer and the audit; whoever can write it can rewrite
the audit with the sqlite3 shell (dropping the triggers first). So:

- a new database file is created 0600 (the user running deskapp only), or 0640 with the
  `database.group` given, for desks run as several users of one group; SQLite gives its -wal
  and -shm files the database file's mode;
- an existing file writable by every user is refused (UnsafeDatabaseFile, saying how to fix it);
- an existing file readable by every user is opened, with a warning in the log.

POSIX only: on Windows the folder's ACLs are the boundary and nothing is checked here.
"""
from __future__ import annotations

import os
import stat

from deskapp.errors import DeskappError
from deskapp.i18n import N_, _
from deskapp.logs import log


class UnsafeDatabaseFile(DeskappError):
    """The SQLite file's permissions let other users change it: refused, with the fix."""

    title = N_("Cannot continue")  # each raised error carries it in the language in effect when raised
    severity = "error"

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.title = _(type(self).title)


def mode_for(group: str | None) -> int:
    return 0o640 if group else 0o600


def prepare(path: str, group: str | None = None) -> None:
    """Before SQLite opens `path`: create it private if it is new, refuse or warn if it is not."""
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode_for(group))
    except FileExistsError:
        check(path)
        return
    os.close(fd)
    _set_mode(path, group)


def _set_mode(path: str, group: str | None) -> None:
    if group:
        import grp  # POSIX only, like this whole check

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            os.unlink(path)
            raise UnsafeDatabaseFile(_("the database section's group '{group}' is not a group on this machine; "
                                       "create it or correct database.group").format(group=group)) from None
        try:
            os.chown(path, -1, gid)
        except PermissionError:
            os.unlink(path)
            raise UnsafeDatabaseFile(_("cannot give the new database file {path} to the group '{group}': the user "
                                       "running deskapp must be a member of it").format(path=path, group=group)) from None
    os.chmod(path, mode_for(group))  # exactly this mode, whatever the umask


def check(path: str) -> None:
    """Refuse a file every user may write; warn about one every user may read."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return  # SQLite itself says what is wrong with a file that cannot be looked at
    if mode & stat.S_IWOTH:
        raise UnsafeDatabaseFile(
            _("the database file {path} may be changed by every user on this machine (mode {mode}), so its "
              "audit could be rewritten; deskapp will not use it. Run: chmod 600 {path} (or chmod 640 with "
              "database.group set)").format(path=path, mode=f"{mode:04o}"))
    if mode & stat.S_IROTH:
        log.warning("the database file %s may be read by every user on this machine (mode %04o): customers "
                         "and the audit are readable; run chmod 600 %s", path, mode, path)
