"""CustomerPicker: a modal that finds a customer and returns its id (None when cancelled).

For any screen that needs "which customer?", e.g. reception attaching a customer to a ticket:

    def chosen(customer_id: int | None) -> None:
        if customer_id is not None:
            call_core(self, queue.attach_customer, ctx, ticket_id, customer_id, by=login, then=...)

    self.app.push_screen(CustomerPicker(), chosen)
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from deskapp.i18n import _, lazy_gettext
from deskapp.tui.widgets.customer_search import CustomerSearch


class CustomerPicker(ModalScreen[int | None]):
    DEFAULT_CSS = """
    CustomerPicker { align: center middle; }
    CustomerPicker > #picker-box { width: 90%; height: 80%; border: round $primary; background: $panel; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Cancel"))]

    def __init__(self, title: str | None = None) -> None:
        super().__init__()
        self.title_text = title or _("Find the customer")

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(self.title_text, classes="section-title")
            yield CustomerSearch(id="picker-search")
            yield Footer()

    @on(CustomerSearch.Chosen)
    def _chosen(self, event: CustomerSearch.Chosen) -> None:
        self.dismiss(event.customer_id)
