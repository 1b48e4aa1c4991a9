"""`deskapp display` in a real terminal follows a call made by another process; the shipped Lisboa Avenida
labels it in Portuguese and English (display.languages: both)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONFIG
from tests.e2e.terminal import Terminal


def deskapp(db_url: str, *args: str, cwd: Path, input: str | None = None) -> str:
    result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url, *args],
                            cwd=cwd, capture_output=True, text=True, timeout=60, input=input)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_display_shows_the_number_another_desk_calls(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'branch.db'}"
    deskapp(db_url, "init", cwd=tmp_path)
    deskapp(db_url, "staff", "set-pin", "ana", "--pin-stdin", cwd=tmp_path, input="2580\n")  # a first PIN
    argv = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url, "display"]
    with Terminal(argv, cwd=str(tmp_path), cols=120, rows=36) as term:
        term.wait_for("A atender · Now serving")
        term.wait_for("Ainda não houve chamadas hoje.")

        issued = deskapp(db_url, "queue", "issue", "--service", "CARD", cwd=tmp_path)
        assert issued.startswith("C001")
        called = deskapp(db_url, "queue", "call-next", "--counter", "3", "--staff", "ana", "--pin-stdin",
                         cwd=tmp_path, input="2580\n")
        assert "C001" in called

        # Digits draw the number in box glyphs; the "now serving" line and the last calls say it in text.
        term.wait_for("C001 → Balcão 3")  # the counter named in the display's first language
        screen = term.wait_for(re.compile(r"C001\s+→ Balcão 3\s+\d\d:\d\d"))
        assert "Ainda não houve chamadas hoje." not in screen

        term.press("ctrl+q")
        assert term.exit_code() == 0
