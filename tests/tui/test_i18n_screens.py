"""The customer's screens in the branch's language and the customer's own (issue 20): the shipped
Lisboa Avenida speaks Portuguese first, then English."""
from __future__ import annotations

import pytest
from textual.widgets import Button, ContentSwitcher, Static

from deskapp import i18n
from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Feedback, Ticket
from deskapp.tui.app import DeskApp
from deskapp.tui.screens import kiosk
from deskapp.tui.screens.display import DisplayScreen
from deskapp.tui.screens.feedback_customer import CustomerFeedback, FeedbackTerminal
from deskapp.tui.screens.kiosk import KioskScreen
from tests.tui.helpers import settle, until


@pytest.fixture
def lisbon(portuguese, db_url, clock):
    """Lisboa Avenida as shipped (pt-PT, en) on each backend."""
    ctx = open_context(portuguese, db_url, clock)
    yield ctx
    database.close()


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(kiosk, "SHOW_TICKET_SECONDS", 3600.0)  # the ticket stays up while it is read
    monkeypatch.setattr(CustomerFeedback, "THANKS_SECONDS", 0.1)


def asking(app) -> bool:
    return isinstance(app.screen, CustomerFeedback) and bool(app.screen.query("#fbc-question")) and bool(
        shown(app, "#fbc-question"))


def shown(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


async def test_a_customer_picks_english_on_a_portuguese_kiosk_and_is_asked_in_english(lisbon, clock):
    app = DeskApp(lisbon, config=lisbon.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, KioskScreen)
        assert "Bem-vindo à agência Lisboa Avenida" in shown(app, "#kiosk-welcome")
        assert str(app.screen.query_one("#kiosk-service-CASH", Button).label) == "1   Depósitos e levantamentos"
        languages = [str(b.label) for b in app.screen.query(".kiosk-language").results(Button)]
        assert languages == ["Português", "English"]

        await pilot.click("#kiosk-lang-en")
        await settle(pilot)
        assert "Welcome to Lisboa Avenida" in shown(app, "#kiosk-welcome")
        assert str(app.screen.query_one("#kiosk-service-CASH", Button).label) == "1   Cash deposit and withdrawal"

        await pilot.press("1")
        await until(pilot, lambda: app.screen.query_one(ContentSwitcher).current == "kiosk-ticket")
        assert shown(app, "#kiosk-your-number") == "Your number"
        assert shown(app, "#kiosk-service-name") == "A001 · Cash deposit and withdrawal"
        assert shown(app, "#kiosk-position").startswith("You are next in line.")
        assert shown(app, "#kiosk-seat") == "Please take a seat; your number will be called on the screen."

        await pilot.press("enter")  # done: the next customer starts in the branch's language
        await settle(pilot)
        assert "Bem-vindo" in shown(app, "#kiosk-welcome")
        await pilot.press("1")
        await until(pilot, lambda: app.screen.query_one(ContentSwitcher).current == "kiosk-ticket")
        assert shown(app, "#kiosk-your-number") == "A sua senha"
        assert shown(app, "#kiosk-position").startswith("1 pessoa à sua frente.")

    assert {t.number: t.language for t in Ticket.select()} == {"A001": "en", "A002": "pt-PT"}
    assert q.ticket_info(Ticket.get(Ticket.number == "A001").id).language == "en"

    # The English customer is served; the survey at the counter asks in English on a Portuguese terminal.
    q.call_next(lisbon, "1", "ana")
    q.start(lisbon, "1")
    q.complete(lisbon, "1")
    assert fb.pending_for_counter(lisbon, "1").language == "en"
    terminal = DeskApp(lisbon, config=lisbon.config, mode="feedback-kiosk", counter="1", clock=clock)
    async with terminal.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: asking(terminal))
        assert shown(terminal, "#fbc-question") == "How satisfied are you with the service you received today?"
        assert shown(terminal, "#fbc-low") == "Very dissatisfied"
        assert shown(terminal, "#fbc-title") == "Your opinion matters · A001"
        assert str(terminal.screen.query_one("#fbc-skip", Button).label) == "Skip"
        await pilot.press("5", "enter", "escape", "escape")
        await until(pilot, lambda: isinstance(terminal.screen, FeedbackTerminal))
        assert "Obrigado pela sua visita." in shown(terminal, "#fbt-welcome")  # between customers: the branch's
    assert Feedback.get().csat == 5


async def test_a_portuguese_customer_s_survey_speaks_portuguese(lisbon, clock):
    q.issue(lisbon, "CASH", channel="kiosk", language="pt-PT")
    q.call_next(lisbon, "1", "ana")
    q.start(lisbon, "1")
    q.complete(lisbon, "1")
    app = DeskApp(lisbon, config=lisbon.config, mode="feedback-kiosk", counter="1", clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: asking(app))
        assert shown(app, "#fbc-question") == "Qual o seu grau de satisfação com o atendimento de hoje?"
        assert shown(app, "#fbc-title") == "A sua opinião conta · A001"
        assert shown(app, "#fbc-hint").startswith("Carregue num número")
        assert str(app.screen.query_one("#fbc-skip", Button).label) == "Saltar"


async def test_the_display_shows_both_languages_or_alternates(lisbon, clock):
    app = DeskApp(lisbon, config=lisbon.config, mode="display", clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DisplayScreen) and "Ainda" in shown(app, "#display-calls"))
        assert shown(app, "#display-now-caption") == "A atender · Now serving"
        assert shown(app, "#display-calls") == "Ainda não houve chamadas hoje."  # inside a line: one language

    alternating = lisbon.config.model_copy(update={"display": lisbon.config.display.model_copy(
        update={"languages": "alternate"})})
    app = DeskApp(lisbon, config=alternating, mode="display", clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DisplayScreen) and app.screen.query("#display-now-caption"))
        assert shown(app, "#display-now-caption") == "A atender"
        app.screen.next_language()  # what its timer does every display.alternate_seconds
        await settle(pilot)
        assert shown(app, "#display-now-caption") == "Now serving"
        assert shown(app, "#display-waiting-title") == "Waiting now"


async def test_lang_on_the_command_line_speaks_that_language_on_the_customer_s_screens(lisbon, clock):
    app = DeskApp(lisbon, config=lisbon.config, mode="kiosk", clock=clock)
    app.lang = "en"
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert "Welcome to Lisboa Avenida" in shown(app, "#kiosk-welcome")
        assert [str(b.label) for b in app.screen.query(".kiosk-language").results(Button)] == ["English", "Português"]
    assert i18n.current() == "en"


# -- snapshots: the kiosk's start in each language, at the smallest supported terminal ----------------
@pytest.fixture
def kiosk_branch(portuguese, sqlite_url, clock):
    ctx = open_context(portuguese, sqlite_url, clock)
    yield ctx
    database.close()


@pytest.fixture(autouse=True)
def colours(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.parametrize("language", ["pt-PT", "en"])
def test_kiosk_start_in_each_language(kiosk_branch, clock, snap_compare, language):
    async def ready(pilot) -> None:
        await settle(pilot)
        await until(pilot, lambda: isinstance(pilot.app.screen, KioskScreen))
        pilot.app.screen.choose_language(language)
        await settle(pilot, 0.1)

    app = DeskApp(kiosk_branch, config=kiosk_branch.config, mode="kiosk", clock=clock)
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


async def test_the_footer_and_buttons_follow_the_customer_s_language(lisbon, clock):
    app = DeskApp(lisbon, config=lisbon.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.choose_language("en")
        await settle(pilot)
        shown_keys = {key: active.binding.description for key, active in app.screen.active_bindings.items()
                      if active.binding.show}
        assert shown_keys["1"] == "Cash deposit and withdrawal"
        button = app.screen.query_one("#kiosk-appointment", Button)
        assert button.size.width >= len("I have an appointment (a)")


async def test_the_customer_changes_the_survey_s_language_midway_and_keeps_their_answers(lisbon, clock):
    q.issue(lisbon, "CASH", channel="reception")  # no language chosen: the branch's (Portuguese)
    q.call_next(lisbon, "1", "ana")
    q.start(lisbon, "1")
    q.complete(lisbon, "1")
    app = DeskApp(lisbon, config=lisbon.config, mode="feedback-kiosk", counter="1", clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: asking(app))
        assert [str(b.label) for b in app.screen.query(".fbc-language").results(Button)] == ["Português", "English"]
        assert app.screen.query_one("#fbc-lang-pt-PT", Button).has_class("-chosen")
        await pilot.press("4", "enter")  # the first question answered in Portuguese
        await settle(pilot)
        second = shown(app, "#fbc-question")
        await pilot.click("#fbc-lang-en")
        await settle(pilot)
        assert app.screen.query_one("#fbc-lang-en", Button).has_class("-chosen")
        assert shown(app, "#fbc-question") != second and shown(app, "#fbc-title") == "Your opinion matters · A001"
        assert str(app.screen.query_one("#fbc-skip", Button).label) == "Skip"
        assert shown(app, "#fbc-progress") == f"2 / {len(app.screen.questions)}"
        await pilot.press("escape", "escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, FeedbackTerminal))
    assert Feedback.get().csat == 4  # the answer given before the change is kept
