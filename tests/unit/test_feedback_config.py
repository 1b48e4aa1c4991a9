"""The feedback section of config.yaml: defaults, and every mistake located at its line and column."""
from __future__ import annotations

import textwrap

from deskapp.config.load import check_config, load_config
from tests.conftest import CONFIG

BASE = textwrap.dedent(
    """\
    branch: {code: T01, name: Test}
    services:
      - {code: CASH, name: Cash, prefix: A}
    counters:
      - {code: "1", name: Counter 1, services: [CASH]}
    staff:
      - {login: ana, name: Ana, role: teller}
      - {login: sofia, name: Sofia, role: supervisor}
    """
)


def check(feedback: str):
    return check_config("test.yaml", text=BASE + textwrap.dedent(feedback))


def messages(errors) -> list[str]:
    return [str(e) for e in errors]


def test_the_shipped_configuration_has_a_complete_feedback_section():
    feedback = load_config(CONFIG).feedback
    assert feedback.timeout_seconds == 90
    assert feedback.questions.asked() == ["csat", "nps"]
    assert feedback.questions.comment.ask
    assert {t.tag for t in feedback.tags} >= {"waiting_time", "attitude", "complaint", "praise"}
    assert [t.when.tag or "" for t in feedback.triggers][0] == "complaint"


def test_without_a_feedback_section_english_questions_and_two_triggers_apply():
    config, errors = check_config("test.yaml", text=BASE)
    assert errors == []
    feedback = config.feedback
    assert feedback.questions.csat.text.startswith("How satisfied")
    assert feedback.questions.asked() == ["csat", "nps"]
    assert [(t.when.csat_max, t.when.nps_max, t.assign) for t in feedback.triggers] == [
        (2, None, "supervisor_on_duty"), (None, 6, "relationship_manager")]


def test_texts_in_the_branch_language():
    config, errors = check(
        """\
        feedback:
          questions:
            csat: {text: "Qual o seu grau de satisfação com o atendimento?", low: Nada satisfeito, high: Muito satisfeito}
            ces: {ask: true, text: "Quanto esforço lhe custou?"}
          texts: {send: Enviar, skip: Saltar, thanks: Obrigado!}
        """
    )
    assert errors == []
    assert config.feedback.questions.csat.text.startswith("Qual")
    assert config.feedback.questions.asked() == ["csat", "nps", "ces"]
    assert config.feedback.texts.thanks == "Obrigado!"


def test_mistakes_inside_the_section_are_located():
    _, errors = check(
        """\
        feedback:
          timeout_seconds: 0
          questions:
            csat: {ask: maybe}
          tags:
            - tag: Waiting Time
              keywords: []
          triggers:
            - when: {}
              reason: nothing
            - when: {nps_max: 11}
              reason: too high
            - when: {csat_max: 2}
              assign: supervisor_on_duty
              reasn: typo
        """
    )
    assert messages(errors) == [
        "test.yaml:10:20: must be at least 1, got 0",
        "test.yaml:12:17: expected true or false, got 'maybe'",
        "test.yaml:14:12: tag 'Waiting Time' must be 1-32 lower-case letters, digits or '_', starting with a letter",
        "test.yaml:15:17: must not be empty",
        "test.yaml:17:13: a trigger needs a condition: nps_max, csat_max, ces_min or tag",
        "test.yaml:19:23: must be at most 10, got 11",
        "test.yaml:21:7: missing required key 'reason'",
        "test.yaml:23:7: unknown key 'reasn' (did you mean 'reason'?)",
    ]


def test_cross_references_are_located_with_suggestions():
    _, errors = check(
        """\
        feedback:
          tags:
            - {tag: complaint, keywords: [complaint]}
            - {tag: complaint, keywords: [reclamação]}
          triggers:
            - when: {tag: complaints}
              assign: relationship_managr
              reason: typo in tag and assign
            - when: {ces_min: 6}
              assign: sofia
              reason: effort is not asked
            - when: {csat_max: 1}
              assign: nobody
              reason: unknown login
        """
    )
    assert messages(errors) == [
        "test.yaml:12:13: tag 'complaint' is defined twice (first at line 11)",
        "test.yaml:14:19: trigger names unknown tag 'complaints' (did you mean 'complaint'?)",
        "test.yaml:15:15: assign 'relationship_managr' is neither relationship_manager nor supervisor_on_duty "
        "nor a staff login (did you mean 'relationship_manager'?)",
        "test.yaml:17:23: ces_min can never match: feedback.questions.ces is not asked (set ask: true)",
        "test.yaml:21:15: assign 'nobody' is neither relationship_manager nor supervisor_on_duty nor a staff login",
    ]


def test_a_keyword_star_only_ends_a_keyword_and_something_must_be_asked():
    _, errors = check(
        """\
        feedback:
          questions:
            csat: {ask: false}
            nps: {ask: false}
          tags:
            - {tag: waiting_time, keywords: ["wa*it", "!!"]}
        """
    )
    assert messages(errors) == [
        "test.yaml:11:5: ask at least one of csat, nps or ces; otherwise there is nothing to rate",
        "test.yaml:14:37: keyword 'wa*it': '*' may only end a keyword, once",
    ]
