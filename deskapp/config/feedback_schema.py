"""The `feedback:` section of config.yaml: what the customer is asked, comment tags, follow-up triggers.

Kept apart from deskapp.config.schema (which imports it for Config.feedback). Checks that need the
whole configuration (a trigger naming an unknown tag or login) are in deskapp.config.feedback_checks.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from deskapp.config.texts import TextField
from deskapp.i18n import N_, _


class Section(BaseModel):
    """As deskapp.config.schema.Section (which imports this module): unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


_TAG = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
FEEDBACK_ASSIGNEES = ("relationship_manager", "supervisor_on_duty")


class Question(Section):
    ask: bool = True
    """Whether the customer is asked this question (true or false)."""
    text: TextField = Field(min_length=1)
    """The question as the customer reads it: a text, or one per language ({pt-PT: ..., en: ...})."""
    low: TextField = ""
    """Words under the lowest answer, e.g. "Very dissatisfied" (optional)."""
    high: TextField = ""
    """Words under the highest answer, e.g. "Very satisfied" (optional)."""


class CsatQuestion(Question):
    text: TextField = Field(N_("How satisfied are you with the service you received today?"), min_length=1)
    low: TextField = N_("Very dissatisfied")
    high: TextField = N_("Very satisfied")


class NpsQuestion(Question):
    text: TextField = Field(N_("How likely are you to recommend us to a friend or colleague?"), min_length=1)
    low: TextField = N_("Not at all likely")
    high: TextField = N_("Extremely likely")


class CesQuestion(Question):
    ask: bool = False
    text: TextField = Field(N_("How much effort did it take to get what you needed today?"), min_length=1)
    low: TextField = N_("Very little")
    high: TextField = N_("A great deal")


class CommentQuestion(Question):
    text: TextField = Field(N_("Is there anything you would like to tell us? (optional)"), min_length=1)


class Questions(Section):
    """One question at a time, in this order: CSAT (1-5), NPS (0-10), CES (1-7), then a comment."""

    csat: CsatQuestion = CsatQuestion()
    """Satisfaction, 1-5: asked unless switched off with `ask: false`."""
    nps: NpsQuestion = NpsQuestion()
    """Likelihood to recommend, 0-10 (optional: `ask: false` leaves it out)."""
    ces: CesQuestion = CesQuestion()
    """Customer effort, 1-7 (optional; not asked unless `ask: true`)."""
    comment: CommentQuestion = CommentQuestion()
    """A free-text comment, never required of the customer (optional)."""

    @model_validator(mode="after")
    def _something_to_score(self) -> Questions:
        if not (self.csat.ask or self.nps.ask or self.ces.ask):
            raise ValueError(_("ask at least one of csat, nps or ces; otherwise there is nothing to rate"))
        return self

    def asked(self) -> list[str]:
        """The scored questions asked, in order."""
        return [name for name in ("csat", "nps", "ces") if getattr(self, name).ask]


class FeedbackTexts(Section):
    """The other words on the customer's screen (each a text, or one per language); left out, deskapp's own
    words in the customer's language."""

    title: TextField = N_("Your opinion matters")
    """Heading above every question."""
    hint: TextField = N_("Press a number or use the arrows, then Enter. Or touch your answer.")
    """How to answer a scored question."""
    comment_hint: TextField = N_("Type, then press Enter to send. Enter on an empty line skips.")
    """How to answer the comment question."""
    send: TextField = N_("Send")
    """The button that sends a comment."""
    skip: TextField = N_("Skip")
    """The button that skips a question."""
    thanks: TextField = N_("Thank you! Your answer helps us serve you better.")
    """Shown for a moment after the last answer."""
    welcome: TextField = N_("Thank you for visiting us.")
    """The feedback terminal's screen between customers."""


class TagRule(Section):
    tag: str
    """Tag name, lower-case letters, digits and '_' (e.g. waiting_time)."""
    keywords: list[str] = Field(min_length=1)
    """Words that give a comment this tag, in any language: matched as whole words, ignoring case and
    accents ("espera" matches "ESPERA" and "espéra"). End a keyword with * to match words starting
    with it ("wait*": wait, waiting, waited). Several words ("too long") match with any spacing."""

    @field_validator("tag")
    @classmethod
    def _check_tag(cls, value: str) -> str:
        if not _TAG.match(value):
            raise ValueError(_("tag '{value}' must be 1-32 lower-case letters, digits or '_', starting with a "
                               "letter").format(value=value))
        return value

    @field_validator("keywords")
    @classmethod
    def _check_keywords(cls, values: list[str]) -> list[str]:
        for value in values:
            if not any(ch.isalnum() for ch in value):
                raise ValueError(_("keyword '{value}' has no letters or digits").format(value=value))
            if "*" in value.rstrip("*") or value.endswith("**"):
                raise ValueError(_("keyword '{value}': '*' may only end a keyword, once").format(value=value))
        return values


class TriggerWhen(Section):
    """The condition of a trigger; when it has several keys, all must hold."""

    nps_max: int | None = Field(None, ge=0, le=10)
    """An NPS answer at or below this (6: every detractor)."""
    csat_max: int | None = Field(None, ge=1, le=5)
    """A CSAT answer at or below this (2: dissatisfied)."""
    ces_min: int | None = Field(None, ge=1, le=7)
    """A CES answer at or above this (6: a great deal of effort)."""
    tag: str | None = None
    """The comment carries this tag (one of feedback.tags)."""

    @model_validator(mode="after")
    def _one_condition(self) -> TriggerWhen:
        if self.nps_max is None and self.csat_max is None and self.ces_min is None and self.tag is None:
            raise ValueError(_("a trigger needs a condition: nps_max, csat_max, ces_min or tag"))
        return self


class Trigger(Section):
    when: TriggerWhen
    """When the rule fires, e.g. {nps_max: 6} or {tag: complaint}."""
    assign: str = "supervisor_on_duty"
    """Who follows up: relationship_manager (the customer's manager, else the supervisor on duty),
    supervisor_on_duty (a supervisor working at a counter now, else the branch's first active
    supervisor by login), or a staff login."""
    due_hours: int | None = Field(None, ge=1, le=24 * 60)
    """Hours to the follow-up's due time (default: followups.default_due_hours)."""
    reason: str = Field(min_length=1)
    """Why, as the person following up reads it (e.g. "Detractor: call within two days")."""


def _default_triggers() -> list[Trigger]:
    return [
        Trigger(when=TriggerWhen(csat_max=2), assign="supervisor_on_duty", reason=N_("Dissatisfied (CSAT 1-2)")),
        Trigger(when=TriggerWhen(nps_max=6), assign="relationship_manager", reason=N_("Detractor (NPS 0-6)")),
    ]


class Feedback(Section):
    """Post-service feedback from the customer, and the follow-ups of poor answers."""

    timeout_seconds: int = Field(90, ge=1, le=3600)
    """Seconds without a key or touch after which the customer's screen gives up (no answer is
    recorded) and returns to the staff view; also how long after completing a ticket it may be asked."""
    questions: Questions = Questions()
    """What the customer is asked, and in which words."""
    texts: FeedbackTexts = FeedbackTexts()
    """The other words on the customer's screen."""
    tags: list[TagRule] = Field(default_factory=list)
    """Tags given to comments by keyword, in any language."""
    triggers: list[Trigger] = Field(default_factory=_default_triggers)
    """Rules that open a follow-up. When several match one answer, one follow-up is opened: the first
    matching rule decides who gets it, the soonest due time of the matching rules applies, and every
    matching rule's reason is listed."""
