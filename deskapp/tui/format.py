"""How numbers look on screen: one place, so every screen shows them alike (a dash for no data)."""
from __future__ import annotations

import datetime as dt
import math

DASH = "-"


def minutes(value: float | None) -> str:
    """Minutes, rounded up (a wait is never promised shorter than expected); a dash for no data."""
    if value is None:
        return DASH
    return f"{int(math.ceil(value - 1e-9))} min"


def elapsed(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"
