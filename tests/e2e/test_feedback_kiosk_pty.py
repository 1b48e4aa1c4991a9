"""`deskapp feedback-kiosk` in a real terminal asks about the ticket another process completes, in the
shipped branch's own language (Lisboa Avenida speaks Portuguese first)."""
from __future__ import annotations

import sqlite3
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


def test_the_feedback_terminal_asks_the_customer_of_its_counter(tmp_path: Path) -> None:
    db_path = tmp_path / "branch.db"
    db_url = f"sqlite:///{db_path}"
    deskapp(db_url, "init", cwd=tmp_path)
    deskapp(db_url, "staff", "set-pin", "joao", "--pin-stdin", cwd=tmp_path, input="2580\n")  # a first PIN
    argv = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url, "feedback-kiosk", "--counter", "2"]
    with Terminal(argv, cwd=str(tmp_path), cols=120, rows=36) as term:
        term.wait_for("Obrigado pela sua visita.")
        term.wait_for("Balcão 2")  # the counter's name in the terminal's language (issue 20)

        deskapp(db_url, "queue", "issue", "--service", "CASH", cwd=tmp_path)
        deskapp(db_url, "queue", "call-next", "--counter", "2", "--staff", "joao", "--pin-stdin", cwd=tmp_path,
                input="2580\n")
        deskapp(db_url, "queue", "start", "--counter", "2", cwd=tmp_path)
        deskapp(db_url, "queue", "complete", "--counter", "2", "--abandon-workflow", "served by script", cwd=tmp_path)

        term.wait_for("Qual o seu grau de satisfação com o atendimento de hoje?")
        term.wait_for("A001")
        term.press("5")
        term.press("enter")
        term.wait_for("Qual a probabilidade de nos recomendar")
        term.press("9")
        term.press("enter")
        term.wait_for("Quer deixar-nos algum comentário?")
        term.send("Muito simpático, obrigado")
        term.press("enter")
        term.wait_for("Obrigado! A sua resposta ajuda-nos a servi-lo melhor.")
        term.wait_for("Obrigado pela sua visita.")

        term.press("ctrl+q")  # the public cannot close the terminal
        term.press("ctrl+x")  # staff can, with a supervisor's login and PIN
        term.wait_for("É preciso o utilizador e o PIN de um supervisor.")
        term.press("escape")
        term.wait_until_gone("É preciso o utilizador e o PIN de um supervisor.")
        term.kill()

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT csat, nps, comment, tags, entered_by, answered FROM feedback").fetchall()
    assert rows == [(5, 9, "Muito simpático, obrigado", "praise", "customer", 1)]
