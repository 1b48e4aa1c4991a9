"""Merging two records of one person, from the customer 360 (key m, supervisors): type the other
customer's number, see both records field by field, choose per field which value the survivor keeps
(Enter or space on a row), which record survives (s swaps), and merge (core: deskapp.core.customers.merge).

The dialog dismisses with the survivor's id once merged, None when left with Back.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from deskapp.core.customers import directory as customers
from deskapp.core.customers import merge
from deskapp.i18n import N_, _, lazy_gettext
from deskapp.tui.format import escape
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core, show_failure

KEEP, OTHER = "keep", "other"
# The fields compared (deskapp.core.customers.merge.FIELDS, and the phones), in the staff member's words.
FIELDS = {"name": N_("name"), "national_id": N_("national id"), "birth_date": N_("birth date"), "email": N_("email"),
          "address": N_("address"), "segment": N_("segment"), "manager": N_("manager"),
          "marketing_consent": N_("marketing consent"), "kyc_review_due": N_("kyc review due"),
          "id_doc_type": N_("id doc type"), "id_doc_expiry": N_("id doc expiry"), "phones": N_("phones")}


def _cut(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class MergeDialog(ModalScreen[int | None]):
    DEFAULT_CSS = """
    MergeDialog { align: center middle; }
    MergeDialog > Vertical { width: 110; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
        border: thick $primary; background: $panel; }
    MergeDialog DataTable { height: auto; max-height: 14; }
    MergeDialog .dialog-message { color: $error; height: auto; }
    MergeDialog .dialog-buttons { height: auto; }
    MergeDialog .dialog-buttons Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", lazy_gettext("Back")),
        Binding("s", "swap", lazy_gettext("Swap survivor"), id="merge_swap"),
        Binding("space", "toggle", lazy_gettext("Keep the other value"), show=False),
    ]

    def __init__(self, customer_id: int, number: str) -> None:
        super().__init__()
        self.opened_id, self.opened_number = customer_id, number
        self.other_id: int | None = None
        self.other_number = ""
        self.survivor_is_opened = True
        self.choices: list[merge.FieldChoice] = []
        self.take: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            title = escape(_("Merge another record into customer {number}").format(number=self.opened_number))
            yield Static(f"[b]{title}[/b]", id="merge-title")
            yield Label(_("The other record's customer number"), id="merge-label")
            yield Input(id="merge-other", max_length=20)
            yield DataTable(id="merge-fields", cursor_type="row", zebra_stripes=True)
            yield Static("", id="merge-hint")
            yield Static("", classes="dialog-message")
            yield Horizontal(Button(_("Compare"), variant="primary", id="merge-go"),
                             Button(_("Back"), id="merge-back"), classes="dialog-buttons")

    def on_mount(self) -> None:
        self.query_one("#merge-fields", DataTable).display = False

    def _say(self, text: str) -> None:
        self.query_one(".dialog-message", Static).update(text)

    def _refused(self, exc: BaseException) -> None:
        show_failure(self, exc, self._say)

    @on(Button.Pressed, "#merge-back")
    def _back(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#merge-go")
    def _go(self) -> None:
        self._say("")
        if self.other_id is None:
            number = self.query_one("#merge-other", Input).value.strip()
            if not number:
                self._say(_("Type the customer number of the other record."))
                return
            call_core(self, self._compare, number, then=self._compared, on_error=self._refused)
        else:
            keep, other = self._sides()
            take = [field for field, side in self.take.items() if side == OTHER]
            call_core(self, merge.merge, self.app.ctx, self.app.session, keep, other, take, fill_gaps=False,
                      then=lambda result: self.dismiss(result.survivor_id), on_error=self._refused)

    def _compare(self, number: str) -> tuple[int, str, list[merge.FieldChoice]]:
        other = customers.find(number, follow=False)  # a number merged away: core says into which
        summary = customers.summary(self.app.ctx, other)
        return other, summary.number, merge.compare(self.app.ctx, self.app.session, self.opened_id, other)

    def _compared(self, found: tuple[int, str, list[merge.FieldChoice]]) -> None:
        self.other_id, self.other_number, self.choices = found
        self.take = {c.field: c.default for c in self.choices if c.field in merge.FIELDS}
        self.query_one("#merge-other", Input).display = False
        self.query_one("#merge-label", Label).display = False
        table = self.query_one("#merge-fields", DataTable)
        table.display = True
        self.query_one("#merge-go", Button).label = _("Merge")
        self._fill()
        table.focus()

    def _sides(self) -> tuple[int, int]:
        assert self.other_id is not None
        return (self.opened_id, self.other_id) if self.survivor_is_opened else (self.other_id, self.opened_id)

    def _fill(self) -> None:
        keep_number, other_number = ((self.opened_number, self.other_number) if self.survivor_is_opened
                                     else (self.other_number, self.opened_number))
        table = self.query_one("#merge-fields", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns(_("Field"), _("{number} (stays)").format(number=keep_number),
                          _("{number} (merged)").format(number=other_number), _("Kept"))
        for c in self.choices:
            keep_value, other_value = (c.survivor, c.other) if self.survivor_is_opened else (c.other, c.survivor)
            side = self.take.get(c.field)
            kept = _("both") if side is None else ("◀" if side == KEEP else "▶")
            name = _(FIELDS[c.field]) if c.field in FIELDS else c.field.replace("_", " ")
            table.add_row(name, _cut(keep_value), _cut(other_value), kept)
        table.move_cursor(row=max(0, row))
        title = escape(_("Merge {other} into {keep}").format(other=other_number, keep=keep_number))
        rest = escape(_("all held about {other} moves, and its number then finds {keep}.").format(
            other=other_number, keep=keep_number))
        self.query_one("#merge-title", Static).update(f"[b]{title}[/b]: {rest}")
        self.query_one("#merge-hint", Static).update(
            escape(_("Enter: take the other value ▶ or keep ◀ · s: swap which stays")))


    def action_toggle(self) -> None:
        if not self.choices:
            return
        table = self.query_one("#merge-fields", DataTable)
        field = self.choices[table.cursor_row].field
        if field in self.take:
            self.take[field] = OTHER if self.take[field] == KEEP else KEEP
            self._fill()

    @on(DataTable.RowSelected, "#merge-fields")
    def _selected(self) -> None:
        self.action_toggle()

    def action_swap(self) -> None:
        if not self.choices:
            return
        self.survivor_is_opened = not self.survivor_is_opened
        # A field keeps the same value when the sides swap: what the survivor kept is now the other's.
        self.take = {f: OTHER if side == KEEP else KEEP for f, side in self.take.items()}
        self._fill()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("swap", "toggle"):
            return bool(self.choices)
        return True
