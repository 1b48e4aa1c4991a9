"""validate: pydantic errors become located messages a bank's IT person can act on."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, field_validator

from deskapp.config.errors import ConfigError
from deskapp.config.validate import validate
from deskapp.config.yamlsafe import read_yaml


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Color(enum.Enum):
    BLUE = "blue"
    GREEN = "green"


class Hours(Model):
    open: dt.time
    close: dt.time


class Branch(Model):
    code: str
    timezone: str
    is_open: bool = True
    counters: int = Field(default=1, ge=1)
    mode: Literal["fast", "slow", "steady"] = "fast"
    theme: Color = Color.BLUE
    hours: Hours | None = None
    opened_on: dt.date | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if "/" not in value:
            raise ValueError(f"unknown timezone '{value}' (use an IANA name such as Europe/Lisbon)")
        return value


class FormStep(Model):
    kind: Literal["form"]
    id: str
    fields: list[str] = Field(min_length=1)


class ReviewStep(Model):
    kind: Literal["review"]
    id: str
    reviewer_role: str


Step = Annotated[FormStep | ReviewStep, Field(discriminator="kind")]


class Service(Model):
    code: str
    name: str = Field(alias="title")
    prefix: str = Field(default="A", min_length=1, max_length=2)
    steps: list[Step] = []
    label: int | str = 0


class Config(Model):
    branch: Branch
    services: list[Service]
    extras: dict[str, Service] = {}


class StrictBranch(Branch):
    model_config = ConfigDict(extra="forbid", strict=True)


def check(text: str, model: type[BaseModel] = Config) -> list[tuple[int, int, str]]:
    doc, errors = read_yaml("config.yaml", text=text)
    assert doc is not None
    result, errors = validate(doc, model)
    assert (result is None) == bool(errors)
    assert all(e.file == "config.yaml" for e in errors)
    return [(e.line, e.col, e.message) for e in errors]


GOOD = """\
branch:
  code: LIS
  timezone: Europe/Lisbon
  hours: {open: "08:30", close: "16:00"}
  opened_on: 2024-03-01
  theme: green
services:
  - code: A
    title: Accounts
    steps:
      - {kind: form, id: details, fields: [name]}
      - {kind: review, id: check, reviewer_role: supervisor}
"""


def test_a_valid_document_gives_the_model_and_no_errors():
    doc, _ = read_yaml("config.yaml", text=GOOD)
    assert doc is not None
    config, errors = validate(doc, Config)
    assert errors == [] and isinstance(config, Config)
    assert config.branch.hours == Hours(open=dt.time(8, 30), close=dt.time(16, 0))
    assert config.services[0].steps[1].reviewer_role == "supervisor"


def test_a_strict_model_still_takes_dates_times_and_enums_written_as_text():
    doc, _ = read_yaml("config.yaml", text=GOOD)
    assert doc is not None
    branch, errors = validate(doc, StrictBranch, doc.data["branch"], ("branch",))
    assert errors == [] and branch.opened_on == dt.date(2024, 3, 1) and branch.theme is Color.GREEN


def test_missing_key_points_at_the_mapping_that_should_hold_it():
    assert check("branch:\n  code: LIS\nservices:\n  - title: X\n") == [
        (1, 1, "missing required key 'timezone'"),
        (4, 5, "missing required key 'code'"),
    ]
    assert check("# nothing useful\nother: 1\n") == [
        (2, 1, "missing required key 'branch'"),
        (2, 1, "missing required key 'services'"),
        (2, 1, "unknown key 'other'"),
    ]


def test_unknown_keys_suggest_the_closest_known_one():
    assert check("branch: {code: L, timezone: A/B, timzone: C/D}\nservces: []\nservices: []\n") == [
        (1, 34, "unknown key 'timzone' (did you mean 'timezone'?)"),
        (2, 1, "unknown key 'servces' (did you mean 'services'?)"),
    ]
    assert check("branch: {code: L, timezone: A/B, colour: red}\nservices: []\n") == [(1, 34, "unknown key 'colour'")]


def test_suggestions_use_aliases():
    assert check("branch: {code: L, timezone: A/B}\nservices:\n  - {code: A, titel: X}\n") == [
        (3, 5, "missing required key 'title'"),
        (3, 15, "unknown key 'titel' (did you mean 'title'?)"),
    ]
    assert check("branch: {code: L, timezone: A/B}\nservices:\n  - {code: A, title: X, nmae: Y}\n") == [
        (3, 25, "unknown key 'nmae'"),
    ]


def test_suggestions_inside_dicts_and_discriminated_unions():
    text = (
        "branch: {code: L, timezone: A/B}\nservices: []\nextras:\n  open:\n    code: A\n    title: X\n"
        "    step: []\n    steps:\n      - {kind: form, id: a, fields: [x], feilds: []}\n"
    )
    assert check(text) == [
        (7, 5, "unknown key 'step' (did you mean 'steps'?)"),
        (9, 42, "unknown key 'feilds' (did you mean 'fields'?)"),
    ]


def test_type_errors_say_what_was_expected_and_what_was_written():
    text = """\
branch:
  code: [L]
  timezone: Europe/Lisbon
  is_open: maybe
  counters: abc
  hours: 8
  opened_on: 31/12/2024
services: text
"""
    assert check(text) == [
        (2, 9, "expected text, got a list"),
        (4, 12, "expected true or false, got 'maybe'"),
        (5, 13, "expected a whole number, got text 'abc'"),
        (6, 10, "expected a mapping, got 8"),
        (7, 14, "expected a date like 2025-01-31, got '31/12/2024'"),
        (8, 11, "expected a list, got text 'text'"),
    ]


def test_a_number_where_text_is_expected_asks_for_quotes():
    assert check("branch: {code: 1234, timezone: A/B}\nservices: []\n") == [
        (1, 16, "expected text, got 1234; put it in quotes to make it text"),
    ]
    assert check("branch: {code: true, timezone: A/B}\nservices: []\n")[0][2] == (
        "expected text, got true; put it in quotes to make it text"
    )


def test_an_empty_value_is_nothing():
    assert check("branch:\n  code:\n  timezone: A/B\nservices: []\n") == [(2, 8, "expected text, got nothing")]


def test_union_members_give_one_message():
    assert check("branch: {code: L, timezone: A/B}\nservices:\n  - {code: A, title: X, label: [1]}\n") == [
        (3, 32, "expected a whole number or text, got a list"),
    ]


def test_validator_messages_are_passed_through_without_pydantic_prefix():
    assert check("branch: {code: L, timezone: Mars}\nservices: []\n") == [
        (1, 29, "unknown timezone 'Mars' (use an IANA name such as Europe/Lisbon)"),
    ]


def test_literals_and_enums_list_the_choices():
    text = "branch: {code: L, timezone: A/B, mode: slwo, theme: purple}\nservices: []\n"
    assert check(text) == [
        (1, 40, "expected one of: fast, slow, steady; got 'slwo' (did you mean 'slow'?)"),
        (1, 53, "expected one of: blue, green; got 'purple'"),
    ]


def test_strict_models_get_the_same_messages():
    text = "branch: {code: 5, timezone: Mars, is_open: maybe, counters: '3', theme: purple}\n"
    doc, _ = read_yaml("config.yaml", text=text)
    assert doc is not None
    _, errors = validate(doc, StrictBranch, doc.data["branch"], ("branch",))
    assert [(e.col, e.message) for e in errors] == [
        (16, "expected text, got 5; put it in quotes to make it text"),
        (29, "unknown timezone 'Mars' (use an IANA name such as Europe/Lisbon)"),
        (44, "expected true or false, got 'maybe'"),
        (61, "expected a whole number, got text '3'"),
        (73, "expected one of: blue, green; got 'purple'"),
    ]


def test_constraints():
    text = (
        "branch: {code: L, timezone: A/B, counters: 0}\n"
        "services:\n  - {code: A, title: X, prefix: '', steps: [{kind: form, id: a, fields: []}]}\n"
        "  - {code: B, title: Y, prefix: ABC}\n"
    )
    assert check(text) == [
        (1, 44, "must be at least 1, got 0"),
        (3, 33, "must not be empty"),
        (3, 73, "must not be empty"),
        (4, 33, "must be at most 2 characters long"),
    ]


WORKFLOW = """\
branch: {code: L, timezone: A/B}
services:
  - code: A
    title: Accounts
    steps:
      - kind: from
        id: a
      - kind: questionnaire
        id: b
      - id: c
        fields: [x]
      - kind: review
        id: 7
        reviewer_role: [boss]
      - plain text
"""


def test_discriminated_unions_give_one_clear_message_per_problem():
    assert check(WORKFLOW) == [
        (6, 15, "unknown kind 'from' (did you mean 'form'?)"),
        (8, 15, "unknown kind 'questionnaire'; expected one of: form, review"),
        (10, 9, "missing required key 'kind'"),
        (13, 13, "expected text, got 7; put it in quotes to make it text"),
        (14, 24, "expected text, got a list"),
        (15, 9, "expected a mapping, got text 'plain text'"),
    ]


def test_base_locates_a_part_validated_on_its_own():
    doc, _ = read_yaml("config.yaml", text="branch:\n  code: L\nservices:\n  - {code: A, title: X, prefix: ABC}\n")
    assert doc is not None
    service, errors = validate(doc, Service, doc.data["services"][0], ("services", 0))
    assert service is None
    assert errors == [ConfigError("config.yaml", 4, 33, "must be at most 2 characters long")]
    _, errors = validate(doc, Branch, doc.data["branch"], ("branch",))
    assert errors == [ConfigError("config.yaml", 1, 1, "missing required key 'timezone'")]
    assert validate(doc, Service, base=("services", 0))[1] == [
        ConfigError("config.yaml", 4, 33, "must be at most 2 characters long"),
    ]


def test_data_defaults_to_the_value_at_base_even_when_that_is_empty():
    doc, _ = read_yaml("config.yaml", text="branch:\nservices: []\n")
    assert doc is not None
    assert validate(doc, Branch, base=("branch",))[1] == [ConfigError("config.yaml", 1, 8, "expected a mapping, got nothing")]
    assert validate(doc, Branch, None, ("branch",))[1] == validate(doc, Branch, base=("branch",))[1]


def test_a_spot_the_reader_reported_gets_no_second_message():
    text = "branch: {code: L, timezone: A/B, is_open: no, counters: 08:30}\non: 1\nservices: []\n"
    doc, read_errors = read_yaml("config.yaml", text=text)
    assert doc is not None
    assert [(e.line, e.col) for e in read_errors] == [(1, 43), (1, 57), (2, 1)]
    assert validate(doc, Config) == (None, [])


def test_errors_come_sorted_by_position():
    doc, _ = read_yaml("config.yaml", text=WORKFLOW + "zzz: 1\naaa: 2\n")
    assert doc is not None
    _, errors = validate(doc, Config)
    assert errors == sorted(errors) and len(errors) == 8


# --- never raises -----------------------------------------------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
TREES = st.recursive(
    SCALARS, lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
CONFIGISH = st.fixed_dictionaries(
    {},
    optional={
        "branch": st.dictionaries(st.sampled_from(["code", "timezone", "is_open", "counters", "mode", "hours", "x"]), TREES),
        "services": st.lists(
            st.dictionaries(st.sampled_from(["code", "title", "steps", "label", "prefix"]), TREES)
            | st.fixed_dictionaries({"steps": st.lists(st.dictionaries(st.sampled_from(["kind", "id", "fields"]), TREES))}),
            max_size=3,
        ),
        "extras": TREES,
    },
)


def assert_located(text: str, errors: list[ConfigError]) -> None:
    assert errors == sorted(errors)
    for error in errors:
        assert isinstance(error, ConfigError) and error.message
        assert 1 <= error.line <= text.count("\n") + 1 and error.col >= 1


def validate_text(text: str) -> list[ConfigError]:
    """validate's errors for text, checking that a failed validation is silent only where the reader spoke."""
    doc, read_errors = read_yaml("c.yaml", text=text)
    if doc is None:
        return []
    result, errors = validate(doc, Config)
    assert errors == [] if result is not None else (errors or read_errors)
    return errors


@settings(max_examples=200, deadline=None)
@given(TREES)
def test_any_dumped_structure_validates_to_errors_not_exceptions(tree: object):
    text = yaml.safe_dump({"root": tree})
    assert_located(text, validate_text(text))


@settings(max_examples=200, deadline=None)
@given(CONFIGISH)
def test_config_shaped_structures_validate_to_errors_not_exceptions(tree: dict):
    text = yaml.safe_dump(tree)
    assert_located(text, validate_text(text))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_read_and_validated_gives_errors_not_exceptions(text: str):
    assert_located(text, validate_text(text))


@pytest.mark.parametrize("model", [Config, Branch, Service, StrictBranch])
def test_every_demo_model_handles_an_empty_mapping(model: type[BaseModel]):
    doc, _ = read_yaml("c.yaml", text="{}\n")
    assert doc is not None
    _, errors = validate(doc, model)
    assert errors and all(e.message.startswith("missing required key") for e in errors)
