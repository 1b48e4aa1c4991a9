"""Dialogs of the manager workspace: snooze a follow-up with a reason.

They follow deskapp.tui.screens.followup_dialogs: core is called from the dialog, which stays open
with core's reason on screen when it refuses, and dismisses with True once saved.
"""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Label, Select, Static

from deskapp.core.clock import to_utc
from deskapp.core.customers import followups
from deskapp.i18n import _, ngettext
from deskapp.tui.format import escape
from deskapp.tui.screens.followup_dialogs import DIALOG_CSS, _Dialog
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.work import call_core

SNOOZE_DAYS = (1, 2, 3, 7, 14, 30)
SNOOZE_HOUR = 9  # a snoozed follow-up falls due at 09:00 branch time on the day chosen


class SnoozeDialog(_Dialog):
    """Move a follow-up's due time to a later day, saying why (kept on the follow-up)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="SnoozeDialog")

    def compose(self) -> ComposeResult:
        with Vertical():
            title = escape(_("Snooze follow-up {id}").format(id=self.item.id))
            yield Static(f"[b]{title}[/b]\n{escape(self.item.reason.splitlines()[0])}")
            yield Label(_("Until"))
            yield Select([(ngettext("{n} day (09:00)", "{n} days (09:00)", d).format(n=d), d) for d in SNOOZE_DAYS],
                         value=1, allow_blank=False, id="snooze-days")
            yield Label(_("Reason (required): why it can wait"))
            yield Input(id="snooze-reason", max_length=200)
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Snooze"))


    def until(self) -> dt.datetime:
        days = int(self.query_one("#snooze-days", Select).value)  # type: ignore[arg-type]
        day = self.app.ctx.today() + dt.timedelta(days=days)
        return to_utc(dt.datetime.combine(day, dt.time(SNOOZE_HOUR)), self.app.ctx.timezone)

    @on(Input.Submitted)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        reason = self.query_one("#snooze-reason", Input).value
        call_core(self, followups.snooze, self.app.ctx, self.item.id, self.until(), reason, by=self.login,
                  then=lambda _: self.dismiss(True), on_error=self._refused)
