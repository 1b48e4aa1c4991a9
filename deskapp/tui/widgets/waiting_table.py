"""Waiting tickets per service, as reception, kiosk staff and the waiting-room display see them."""
from __future__ import annotations

from collections.abc import Iterable

from deskapp.core.queue.floor import ServiceStatus
from deskapp.tui.format import minutes
from deskapp.tui.widgets.fit_table import Column, FitTable, before, clip


def waiting_cell(s: ServiceStatus, *, desk: bool = False) -> str:
    """A service's waiting count for staff: its walk-in line, then the tickets handed to a named counter
    or colleague (a transfer's rule 0), which are called only there. At a desk: "3 + 1 for you" (those
    handed to someone else are not this teller's and are left out); elsewhere "3 + 1 handed over"."""
    if desk:
        return f"{s.line} + {s.for_you} for you" if s.for_you else str(s.line)
    return f"{s.line} + {s.directed} handed over" if s.directed else str(s.line)


def waiting_short(text: str) -> str:
    """The short form of a waiting cell, still saying whose: "3 + 1 for you" -> "3+1 you",
    "3 + 1 handed over" -> "3+1 handed"."""
    parts = text.split(" + ", 1)
    if len(parts) == 1:
        return text
    count, *words = parts[1].split(" ")
    return f"{parts[0]}+{count} {words[-1] if words and words[-1] == 'you' else 'handed'}"


def waiting_counts_only(text: str) -> str:
    """The narrowest form, for reception's side panel on an 80-column terminal: "3 + 1 handed over" -> "3+1"."""
    return waiting_short(text).split(" ", 1)[0]


PUBLIC = (Column("Service", shorten=clip(20)), Column("Waiting"))
# Reception's side panel is about 30 cells wide on an 80-column terminal: the service's code and
# the count stay, then the longest wait; the target goes first, then the open counters.
STAFF = (Column("Service", shorten=before(" · ")), Column("Waiting", shorten=waiting_counts_only), Column("Longest wait", short="Longest"),
         Column("Target", drop=1), Column("Open counters", short="Open", drop=2))


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
                             f"{s.target_wait_minutes} min", str(s.open_counters), key=s.code)
