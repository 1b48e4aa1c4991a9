"""The supervisor's dashboard and the customer 360 in Portuguese (issue 20): Lisboa Avenida as shipped
speaks pt-PT first, so a supervisor who logs in there reads every header, line, tab and key in
Portuguese, and none of the English words they replace."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from textual.widgets import DataTable, Static, TabbedContent

from deskapp import i18n
from deskapp.core import queue as q
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import records
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.security.auth import Session
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.supervisor import SupervisorScreen
from deskapp.tui.widgets.key_footer import KeyFooter
from tests.tui.helpers import settle, until

SOFIA = Session("sofia", "Sofia Almeida", "supervisor")


@pytest.fixture
def lisbon(portuguese, db_url, clock):
    """Lisboa Avenida as shipped (pt-PT first) on each backend."""
    ctx = open_context(portuguese, db_url, clock)
    yield ctx
    database.close()


def shown(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


def headers(app, selector: str) -> list[str]:
    return [str(column.label) for column in app.screen.query_one(selector, DataTable).columns.values()]


def cells(app, selector: str) -> list[str]:
    table = app.screen.query_one(selector, DataTable)
    return [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]


def titles(app) -> list[str]:
    return [s.visual.plain for s in app.screen.query(".section-title").results(Static)]


def footer(app) -> list[str]:
    keys, _ = app.screen.query_one(KeyFooter).shown()
    return [key.description for key in keys]


async def test_a_portuguese_supervisor_reads_the_floor_in_portuguese(lisbon, clock):
    q.issue(lisbon, "CASH", with_estimate=False)
    q.issue(lisbon, "CASH", with_estimate=False)
    q.open_counter(lisbon, "2", "joao")  # sits down at 10:00 and calls nobody
    clock.set(dt.datetime(2026, 3, 10, 10, 12))
    app = DeskApp(lisbon, config=lisbon.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(SOFIA, None)  # Sofia's screens speak the branch's first language: pt-PT
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        assert i18n.current() == "pt-PT"

        assert titles(app)[:4] == ["Filas agora", "Balcões", "Senhas em espera", "Hoje por serviço"]
        assert headers(app, "#sup-queues")[:3] == ["Serviço", "Em espera", "Maior espera"]
        assert headers(app, "#sup-counters")[:3] == ["Balcão", "Estado", "Quem"]
        assert headers(app, "#sup-locked") == ["Utilizador", "Nome", "Perfil", "Bloqueada até", "Tentativas falhadas"]
        counter = [str(c) for c in app.screen.query_one("#sup-counters", DataTable).get_row("2")]
        assert counter[1] == "aberto" and counter[5] == "livre"
        assert cells(app, "#sup-today")[0] == "Todos"
        assert shown(app, "#sup-staff") == "Concluídas hoje por operador: -"
        assert shown(app, "#sup-feedback").startswith("Opinião hoje: CSAT")
        assert shown(app, "#sup-plan").startswith("Próximas horas")
        assert shown(app, "#sup-locked-title") == "Contas bloqueadas: nenhuma"
        keys = footer(app)
        assert "Senha à frente" in keys and "Histórico da senha" in keys

        english = ["Queues now", "Waiting tickets", "Today per service", "Service", "Longest wait", "Counter",
                   "idle", "open", "Completed today per teller", "Feedback today", "Coming hours",
                   "Locked accounts", "Ticket to front", "Ticket history"]
        on_screen = " | ".join([*titles(app), *headers(app, "#sup-queues"), *headers(app, "#sup-counters"),
                                *cells(app, "#sup-counters"), shown(app, "#sup-staff"), shown(app, "#sup-feedback"),
                                shown(app, "#sup-plan"), shown(app, "#sup-locked-title"), *keys])
        assert [word for word in english if word in on_screen.split(" | ") or f"{word}:" in on_screen] == []

        table = app.screen.query_one("#sup-counters", DataTable)
        table.move_cursor(row=table.get_row_index("2"))
        await pilot.press("k")  # counter 2 chosen and closed: the toast says so in Portuguese
        await until(pilot, lambda: [str(c) for c in app.screen.query_one("#sup-counters", DataTable)
                                    .get_row("2")][1] == "fechado")
        assert "Balcão 2 está agora fechado." in [n.message for n in app._notifications]


async def test_the_customer_360_in_portuguese(lisbon, clock):
    rng = random.Random(1)
    customer = customer_edit.create(lisbon, SOFIA, CustomerDraft(
        name="José Müller", national_id=national_id(rng), phones=["912 345 678"], birth_date="1970-01-01")).id
    records.add_need(lisbon, SOFIA, customer, "savings", "Poupar para a casa")
    records.add_note(lisbon, SOFIA, customer, "Prefere ser contactado de manhã")
    app = DeskApp(lisbon, config=lisbon.config, clock=clock)
    async with app.run_test(size=(160, 50)) as pilot:
        app.logged_in(SOFIA, None)
        await settle(pilot)
        app.push_screen(Customer360Screen(customer))
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen) and app.screen.view is not None)

        identity = shown(app, "#c360-identity")
        assert "Telefones 912 345 678" in identity and "Morada -" in identity
        assert "nascido em 01/01/1970" in identity and "marketing não" in identity
        assert "Phones" not in identity and "born" not in identity and "Address" not in identity

        tabs = app.screen.query_one("#c360-tabs", TabbedContent)
        labels = [str(tabs.get_tab(pane.id).label) for pane in tabs.query("TabPane")]
        assert labels[:5] == ["Histórico", "Necessidades", "Produtos", "Seguimentos", "Eventos"]
        assert not {"Timeline", "Needs", "Products", "Follow-ups", "Life events"} & set(labels)

        assert headers(app, "#c360-needs") == ["Desde", "Agência", "Categoria", "Estado", "Origem", "Descrição"]
        need = cells(app, "#c360-needs")
        assert need[3] == "aberto" and need[4] == "operador" and "open" not in need
        assert headers(app, "#c360-timeline")[:3] == ["Quando", "Agência", "Tipo"]
        assert "nota" in cells(app, "#c360-timeline")

        keys = footer(app)
        assert "Nota" in keys and "Editar dados" in keys
        assert not {"Note", "Edit details", "Back"} & set(keys)
