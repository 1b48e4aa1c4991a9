"""Waiting tickets per service, as reception, kiosk staff and the waiting-room display see them."""
from __future__ import annotations

from collections.abc import Iterable

from deskapp.core.queue.floor import ServiceStatus
from deskapp.i18n import N_, _
from deskapp.tui.format import minutes
from deskapp.tui.widgets.fit_table import Column, FitTable, before, clip


def waiting_cell(s: ServiceStatus, *, desk: bool = False) -> str:
    """A service's waiting count for staff: its walk-in line, then the tickets handed to a named counter
    or colleague (a transfer's rule 0), which are called only there. At a desk: "3 + 1 for you" (those
    handed to someone else are not this teller's and are left out); elsewhere "3 + 1 handed over"."""
    if desk:
        return _("{line} + {n} for you").format(line=s.line, n=s.for_you) if s.for_you else str(s.line)
    return _("{line} + {n} handed over").format(line=s.line, n=s.directed) if s.directed else str(s.line)


def waiting_short(text: str) -> str:
    """The short form of a waiting cell, still saying whose: "3 + 1 for you" -> "3+1 you",
    "3 + 1 handed over" -> "3+1 handed" (in the language of the cell, which is the one in effect)."""
    parts = text.split(" + ", 1)
    if len(parts) == 1:
        return text
    line, count = parts[0], parts[1].split(" ", 1)[0]
    mine = text == _("{line} + {n} for you").format(line=line, n=count)
    return (_("{line}+{n} you") if mine else _("{line}+{n} handed")).format(line=line, n=count)


def waiting_counts_only(text: str) -> str:
    """The narrowest form, for reception's side panel on an 80-column terminal: "3 + 1 handed over" -> "3+1"."""
    return waiting_short(text).split(" ", 1)[0]


PUBLIC = (Column(N_("Service"), shorten=clip(20)), Column(N_("Waiting")))
# Reception's side panel is about 30 cells wide on an 80-column terminal: the service's code and
# the count stay, then the longest wait; the target goes first, then the open counters.
STAFF = (Column(N_("Service"), shorten=before(" · ")), Column(N_("Waiting"), shorten=waiting_counts_only),
         Column(N_("Longest wait"), short=N_("Longest")), Column(N_("Target"), drop=1),
         Column(N_("Open counters"), short=N_("Open"), drop=2))


class WaitingTable(FitTable):
    """One row per service; `public` shows only what customers may see (name and count)."""

    def __init__(self, *, public: bool = False, id: str | None = None, classes: str | None = None):
        super().__init__(PUBLIC if public else STAFF, id=id, classes=classes,
                         cursor_type="none" if public else "row", zebra_stripes=True, show_cursor=not public)
        self.public = public

    def show(self, services: Iterable[ServiceStatus]) -> None:
        self.clear()
        for s in services:
            if self.public:
                self.add_row(f"{s.prefix} · {s.name}", str(s.waiting), key=s.code)
            else:
                self.add_row(f"{s.code} · {s.name}", waiting_cell(s), minutes(s.longest_wait_minutes),
                             minutes(s.target_wait_minutes), str(s.open_counters), key=s.code)
