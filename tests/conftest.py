"""Shared fixtures: the same database tests run on SQLite and, with a parameter, on PostgreSQL.

PostgreSQL comes from DESKAPP_TEST_PG_URL; every test gets its own schema, dropped afterwards, so
nothing is left in the shared database. Without a server the PostgreSQL half is skipped with the
reason shown, unless DESKAPP_REQUIRE_PG=1 (as in CI), where it fails.

`any_db_url` adds a third case: PostgreSQL through a PgBouncer of the test session's own in
transaction pooling mode (tests/pgbouncer.py), for the tests of concurrency and connection loss.
Without the pgbouncer program that case is skipped with the reason, or fails under DESKAPP_REQUIRE_PG=1.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import uuid
from pathlib import Path

import pytest

from deskapp import logs
from deskapp.config.load import load_config
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.db import database, migrate

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yaml"
PG_URL = os.environ.get("DESKAPP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("DESKAPP_REQUIRE_PG") == "1"
# A Tuesday morning in March, Lisbon on UTC: opening hours, no DST surprises.
T0 = dt.datetime(2026, 3, 10, 10, 0, 0)

_pg_problem: str | None = None
_pg_checked = False


def pg_problem() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            import psycopg

            with psycopg.connect(PG_URL, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001  any failure means: no usable server
            _pg_problem = f"PostgreSQL at {PG_URL} is not usable: {str(exc).strip().splitlines()[0]}"
    return _pg_problem


def require_pg() -> None:
    problem = pg_problem()
    if problem:
        if REQUIRE_PG:
            pytest.fail(problem + " (DESKAPP_REQUIRE_PG=1)")
        pytest.skip(problem)


class PgSchema:
    """A throw-away schema in the test database, reachable through a URL of its own."""

    def __init__(self) -> None:
        import psycopg

        self.name = f"deskapp_t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        sep = "&" if "?" in PG_URL else "?"
        # Commits need not wait for the disk in tests: the same locking and isolation, much faster.
        self.url = f"{PG_URL}{sep}options=-csearch_path%3D{self.name},public%20-csynchronous_commit%3Doff"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests (the soak, the crash test) first: under `make test`'s parallel workers they then run
    beside the rest of the suite instead of alone at its end. Every worker sorts the same way."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order


def lisbon_alone(network):
    """config.yaml's first branch (Lisboa Avenida) written the single-branch way (`branch:`, `counters:`,
    the staff who work there): a network of one, as most tests of one branch's behaviour want it."""
    lisbon = network.for_branch("LIS01")
    return lisbon.model_copy(update={"branches": [], "staff": network.branch_staff("LIS01")})


def english_first(config):
    """The configuration with English as every branch's first language and every configured text read in
    English: most tests check deskapp's English words. The shipped order (Portuguese first) is the
    `portuguese` fixture's, for the tests of the screens in Portuguese."""
    from deskapp.config.texts import in_language

    def first(branch):
        if branch is None or "en" not in branch.languages:
            return branch
        return branch.model_copy(update={"languages": ["en", *(x for x in branch.languages if x != "en")]})

    changed = config.model_copy(update={"branch": first(config.branch),
                                        "branches": [first(b) for b in config.branches]})
    return in_language(changed, "en")


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts, and leaves the process, speaking English (a desk's login or --lang changes it)."""
    from deskapp import i18n

    i18n.set_default("en")
    yield
    i18n.set_default("en")


@pytest.fixture(scope="session")
def shipped_network():
    """config.yaml exactly as shipped: Lisboa Avenida speaks Portuguese first, then English."""
    return load_config(CONFIG)


@pytest.fixture(scope="session")
def portuguese(shipped_network):
    """Lisboa Avenida alone as shipped: its own language (pt-PT) first, its texts in Portuguese."""
    return lisbon_alone(shipped_network)


@pytest.fixture(scope="session")
def network(shipped_network):
    """config.yaml as shipped, a network of three branches seen from the first, speaking English first."""
    return english_first(shipped_network)


@pytest.fixture(scope="session")
def config(network):
    return lisbon_alone(network)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database.connect(f"sqlite:///{path}")
    migrate.migrate()
    database.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


@pytest.fixture(params=["sqlite", "pg"])
def db_url(request, tmp_path, sqlite_template):
    """A fresh, migrated-or-empty database URL on each backend."""
    yield from _fresh_url(request.param, tmp_path, sqlite_template)


def _fresh_url(kind: str, tmp_path: Path, sqlite_template: Path):
    if kind == "sqlite":
        path = tmp_path / "deskapp.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    require_pg()
    schema = PgSchema()
    try:
        yield schema.url
    finally:
        database.close()
        schema.drop()


class BouncedSchema(PgSchema):
    """A throw-away schema reached through PgBouncer: its own database entry there, whose server
    connections get the schema's search_path (PgBouncer passes no `options` in transaction mode)."""

    def __init__(self, bouncer, *, app_name: str | None = None) -> None:
        super().__init__()
        self.bouncer = bouncer
        self.direct_url = self.url
        self.alias = self.name
        self.url = bouncer.database(self.alias, search_path=f"{self.name}, public", extra="SET synchronous_commit = off")
        if app_name:
            self.url += f"?application_name={app_name}"

    def drop(self) -> None:
        self.bouncer.drop(self.alias)
        super().drop()


def pgbouncer_problem() -> str | None:
    from tests import pgbouncer

    return None if pgbouncer.binary() else "pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)"


def require_pgbouncer() -> None:
    require_pg()
    problem = pgbouncer_problem()
    if problem:
        if REQUIRE_PG:
            pytest.fail(problem + " (DESKAPP_REQUIRE_PG=1)")
        pytest.skip(problem)


@pytest.fixture(scope="session")
def pgbouncer():
    """This test process's PgBouncer (transaction pooling, a free loopback port), started on first use."""
    require_pgbouncer()
    from tests.pgbouncer import PgBouncer

    bouncer = PgBouncer(PG_URL)
    yield bouncer
    bouncer.stop()


@pytest.fixture
def bounced_url(request):
    """A fresh schema's URL through PgBouncer (migrated by whoever opens it first)."""
    require_pgbouncer()
    schema = BouncedSchema(request.getfixturevalue("pgbouncer"))
    try:
        yield schema.url
    finally:
        database.close()
        schema.drop()


@pytest.fixture(params=["sqlite", "pg", "pgbouncer"])
def any_db_url(request, tmp_path, sqlite_template):
    """db_url's two cases and PostgreSQL through PgBouncer in transaction pooling mode."""
    if request.param == "pgbouncer":
        yield request.getfixturevalue("bounced_url")
        return
    yield from _fresh_url(request.param, tmp_path, sqlite_template)


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    path = tmp_path / "deskapp.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def _log_in_tmp(tmp_path_factory, monkeypatch):
    """Commands and desks started by tests log to a temporary folder (platformdirs reads XDG_STATE_HOME),
    never to the user's log directory; logging is stopped again after each test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.getbasetemp() / "state"))
    yield
    logs.stop()
    logs.log.setLevel(logging.NOTSET)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def ctx(config, db_url, clock):
    """A ready Context (migrated, synced from config.yaml) on each backend, with a fixed clock."""
    context = open_context(config, db_url, clock)
    yield context
    database.close()
