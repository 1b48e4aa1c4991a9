"""Backup and restore: a consistent copy of a live database, and bringing one back.

SQLite: the online backup API copies the file page by page while the source connection holds one
read transaction, so the copy is the database as of one moment while desks keep writing (WAL lets
them). PostgreSQL: pg_dump (custom format) of the whole database, itself one snapshot; pg_restore
brings it back. A restore goes into a new, empty database (unless forced) and then runs the
migrations, so a backup taken by an older deskapp comes up to date.

A backup is written to a temporary file beside OUT and renamed at the end: a failed or interrupted
backup never leaves a half-written OUT behind.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deskapp.db import database, migrate, sqlite_file
from deskapp.errors import DeskappError
from deskapp.i18n import _, ngettext

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PAGES_PER_STEP = 1024  # 4 MiB at SQLite's default page size: a progress update every few milliseconds

# (done, total): pages for SQLite, tables for PostgreSQL.
Progress = Callable[[int, int], None]


class BackupError(DeskappError):
    """A backup or restore that cannot go ahead; the message says why in plain words."""


@dataclass
class BackupResult:
    path: str
    backend: str
    size_bytes: int
    seconds: float


@dataclass
class RestoreResult:
    backend: str
    migrations_applied: list[str] = field(default_factory=list)


def backend_of(url: str) -> str:
    if url.startswith("sqlite:"):
        return "sqlite"
    if url.startswith(("postgresql:", "postgres:")):
        return "postgresql"
    raise BackupError(_("unsupported database URL '{url}': use sqlite:///PATH or postgresql://...").format(
        url=database.redact(url)))


def sqlite_path(url: str) -> str:
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
    if not path or path == ":memory:":
        raise BackupError(_("a SQLite URL needs a file: sqlite:///deskapp.db (got '{url}')").format(url=url))
    return path


def backup(url: str, out: str | os.PathLike, *, force: bool = False, progress: Progress | None = None,
           pages_per_step: int = PAGES_PER_STEP) -> BackupResult:
    """Write a consistent copy of the database at `url` to `out` while others keep writing."""
    out = Path(out)
    if out.is_dir():
        raise BackupError(_("{path} is a folder; give the backup a file name").format(path=out))
    if out.exists() and not force:
        raise BackupError(_("{path} already exists; choose a new file name, or use --force to replace it").format(
            path=out))
    if not out.parent.resolve().is_dir():
        raise BackupError(_("the folder for the backup does not exist: {folder}").format(folder=out.parent.resolve()))
    backend = backend_of(url)
    started = time.perf_counter()
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent.resolve())
    os.close(fd)
    try:
        if backend == "sqlite":
            _sqlite_backup(sqlite_path(url), tmp, progress, pages_per_step)
        else:
            _pg_backup(url, tmp, progress)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return BackupResult(str(out), backend, out.stat().st_size, time.perf_counter() - started)


def restore(path: str | os.PathLike, url: str, *, force: bool = False,
            progress: Progress | None = None) -> RestoreResult:
    """Bring a backup into the (new, empty) database at `url`, then migrate it to this version."""
    path = Path(path)
    kind = backup_kind(path)
    backend = backend_of(url)
    if kind != backend:
        raise BackupError(_("{path} is a {kind} backup; restore it into a {scheme} database, not {url} (moving "
                            "between SQLite and PostgreSQL is not supported)").format(
            path=path, kind=_NAMES[kind], scheme="sqlite:///PATH" if kind == "sqlite" else "postgresql://",
            url=database.redact(url)))
    if backend == "sqlite":
        _sqlite_restore(path, sqlite_path(url), force, progress)
    else:
        _pg_restore(path, url, force, progress)
    database.connect(url)
    try:
        applied = migrate.migrate()
    finally:
        database.close()
    return RestoreResult(backend, applied)


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}  # i18n: not words


def backup_kind(path: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes; a clear error for anything else."""
    if not path.exists():
        raise BackupError(_("there is no backup file {path}").format(path=path))
    if path.is_dir():
        raise BackupError(_("{path} is a folder, not a backup file").format(path=path))
    with open(path, "rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(_("{path} is not a deskapp backup (neither a SQLite file nor a pg_dump archive)").format(
        path=path))


# SQLite ---------------------------------------------------------------------------------------------


def _sqlite_backup(source: str, target: str, progress: Progress | None, pages_per_step: int) -> None:
    if not os.path.isfile(source):
        raise BackupError(_("there is no database file {path}").format(path=source))
    with open(source, "rb") as f:
        if not f.read(len(SQLITE_MAGIC)).startswith(SQLITE_MAGIC):
            raise BackupError(_("{path} is not a SQLite database").format(path=source))
    src = sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=10, isolation_level=None)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        # One read transaction for the whole copy: every step reads the same snapshot, and the
        # writers (WAL) never force the copy to start over.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=pages_per_step, progress=_pages(progress))
        src.execute("COMMIT")
        dst.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
        problem = dst.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(_("the copy of {path} failed its integrity check: {problem}").format(
                path=source, problem=problem))
    except sqlite3.Error as exc:
        raise BackupError(_("cannot back up {path}: {problem}").format(path=source, problem=damage_words(exc))) from None
    finally:
        src.close()
        dst.close()


def _pages(progress: Progress | None):
    if progress is None:
        return None

    def report(_status: int, remaining: int, total: int) -> None:
        progress(total - remaining, total)

    return report


def _sqlite_restore(backup_file: Path, target: str, force: bool, progress: Progress | None) -> None:
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise BackupError(_("the folder for the database does not exist: {folder}").format(folder=folder))
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        tables = _sqlite_tables(src)
        if "schema_migration" not in tables:
            raise BackupError(_("{path} is a SQLite file but not a deskapp backup (it has no schema_migration "
                                "table)").format(path=backup_file))
        # A damaged backup is refused before anything is written: restoring it would leave a
        # malformed database behind a "Restored".
        problem = database.integrity_problem(src)
        if problem:
            raise BackupError(_("{path} is damaged and was not restored ({problem}); use another backup").format(
                path=backup_file, problem=problem))
        if os.path.exists(target) and not force:
            with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as existing:
                held = _sqlite_tables(existing)
            existing.close()
            if held:
                raise BackupError(ngettext(
                    "the target database {target} is not empty ({n} table); restore into a new database, or use "
                    "--force to replace its contents",
                    "the target database {target} is not empty ({n} tables); restore into a new database, or use "
                    "--force to replace its contents", len(held)).format(target=target, n=len(held)))
        sqlite_file.prepare(target)  # a new file private (0600), an existing one checked
        dst = sqlite3.connect(target, timeout=10, isolation_level=None)
        try:
            src.backup(dst, pages=PAGES_PER_STEP, progress=_pages(progress))
            problem = database.integrity_problem(dst)
            if problem:
                raise BackupError(_("the database restored from {path} into {target} failed its integrity check "
                                    "({problem}); do not use it").format(path=backup_file, target=target,
                                                                         problem=problem))
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(_("cannot restore {path} into {target}: {problem}").format(
            path=backup_file, target=target, problem=damage_words(exc))) from None
    finally:
        src.close()


def damage_words(exc: BaseException) -> str:
    """SQLite's words for an error, saying plainly when they mean a damaged file."""
    return _("the file is damaged ({problem})").format(problem=exc) if database.damaged(exc) else str(exc)


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


# PostgreSQL -----------------------------------------------------------------------------------------


def _pg_tool(name: str, server_major: int) -> str:
    """The path of pg_dump or pg_restore, checked to be able to talk to this server."""
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(_("{tool} is not installed or not on PATH: install the PostgreSQL {version} client tools "
                            "(Debian/Ubuntu: postgresql-client-{version})").format(tool=name, version=server_major))
    version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", version)
    major = int(match.group(1)) if match else 0
    if major != server_major:
        said = (_("{tool} is version {major} but the server is PostgreSQL {version}: install the PostgreSQL "
                  "{version} client tools and put them first on PATH") if major else
                _("{tool} is of an unknown version but the server is PostgreSQL {version}: install the PostgreSQL "
                  "{version} client tools and put them first on PATH"))
        raise BackupError(said.format(tool=tool, major=major, version=server_major))
    return tool


def _pg_server(url: str) -> tuple[int, int]:
    """(server major version, number of tables outside the system schemas)."""
    conn = database.make_database(url)
    try:
        conn.connect()
    except Exception as exc:  # noqa: BLE001  any failure to connect is told to the user as it is
        raise BackupError(_("cannot open the database {url}: {problem}").format(
            url=database.redact(url), problem=database.first_line(exc))) from None
    try:
        version = int(conn.execute_sql("SHOW server_version_num").fetchone()[0])  # i18n: not words
        tables = conn.execute_sql(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')").fetchone()[0]
    finally:
        conn.close_all()  # a pooled database: close() alone would keep the connection idle
    return version // 10000, int(tables)


def _pg_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def _run_verbose(argv: list[str], marker: str, total: int, progress: Progress | None) -> None:
    """Run a pg tool with --verbose, counting `marker` lines as progress; errors become BackupError."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    errors: list[str] = []
    done = 0
    for line in proc.stderr:
        if marker in line:
            done += 1
            if progress:
                progress(min(done, total), total)
        elif ": error:" in line or line.startswith(("ERROR", "DETAIL")):  # i18n: not words
            errors.append(line.strip())
    code = proc.wait()
    if code != 0:
        detail = "; ".join(errors[:3]) or _("exit code {code}").format(code=code)
        raise BackupError(_("{tool} failed: {problem}").format(tool=os.path.basename(argv[0]), problem=detail))
    if progress:
        progress(total, total)


def _pg_backup(url: str, target: str, progress: Progress | None) -> None:
    server_major, tables = _pg_server(url)
    tool = _pg_tool("pg_dump", server_major)
    _run_verbose([tool, "--format=custom", "--no-owner", "--no-privileges", "--verbose",
                  f"--file={target}", f"--dbname={_pg_url(url)}"],
                 "dumping contents of table", tables, progress)  # i18n: not words


def _pg_restore(backup_file: Path, url: str, force: bool, progress: Progress | None) -> None:
    server_major, tables = _pg_server(url)
    tool = _pg_tool("pg_restore", server_major)
    listing = subprocess.run([tool, "--list", str(backup_file)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(_("{path} cannot be read by pg_restore: {problem}").format(
            path=backup_file, problem=listing.stderr.strip().splitlines()[:1]))
    if " schema_migration " not in listing.stdout:
        raise BackupError(_("{path} is a pg_dump archive but not a deskapp backup (no schema_migration table)").format(
            path=backup_file))
    if tables and not force:
        raise BackupError(ngettext(
            "the target database {target} is not empty ({n} table); restore into a new database (createdb NAME), "
            "or use --force to replace its contents",
            "the target database {target} is not empty ({n} tables); restore into a new database (createdb NAME), "
            "or use --force to replace its contents", tables).format(target=database.redact(url), n=tables))
    total = listing.stdout.count(" TABLE DATA ")  # i18n: not words
    argv = [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--verbose",
            f"--dbname={_pg_url(url)}"]
    if force and tables:
        argv += ["--clean", "--if-exists"]
    _run_verbose(argv + [str(backup_file)], "processing data for table", total, progress)  # i18n: not words
