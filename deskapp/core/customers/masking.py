"""Showing sensitive identifiers: only their last four characters, unless the role may reveal them."""
from __future__ import annotations

from deskapp.config.schema import Config

VISIBLE = 4
BULLET = "•"


def mask(value: str | None) -> str | None:
    """'•••••6789' for '123456789'; a value of four characters or fewer is hidden whole."""
    if value is None:
        return None
    if len(value) <= VISIBLE:
        return BULLET * len(value)
    return BULLET * (len(value) - VISIBLE) + value[-VISIBLE:]


def may_reveal(config: Config, role: str) -> bool:
    """Whether the role table's customers.reveal row (config customers.reveal_roles) holds `role`."""
    from deskapp.core.security.permissions import allowed

    return allowed(role, "customers.reveal", config)
