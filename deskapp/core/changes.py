"""The change marker: one row per branch, bumped by every write that screens must see.

Screens poll `current()` (one primary-key read) and reload only when it moved. `bump()` runs as
the last statement of the writing transaction, so its row lock is held as briefly as possible.
"""
from __future__ import annotations

from deskapp.db import statements
from deskapp.db.models import ChangeMarker


def bump(branch_id: int) -> None:
    statements.bump_marker(branch_id)


def current(branch_id: int) -> int:
    row = ChangeMarker.select(ChangeMarker.seq).where(ChangeMarker.branch == branch_id).first()
    return row.seq if row else 0
