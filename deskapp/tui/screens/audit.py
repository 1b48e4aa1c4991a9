"""The supervisor's Audit screen: who viewed, revealed, edited or exported which customer, and when."""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Header, Static

from deskapp.core.security import audit_trail
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core, show_failure


class AuditScreen(Screen):
    DEFAULT_CSS = """
    AuditScreen #audit-filters { height: auto; margin: 0 1; }
    AuditScreen #audit-filters Input { width: 1fr; }
    AuditScreen #audit-filters Button { width: auto; }
    AuditScreen #audit-message { color: $warning; margin: 0 2; height: auto; }
    AuditScreen DataTable { height: 1fr; margin: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(name="audit")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Audit trail, newest first (times branch-local)", classes="section-title")
        with Horizontal(id="audit-filters"):
            yield Input(placeholder="Customer number", id="audit-customer")
            yield Input(placeholder="Staff login", id="audit-staff")
            yield Input(placeholder="From 2026-03-01", id="audit-from")
            yield Input(placeholder="To 2026-03-31", id="audit-to")
            yield Button("Show", variant="primary", id="audit-show")
        yield Static("", id="audit-message")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("When", "Staff", "Action", "Record", "Detail")
        self.load()

    @on(Button.Pressed, "#audit-show")
    @on(Input.Submitted)
    def load(self) -> None:
        values = {name: self.query_one(f"#audit-{name}", Input).value.strip()
                  for name in ("customer", "staff", "from", "to")}
        days = {}
        for name in ("from", "to"):
            try:
                days[name] = dt.date.fromisoformat(values[name]) if values[name] else None
            except ValueError:
                self._say(f"'{values[name][:20]}' is not a date: write it as 2026-03-31")
                return
        self._say("Loading…")
        call_core(self, audit_trail.browse, self.app.ctx, self.app.session, customer=values["customer"] or None,
                  staff=values["staff"] or None, day_from=days["from"], day_to=days["to"], then=self._show,
                  on_error=self._failed, group="audit-load", exclusive=True)

    def _show(self, rows) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for e in rows:
            record = f"{e.entity} {e.entity_id}".strip()
            table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.staff or "-", e.action, record or "-", e.detail[:100])
        self._say(f"{len(rows)} entr{'ies' if len(rows) != 1 else 'y'}" + (" (the newest 500)" if len(rows) >= 500 else ""))

    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, self._say)

    def _say(self, text: str) -> None:
        self.query_one("#audit-message", Static).update(text)
