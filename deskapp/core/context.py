"""What every core function needs to know: the configuration, the clock and this branch.

The CLI and the TUI build one Context at start-up (`open_context`) and pass it down, so there is
no hidden global state besides the database binding itself.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from deskapp.config.schema import Config
from deskapp.core.clock import Clock, SystemClock, local_day


@dataclass
class Context:
    config: Config
    clock: Clock = field(default_factory=SystemClock)
    branch_id: int = 0
    migrations_applied: list[str] = field(default_factory=list)
    sync_report: object = None  # deskapp.core.sync.SyncReport from start-up

    @property
    def timezone(self) -> str:
        return self.config.branch.timezone

    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        """The branch-local date now."""
        return local_day(self.clock.now(), self.timezone)


def database_url(config: Config, override: str | None = None) -> str:
    """--db, else $DESKAPP_DATABASE_URL, else the config's database url."""
    import os

    return override or os.environ.get("DESKAPP_DATABASE_URL") or config.database.url  # i18n: not words


