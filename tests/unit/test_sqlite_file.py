"""A SQLite file's permissions are its access boundary (issue 14, finding 4): new files are
private, a file every user may write is refused, one every user may read is opened with a warning."""
from __future__ import annotations

import grp
import logging
import os
import stat

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.core.startup import open_context
from deskapp.db import backup, database, sqlite_file


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def _world_umask():
    """The usual umask (022), which left new database files 0644 before."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)
    database.close()


def test_a_new_database_file_and_its_wal_are_private(config, tmp_path):
    path = tmp_path / "new.db"
    open_context(config, f"sqlite:///{path}")
    database.close()
    assert mode(path) == 0o600
    for suffix in ("-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            assert mode(f"{path}{suffix}") == 0o600, suffix


def test_with_a_group_a_new_database_file_is_0640_and_the_groups(config, tmp_path):
    group = grp.getgrgid(os.getgid()).gr_name  # one the user running the tests belongs to
    configured = config.model_copy(update={"database": config.database.model_copy(update={"group": group})})
    path = tmp_path / "shared.db"
    open_context(configured, f"sqlite:///{path}")
    database.close()
    assert mode(path) == 0o640
    assert os.stat(path).st_gid == os.getgid()


def test_an_unknown_group_is_a_clear_error_and_leaves_no_file(tmp_path):
    path = tmp_path / "x.db"
    with pytest.raises(sqlite_file.UnsafeDatabaseFile, match="'no-such-group-zz' is not a group"):
        database.connect(f"sqlite:///{path}", group="no-such-group-zz")
    assert not path.exists()


def test_a_world_writable_database_file_is_refused(sqlite_url, tmp_path):
    path = sqlite_url[len("sqlite:///"):]
    os.chmod(path, 0o666)
    with pytest.raises(sqlite_file.UnsafeDatabaseFile) as refused:
        database.connect(sqlite_url)
    assert f"the database file {path} may be changed by every user" in str(refused.value)
    assert f"chmod 600 {path}" in str(refused.value)

    said = CliRunner().invoke(main, ["--db", sqlite_url, "queue", "status"])
    assert said.exit_code != 0
    assert "may be changed by every user" in said.output and "Traceback" not in said.output


def test_a_world_readable_database_file_opens_with_a_warning(sqlite_url, caplog):
    path = sqlite_url[len("sqlite:///"):]
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        database.connect(sqlite_url)
    assert database.db.execute_sql("SELECT count(*) FROM schema_migration").fetchone()[0] > 0
    assert any("may be read by every user" in r.getMessage() and path in r.getMessage() for r in caplog.records)


def test_a_private_file_opens_without_a_warning(sqlite_url, caplog):
    os.chmod(sqlite_url[len("sqlite:///"):], 0o600)
    with caplog.at_level(logging.WARNING):
        database.connect(sqlite_url)
    assert not [r for r in caplog.records if "every user" in r.getMessage()]


def test_a_restore_into_a_new_file_is_private(sqlite_url, tmp_path):
    copy = tmp_path / "copy.bak"
    backup.backup(sqlite_url, copy)
    assert mode(copy) == 0o600
    target = tmp_path / "restored.db"
    backup.restore(copy, f"sqlite:///{target}")
    assert mode(target) == 0o600
