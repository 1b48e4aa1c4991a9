"""Cross-references inside the feedback section, each located in the file.

A trigger may name a tag or a staff login that must exist, and may test a score the branch does not
ask for (it would never fire). These need the whole configuration, so they run after validation,
from deskapp.config.load._cross_references.
"""
from __future__ import annotations

from deskapp.config.errors import ConfigError
from deskapp.config.feedback_schema import FEEDBACK_ASSIGNEES
from deskapp.config.schema import Config
from deskapp.config.yamlsafe import Document
from deskapp.i18n import _

# The question a trigger condition reads.
_QUESTION_OF = {"nps_max": "nps", "csat_max": "csat", "ces_min": "ces"}


def feedback_references(doc: Document, config: Config) -> list[ConfigError]:
    from deskapp.config.suggest import suggest

    feedback = config.feedback
    errors: list[ConfigError] = []
    tags: dict[str, int] = {}
    for i, rule in enumerate(feedback.tags):
        if rule.tag in tags:
            line = doc.where(("feedback", "tags", tags[rule.tag], "tag"))[0]
            errors.append(doc.error(("feedback", "tags", i, "tag"), _(
                "tag '{tag}' is defined twice (first at line {line})").format(tag=rule.tag, line=line)))
        else:
            tags[rule.tag] = i
    logins = [s.login for s in config.staff]
    for i, trigger in enumerate(feedback.triggers):
        where = ("feedback", "triggers", i)
        when = trigger.when
        if when.tag is not None and when.tag not in tags:
            known = _("; tags: {tags}").format(tags=", ".join(tags)) if tags else _("; feedback.tags defines none")
            hint = suggest(when.tag, tags) or known
            errors.append(doc.error(where + ("when", "tag"), _("trigger names unknown tag '{tag}'{hint}").format(
                tag=when.tag, hint=hint)))
        for key, question in _QUESTION_OF.items():
            if getattr(when, key) is not None and not getattr(feedback.questions, question).ask:
                errors.append(doc.error(
                    where + ("when", key),
                    _("{key} can never match: feedback.questions.{question} is not asked (set ask: true)").format(
                        key=key, question=question),
                ))
        if trigger.assign not in FEEDBACK_ASSIGNEES and trigger.assign not in logins:
            hint = suggest(trigger.assign, [*FEEDBACK_ASSIGNEES, *logins])
            errors.append(doc.error(
                where + ("assign",),
                _("assign '{value}' is neither {first} nor {second} nor a staff login{hint}").format(
                    value=trigger.assign, first=FEEDBACK_ASSIGNEES[0], second=FEEDBACK_ASSIGNEES[1], hint=hint),
            ))
    return errors
