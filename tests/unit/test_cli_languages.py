"""The command line speaks the chosen language: --lang, else the locale (README "Languages").

Text output, report lines, errors from core and db, help pages and click's own words ("Usage:",
"Options", its usage errors) come out in Portuguese with --lang pt or a Portuguese locale, and in
English without either in an English (or C) locale; --json and exit codes are the same in both.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deskapp.cli.click_words import language_in
from tests.conftest import CONFIG


def deskapp(*args: str, cwd: Path, lang: str = "C.UTF-8") -> subprocess.CompletedProcess:
    """The installed CLI in a subprocess, in the locale `lang` (C: English)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DESKAPP_CONFIG", "DESKAPP_DATABASE_URL", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang
    return subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=cwd)


def test_queue_status_in_portuguese_and_in_english(sqlite_url, tmp_path):
    pt = deskapp("--db", sqlite_url, "--lang", "pt", "queue", "status", cwd=tmp_path)
    assert (pt.returncode, pt.stderr) == (0, "")
    lines = pt.stdout.splitlines()
    assert lines[0].split() == ["serviço", "em", "espera", "máxima", "balcões", "abertos"]
    assert any(line.split()[:3] == ["balcão", "estado", "colaboradores"] for line in lines)
    assert "fechado" in pt.stdout and "closed" not in pt.stdout
    en = deskapp("--db", sqlite_url, "queue", "status", cwd=tmp_path)
    assert en.returncode == 0 and en.stdout.splitlines()[0] == "service  waiting  longest  open counters"
    assert "counter  state    staff       ticket  services" in en.stdout and "closed" in en.stdout
    # The JSON a script reads is the same whatever the language.
    as_json = [json.loads(deskapp("--db", sqlite_url, *lang, "queue", "status", "--json", cwd=tmp_path).stdout)
               for lang in ([], ["--lang", "pt"])]
    assert as_json[0] == as_json[1]


def test_an_issued_ticket_and_an_unknown_service_in_portuguese(sqlite_url, tmp_path):
    issued = deskapp("--db", sqlite_url, "--lang", "pt", "queue", "issue", "--service", "CASH", cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    assert "A001" in issued.stdout and "posição 1, espera prevista nenhum balcão aberto para ele" in issued.stdout
    unknown = deskapp("--db", sqlite_url, "--lang", "pt", "queue", "issue", "--service", "NOPE", cwd=tmp_path)
    assert unknown.returncode == 2 and unknown.stderr.startswith("deskapp: Não existe o serviço 'NOPE'.")
    english = deskapp("--db", sqlite_url, "queue", "issue", "--service", "CASH", cwd=tmp_path)
    assert "A002" in english.stdout and "position 2, expected wait no counter open for it" in english.stdout


def test_the_report_s_text_lines_in_portuguese(sqlite_url, tmp_path):
    args = ("--db", sqlite_url, "report", "--from", "2026-03-10", "--to", "2026-03-10", "--out", str(tmp_path / "r.csv"))
    pt = deskapp("--lang", "pt", *args, cwd=tmp_path)
    assert pt.returncode == 0, pt.stderr
    assert pt.stdout.startswith("Relatório de 2026-03-10 a 2026-03-10: 0 chegadas, 0 concluídos\n")
    assert "espera média -, espera p90 -, nível de serviço -" in pt.stdout and "escrito " in pt.stdout
    by_locale = deskapp(*args, cwd=tmp_path, lang="pt_PT.UTF-8")
    assert by_locale.stdout.startswith("Relatório de 2026-03-10")
    en = deskapp(*args, cwd=tmp_path)
    assert en.stdout.startswith("Report 2026-03-10 to 2026-03-10: 0 arrivals, 0 completed\n")
    bad = deskapp("--lang", "pt", "report", "--from", "10/03/2026", "--to", "2026-03-10", "--out", "r.csv",
                  cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (2, "deskapp: --from tem de ser uma data AAAA-MM-DD, não '10/03/2026'\n")


def test_a_database_error_in_portuguese(tmp_path):
    url = f"sqlite:///{tmp_path / 'nowhere' / 'deskapp.db'}"
    pt = deskapp("--db", url, "--lang", "pt", "queue", "status", cwd=tmp_path)
    assert (pt.returncode, pt.stdout) == (1, "")
    assert pt.stderr == f"deskapp: a pasta da base de dados não existe: {tmp_path / 'nowhere'}\n"
    en = deskapp("--db", url, "queue", "status", cwd=tmp_path)
    assert (en.returncode, en.stderr) == (1, f"deskapp: the folder for the database does not exist: "
                                             f"{tmp_path / 'nowhere'}\n")


def test_help_pages_and_click_s_own_words_follow_the_language(tmp_path):
    pt = deskapp("--lang", "pt", "queue", "--help", cwd=tmp_path)
    assert pt.returncode == 0
    assert pt.stdout.startswith("Utilização: ") and " queue [OPÇÕES] COMANDO [ARGUMENTOS]...\n" in pt.stdout
    assert "Senhas: emitir, chamar, atender e o estado da fila." in pt.stdout
    assert "Opções:" in pt.stdout and "Comandos:" in pt.stdout and "Mostra esta mensagem e termina." in pt.stdout
    assert "Emite uma senha." in pt.stdout
    # --lang after --help (read before click parses), and a subcommand's options and metavars.
    top = deskapp("--help", "--lang", "pt", cwd=tmp_path)
    assert top.stdout.startswith("Utilização: ") and " deskapp [OPÇÕES] [COMANDO] [ARGUMENTOS]...\n" in top.stdout
    assert "Mostra a versão e termina." in top.stdout
    issue = deskapp("--lang", "pt", "queue", "issue", "--help", cwd=tmp_path)
    assert "--staff UTILIZADOR" in issue.stdout and "Código do serviço, p. ex. CASH." in issue.stdout
    assert "[obrigatório]" in issue.stdout
    missing = deskapp("--lang", "pt", "queue", "issue", cwd=tmp_path)
    assert missing.returncode == 2 and "Erro: Falta a opção '--service'." in missing.stderr
    assert "Experimente '" in missing.stderr and " queue issue --help' para obter ajuda." in missing.stderr
    en = deskapp("queue", "--help", cwd=tmp_path)
    assert en.stdout.startswith("Usage: ") and " queue [OPTIONS] COMMAND [ARGS]...\n" in en.stdout
    assert "Options:" in en.stdout and "Issue a ticket." in en.stdout
    en_missing = deskapp("queue", "issue", cwd=tmp_path)
    assert en_missing.returncode == 2 and "Error: Missing option '--service'." in en_missing.stderr


@pytest.mark.parametrize("args, lang", [(["--lang", "pt", "queue"], "pt-PT"), (["--lang=en"], "en"),
                                        (["--db", "x", "--lang", "pt_PT.UTF-8", "--help"], "pt-PT"),
                                        (["--lang", "xx", "queue"], None), (["queue", "status"], None),
                                        (["--lang"], None)])
def test_the_language_is_read_before_click_parses(args, lang):
    assert language_in(args) == lang
