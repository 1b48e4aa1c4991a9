"""Tagging free-text comments by keyword, in any language.

Comment and keywords are compared folded: Unicode compatibility-decomposed, accents (combining
marks) removed, case-folded (so "Reclamação", "RECLAMACAO" and "reclamacao" are one word, and
"Straße" is "strasse"). A keyword matches whole words only: "wait" finds "wait" and "Wait!", not
"awaited"; a trailing "*" makes it a prefix ("wait*" finds "waiting"). A keyword of several words
matches with any spacing, and a hyphen in a keyword also matches a space or nothing
("mal-educado" finds "mal educado" and "maleducado").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol


class TagRuleLike(Protocol):
    tag: str
    keywords: Sequence[str]


def fold(text: str) -> str:
    """Text without accents, case-folded, for comparing words across spellings."""
    decomposed = unicodedata.normalize("NFKD", text)  # i18n: not words
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.casefold())  # i18n: not words


def keyword_pattern(keyword: str) -> str:
    """The regular expression (without boundaries) that one keyword stands for, over folded text."""
    keyword = keyword.strip()
    prefix = keyword.endswith("*")
    words = fold(keyword.rstrip("*")).split()
    escaped = [re.escape(word).replace(r"\-", r"[-\s]?") for word in words]
    return r"\s+".join(escaped) + (r"\w*" if prefix else "")


def _matcher(keywords: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(keyword_pattern(k) for k in keywords)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def tags_for(comment: str, rules: Sequence[TagRuleLike]) -> list[str]:
    """The tags whose keywords occur in the comment, in the rules' order, each once."""
    if not comment or not comment.strip():
        return []
    text = fold(comment)
    found: list[str] = []
    for rule in rules:
        if rule.tag not in found and _matcher(rule.keywords).search(text):
            found.append(rule.tag)
    return found
