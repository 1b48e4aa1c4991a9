""""Did you mean": the one close match to a mistyped name, for every configuration message."""
from __future__ import annotations

import difflib
from collections.abc import Iterable

from deskapp.i18n import _


def suggest(word: object, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to the word, else ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
