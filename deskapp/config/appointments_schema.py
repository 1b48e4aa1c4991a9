"""The `appointments:` section: booked visits beside walk-ins (issue 17).

Slots are `slot_minutes` long from the branch's opening time; a service takes bookings only when
`capacity` (or the branch's entry in `branch_capacity`) gives it a number of bookings per hour.
A booked customer who checks in is called before walk-ins of the service from `early_minutes`
before the slot; one who comes later than `grace_minutes` after it is handled by `late_policy`.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deskapp.i18n import _

_PREFIX = re.compile(r"^[A-Z]{1,2}$")


class Appointments(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    slot_minutes: int = Field(30, ge=5, le=240)
    """Length of a bookable slot; slots start at the branch's opening time and every slot_minutes after."""
    capacity: dict[str, int] = Field(default_factory=dict)
    """Bookings each service takes per hour (service code: number); a service not listed takes none."""
    branch_capacity: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Per branch code, capacities that replace `capacity` for that branch."""
    grace_minutes: int = Field(10, ge=0, le=240)
    """How late after the slot's start a customer may check in and still be called as booked."""
    early_minutes: int = Field(5, ge=0, le=240)
    """How long before the slot's start a checked-in customer may be called."""
    prefix: str = "V"  # i18n: not words
    """Put before the service's ticket number for a checked-in booking (V + A012 = VA012)."""
    late_policy: Literal["walk_in", "refuse"] = "walk_in"
    """A customer later than the grace: `walk_in` issues an ordinary ticket, `refuse` issues none."""
    priority_class: str = "appointment"
    """The priority class of checked-in bookings' tickets (it needs no entry in priority_classes)."""

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError(_("appointment prefix '{value}' must be 1 or 2 capital letters").format(value=value))
        return value

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, value: dict[str, int]) -> dict[str, int]:
        for code, n in value.items():
            if n < 0 or n > 1000:
                raise ValueError(_("capacity of '{code}' must be 0-1000 bookings per hour, not {n}").format(code=code, n=n))
        return value

    def capacity_for(self, branch_code: str, service_code: str) -> int:
        """Bookings per hour the service takes at that branch."""
        table = self.branch_capacity.get(branch_code, self.capacity)
        return table.get(service_code, 0)
