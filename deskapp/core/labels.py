"""Codes in people's words: a status, a reason, a topic or a category is stored as a code ("waiting_time",
"no_show", "in_progress") and shown as a label ("Waiting time", "No show", "In progress"). Core's own
texts (a workflow's recap) and every screen (deskapp.tui.format.label) word them here, so no raw code such
as "About: waiting_time" reaches a screen.
"""
from __future__ import annotations

DASH = "-"


def label(code: str | None) -> str:
    """A code as people read it, capitalised; a dash for none."""
    if not code:
        return DASH
    words = str(code).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def lower_label(code: str | None) -> str:
    """A code as a word inside a sentence ("in progress", "no show"); a dash for none."""
    return str(code).replace("_", " ").strip() if code else DASH
