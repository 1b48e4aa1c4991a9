"""Workflow definitions in the configuration: every broken one is reported as FILE:LINE:COL: message.

Each file in tests/data/workflows/ (but config.yaml) is a workflow file with one kind of mistake; its
`# expect: LINE:COL: message` comments are exactly the problems check-config must report in it.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from deskapp.config.errors import ConfigError
from deskapp.config.load import check_config, load_config
from deskapp.config.workflow_checks import scalar_position
from deskapp.config.workflow_schema import STEP_KINDS, FormStep
from deskapp.config.yamlsafe import read_yaml
from tests.conftest import CONFIG, ROOT

DATA = ROOT / "tests" / "data" / "workflows"
BASE = DATA / "config.yaml"
CASES = sorted(p for p in DATA.glob("*.yaml") if p.name != "config.yaml")
_EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.*)$", re.M)


def expected(case: Path) -> list[ConfigError]:
    return sorted(ConfigError(str(case), int(line), int(col), message)
                  for line, col, message in _EXPECT.findall(case.read_text(encoding="utf-8")))


def check_with(*files: str, extra: str = ""):
    text = BASE.read_text(encoding="utf-8") + extra + (f"workflow_files: [{', '.join(files)}]\n" if files else "")
    return check_config(BASE, text=text)


def test_there_are_at_least_fifteen_broken_definitions():
    assert len(CASES) >= 15
    assert all(expected(case) for case in CASES), "every case says what it expects"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_each_broken_definition_is_located_exactly(case):
    config, errors = check_with(case.name)
    assert config is None
    assert errors == expected(case)


def test_the_base_configuration_is_valid_without_workflows():
    config, errors = check_with()
    assert errors == [] and config.workflows == {}


def test_the_shipped_workflows_load_and_every_service_has_one():
    config = load_config(CONFIG)
    assert set(config.workflows) == {"open_account", "cash", "card", "loan_enquiry", "complaint", "general_enquiry"}
    assert all(s.workflow in config.workflows for s in config.services)
    kinds = {step.kind for w in config.workflows.values() for step in w.steps}
    assert kinds == set(STEP_KINDS), "the demo workflows use every kind of step"


def test_a_service_naming_an_unknown_workflow_is_located_in_config_yaml():
    text = BASE.read_text(encoding="utf-8").replace("    prefix: A\n", "    prefix: A\n    workflow: csah\n")
    text += "workflows:\n  cash:\n    title: Cash\n    steps: [{id: s, title: Summary, kind: summary}]\n"
    config, errors = check_config(BASE, text=text)
    assert [str(e) for e in errors] == [f"{BASE}:11:15: service 'CASH' names unknown workflow 'csah' (did you mean 'cash'?)"]


def test_a_workflow_with_problems_still_counts_as_defined_for_services():
    text = BASE.read_text(encoding="utf-8").replace("    prefix: A\n", "    prefix: A\n    workflow: cash\n")
    config, errors = check_config(BASE, text=text + "workflow_files: [unknown_kind.yaml]\n")
    assert [e.message for e in errors] == ["unknown kind 'checklst' (did you mean 'checklist'?)"]


def test_inline_workflows_are_checked_in_config_yaml():
    extra = ("workflows:\n"
             "  cash:\n"
             "    title: Cash\n"
             "    steps:\n"
             "      - {id: s, title: Summary, kind: summary, when: amont > 1}\n")
    config, errors = check_with(extra=extra)
    assert [str(e) for e in errors] == [f"{BASE}:31:54: when: 'amont' is not a known name"]


def test_a_missing_workflow_file_is_located_at_its_entry():
    config, errors = check_with("bad_pattern.yaml", "nowhere.yaml")
    assert f"{BASE}:27:36: workflow file 'nowhere.yaml' not found (looked for {DATA / 'nowhere.yaml'})" in map(str, errors)


def test_a_workflow_defined_twice_is_reported_where_it_is_defined_again():
    extra = "workflows:\n  cash:\n    title: Cash\n    steps: [{id: s, title: Summary, kind: summary}]\n"
    config, errors = check_with("when_unknown_field.yaml", extra=extra)
    assert errors[0] == ConfigError(str(DATA / "when_unknown_field.yaml"), 3, 3,
                                    f"workflow 'cash' is already defined in {BASE} at line 28")


def test_check_config_prints_the_problems_of_a_workflow_file(tmp_path):
    (tmp_path / "config.yaml").write_text(BASE.read_text() + "workflow_files: [flows.yaml]\n")
    (tmp_path / "flows.yaml").write_text((DATA / "when_does_not_parse.yaml").read_text())
    result = subprocess.run([sys.executable, "-m", "deskapp", "check-config", "config.yaml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "flows.yaml:17:22: when: unexpected '='; did you mean '=='?"


@pytest.mark.parametrize("source, offset, position", [
    ("when: amount > 1\n", 9, (1, 16)),
    ('when: "a\\"b == 1"\n', 2, (1, 11)),  # the escape takes two characters in the file
    ("when: 'it''s == 1'\n", 3, (1, 12)),  # '' is one quote in the value
    ("when: |\n  first\n  second\n", 8, (3, 5)),
    ("when: first\n  second\n", 7, (2, 4)),  # a plain scalar over two lines
])
def test_positions_inside_scalars(source, offset, position):
    doc, _ = read_yaml("x.yaml", text=source)
    assert scalar_position(doc, ("when",), offset) == position


def test_every_form_field_name_of_the_shipped_workflows_is_unique_per_workflow():
    config = load_config(CONFIG)
    for workflow in config.workflows.values():
        names = [f.name for s in workflow.steps if isinstance(s, FormStep) for f in s.fields]
        assert len(names) == len(set(names))
