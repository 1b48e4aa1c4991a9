"""The staff's screens in the staff member's language (issue 20): a teller and a greeter of the shipped Lisboa
Avenida speak Portuguese from login (the branch's first language), every word of the desk, its dialogs,
its footer and key list, and of reception in Portuguese, none of the English words they replace."""
from __future__ import annotations

import pytest
from textual.widgets import Static

from deskapp import i18n
from deskapp.core import queue as q
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.floor_dialogs import PauseDialog
from deskapp.tui.screens.key_list import KeyList
from deskapp.tui.screens.reception import ReceptionScreen
from tests.tui.helpers import log_in, set_pins, settle, until


@pytest.fixture
def lisbon(portuguese, db_url, clock):
    """Lisboa Avenida as shipped (pt-PT first), with the tests' PINs."""
    ctx = open_context(portuguese, db_url, clock)
    set_pins(ctx)
    yield ctx
    database.close()


def on_screen(app) -> str:
    """Every character the terminal shows now, line by line (the screen in front, dialogs over it)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def absent(text: str, english: list[str]) -> list[str]:
    return [word for word in english if word in text]


async def at_the_desk(pilot, app, login: str, counter: str) -> None:
    """Log `login` in at `counter` and wait for the desk's first view."""
    await log_in(pilot, login, counter=counter)
    await until(pilot, lambda: isinstance(app.screen, DeskScreen) and app.screen.view is not None)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, 0.1)


async def test_a_portuguese_teller_s_desk_footer_dialog_and_key_list(lisbon, clock):
    q.issue(lisbon, "CASH")
    q.issue(lisbon, "CASH")
    app = DeskApp(lisbon, config=lisbon.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await at_the_desk(pilot, app, "ana", "1")
        assert i18n.current() == "pt-PT"  # Ana's language: the branch's first, set at login
        shown = on_screen(app)
        for words in ("Nenhuma senha em mãos. Carregue em n para chamar a próxima.",
                      "Filas deste balcão, por ordem de chamada", "Serviço", "Em espera", "Maior espera",
                      "Objetivo", "Balcões abertos", "Em espera, por ordem de chamada: 2",
                      "Chamar próximo", "Pausar/retomar", "Fechar balcão", "Teclas", "Fila", "(operador)",
                      "· Balcão 1"):  # the header names the counter in her language
            assert words in shown, words
        assert absent(shown, ["No ticket in hand", "This counter's queues", "Service", "Waiting", "Longest wait",
                              "Target", "Open counters", "Call next", "Pause/resume", "Close counter", "Keys",
                              "Queue", "(teller)", "counter 1", "calling order"]) == []

        await press(pilot, "n")
        current = app.screen.query_one("#desk-current", Static).visual.plain
        assert "A001" in current and "chamada há" in current and "Cliente: cliente não identificado" in current
        shown = on_screen(app)
        for words in ("Iniciar", "Chamar de novo", "Não compareceu", "Devolver à fila"):
            assert words in shown, words
        assert absent(shown, ["called", "Customer:", "Start", "Recall", "No-show", "Requeue"]) == []

        app.clear_notifications()
        await press(pilot, "p")  # a key that does not apply says why, in Portuguese
        assert toasts(app) == ["A001 ainda está em mãos: termine-a antes de pausar ou fechar o balcão."]

        await press(pilot, "question_mark")
        assert isinstance(app.screen, KeyList)
        shown = on_screen(app)
        for words in ("Teclas do ecrã Fila · Esc fecha esta lista", "Tecla", "Faz", "Aplica-se agora?", "sim",
                      "Chamar próximo", "A001 ainda está em mãos", "Opinião do cliente", "Desistiu",
                      "O ecrã Receção é para rececionista ou supervisor; entrou como"):
            assert words in shown, words
        assert absent(shown, ["Keys of the", "Does", "Applies now?", "Call next", "still in hand",
                              "Customer feedback", "Walked away", "screen is for"]) == []
        listed = {key.display: key.description for key in app.screen.keys}  # those below the fold too
        assert (listed["^l"], listed["^q"], listed["^p"]) == ("Bloquear", "Sair", "Paleta de comandos")
        await press(pilot, "escape")

        await press(pilot, "x", "p")  # the ticket marked a no-show: the counter may pause, with a reason
        assert isinstance(app.screen, PauseDialog)
        shown = on_screen(app)
        assert "Pausar Balcão 1: porquê?" in shown  # the counter's name in the teller's language (issue 20)
        assert "Enter pausa; Escape volta atrás." in shown and "para retomar." in shown
        assert absent(shown, ["Pause Counter", "why?", "Enter pauses", "Escape goes back", "to resume"]) == []
        await press(pilot, "enter")
        assert isinstance(app.screen, DeskScreen)
        await until(pilot, lambda: "em pausa" in app.screen.query_one("#desk-current", Static).visual.plain)
        assert "paused" not in app.screen.query_one("#desk-current", Static).visual.plain


async def test_a_portuguese_greeter_s_reception(lisbon, clock):
    app = DeskApp(lisbon, config=lisbon.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "rita")
        await until(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot, 0.2)
        shown = on_screen(app)
        for words in ("1 · Serviço", "2 · Prioridade (p)", "3 · Cliente, opcional (c)", "Última senha",
                      "Ainda não foi emitida nenhuma senha.", "Emitir senha (i)", "Desistiu (w)", "Em espera",
                      "Serviço: escolha um serviço (1-9)", "Prioridade:", "Cliente: não identificado",
                      "Emitir", "Registar chegada", "Marcar"):
            assert words in shown, words
        assert absent(shown, ["Service", "Priority", "Customer", "Last ticket", "No ticket issued yet",
                              "Issue ticket", "Walked away", "Waiting", "choose a service", "not identified",
                              "Check in", "Ticket history"]) == []

        await press(pilot, "1", "i")
        await until(pilot, lambda: "A001" in on_screen(app))
        info = app.screen.query_one("#reception-ticket-info", Static).visual.plain
        assert "Posição 1 na fila" in info and "Espera prevista" in info
        assert absent(info, ["Position", "in line", "Expected wait"]) == []


async def test_the_footer_speaks_the_language_of_whoever_logs_in(lisbon, clock):
    """Binding labels are translated when drawn: an English-speaking colleague after a Portuguese one sees
    English keys on the same desk (the labels are not frozen at import, nor at the first login)."""
    english = [s.model_copy(update={"language": "en"}) if s.login == "joao" else s for s in lisbon.config.staff]
    lisbon.config = lisbon.config.model_copy(update={"staff": english})
    app = DeskApp(lisbon, config=lisbon.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await at_the_desk(pilot, app, "ana", "1")
        assert "Chamar próximo" in on_screen(app)
        await app.action_lock()
        await settle(pilot, 0.2)
        await press(pilot, "escape")  # the login box still holds "ana"
        await at_the_desk(pilot, app, "joao", "2")
        assert i18n.current() == "en"
        shown = on_screen(app)
        assert "Call next" in shown and "No ticket in hand" in shown
        assert absent(shown, ["Chamar", "Nenhuma senha"]) == []


async def test_an_english_teller_at_a_portuguese_branch_reads_service_names_in_english(lisbon, clock):
    """The desk's queue table showed the stored name (the branch's first language) on an English desk:
    the floor's and the waiting list's rows now carry the viewer's name, read once in core."""
    from dataclasses import replace

    staff = [s.model_copy(update={"language": "en"}) if s.login == "ana" else s for s in lisbon.config.staff]
    ctx = replace(lisbon, config=lisbon.config.model_copy(update={"staff": staff}))
    q.issue(ctx, "CASH")
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await at_the_desk(pilot, app, "ana", "1")
        assert i18n.current() == "en"
        queues = app.screen.query_one("#desk-queues")
        cells = [str(queues.get_row_at(i)[0]) for i in range(queues.row_count)]
        assert "CASH · Cash deposit and withdrawal" in cells, cells
        waiting = app.screen.query_one("#desk-waiting")
        assert "CASH · Cash deposit and withdrawal" in [str(c) for c in waiting.get_row_at(0)]
        assert "Depósitos" not in on_screen(app)
        await press(pilot, "p")  # the counter's name in his language too (the database keeps "Balcão 1")
        assert isinstance(app.screen, PauseDialog)
        assert "Pause Counter 1: why?" in on_screen(app) and "Balcão" not in on_screen(app)
    i18n.set_default("pt")


@pytest.mark.parametrize("locale, words, english", [
    ("C.UTF-8", "Entrar", "Log in"),  # a locale naming no language: the branch's first (pt-PT)
    ("en_GB.UTF-8", "Log in", "Entrar"),  # a locale deskapp speaks: the terminal's
])
async def test_the_login_screen_before_anyone_logs_in(lisbon, db_url, monkeypatch, locale, words, english):
    """As `make run` starts a desk: the login painted at once, the configuration (and the branch's
    language) after the first frame; a login typed before it arrives stays."""
    from tests.conftest import CONFIG

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", locale)
    i18n.set_default(i18n.from_environment())  # as launch does
    app = DeskApp(None, config_path=str(CONFIG), db_url=db_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"ana")
        await until(pilot, lambda: app.ctx is not None)
        await settle(pilot)
        shown = on_screen(app)
        assert words in shown and english not in shown, shown
        assert app.screen.query_one("#login").value == "ana"
        app.screen.query_one("#login").value = ""
        await log_in(pilot, "ana", counter="1")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert i18n.current() == "pt-PT"  # after login: Ana's own (the branch's first), whatever the locale
