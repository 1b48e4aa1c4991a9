"""The shape of a service workflow: the steps that guide a teller through one service.

Written under `workflows:` in config.yaml, or in the files that `workflow_files:` names (each file
holds its own `workflows:` mapping). Each step has a `kind`; a step with `when:` is shown only when
its condition holds. What a condition may read is declared here, in one place: the form fields of
earlier steps (typed by FIELD_TYPES) and the CUSTOMER_ATTRIBUTES. Checks that need the whole
workflow (duplicate ids, conditions, min > max ...) are in deskapp.config.workflow_checks.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from deskapp.config.customer_names import customer_names
from deskapp.config.expr import Function, Type
from deskapp.config.texts import RequiredText, TextField

FieldType = Literal["text", "number", "money", "date", "choice", "yesno", "phone", "id"]

FIELD_TYPES: dict[str, Type] = {
    "text": Type.TEXT, "choice": Type.TEXT, "phone": Type.TEXT, "id": Type.TEXT,
    "number": Type.NUMBER, "money": Type.NUMBER,
    "yesno": Type.BOOL,
    "date": Type.DATE,
}
"""How a condition sees a form field of each type."""

CUSTOMER_ATTRIBUTES: dict[str, tuple[Type, str]] = {
    "customer.identified": (Type.BOOL, "a customer is attached to the ticket"),  # i18n: not words (what each name means, for the docs)
    **customer_names("customer.", "segment", "age", "kyc_current", "marketing_consent"),
    "customer.has_manager": (Type.BOOL, "the customer has a relationship manager"),  # i18n: not words (what each name means, for the docs)
}
"""Everything a condition may read about the customer. With no customer identified, every attribute
but customer.identified (false) is null, so `customer.age >= 65` is simply false."""


def _no_clock() -> dt.date:  # pragma: no cover - replaced by the engine, which knows the branch's clock
    raise RuntimeError("today() is evaluated by deskapp.core.workflows")  # i18n: not words (a bug)


CONDITION_FUNCTIONS: dict[str, Function] = {"today": Function((), Type.DATE, _no_clock)}
"""Functions a condition may call: today() is the branch-local date."""

REFERRAL_ASSIGNEES = ("relationship_manager",)


class _Strict(BaseModel):
    """Unknown keys are errors, never silent defaults (as everywhere in the configuration)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class FormField(_Strict):
    name: str
    """Name the value is kept under and conditions use: lower-case letters, digits and '_'."""
    label: RequiredText
    """What the teller reads next to the box: a text, or one per language ({pt-PT: ..., en: ...})."""
    type: FieldType = "text"
    """text, number, money, date, choice, yesno, phone or id (a national ID, checked like customers')."""
    required: bool = False
    """Whether the step cannot be committed without a value."""
    min: Decimal | None = None
    """Smallest value (number, money) or fewest characters (text, phone, id)."""
    max: Decimal | None = None
    """Largest value (number, money) or most characters (text, phone, id)."""
    pattern: str | None = None
    """Regular expression the whole text must match (text, phone, id)."""
    choices: list[str] | None = None
    """The options of a choice field."""
    help: TextField = ""
    """A hint shown under the box (a text, or one per language)."""
    multiline: StrictBool | None = None
    """Whether a text field is typed in a box of several lines (a complaint, a note); by default when
    it may hold more than 200 characters (max)."""
    sensitive: StrictBool = False
    """Whether the value is masked like a national ID (all but its last four characters) in the steps
    recorded so far, the summary and anything else that shows it, for every role but
    customers.reveal_roles, who see it only through an audited reveal. Fields of type id always are."""

    @property
    def masked(self) -> bool:
        """Whether the value is shown masked: a field of type id, or one marked sensitive."""
        return self.sensitive or self.type == "id"


class _Step(_Strict):
    id: str
    """Unique in the workflow; recorded with every step (lower-case letters, digits and '_')."""
    title: RequiredText
    """What the teller sees as the step's heading and in the list of what is left: a text, or one per
    language ({pt-PT: ..., en: ...})."""
    when: str | None = None
    """A condition: the step is shown only when it holds, e.g. amount > 2000 (see the workflow docs)."""


class InfoStep(_Step):
    kind: Literal["info"]
    text: RequiredText
    """Markdown the teller reads (or reads out) before going on (a text, or one per language)."""


class ChecklistStep(_Step):
    kind: Literal["checklist"]
    items: list[RequiredText] = Field(min_length=1)
    """Each item must be ticked before the step can be committed (each a text, or one per language)."""


class FormStep(_Step):
    kind: Literal["form"]
    fields: list[FormField] = Field(min_length=1)
    """The boxes to fill, in order."""


class IdentifyStep(_Step):
    kind: Literal["identify"]
    required: bool = True
    """Whether the workflow can go on without a customer."""


class CaptureNeedsStep(_Step):
    kind: Literal["capture_needs"]
    categories: list[str] | None = None
    """Need categories offered (default: all of customers.need_categories)."""
    required: bool = False
    """Whether at least one need must be recorded."""


class OffersStep(_Step):
    kind: Literal["offers"]
    text: TextField = ""
    """An optional line above the offers (a text, or one per language)."""


class ApprovalStep(_Step):
    kind: Literal["approval"]
    reason: RequiredText
    """Why a supervisor must approve, as the supervisor reads it (a text, or one per language)."""


class ReferralStep(_Step):
    kind: Literal["referral"]
    reason: RequiredText
    """The follow-up's reason, as the person following up reads it (the teller may add to it; a text, or
    one per language)."""
    assign: str = "relationship_manager"
    """Who follows up: relationship_manager (the customer's), or a staff login."""
    fallback: str | None = None
    """A staff login for when the customer has no relationship manager (unassigned otherwise)."""
    due_hours: int = Field(48, ge=1, le=24 * 60)
    """Hours until the follow-up is due (the teller may change it)."""
    source: Literal["referral", "complaint"] = "referral"
    """What the follow-up is: a referral, or a complaint to resolve."""


class SummaryStep(_Step):
    kind: Literal["summary"]
    text: TextField = ""
    """An optional closing line, e.g. what to hand the customer (a text, or one per language)."""


Step = Annotated[
    InfoStep | ChecklistStep | FormStep | IdentifyStep | CaptureNeedsStep | OffersStep | ApprovalStep | ReferralStep | SummaryStep,
    Field(discriminator="kind"),
]
STEP_KINDS = ("info", "checklist", "form", "identify", "capture_needs", "offers", "approval", "referral", "summary")


class Workflow(_Strict):
    title: RequiredText
    """What the teller sees above the steps: a text, or one per language ({pt-PT: ..., en: ...})."""
    require_customer: bool = False
    """The workflow cannot finish without an identified customer (it then needs an identify step)."""
    steps: list[Step] = Field(min_length=1)
    """The steps in order."""

    def step(self, step_id: str) -> _Step:
        return next(s for s in self.steps if s.id == step_id)

    def fields(self) -> dict[str, FormField]:
        """Every form field of the workflow by name."""
        return {f.name: f for s in self.steps if isinstance(s, FormStep) for f in s.fields}


class WorkflowFile(_Strict):
    """A file named in workflow_files."""

    workflows: dict[str, Workflow] = Field(default_factory=dict)
    """Workflows by name, as under `workflows:` in config.yaml."""
