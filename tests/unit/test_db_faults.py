"""Database faults end in a message: a server that never answers, a statement that runs too long."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import pytest

from deskapp.db import database
from tests.conftest import CONFIG


@pytest.fixture
def silent_server():
    """A port on 127.0.0.1 that accepts TCP connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_server_that_never_answers_ends_the_command_with_a_message(silent_server, tmp_path):
    url = f"postgresql://postgres@127.0.0.1:{silent_server}/x"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", url, "queue", "status"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert f"Cannot reach the database at 127.0.0.1:{silent_server} (no answer within 5 seconds)" in result.stderr
    assert "Traceback" not in result.stderr
    assert took < 20  # the default connect_timeout is 5 s (psycopg may try twice); it hung for good before


def test_a_closed_port_is_said_so(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(database.DatabaseUnavailable, match=f"^Cannot reach the database at 127.0.0.1:{port} "):
        database.connect(f"postgresql://postgres@127.0.0.1:{port}/x", connect_timeout=2)
    database.close()


def test_a_statement_over_the_statement_timeout_is_stopped_with_a_message(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("statement_timeout is PostgreSQL's")
    database.connect(db_url, statement_timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(database.DatabaseUnavailable, match="within 1 seconds .*statement_timeout"):
            database.db.execute_sql("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 4
        # The URL's own options (the test schema's search_path) are kept beside the timeout.
        assert database.db.execute_sql("SHOW search_path").fetchone()[0].startswith("deskapp_t_")
    finally:
        database.close()


def test_the_database_section_has_the_timeouts_with_their_defaults(config):
    assert (config.database.connect_timeout, config.database.statement_timeout) == (5, 30)
