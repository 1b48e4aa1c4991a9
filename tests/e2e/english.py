"""The command line of a desk that speaks English, for the pty and reliability tests that read its words.

The shipped branch speaks Portuguese first, and a staff member gets their branch's language at login:
a test that waits for "PIN" or "Queue" runs deskapp with --lang en, through this one helper.
"""
from __future__ import annotations

import sys

from tests.conftest import CONFIG


def deskapp_en(*args: str) -> list[str]:
    """`python -m deskapp --config <the shipped config> --lang en ARGS`, as an argv list."""
    return [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--lang", "en", *args]
