"""Translation: the language in effect, the catalogues (complete in pt-PT, compiled as their .po says),
every customer-facing string marked, configured texts per language, CLDR formats, --lang."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from deskapp import i18n
from deskapp.config.load import check_config
from tests.conftest import CONFIG, ROOT

LOCALE = ROOT / "deskapp" / "locale"

# Modules that still show words not marked for translation: none since issue 20's sweep. Every other
# module of deskapp is scanned by test_every_module_marks_its_words; a module listed here must still
# need it (test_not_yet_lists_only_modules_that_need_it), so the list only shrinks.
NOT_YET: set[str] = set()
# Strings that are not words: CSS, ids, binding actions and key names, markup and separators.
_NOT_WORDS = {"kiosk", "display", "feedback-kiosk", "…", " · ", "Staff", "Done", "Language", "Cancel", "Yes", "No",
              "I have an appointment", "End (staff)"}
# Calls whose string arguments are not read by a person in their language: the operators' log (English,
# README "Logs"), SQL, patterns, and the names of things.
_LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical"}
_SQL_START = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "CREATE ", "ALTER ", "DROP ", "PRAGMA ",
              "BEGIN", "COMMIT", "ROLLBACK", "SET ", "LOCK ", "ANALYZE", "VACUUM", "EXPLAIN ")
# A line that holds a string on purpose untranslated (a name, a format for machines) says so.
NOT_WORDS_MARK = "# i18n: not words"


def _catalogue(lang: str):
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


def test_every_message_of_the_template_is_translated_in_portuguese():
    with (LOCALE / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    pt = _catalogue("pt_PT")
    missing = []
    for message in template:
        if not message.id:
            continue
        found = pt.get(message.id)
        strings = [] if found is None else ([found.string] if isinstance(found.string, str) else list(found.string))
        if found is None or not all(strings) or found.fuzzy:
            missing.append(message.id)
    assert not missing, f"untranslated in pt_PT (make messages, then translate): {missing}"


def test_portuguese_keeps_the_branch_s_words_apart():
    """pt-PT's glossary: a counter is a "balcão", a branch an "agência", a ticket a "senha": a message about
    a branch that says "balcão" (and none about a counter) is read as a counter by a Lisbon teller."""
    mixed = []
    for message in _catalogue("pt_PT"):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        said = " ".join(ids).lower()
        if message.id and "branch" in said and "counter" not in said and any("balc" in s.lower() for s in strings):
            mixed.append(ids[0])
    assert not mixed, f"a branch is an 'agência' in pt_PT: {mixed}"
    ticket = [m.id for m in _catalogue("pt_PT") if isinstance(m.id, str) and m.id.lower().startswith("ticket ")
              and isinstance(m.string, str) and m.string and "senha" not in m.string.lower()]
    assert not ticket, f"a ticket is a 'senha' in pt_PT: {ticket}"


def test_the_template_holds_every_message_the_code_marks(tmp_path):
    """`make messages` was run after the last change of a marked string: extraction now gives the same ids."""
    out = tmp_path / "now.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg",
                    "-k", "lazy_gettext", "-k", "NP_:1c,2", "-o", str(out), "."], cwd=ROOT, check=True)
    with out.open("rb") as fh:
        now = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(fh) if m.id}
    with (LOCALE / "messages.pot").open("rb") as fh:
        kept = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(fh) if m.id}
    assert now == kept, f"run `make messages`: new {sorted(map(str, now - kept))}, gone {sorted(map(str, kept - now))}"


@pytest.mark.parametrize("lang", ["pt_PT", "en"])
def test_each_compiled_catalogue_says_what_its_po_says(lang):
    """The .mo files are committed (no compiler needed to install): each must match its .po."""
    import gettext

    with (LOCALE / lang / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for message in _catalogue(lang):
        if not message.id or not message.string or (not isinstance(message.string, str) and not all(message.string)):
            continue
        if isinstance(message.id, str) and message.context:
            assert compiled.pgettext(message.context, message.id) == message.string, (message.context, message.id)
        elif isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id
        else:
            singular, plural = message.id
            assert compiled.ngettext(singular, plural, 1) == message.string[0]


def _strings_not_marked(path: Path) -> list[tuple[int, str]]:
    """String constants of words (a letter and a space, or a capital) that are not the argument of _(),
    ngettext() or N_(), nor a docstring, nor inside CSS."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    marked: set[int] = set()
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            if name in _LOG_CALLS and isinstance(owner, ast.Name) and owner.id in ("log", "logger", "LOG", "logging"):
                for a in ast.walk(node):
                    skipped.add(id(a))
            if name in ("_", "ngettext", "N_", "NP_", "pgettext", "lazy_gettext", "gettext"):
                marked.update(id(a) for a in node.args)
            if name in ("Binding", "query", "query_one", "add_class", "remove_class", "set_class", "has_class",
                        "set_timer", "set_interval", "run_worker", "call_core", "getattr", "removeprefix",
                        "toggle_class", "bind", "format", "join", "split", "strftime", "replace"):
                for a in ast.walk(node):
                    skipped.add(id(a))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("DEFAULT_CSS", "__all__")
                                                 for t in node.targets):
            skipped.add(id(node.value))
        if isinstance(node, ast.keyword) and node.arg in ("id", "classes", "name", "variant", "group", "restrict",
                                                           "initial", "description", "channel", "purpose", "metavar"):
            skipped.add(id(node.value))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))  # a string on its own line: a comment
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in marked | skipped:
            continue
        words = node.value.strip()
        if NOT_WORDS_MARK in lines[node.lineno - 1] or words.upper().startswith(_SQL_START) and words[:6].isupper():
            continue
        if words in _NOT_WORDS or words.startswith(("#", ".", "[", "kiosk-", "display-", "fbc-", "fbt-")):
            continue
        if any(c.isalpha() for c in words) and (" " in words or words[:1].isupper()):
            found.append((node.lineno, node.value))
    return found


def _modules() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "deskapp").rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("module", [m for m in _modules() if m not in NOT_YET])
def test_every_module_marks_its_words(module):
    found = _strings_not_marked(ROOT / module)
    assert not found, (f"{module}: words not marked for translation (wrap in _(), or end the line with "
                       f"'{NOT_WORDS_MARK}' when no person reads them): {found}")


def test_not_yet_lists_only_modules_that_need_it():
    done = sorted(m for m in NOT_YET if not _strings_not_marked(ROOT / m))
    gone = sorted(m for m in NOT_YET if not (ROOT / m).is_file())
    assert not done and not gone, f"take these out of NOT_YET: marked {done}, gone {gone}"


def test_the_scan_finds_an_unmarked_string(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('from textual.widgets import Static\n_ = str\n'
                      'def compose():\n    """Doc."""\n    yield Static("Now serving")\n    yield Static(_("Marked"))\n')
    assert _strings_not_marked(sample) == [(5, "Now serving")]


def test_the_scan_leaves_logs_sql_and_marked_lines(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('import logging\nlog = logging.getLogger(__name__)\ndef f(db):\n'
                      '    log.info("Desk started at %s", 1)\n'
                      '    db.execute_sql("SELECT id FROM ticket WHERE status = %s")\n'
                      '    return "Lisboa Avenida"  ' + NOT_WORDS_MARK + '\n'
                      '    raise ValueError("Counter is closed")\n')
    assert _strings_not_marked(sample) == [(7, "Counter is closed")]


def test_the_language_is_the_context_s_then_the_process_s():
    assert i18n.current() == "en" and i18n._("Now serving") == "Now serving"
    with i18n.use("pt"):
        assert i18n.current() == "pt-PT"
        assert i18n._("Now serving") == "A atender"
        assert i18n.ngettext("{n} person ahead of you.", "{n} people ahead of you.", 2) == "{n} pessoas à sua frente."
    assert i18n._("Now serving") == "Now serving"
    i18n.set_default("pt_PT.UTF-8")
    assert i18n._("Your number") == "A sua senha"


@pytest.mark.parametrize("said, tag", [("pt", "pt-PT"), ("pt_PT", "pt-PT"), ("PT-pt", "pt-PT"),
                                       ("pt_BR.UTF-8", "pt-PT"), ("en_US.UTF-8", "en"), ("C", None),
                                       ("POSIX", None), ("", None), ("xx", None)])
def test_language_tags_from_what_people_and_locales_say(said, tag):
    assert i18n.normalize(said) == tag


def test_the_locale_gives_the_command_line_s_language():
    assert i18n.from_environment({"LANG": "pt_PT.UTF-8"}) == "pt-PT"
    assert i18n.from_environment({"LC_ALL": "en_GB.UTF-8", "LANG": "pt_PT.UTF-8"}) == "en"
    assert i18n.from_environment({"LANG": "C.UTF-8"}) is None


def test_a_text_per_language_and_the_branch_s_words(shipped_network, network):
    lisbon = shipped_network.for_branch("LIS01")
    assert lisbon.branch.languages == ["pt-PT", "en"]
    cash = lisbon.services[0].name
    assert cash == "Depósitos e levantamentos"  # staff screens, reports and the database: the branch's own
    assert i18n.text(cash, "en") == "Cash deposit and withdrawal"
    assert i18n.text(cash, "pt") == "Depósitos e levantamentos"
    assert network.services[0].name == "Cash deposit and withdrawal"  # the tests' English-first copy
    # deskapp's own default words (a survey text the configuration left alone) come from the catalogue.
    assert i18n.say(lisbon.feedback.texts.title, "pt-PT") == "A sua opinião conta"
    assert i18n.say(lisbon.feedback.texts.title, "en") == "Your opinion matters"


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_check_config_reports_a_text_missing_a_language_at_its_line_and_column(tmp_path):
    (tmp_path / "workflows.yaml").write_text((ROOT / "workflows.yaml").read_text(encoding="utf-8"))
    text = _with(CONFIG.read_text(encoding="utf-8"), "name: {pt-PT: Cartões, en: Cards}", "name: {pt-PT: Cartões}")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    config, errors = check_config(path)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "{pt-PT: Cartões}" in row)
    assert config is None
    assert [(e.line, e.col, e.message) for e in errors] == [
        (line, 11, "this text has no en (the branch speaks pt-PT, en); add en: ...")]


def test_check_config_refuses_a_language_deskapp_does_not_speak(tmp_path):
    (tmp_path / "workflows.yaml").write_text((ROOT / "workflows.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "config.yaml"
    path.write_text(_with(CONFIG.read_text(encoding="utf-8"), "languages: [pt-PT, en]", "languages: [pt-PT, xx]"),
                    encoding="utf-8")
    _, errors = check_config(path)
    assert len(errors) == 1 and "deskapp does not speak 'xx'" in errors[0].message


def test_a_staff_member_speaks_their_own_language_else_the_branch_s(portuguese):
    member = portuguese.staff[0]
    assert portuguese.staff_language(member.login) == "pt-PT"
    english = member.model_copy(update={"language": "en"})
    config = portuguese.model_copy(update={"staff": [english, *portuguese.staff[1:]]})
    assert config.staff_language(member.login) == "en"


def _deskapp(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), *args], capture_output=True,
                          text=True, env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "", **(env or {})}, timeout=120)


def test_the_command_line_explains_an_error_in_portuguese(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    told = _deskapp("--db", db, "--lang", "pt", "queue", "issue", "--service", "NOPE")
    assert told.returncode == 2
    assert told.stderr.startswith("deskapp: Não existe o serviço 'NOPE'. Serviços: CASH,"), told.stderr
    by_locale = _deskapp("--db", db, "queue", "issue", "--service", "NOPE", env={"LANG": "pt_PT.UTF-8"})
    assert "Não existe o serviço 'NOPE'" in by_locale.stderr
    english = _deskapp("--db", db, "queue", "issue", "--service", "NOPE")
    assert "There is no service 'NOPE'" in english.stderr
    unknown = _deskapp("--lang", "xx", "queue", "status")
    assert unknown.returncode == 2 and "deskapp does not speak 'xx'; it speaks en, pt-PT" in unknown.stderr


def test_dates_numbers_and_money_in_the_language_in_effect(portuguese, config):
    import datetime as dt
    from decimal import Decimal

    from deskapp.tui.format import money, number, when

    at = dt.datetime(2026, 12, 5, 9, 53)  # UTC, Lisbon's winter time
    assert when(at, config) == "05 Dec 2026 09:53"  # English: the country's usual format, as before
    with i18n.use("pt-PT"):
        assert when(at, portuguese) == "5 de dez. de 2026 09:53"
        assert when(at.date(), portuguese) == "5 de dez. de 2026"
        assert money(Decimal("1234.56")).replace("\u00a0", " ") == "1 234,56 €"
        assert number(1234.56, digits=2).replace("\u00a0", " ") == "1 234,56"
        fixed = portuguese.model_copy(update={"branch": portuguese.branch.model_copy(
            update={"datetime_format": "%d/%m/%Y %H:%M"})})
        assert when(at, fixed) == "05/12/2026 09:53"  # a configured branch.datetime_format still rules
    assert money(Decimal("1234.56")) == "€1,234.56"


def test_percentages_and_scores_on_screen_in_the_language_in_effect():
    """format.percent and format.score write their decimals through i18n.number outside English; English
    stays as it always was (a point, no sign on a score that rounds to nothing)."""
    from deskapp.tui.format import DASH, percent, score

    def shown() -> tuple[str, ...]:
        return (percent(12.5, digits=1), percent(0.125, fraction=True, digits=1), percent(82.0), score(2.44),
                score(3.25, digits=2), score(12.4, digits=0, signed=True), score(-5.0, digits=0, signed=True),
                score(-0.04, digits=0, signed=True), score(-2.5, signed=True), percent(None), score(None))

    assert shown() == ("12.5%", "12.5%", "82%", "2.4", "3.25", "+12", "-5", "0", "-2.5", DASH, DASH)
    with i18n.use("pt-PT"):
        assert shown() == ("12,5%", "12,5%", "82%", "2,4", "3,25", "+12", "-5", "0", "-2,5", DASH, DASH)


def test_the_command_line_writes_numbers_as_the_reader_s_language_does(tmp_path):
    """Every number the command line prints for a person goes through the CLDR format of the screens
    (deskapp.i18n.number): "7,02 min" in Portuguese; --json keeps the machine's point."""
    args = ("estimate", "--counters", "3", "--arrivals-per-hour", "30", "--service-minutes", "5",
            "--target-minutes", "7.5")
    portuguese, english = _deskapp("--lang", "pt", *args), _deskapp("--lang", "en", *args)
    assert portuguese.returncode == english.returncode == 0, portuguese.stderr
    assert "7,02 min" in portuguese.stdout and "66,83% em 7,5 min" in portuguese.stdout, portuguese.stdout
    assert "83,3%" in portuguese.stdout and "." not in portuguese.stdout
    assert "7.02 min" in english.stdout and "66.83% within 7.5 min" in english.stdout
    as_json = _deskapp("--lang", "pt", *args, "--json")
    assert '"avg_wait_minutes": 7.022' in as_json.stdout, as_json.stdout


def test_a_desk_start_with_lang_keeps_the_fast_path():
    from deskapp.launch import desk_options

    assert desk_options(["--lang", "pt", "--db", "sqlite:///x.db"]) == {"lang": "pt", "db_url": "sqlite:///x.db"}
    assert desk_options(["--lang", "xx"]) is None  # click explains the languages there are
