"""Configured texts in several languages: the `Text` type of the schema, and check-config's check that
each is written in every language the branch speaks (`branch.languages`).

A text is either a string (the same words in every language: a name, a place) or a mapping of
language to words:

    name: {pt-PT: Particulares, en: Personal banking}

Either way the loaded value is a `str` (so staff screens, reports and the database read it as before)
whose words are the first written, carrying every translation in `.translations`; deskapp.i18n.text()
picks the customer's.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema

from deskapp.i18n import _, normalize


class Text(str):
    """A configured text: its first-written words, with every language's in `translations`."""

    translations: dict[str, str]

    def __new__(cls, words: str, translations: dict[str, str] | None = None) -> Text:
        made = super().__new__(cls, words)
        made.translations = dict(translations or {})
        return made

    def __reduce__(self):
        return (Text, (str(self), self.translations))


def to_text(value: Any) -> str:
    """A string stays one; a mapping of language to words becomes a Text; anything else is refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        translations = {}
        for lang, words in value.items():
            if not isinstance(lang, str) or not isinstance(words, str):
                raise ValueError(_("a text in several languages maps a language to its words, e.g. "
                                   "{pt-PT: Particulares, en: Personal banking}"))
            tag = normalize(lang, [lang]) or lang
            translations[tag] = words
        return Text(next(iter(translations.values())), translations)
    raise ValueError(_("expected a text, or one per language such as {pt-PT: Particulares, en: Personal banking}"))


def to_required_text(value: Any) -> str:
    """As to_text, refusing empty words (in any of its languages)."""
    made = to_text(value)
    if not made or any(not words for words in getattr(made, "translations", {}).values()):
        raise ValueError(_("must not be empty"))
    return made


_SCHEMA = WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "object"}]})
TextField = Annotated[str, PlainValidator(to_text), _SCHEMA]
"""The type of a configured text in the schema: a string, or a mapping of language to words."""
RequiredText = Annotated[str, PlainValidator(to_required_text), _SCHEMA]
"""A configured text that may not be empty (a title, a label, a reason)."""


def texts_in(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Text]]:
    """Every Text in a loaded configuration (models, lists and mappings), with its path in the YAML."""
    if isinstance(value, Text):
        yield path, value
        return
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        for name in fields:
            yield from texts_in(getattr(value, name), (*path, name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from texts_in(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts_in(item, (*path, key))


def missing_languages(text: Text, languages: list[str]) -> list[str]:
    """The branch's languages a text given per language does not say."""
    return [lang for lang in languages if lang not in text.translations]


def network_languages(config: Any) -> list[str]:
    """Every language a branch of the configuration speaks, each once, in order of appearance."""
    languages: list[str] = []
    for branch in config.network():
        languages += [lang for lang in branch.languages if lang not in languages]
    return languages


def language_errors(doc: Any, value: Any, languages: list[str], base: tuple = ()) -> list:
    """A located error (doc.error: a ConfigError) for every text given per language in `value`, found
    at `base` in `doc`, that lacks one of `languages`; a plain string is the same words in every language
    and is never reported."""
    return [doc.error((*base, *path), _("this text has no {missing} (the branch speaks {languages}); add {first}: "
                                        "...").format(missing=", ".join(missing), languages=", ".join(languages),
                                                      first=missing[0]))
            for path, text in texts_in(value) if (missing := missing_languages(text, languages))]


def in_language(value: Any, language: str) -> Any:
    """`value` with every Text in it reading `language` as its plain words (models, lists and mappings
    rebuilt only where a Text changes), so the branch's staff screens, reports and database read the
    branch's own language; a Text without that language keeps its words."""
    if isinstance(value, Text):
        words = value.translations.get(language)
        return value if words is None or words == str(value) else Text(words, value.translations)
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        update = {}
        for name in fields:
            old = getattr(value, name)
            new = in_language(old, language)
            if new is not old:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, list):
        items = [in_language(item, language) for item in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    if isinstance(value, dict):
        mapped = {key: in_language(item, language) for key, item in value.items()}
        return mapped if any(mapped[k] is not value[k] for k in value) else value
    return value
