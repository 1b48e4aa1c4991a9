"""Comment tags: whole words, any case, accents optional, in the languages customers write."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from deskapp.config.load import load_config
from deskapp.core.feedback.tags import fold, tags_for
from tests.conftest import CONFIG


@dataclass
class Rule:
    tag: str
    keywords: list[str]


BRIEF = [
    Rule("waiting_time", ["wait", "queue", "espera", "fila", "warten", "attente"]),
    Rule("attitude", ["rude", "unfriendly", "mal-educado", "antipático", "unhöflich", "impoli"]),
    Rule("complaint", ["complaint", "reclamação", "beschwerde", "plainte"]),
    Rule("praise", ["excellent", "obrigado", "danke", "merci"]),
]


@pytest.mark.parametrize(
    "comment, tags",
    [
        ("Long WAIT today", ["waiting_time"]),
        ("A ESPERA foi longa e a fila enorme", ["waiting_time"]),
        ("Ich musste lange warten.", ["waiting_time"]),
        ("Beaucoup d'attente.", ["waiting_time"]),
        ("O funcionário foi antipatico", ["attitude"]),  # typed without the accent
        ("ANTIPÁTICO!", ["attitude"]),
        ("Der Berater war UNHOFLICH", ["attitude"]),  # ö typed as o
        ("unhöflich und unfreundlich", ["attitude"]),
        ("Mal-educado.", ["attitude"]),
        ("mal educado", ["attitude"]),  # a keyword's hyphen also matches a space
        ("Quero fazer uma reclamacao", ["complaint"]),
        ("Ich habe eine Beschwerde", ["complaint"]),
        ("Je dépose une PLAINTE", ["complaint"]),
        ("Rude staff and a long queue; I will file a complaint", ["waiting_time", "attitude", "complaint"]),
        ("Excellent, obrigado!", ["praise"]),
        ("", []),
        ("   ", []),
    ],
)
def test_keywords_match_across_case_accents_and_languages(comment, tags):
    assert tags_for(comment, BRIEF) == tags


@pytest.mark.parametrize(
    "comment",
    ["I was awaited", "waiting area was clean", "esperança", "prude", "complaints desk"],
)
def test_only_whole_words_match(comment):
    assert tags_for(comment, BRIEF) == []


def test_a_trailing_star_matches_the_start_of_a_word():
    rules = [Rule("waiting_time", ["wait*", "demora*"])]
    assert tags_for("We waited for ages", rules) == ["waiting_time"]
    assert tags_for("Muita demora", rules) == ["waiting_time"]
    assert tags_for("it was a long wait", rules) == ["waiting_time"]
    assert tags_for("I was awaited", rules) == []


def test_several_word_keywords_match_with_any_spacing_and_each_tag_comes_once():
    rules = [Rule("complaint", ["livro de reclamações", "reclamação"])]
    assert tags_for("Pedi o LIVRO  DE\nRECLAMACOES e fiz uma reclamação", rules) == ["complaint"]


def test_folding():
    assert fold("Ação ÉCOLE Straße ÜBER") == "acao ecole strasse uber"


def test_the_shipped_tags_cover_the_brief_examples():
    rules = load_config(CONFIG).feedback.tags
    assert tags_for("A espera na fila foi enorme", rules) == ["waiting_time"]
    assert tags_for("Der Mitarbeiter war unhöflich", rules) == ["attitude"]
    assert tags_for("Livro de reclamações, por favor", rules) == ["complaint"]
    assert tags_for("Trop long, et personnel impoli", rules) == ["waiting_time", "attitude"]
