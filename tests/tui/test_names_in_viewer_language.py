"""A service's name on a staff screen is the viewer's word for it (issue 20): the database keeps the
branch's own (pt-PT at Lisboa Avenida), a Portuguese greeter reads "Abrir conta", an English one
"Open an account", and neither desk rewrites the name in the shared database."""
from __future__ import annotations

import pytest
from textual.widgets import Static

from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Service
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.reception import ReceptionScreen


async def _choice_seen_by_rita(config, url: str, clock) -> str:
    ctx = open_context(config, url, clock)
    try:
        auth.set_pin(ctx, "rita", "2468")
        q.ensure_day(ctx)
        app = DeskApp(ctx, config=ctx.config, clock=clock)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press(*"rita", "enter", *"2468", "enter")
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert isinstance(app.screen, ReceptionScreen), app.screen
            await pilot.press("2", "p")
            await pilot.pause()
            return app.screen.query_one("#reception-choice", Static).visual.plain
    finally:
        database.close()


@pytest.mark.parametrize("language, service, priority", [
    ("pt-PT", "Abrir conta", "Prioritário: idosos"),
    ("en", "Open an account", "Priority: elderly"),
])
async def test_each_greeter_reads_the_service_in_their_language(portuguese, sqlite_url, clock,
                                                                language, service, priority):
    staff = [s.model_copy(update={"language": language}) if s.login == "rita" else s for s in portuguese.staff]
    config = portuguese.model_copy(update={"staff": staff})
    seen = await _choice_seen_by_rita(config, sqlite_url, clock)
    assert service in seen and priority in seen
    database.connect(sqlite_url)
    try:
        assert Service.get(Service.code == "ACCT").name == "Abrir conta"  # the branch's own, whoever logged in
    finally:
        database.close()


async def test_textual_s_own_palette_commands_speak_portuguese(portuguese, sqlite_url, clock):
    """ctrl+p's system commands (Theme, Quit, Screenshot: Textual's, in English) in the app's language."""
    from deskapp import i18n

    ctx = open_context(portuguese, sqlite_url, clock)
    try:
        with i18n.use("pt"):
            app = DeskApp(ctx, config=ctx.config, clock=clock)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                said = {c.title: c.help for c in app.get_system_commands(app.screen)}
                await pilot.press("ctrl+p")
                await pilot.pause()
                await pilot.press(*"sair")
                await pilot.pause(0.3)
                from textual.command import CommandPalette
                assert isinstance(app.screen, CommandPalette)
                from textual.widgets import OptionList

                found = app.screen.query_one(OptionList)
                prompts = [found.get_option_at_index(i).prompt for i in range(found.option_count)]
                shown = " ".join(getattr(p, "plain", str(p)) for p in prompts)
                placeholder = app.screen.query_one("#--input Input").placeholder
    finally:
        database.close()
    said.pop("Maximizar", None)  # only when a widget has the focus
    assert said == {"Tema": "Mudar as cores dos ecrãs", "Sair": "Sair da aplicação já",
                    "Captura de ecrã": "Guardar uma imagem deste ecrã (SVG)",
                    "Teclas": "Todas as teclas deste ecrã, e porque algumas não se aplicam agora"}, said
    assert "Sair da aplicação já" in shown and "Quit" not in shown
    assert placeholder == "Procurar comandos…"
