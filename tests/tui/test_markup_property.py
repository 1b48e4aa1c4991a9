"""No text from data can crash a screen or reach the terminal as a command (#14, item 1).

Hypothesis writes markup-like and control-character text (`[/]`, `[@click=app.quit]`, `[link=…]`,
backslashes, ANSI escapes, NUL, DEL, the right-to-left override, emoji, very long text) into every kind
of data a screen lists: customer names, notes, needs, products, life events, follow-ups, feedback
comments, audit details, staff names and the texts of config.yaml. Every screen that lists them is then
opened; the app must still run, the text must be shown as it was stored (control characters replaced by
a visible stand-in, see deskapp/tui/format.py `literal`), and nothing the terminal is sent may hold a
control character or a click action taken from the data.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import shutil

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from textual.widgets import Button, OptionList, Static, TabbedContent
from textual.widgets._toggle_button import ToggleButton

from deskapp.core import queue as q
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers import followups
from deskapp.core.customers import records as customer_records
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.feedback import recording
from deskapp.core.security import audit
from deskapp.core.security.auth import Session
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.database import transaction
from deskapp.db.models import Customer, FollowUp, Interaction, LifeEvent, Need, Product, Staff
from deskapp.tui.app import DeskApp
from deskapp.tui.format import literal
from deskapp.tui.widgets.results_table import ResultsTable
from deskapp.tui.widgets.table import DataTable
from tests.conftest import T0
from tests.tui.helpers import make_app, settle, until

BOSS = Session("sofia", "Sofia Almeida", "supervisor")
TELLER = Session("ana", "Ana Costa", "teller")
GREETER = Session("rita", "Rita Marques", "greeter")
PEDRO = Session("pedro", "Pedro Nunes", "manager")

FRAGMENTS = ["[", "]", "[/]", "[bold]", "[b]x[/b]", "[@click=app.quit]", "[@click=app.quit]Quit[/]",
             "[link=https://evil.example]", "[$error]", "\\", "\\[", "a\\", "\x1b[31m", "\x1b]0;pwned\x07",
             "\x00", "\x07", "\x08", "\r", "\t", "\x7f", "\x9b", "\u202e", "\u2066", "😀", "漢字", "é", "x" * 120]
CONTROLS = {chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x200E, 0x200F, *range(0x202A, 0x202F),
                             *range(0x2066, 0x206A))}

hostile = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS),
              st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)),
    min_size=2, max_size=8,
).map("".join)

SETTINGS = settings(max_examples=10, derandomize=True, database=None, deadline=None,
                    phases=(Phase.explicit, Phase.generate), report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# -- what the screen shows ----------------------------------------------------------------------------
def widget_texts(screen) -> str:
    """Everything the screen's widgets hold as text, as it is drawn (after markup is read)."""
    out: list[str] = []
    for widget in screen.query("*"):
        if isinstance(widget, (DataTable, ResultsTable)):
            out += [str(cell) for i in range(widget.row_count) for cell in widget.get_row_at(i)]
        elif isinstance(widget, OptionList):
            out += [widget._get_visual(option).plain if hasattr(widget, "_get_visual") else str(option.prompt)
                    for option in widget.options]
        elif isinstance(widget, (Button, ToggleButton)):
            out.append(widget.label.plain)
        elif isinstance(widget, Static):
            out.append(widget.visual.plain)
    out.append(screen.app.format_title(screen.app.title, screen.app.sub_title).plain)
    return "\n".join(out)


def drawn_segments(app) -> list[Segment]:
    return [segment for strip in app.screen._compositor.render_strips() for segment in strip]


def check_screen(app, expected: list[str], where: str) -> None:
    """The app runs, each expected text is shown as stored, nothing drawn carries a control character
    or a click action or link that came from the data."""
    assert app.is_running, where
    texts = widget_texts(app.screen)
    for value in expected:
        assert shows(texts, shown_form(value)), f"{where}: {value!r} is not shown as text"
    for segment in drawn_segments(app):
        bad = CONTROLS.intersection(segment.text)
        assert not bad, f"{where}: {sorted(bad)!r} drawn raw in {segment.text!r}"
        style = segment.style
        if style is not None:
            assert "evil.example" not in (style.link or ""), f"{where}: a link from data"
            assert "app.quit" not in str((style.meta or {}).get("@click", "")), f"{where}: a click action from data"


def shown_form(value: str) -> str:
    """What of a stored text a screen is sure to show: its first line's start, control characters
    replaced (lists cut long text; a line of a note may be the only one shown)."""
    first = next((literal(line).strip() for line in value.splitlines() if literal(line).strip()), "")
    return first[:16].strip()


def shows(texts: str, wanted: str) -> bool:
    """The text is there, or a column too narrow for it shows its start, cut with an ellipsis."""
    if wanted in texts:
        return True
    cut = [line[:-1].rstrip() for line in texts.splitlines() if line.endswith("…")]
    return any(len(start) >= 6 and (wanted.startswith(start) or start.startswith(wanted)) for start in cut)


async def open_screen(app, pilot, session: Session, name: str, counter: str | None = None) -> None:
    app.session = None
    app.logged_in(session, counter)
    if name != session.screens[0]:
        app.action_open(name)
    await settle(pilot)
    await until(pilot, lambda: app.screen.name == name or type(app.screen).__name__.lower().startswith(name))


async def each_tab(app, pilot, where: str, expected: list[str]) -> None:
    """Show every tab of the screen's tabbed content in turn, checking what is drawn on each."""
    for tabs in list(app.screen.query(TabbedContent)):
        for pane in list(tabs.query("TabPane")):
            tabs.active = pane.id
            await settle(pilot)
            check_screen(app, [], f"{where}, tab {pane.id}")
    check_screen(app, expected, where)


# -- the data -------------------------------------------------------------------------------------------
def stored(model, row_id: int, field: str) -> str:
    return getattr(model.get_by_id(row_id), field)


def fill(ctx, clock, text: str, n: int) -> dict:
    """One customer, the tickets, records, follow-ups, feedback and audit rows that carry `text`;
    returns per screen the stored texts it must show."""
    tag = f"Qz{n}"  # the customer is found by it
    cid = customer_edit.create(ctx, BOSS, CustomerDraft(name=f"{tag} {text}", manager="pedro"), force=True).id
    name = stored(Customer, cid, "name")
    note = stored(Interaction, customer_records.add_note(ctx, TELLER, cid, f"{text} note"), "note")
    need = stored(Need, customer_records.add_need(ctx, TELLER, cid, "savings", f"{text} need"), "description")
    product = stored(Product, customer_records.add_product(ctx, BOSS, cid, "savings", "2020-01-01",
                                                           account_number=f"{text} acct"[:60]), "account_number")
    event = stored(LifeEvent, customer_records.add_life_event(ctx, TELLER, cid, "moved", "2026-01-01",
                                                              note=f"{text} event"), "note")
    item = followups.create(ctx, source="manual", reason=f"{text} follow-up", by="sofia", customer_id=cid,
                            assignee="pedro", due_at=T0 + dt.timedelta(hours=2))
    reason = stored(FollowUp, item.id, "reason")
    # A served ticket whose customer answers with the text as a comment; then one waiting ticket.
    q.issue(ctx, "CASH", customer_id=cid, with_estimate=False)
    served = q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    q.complete(ctx, "1")
    answer = recording.submit(ctx, served.id, csat=1, comment=f"{text} comment")
    waiting = q.issue(ctx, "CASH", customer_id=cid, with_estimate=False).ticket.number
    transaction(lambda: audit.record(clock.now(), "sofia", "customer_edit", "customer", cid, f"{text} audit"))
    return {
        "customer": cid, "name": [name], "tag": [tag], "note": [note], "need": [need], "product": [product], "event": [event],
        "reason": [reason], "comment": [answer.comment], "waiting": [waiting], "audit": [f"{text} audit"],
    }


# -- the property: data texts ------------------------------------------------------------------------
@pytest.fixture
def lite(config, sqlite_url, clock):
    """SQLite only: the screens read the same rows on either database; one database for all examples."""
    context = open_context(config, sqlite_url, clock)
    yield context
    database.close()


@SETTINGS
@given(text=hostile)
def test_no_data_text_crashes_a_screen_or_reaches_the_terminal(lite, clock, text):
    run(lite, clock, text)


COUNT = iter(range(10**6))


def run(ctx, clock, text):
    asyncio.run(scenario(ctx, clock, text, next(COUNT)))


async def scenario(ctx, clock, text: str, n: int) -> None:
    data = fill(ctx, clock, text, n)
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        # The desk: the ticket in hand is the waiting one of this customer.
        q.call_next(ctx, "1", "ana")
        await open_screen(app, pilot, TELLER, "desk", "1")
        await until(pilot, lambda: app.screen.view is not None and app.screen.view.counter.ticket is not None)
        check_screen(app, data["name"], "desk")
        q.start(ctx, "1")
        q.complete(ctx, "1")
        q.issue(ctx, "CARD", customer_id=data["customer"], with_estimate=False)  # waits on the supervisor's list
        # Customers: the search results, then the 360 with every tab.
        await open_screen(app, pilot, TELLER, "customers")
        app.screen.query_one("#customers-search").search(data["tag"][0])
        await until(pilot, lambda: app.screen.query_one("#customer-results", ResultsTable).row_count)
        check_screen(app, data["name"], "customer search")
        # Open this customer's row: similar names of earlier examples ("Qz1" for "Qz2") may be listed too.
        results = app.screen.query_one("#customer-results", ResultsTable)
        results.focus()
        shown = app.screen.query_one("#customers-search").results  # the rows, in order (rewritten in place)
        results.move_cursor(row=next(i for i, c in enumerate(shown) if c.id == data["customer"]))
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "Customer360Screen" and app.screen.view is not None)
        await each_tab(app, pilot, "customer 360", data["name"] + data["note"] + data["need"]
                       + data["event"] + data["reason"])
        # Reception: the customer finder and the waiting list.
        await open_screen(app, pilot, GREETER, "reception")
        finder = app.screen.query_one("#reception-finder")
        finder.query_one("Input").value = data["tag"][0]
        finder.focus_input()
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query_one("#finder-results", OptionList).option_count)
        check_screen(app, data["name"], "reception")
        # Supervisor: waiting tickets, counters, follow-ups.
        await open_screen(app, pilot, BOSS, "supervisor")
        await until(pilot, lambda: app.screen.data is not None)
        await settle(pilot)
        check_screen(app, data["name"], "supervisor")
        # The manager's workspace: portfolio, follow-ups, needs pipeline.
        await open_screen(app, pilot, PEDRO, "manager")
        await until(pilot, lambda: app.screen.rows)
        await each_tab(app, pilot, "manager", data["name"] + data["reason"])
        # Feedback: responses (the comment) and follow-ups.
        await open_screen(app, pilot, BOSS, "feedback")
        await each_tab(app, pilot, "feedback", data["comment"])
        # The audit trail.
        await open_screen(app, pilot, BOSS, "audit")
        await until(pilot, lambda: app.screen.query_one("#audit-table", DataTable).row_count)
        check_screen(app, data["audit"], "audit")
        assert app.is_running


# -- the property: config texts ---------------------------------------------------------------------------
def hostile_config(config, text: str):
    """config.yaml with the text in the branch's, services', counters', priorities' and staff names."""
    def named(items, what: str):
        return [item.model_copy(update={"name": f"{text} {what}{i}"}) for i, item in enumerate(items)]

    return config.model_copy(update={
        "branch": config.branch.model_copy(update={"name": f"{text} branch"}),
        "services": named(config.services, "svc"),
        "counters": named(config.counters, "ctr"),
        "priority_classes": named(config.priority_classes, "prio"),
        "staff": named(config.staff, "staff"),
    })


@SETTINGS
@given(text=hostile)
def test_no_config_text_crashes_a_screen_or_reaches_the_terminal(config, sqlite_template, tmp_path, clock, text):
    url = f"sqlite:///{tmp_path / f'config-{next(COUNT)}.db'}"
    shutil.copy(sqlite_template, url.removeprefix("sqlite:///"))
    ctx = open_context(hostile_config(config, text), url, clock)
    try:
        asyncio.run(config_scenario(ctx, clock))
    finally:
        database.close()


async def config_scenario(ctx, clock) -> None:
    cfg = ctx.config
    names = {s.login: s.name for s in cfg.staff}
    teller, greeter, boss, manager = (Session(login, names[login], role) for login, role in (
        ("ana", "teller"), ("rita", "greeter"), ("sofia", "supervisor"), ("pedro", "manager")))
    cash = next(s.name for s in cfg.services if s.code == "CASH")
    counter1 = next(c.name for c in cfg.counters if c.code == "1")
    q.issue(ctx, "CASH", with_estimate=False)
    q.issue(ctx, "CARD", with_estimate=False)
    q.call_next(ctx, "1", "ana")
    Staff.update(failed_attempts=5, locked_until=T0 + dt.timedelta(minutes=10)).where(Staff.login == "joao").execute()
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        check_screen(app, [cfg.branch.name, counter1], "login")
        await open_screen(app, pilot, teller, "desk", "1")
        await until(pilot, lambda: app.screen.view is not None)
        check_screen(app, [counter1, cash, names["ana"]], "desk")
        await pilot.press("t")  # the transfer dialog lists the services
        await settle(pilot)
        check_screen(app, [cfg.services[-1].name], "desk, transfer")
        await pilot.press("escape")
        await open_screen(app, pilot, greeter, "reception")
        check_screen(app, [cash, cfg.priority_classes[0].name, names["rita"]], "reception")
        await open_screen(app, pilot, boss, "supervisor")
        await until(pilot, lambda: app.screen.data is not None)
        await settle(pilot)
        check_screen(app, [counter1, names["ana"], names["joao"], cash], "supervisor")
        await open_screen(app, pilot, boss, "feedback")
        check_screen(app, [names["sofia"]], "feedback")
        await open_screen(app, pilot, manager, "manager")
        check_screen(app, [names["pedro"]], "manager")
    for mode, expected in (("display", [cfg.branch.name, counter1]), ("kiosk", [cfg.branch.name, cash])):
        app = DeskApp(ctx, config=cfg, mode=mode, clock=clock)
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot, 0.2)
            check_screen(app, expected, mode)
