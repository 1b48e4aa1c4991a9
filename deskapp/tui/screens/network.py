"""The network: every branch in one live table (deskapp.core.stats.network), for supervisors and managers.

One row per branch: waiting, the longest wait against its service's target, service level today, open
counters against those needed now, CSAT and NPS today, overdue follow-ups and alerts. `s` sorts by the
next column (the line above the table says which), `r` reverses. A thread worker asks the change query
(network_version: one read of the branches' change markers) every POLL_SECONDS and reloads the table
only when any branch changed, and every REFRESH_SECONDS so waits keep counting. Enter opens that
branch's supervisor view: read-only unless the person supervises that branch (its action keys then say
why they do not apply). Which branches: BRANCHES of the screen (None: all), one parameter.
"""
from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Static

from deskapp.core.context import Context
from deskapp.core.stats import network
from deskapp.i18n import N_, _, lazy_gettext, ngettext
from deskapp.tui.format import DASH, minutes, percent, score
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.screens.staff_words import columns
from deskapp.tui.widgets.fit_table import Column, FitTable, clip
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core

POLL_SECONDS = 2.0
REFRESH_SECONDS = 15.0

# Headers and sort names are translated where shown (the staff member's language is known at login).
COLUMNS = (Column(N_("Branch"), shorten=clip(14)), Column(N_("Waiting"), short=N_("Wait")),
           Column(N_("Longest / target"), short=N_("Longest")), Column(N_("Service level"), short=N_("Level")),
           Column(N_("Open / needed"), short=N_("Open/need")), Column(N_("CSAT"), drop=1), Column(N_("NPS"), drop=1),
           Column(N_("Overdue follow-ups"), short=N_("Overdue"), drop=2), Column(N_("Alerts")),
           Column(N_("Advice"), shorten=clip(22), drop=3))
SORTS = (("code", N_("branch")), ("waiting", N_("waiting")), ("longest", N_("longest wait against target")),
         ("service_level", N_("service level")), ("needed", N_("counters short")), ("csat", N_("CSAT")),
         ("nps", N_("NPS")), ("overdue", N_("overdue follow-ups")), ("alerts", N_("alerts")))
WORST_FIRST = {"waiting", "longest", "needed", "overdue", "alerts"}  # the rest: lowest first is worst


def longest_cell(row: network.BranchNow) -> str:
    if row.longest_wait_minutes is None:
        return DASH
    mark = "⚠ " if row.longest_ratio is not None and row.longest_ratio > 1 else ""
    return mark + _("{longest} / {target} min").format(longest=minutes(row.longest_wait_minutes),
                                                       target=row.longest_target_minutes)


def staffing_cell(row: network.BranchNow | network.NetworkTotal) -> str:
    needed = DASH if row.needed is None else str(row.needed)
    return f"{row.open_counters} / {needed}"


TOTAL_KEY = "total"


def total_cells(total: network.NetworkTotal) -> tuple[str, ...]:
    """The table's last row: the network's total (deskapp.core.stats.network.network_total)."""
    longest = DASH
    if total.longest_wait_minutes is not None:
        mark = "⚠ " if total.longest_ratio is not None and total.longest_ratio > 1 else ""
        longest = mark + _("{longest} / {target} min {branch}").format(
            longest=minutes(total.longest_wait_minutes), target=total.longest_target_minutes,
            branch=total.longest_branch)
    branches = ngettext("Network · {n} branch", "Network · {n} branches", total.branches).format(n=total.branches)
    return (branches, str(total.waiting), longest,
            percent(total.service_level, fraction=True), staffing_cell(total), percent(total.csat_pct),
            score(total.nps, digits=0, signed=True), str(total.overdue_followups),
            f"⚠ {total.alerts}" if total.alerts else "0", DASH)


class NetworkScreen(AppScreen):
    DEFAULT_CSS = """
    NetworkScreen #net-sort { padding: 0 1; color: $text-muted; }
    NetworkScreen #net-table { height: 1fr; }
    """
    BINDINGS = [
        Binding("s", "cycle_sort", lazy_gettext("Sort"), id="network_sort"),
        Binding("r", "reverse", lazy_gettext("Reverse"), id="network_reverse"),
        Binding("enter", "open_branch", lazy_gettext("Open branch"), id="network_open", priority=True),
        Binding("escape", "back", lazy_gettext("Back"), id="network_back"),
        Binding("ctrl+r", "reload", lazy_gettext("Refresh"), id="network_refresh"),
    ]
    BRANCHES: list[int] | None = None  # the branches shown; None: every branch

    def __init__(self, branch_ids: list[int] | None = None, *,
                 open_branch: Callable[[Context, bool], Screen] | None = None, home: bool = False) -> None:
        """`open_branch(branch's context, read_only)`: the screen Enter opens (the supervisor's view);
        `home`: the screen an area manager lands on (nothing under it to go back to)."""
        super().__init__(name="network")
        self.open_branch = open_branch
        self.home = home
        self.branch_ids = branch_ids if branch_ids is not None else self.BRANCHES
        self.rows: list[network.BranchNow] = []
        self.sort = 1  # waiting, most first
        self.reverse = False
        self._version: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static(_("Loading…"), id="net-sort")
            yield FitTable(columns(COLUMNS), id="net-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Network")
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(REFRESH_SECONDS, self.reload)

    def reload(self) -> None:
        call_core(self, network.network_now, self.ctx, self.session, self.branch_ids, then=self._loaded,
                  group="network-load", exclusive=True)

    @work(thread=True, exclusive=True, group="network-poll", exit_on_error=False)
    def _poll(self) -> None:
        """The change query in a thread: the table is read again only when a branch changed."""
        from deskapp.db.pool import borrowed

        try:
            with borrowed():
                version = network.network_version(self.branch_ids)
        except Exception:  # noqa: BLE001  the app's own poll tells of a lost database; retried next tick
            return
        if version != self._version:
            self._version = version
            self.app.call_from_thread(self.reload)

    def _loaded(self, rows: list[network.BranchNow]) -> None:
        self.rows = rows
        self._show()

    def _show(self) -> None:
        column, label = SORTS[self.sort]
        worst_first = (column in WORST_FIRST) != self.reverse
        ordered = sorted(self.rows, key=lambda r: r.sort_key(column))
        if worst_first:  # no data still last
            ordered = [r for r in ordered if r.sort_key(column)[0] is False][::-1] + \
                      [r for r in ordered if r.sort_key(column)[0] is True]
        table = self.query_one("#net-table", DataTable)
        chosen = self._chosen()
        table.clear()
        for r in ordered:
            table.add_row(f"{r.code} · {r.name}", str(r.waiting), longest_cell(r),
                          percent(r.service_level, fraction=True), staffing_cell(r), percent(r.csat_pct),
                          score(r.nps, digits=0, signed=True), str(r.overdue_followups),
                          f"⚠ {len(r.alerts)}" if r.alerts else "0", "; ".join(r.advice) or DASH, key=str(r.branch_id))
        if self.rows:  # the total stays last, whatever the order
            table.add_row(*total_cells(network.network_total(self.rows)), key=TOTAL_KEY)
        if chosen is not None and table.row_count:
            keys = [str(r.branch_id) for r in ordered]
            table.move_cursor(row=keys.index(chosen) if chosen in keys else 0)
        alerting = sum(1 for r in self.rows if r.alerts)
        order = (_("sorted by {column} (reversed)") if self.reverse else _("sorted by {column}")).format(column=_(label))
        self.query_one("#net-sort", Static).update(ngettext(
            "{n} branch, {alerting} with alerts · {order} · s: next column, r: reverse, Enter: open the branch",
            "{n} branches, {alerting} with alerts · {order} · s: next column, r: reverse, Enter: open the branch",
            len(self.rows)).format(n=len(self.rows), alerting=alerting, order=order))


    def _chosen(self) -> str | None:
        table = self.query_one("#net-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_cycle_sort(self) -> None:
        self.sort = (self.sort + 1) % len(SORTS)
        self._show()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._show()

    def action_reload(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "back":
            return not self.home  # a home screen has nothing under it
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_open_branch(self) -> None:
        chosen = self._chosen()
        row = next((r for r in self.rows if str(r.branch_id) == chosen), None)
        if row is None or self.open_branch is None:
            return
        make = self.open_branch

        def opened(may_act: bool) -> None:
            self.app.push_screen(make(network.context_for(self.ctx, row), not may_act))

        call_core(self, network.supervises, self.ctx, self.session, row.branch_id, then=opened)
