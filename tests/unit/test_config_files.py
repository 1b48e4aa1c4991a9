"""Broken configuration files: each problem reported at its exact line and column, in plain words.

Every file in tests/data/config is a small valid branch with one defect (or two that belong
together). The expected messages were read and judged by a person before being written here.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deskapp.config.errors import ConfigError
from deskapp.config.load import check_config
from tests.conftest import CONFIG

DATA = Path(__file__).resolve().parent.parent / "data" / "config"

EXPECTED = [
    ('01_unknown_top_key.yaml', ["20:1: unknown key 'servces' (did you mean 'services'?)"]),
    ('02_unknown_nested_key.yaml', ["4:3: unknown key 'timezon' (did you mean 'timezone'?)"]),
    ('03_duplicate_key.yaml', ["4:3: duplicate key 'name' (first at line 3)"]),
    ('04_wrong_type_int.yaml', ["21:17: expected a whole number, got text 'three'"]),
    ('05_unquoted_time.yaml', ['6:11: ambiguous value \'08:30\': write times in quotes, e.g. "08:30"']),
    ('06_norway_no.yaml', ['19:11: ambiguous value \'NO\': older YAML reads it as a boolean; write true or false, or quote it ("NO") if you mean text']),
    ('07_on_boolean.yaml', ['21:21: ambiguous value \'on\': older YAML reads it as a boolean; write true or false, or quote it ("on") if you mean text']),
    ('08_python_tag.yaml', ['21:8: YAML tags are not allowed (!!python/object/apply:os.system); remove it']),
    ('09_unknown_service_ref.yaml', ["15:28: counter '1' names unknown service 'CAHS' (did you mean 'CASH'?)"]),
    ('10_unknown_timezone.yaml', ["4:13: unknown timezone 'Europe/Lisbn' (use an IANA name such as Europe/Lisbon)"]),
    ('11_bad_role.yaml', ["19:11: expected one of: greeter, teller, supervisor, manager, area_manager; got 'cashier'"]),
    ('12_missing_required.yaml', ["1:1: missing required key 'name'"]),
    ('13_duplicate_service_code.yaml', ["9:11: service code 'CASH' is used twice (first at line 6)", "15:22: counter '1' names unknown service 'INFO'"]),
    ('14_duplicate_prefix.yaml', ["11:13: ticket prefix 'A' is used twice (first at line 8)"]),
    ('15_bad_prefix.yaml', ["11:13: ticket prefix must be one or two capital letters, got 'e1'"]),
    ('16_service_without_counter.yaml', ["9:11: service 'INFO' is served by no counter"]),
    ('17_duplicate_login.yaml', ["20:12: login 'ana' is used twice (first at line 17)"]),
    ('18_bad_login.yaml', ["17:12: login 'Ana Costa' must be 2-32 lower-case letters, digits, '.', '_' or '-', starting with a letter"]),
    ('19_octal_number.yaml', ['21:21: ambiguous value \'0030\': older YAML reads a leading zero as an octal number; write 30, or quote it ("0030") if you mean text']),
    ('20_alias.yaml', ['18:15: aliases (*s) are not supported; repeat the value']),
    ('21_list_not_mapping.yaml', ["17:5: expected a mapping, got text 'ana'"]),
    ('22_empty_file.yaml', ['1:1: the file is empty']),
    ('23_comments_only.yaml', ['1:1: the file is empty']),
    ('24_top_level_list.yaml', ['1:1: the file must be a mapping of keys to values (key: value), not a list']),
    ('25_syntax_error.yaml', ["9:9: expected ',' or ']', but got ':' (while parsing a flow sequence at line 8)"]),
    ('26_out_of_range.yaml', ['21:19: must be at least 4, got 2']),
    ('27_bad_database_url.yaml', ["21:8: database url must start with sqlite:/// or postgresql://, got 'mysql://db/deskapp'"]),
    ('28_closing_before_opening.yaml', ['7:12: closing time 09:00 is not after opening time 16:00']),
    ('29_deep_nesting.yaml', ['20:39: nested more than 32 levels deep; flatten this part']),
    ('30_counter_lists_twice.yaml', ["15:28: counter '1' lists service 'CASH' twice"]),
    ('31_not_utf8.yaml', ['18:21: not valid UTF-8 (byte 0xff); save the file as UTF-8']),
    ('50_offer_unknown_product.yaml', ["21:16: unknown product type 'credit_cards' (did you mean 'credit_card'?)"]),
    ('51_offer_holds_unknown_product.yaml', ["22:37: when: 'credit_crad' is not in customers.product_types (did you mean 'credit_card'?)"]),
    ('52_offer_unknown_name.yaml', ["22:28: when: 'segmnt' is not a known name; did you mean 'segment'?"]),
    ('53_offer_duplicate_and_not_bool.yaml', ["25:13: offer code 'card' is used twice (first at line 19)", '29:13: when: the expression must give true/false, got a number']),
    ('54_offer_no_need_category.yaml', ['19:7: on_accept: need needs a need_category (one of customers.need_categories)']),
    ('55_offer_bad_kind.yaml', ["23:13: expected one of: marketing, service; got 'marketng' (did you mean 'marketing'?)"]),
    ('56_segment_priority_unknown.yaml', ["25:14: customers.segment_priority maps 'premier' to unknown priority class 'priorty' (did you mean 'priority'?)", "26:5: customers.segment_priority names unknown segment 'premium' (did you mean 'premier'?)"]),
]


def test_every_broken_file_is_listed():
    assert sorted(p.name for p in DATA.glob("*.yaml")) == [name for name, _ in EXPECTED]
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("name, messages", EXPECTED, ids=[name for name, _ in EXPECTED])
def test_broken_file_is_reported_where_the_problem_is(name, messages):
    config, errors = check_config(DATA / name)
    assert config is None
    assert [f"{e.line}:{e.col}: {e.message}" for e in errors] == messages
    assert all(e.file.endswith(name) for e in errors)


def test_the_shipped_config_is_valid():
    config, errors = check_config(CONFIG)
    assert errors == [] and config is not None


def test_check_config_command_prints_every_problem_and_exits_2():
    path = DATA / "13_duplicate_service_code.yaml"
    result = subprocess.run([sys.executable, "-m", "deskapp", "check-config", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}:9:11: service code 'CASH' is used twice (first at line 6)"
    assert lines[1] == f"{path}:15:22: counter '1' names unknown service 'INFO'"
    assert lines[2] == f"2 problems in {path}"
    assert "Traceback" not in result.stderr


def test_check_config_command_summarises_a_good_file():
    result = subprocess.run([sys.executable, "-m", "deskapp", "check-config", str(CONFIG)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith(f"{CONFIG}: OK: 3 branches (LIS01, POR01, BRG01),")


def test_every_command_refuses_a_bad_config_with_the_same_messages(tmp_path):
    path = DATA / "10_unknown_timezone.yaml"
    result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(path), "--db",
                             f"sqlite:///{tmp_path / 'x.db'}", "queue", "status"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{path}:4:13: unknown timezone 'Europe/Lisbn' (use an IANA name such as Europe/Lisbon)"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gives_a_config_or_located_errors(text):
    config, errors = check_config("fuzz.yaml", text=text)
    assert (config is None) == bool(errors)
    assert all(isinstance(e, ConfigError) and e.line >= 1 and e.col >= 1 for e in errors)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
_keys = st.sampled_from(["branch", "services", "counters", "staff", "code", "name", "prefix", "timezone",
                         "queue", "security", "role", "login", "x"])
_trees = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_keys, inner, max_size=5)), max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, _trees, max_size=6))
def test_any_yaml_structure_gives_a_config_or_located_errors(tree):
    import yaml

    config, errors = check_config("fuzz.yaml", text=yaml.safe_dump(tree, allow_unicode=True))
    assert (config is None) == bool(errors)
    assert all(isinstance(e, ConfigError) for e in errors)


def test_a_configuration_over_5_mb_is_refused_at_once(tmp_path):
    """A 6 MB file of comments (a 59 MB one was still loading after 120 s) is refused before it is
    read, by check-config and by every other command, with exit code 2; a workflow file too."""
    import time

    from deskapp.config.errors import ConfigInvalid
    from deskapp.config.load import load_config
    from deskapp.config.yamlsafe import MAX_BYTES

    big = tmp_path / "big.yaml"
    big.write_text("# a comment line\n" * (6 * 1024 * 1024 // 17 + 1))
    started = time.monotonic()
    config, errors = check_config(big)
    assert config is None and [str(e) for e in errors] == [
        f"{big}:1:1: the file is 6.0 MB, more than the 5 MB a configuration may have; is it the right file?"]
    assert time.monotonic() - started < 1
    with pytest.raises(ConfigInvalid, match="more than the 5 MB"):
        load_config(big)
    _, errors = check_config("piped.yaml", text=b"#" * (MAX_BYTES + 1))  # text given, size unknown beforehand
    assert [e.message for e in errors] == ["the file is more than the 5 MB a configuration may have; "
                                           "is it the right file?"]
    for args in (["check-config"], ["queue", "status"]):
        result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(big), *args],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert result.returncode == 2 and "more than the 5 MB" in result.stdout + result.stderr
        assert "Traceback" not in result.stderr

    # A workflow file the configuration names is held to the same limit.
    config_text = CONFIG.read_text()
    assert "workflow_files: [workflows.yaml]" in config_text
    (tmp_path / "config.yaml").write_text(config_text.replace("[workflows.yaml]", "[workflows.yaml, huge.yaml]"))
    (tmp_path / "workflows.yaml").write_text((CONFIG.parent / "workflows.yaml").read_text())
    (tmp_path / "huge.yaml").write_text("# x\n" * (MAX_BYTES // 4 + 1))
    _, errors = check_config(tmp_path / "config.yaml")
    assert any("huge.yaml" in str(e) and "more than the 5 MB" in str(e) for e in errors), errors
