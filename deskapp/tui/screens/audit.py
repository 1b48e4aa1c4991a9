"""The supervisor's Audit screen: who viewed, revealed, edited or exported which customer, and when."""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Header, Static

from deskapp.core.security import audit_trail
from deskapp.i18n import _, ngettext
from deskapp.tui.format import escape
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
        yield Static(_("Audit trail, newest first (times branch-local)"), classes="section-title")
        with Horizontal(id="audit-filters"):
            yield Input(placeholder=_("Customer number"), id="audit-customer")
            yield Input(placeholder=_("Staff login"), id="audit-staff")
            yield Input(placeholder=_("From {date}").format(date="2026-03-01"), id="audit-from")
            yield Input(placeholder=_("To {date}").format(date="2026-03-31"), id="audit-to")
            yield Button(_("Show"), variant="primary", id="audit-show")
        yield Static("", id="audit-message")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(_("When"), _("Staff"), _("Action"), _("Record"), _("Detail"))
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
                self._say(_("'{text}' is not a date: write it as {example}").format(text=escape(values[name][:20]),
                                                                                 example="2026-03-31"))
                return
        self._say(_("Loading…"))
        call_core(self, audit_trail.browse, self.app.ctx, self.app.session, customer=values["customer"] or None,
                  staff=values["staff"] or None, day_from=days["from"], day_to=days["to"], then=self._show,
                  on_error=self._failed, group="audit-load", exclusive=True)

    def _show(self, rows) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for e in rows:
            record = f"{e.entity} {e.entity_id}".strip()
            table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.staff or "-", e.action, record or "-", e.detail[:100])
        if len(rows) >= 500:
            self._say(_("{n} entries (the newest 500)").format(n=len(rows)))
        else:
            self._say(ngettext("{n} entry", "{n} entries", len(rows)).format(n=len(rows)))


    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, self._say)

    def _say(self, text: str) -> None:
        self.query_one("#audit-message", Static).update(text)
