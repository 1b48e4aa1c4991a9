"""The `pause_reasons:` list: why a counter pauses (issue 19, the floor).

A teller pausing at the desk (`p`) picks one of these; the counter's pause event keeps its code, the
supervisor's counters show its label, and the report counts the time paused per reason, counter
and staff member. Codes are stable (reports and `deskapp queue pause --reason` use them); labels are
what people read and may change.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deskapp.i18n import N_, _

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class PauseReason(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    code: str
    """Short lower-case code kept on the pause and used on the command line (e.g. lunch, back_office)."""
    label: str = Field(min_length=1, max_length=40)
    """What the desk's dialog and the supervisor's counters show (e.g. "Back office")."""

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(_("pause reason '{value}' must be 1-32 lower-case letters, digits or '_', starting "
                               "with a letter").format(value=value))
        return value


def default_pause_reasons() -> list[PauseReason]:
    return [PauseReason(code="break", label=N_("Break")), PauseReason(code="lunch", label=N_("Lunch")),
            PauseReason(code="back_office", label=N_("Back office")),
            PauseReason(code="training", label=N_("Training"))]
