"""Customer lookup: one search box, results as you type, Enter opens the customer 360."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static

from deskapp.core.customers import directory as customers
from deskapp.i18n import _, lazy_gettext
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.widgets.customer_search import CustomerSearch
from deskapp.tui.widgets.key_footer import KeyFooter


class CustomersScreen(Screen):
    BINDINGS = [Binding("ctrl+n", "new_customer", lazy_gettext("New customer"), id="customers_new")]

    def __init__(self) -> None:
        super().__init__(name="customers")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Find a customer by name, phone, national ID or customer number"), classes="section-title")
        yield CustomerSearch(id="customers-search")
        yield KeyFooter()

    @on(CustomerSearch.Chosen)
    def _open(self, event: CustomerSearch.Chosen) -> None:
        if not customers.allowed(self.app.ctx, self.app.session, "view"):
            self.notify(_("{name}: your role can find customers but not open their profile.").format(name=event.name),
                        severity="warning")
            return
        self.app.push_screen(Customer360Screen(event.customer_id))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "new_customer":
            session = getattr(self.app, "session", None)
            return session is not None and customers.allowed(self.app.ctx, session, "create")
        return True

    def action_new_customer(self) -> None:
        from deskapp.tui.screens.customer_forms import details_form

        def created(result) -> None:
            if isinstance(result, customers.CustomerSummary):
                self.notify(_("Customer {number} created.").format(number=result.number))

                if customers.allowed(self.app.ctx, self.app.session, "view"):
                    self.app.push_screen(Customer360Screen(result.id))

        self.app.push_screen(details_form(self.app, None), created)
