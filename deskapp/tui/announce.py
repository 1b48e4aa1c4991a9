"""The display's spoken call ("Ticket A 0 0 5, counter 1") through espeak-ng, when it is installed.

Off by default (`display.announce` in config.yaml). The speech runs in a thread worker as a child
process, one call after another (a lock), so the display never waits for a voice to finish and two
calls are never spoken over each other. Without espeak-ng on PATH the display stays silent.
"""
from __future__ import annotations

import shutil
import subprocess
import threading

from deskapp.i18n import _

ESPEAK = "espeak-ng"
_speaking = threading.Lock()


def spoken(number: str, counter: str) -> str:
    """What is said for a call, in the display's language: the number character by character, so "A005"
    is not "a five"."""
    return _("Ticket {number}, counter {counter}").format(
        number=" ".join(number), counter=" ".join(counter) if not counter.isdigit() else counter)


def speak(text: str, voice: str, timeout: float = 30.0) -> bool:
    """Say `text` (blocking: call it from a worker). False when espeak-ng is not installed."""
    program = shutil.which(ESPEAK)
    if program is None:
        return False
    with _speaking:
        subprocess.run([program, "-v", voice, text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout, check=False)
    return True
