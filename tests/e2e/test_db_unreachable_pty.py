"""The desk in a real terminal, pointed at a PostgreSQL port that accepts and never answers, says
so on its login screen within the connect timeout (it stayed on "Connecting to the database..."
for good before)."""
from __future__ import annotations

import sys
import time

from tests.conftest import CONFIG
from tests.e2e.terminal import Terminal
from tests.unit.test_db_faults import silent_server  # noqa: F401  (the fixture)


def test_the_login_screen_says_the_database_cannot_be_reached(silent_server, tmp_path):  # noqa: F811
    url = f"postgresql://postgres@127.0.0.1:{silent_server}/x"
    argv = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", url]
    with Terminal(argv, cwd=str(tmp_path), cols=160, rows=36) as term:
        started = time.monotonic()
        term.wait_for("Staff login")
        term.wait_for(f"Cannot reach the database at 127.0.0.1:{silent_server}", timeout=30)
        assert time.monotonic() - started < 20
