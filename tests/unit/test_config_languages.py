"""Configured words in every language (issue 20): check-config speaks the reader's language at the same
file:line:col, workflow and offer texts take one text per language, and a service's name is kept in the
database in the branch's own language while each viewer reads it in theirs."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from deskapp import i18n
from deskapp.config.load import check_config
from deskapp.config.texts import in_language
from deskapp.core.startup import open_context, sync_from_config
from deskapp.db import database
from deskapp.db.models import Service

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.yaml"
WORKFLOWS = ROOT / "workflows.yaml"


def _deskapp(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": ""}
    return subprocess.run([sys.executable, "-m", "deskapp", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=ROOT)


def _copy(tmp_path: Path, old: str = "", new: str = "", *, workflows: tuple[str, str] = ("", "")) -> Path:
    text = CONFIG.read_text(encoding="utf-8")
    if old:
        assert old in text
        text = text.replace(old, new, 1)
    flows = WORKFLOWS.read_text(encoding="utf-8")
    if workflows[0]:
        assert workflows[0] in flows
        flows = flows.replace(*workflows, 1)
    (tmp_path / "workflows.yaml").write_text(flows, encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _located(stderr: str) -> list[tuple[str, str]]:
    """(FILE:LINE:COL, message) of each problem check-config printed."""
    found = []
    for line in stderr.splitlines():
        parts = line.split(": ", 1)
        if len(parts) == 2 and parts[0].count(":") == 2:
            found.append((parts[0], parts[1]))
    return found


def test_check_config_speaks_portuguese_at_the_same_line_and_column(tmp_path):
    path = _copy(tmp_path, "services: [CASH, INFO]", "services: [CASX, INFO]")
    english = _deskapp("--lang", "en", "check-config", str(path))
    portuguese = _deskapp("--lang", "pt", "check-config", str(path))
    assert english.returncode == portuguese.returncode == 2
    said_en, said_pt = _located(english.stderr), _located(portuguese.stderr)
    assert [where for where, _ in said_en] == [where for where, _ in said_pt] and said_en
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if "[CASX, INFO]" in row)
    assert said_en[0] == (f"{path}:{line}:20", "counter '1' names unknown service 'CASX' (did you mean 'CASH'?)")
    assert said_pt[0] == (f"{path}:{line}:20",
                          "o balcão '1' indica um serviço desconhecido 'CASX' (queria dizer 'CASH'?)")


def test_yaml_and_schema_problems_in_portuguese(tmp_path):
    path = _copy(tmp_path, "    prefix: A\n", "    prefix: a1\n")
    with i18n.use("pt"):
        _, errors = check_config(path)
    assert [e.message for e in errors] == ["o prefixo de senha tem de ter uma ou duas letras maiúsculas, não 'a1'"]
    with i18n.use("pt"):
        _, errors = check_config(path, text="branch: [\n")
    assert errors and errors[0].message.startswith("YAML inválido")


def test_a_workflow_step_title_per_language_missing_one_is_located_in_its_file(tmp_path):
    path = _copy(tmp_path, workflows=("        title: Identify the customer\n",
                                      "        title: {pt-PT: Identificar o cliente}\n"))
    config, errors = check_config(path)
    flows = (tmp_path / "workflows.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(flows, 1) if "{pt-PT: Identificar o cliente}" in row)
    assert config is None
    assert [(Path(e.file).name, e.line, e.col, e.message) for e in errors] == [
        ("workflows.yaml", line, 16, "this text has no en (the branch speaks pt-PT, en); add en: ...")]


def test_workflow_titles_labels_and_offer_reasons_take_a_text_per_language(tmp_path):
    path = _copy(tmp_path, "      reason: An adult customer without a credit card, in a segment the classic card suits.\n",
                 "      reason: {pt-PT: Adulto sem cartão de crédito., en: An adult without a credit card.}\n",
                 workflows=("        title: Identify the customer\n",
                            "        title: {pt-PT: Identificar o cliente, en: Identify the customer}\n"))
    config, errors = check_config(path)
    assert errors == []
    step = config.workflows["open_account"].steps[0]
    offer = next(r for r in config.offers.rules if "credit card" in i18n.text(r.reason, "en"))
    assert step.title == "Identificar o cliente"  # the branch's own language, as loaded
    assert i18n.text(step.title, "en") == "Identify the customer"
    assert (i18n.text(offer.reason, "pt"), i18n.text(offer.reason, "en")) == (
        "Adulto sem cartão de crédito.", "An adult without a credit card.")
    empty = _copy(tmp_path, workflows=("        title: Identify the customer\n", "        title: {pt-PT: '', en: x}\n"))
    _, errors = check_config(empty)
    assert [e.message for e in errors] == ["must not be empty"]


def _names() -> dict[str, str]:
    return {s.code: s.name for s in Service.select().order_by(Service.code)}


def test_the_database_keeps_the_branch_s_language_whoever_starts_the_desk(portuguese, db_url, clock):
    """A desk started in English (--lang en, or a configuration read in English first) and then one in
    Portuguese leave the same names in the shared database; each viewer reads the name in their own."""
    read_in_english = in_language(portuguese, "en")
    assert read_in_english.services[0].name == "Cash deposit and withdrawal"
    try:
        i18n.set_default("en")
        open_context(read_in_english, db_url, clock)
        first = _names()
        assert first["CASH"] == "Depósitos e levantamentos"  # the branch's first language, pt-PT
        i18n.set_default("pt")
        ctx = open_context(portuguese, db_url, clock)
        assert _names() == first
        assert not [c for c in sync_from_config(ctx).changed if "service" in c]
        for config in (portuguese, read_in_english):
            with i18n.use("en"):
                assert config.service_name("CASH") == "Cash deposit and withdrawal"
                assert config.class_name("priority") == "Priority: elderly, pregnant, disability"
            with i18n.use("pt"):
                assert config.service_name("CASH") == "Depósitos e levantamentos"
                assert config.class_name("normal") == "Normal"
        assert portuguese.service_name("GONE", "Antigo") == "Antigo"  # a service no longer configured
    finally:
        database.close()


def test_the_command_line_names_a_service_in_the_reader_s_language(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    english = _deskapp("--config", str(CONFIG), "--db", db, "--lang", "en", "queue", "issue", "--service", "CASH")
    portuguese = _deskapp("--config", str(CONFIG), "--db", db, "--lang", "pt", "queue", "issue", "--service", "CASH")
    assert english.returncode == portuguese.returncode == 0, english.stderr + portuguese.stderr
    assert "Cash deposit and withdrawal" in english.stdout and "Depósitos" not in english.stdout
    assert "Depósitos e levantamentos" in portuguese.stdout
    database.connect(db)
    try:
        assert _names()["CASH"] == "Depósitos e levantamentos"
    finally:
        database.close()


def test_a_counter_s_name_per_language_missing_one_is_located(tmp_path):
    """Counter names were English data ("Counter 1"): a name takes one text per language, as a service's,
    and check-config says where one lacks a language of the branch."""
    shipped = "name: {pt-PT: Balcão 2, en: Counter 2}\n"
    path = _copy(tmp_path, shipped, "name: {pt-PT: Balcão 2}\n")
    config, errors = check_config(path)
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if "{pt-PT: Balcão 2}" in row)
    assert config is None
    assert [(e.line, e.col, e.message) for e in errors] == [
        (line, 15, "this text has no en (the branch speaks pt-PT, en); add en: ...")]
    told = _deskapp("--lang", "pt", "check-config", str(path))
    assert told.returncode == 2
    assert _located(told.stderr) == [(f"{path}:{line}:15", "este texto não tem en (a agência fala pt-PT, en); "
                                                           "acrescente en: ...")]


def test_the_database_keeps_a_counter_s_name_in_the_branch_s_language(portuguese, db_url, clock):
    """The shipped names are Portuguese and English ("Balcão 1"); the database keeps the branch's first
    whoever starts the desk, and each reader gets the name in theirs (queue status, calls, errors)."""
    from deskapp.core import queue as q
    from deskapp.core.queue import floor
    from deskapp.db.models import Counter

    read_in_english = in_language(portuguese, "en")
    try:
        i18n.set_default("en")
        ctx = open_context(read_in_english, db_url, clock)
        assert {c.code: c.name for c in Counter.select()}["1"] == "Balcão 1"
        assert Counter.get(Counter.code == "5").name == "Gabinete de aconselhamento"
        assert not [c for c in sync_from_config(open_context(portuguese, db_url, clock)).changed if "counter" in c]
        q.ensure_day(ctx)
        q.issue(ctx, "CASH")
        q.call_next(ctx, "1", "ana")
        for lang, name in (("en", "Counter 1"), ("pt", "Balcão 1")):
            with i18n.use(lang):
                assert portuguese.counter_name("1") == read_in_english.counter_name("1") == name
                assert next(c.name for c in floor.queue_status(ctx).counters if c.code == "1") == name
                assert floor.recent_calls(ctx)[0].counter_name == name
        assert portuguese.counter_name("9", "Antigo") == "Antigo"  # a counter no longer configured
        from deskapp.core.stats.network import read_network

        assert q.call_next(ctx, "2", "joao") is None  # open, nothing to call: idle
        q.issue(ctx, "INFO")
        clock.advance(minutes=5)
        for lang, name in (("en", "Counter 2 idle"), ("pt", "Balcão 2 parado")):
            with i18n.use(lang):
                lisbon = next(b for b in read_network(ctx) if b.code == "LIS01")
                assert any(a.startswith(name) for a in lisbon.alerts), lisbon.alerts
    finally:
        i18n.set_default("en")
        database.close()
