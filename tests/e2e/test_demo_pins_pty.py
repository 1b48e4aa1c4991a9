"""`make run` builds the demo, prints its PINs, then opens the app: the PINs stay until a key is pressed."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.conftest import CONFIG
from tests.e2e.terminal import Terminal


def test_the_demo_pins_stay_on_screen_until_a_key(tmp_path: Path) -> None:
    """Issue 19, part 8: the app covered the PINs at once; `demo --pause` (what `make run` runs) waits."""
    argv = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", f"sqlite:///{tmp_path / 'demo.db'}",
            "demo", "--customers", "20", "--days", "0", "--if-empty", "--pause"]
    with Terminal(argv, cwd=str(tmp_path), cols=80, rows=24) as term:
        screen = term.wait_for("press any key", timeout=60)
        assert re.search(r"ana\s+teller\s+\d{4,}", screen)
        assert term.exit_code(timeout=1.0) is None  # still showing them
        term.press("x")
        assert term.exit_code() == 0


def test_the_makefile_runs_the_demo_with_a_pause() -> None:
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert re.search(r"deskapp --db \$\(DB\) demo --if-empty --pause\n", makefile)
