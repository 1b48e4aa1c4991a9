"""Finding 5 of issue 14: a form field of type id, or marked `sensitive: true`, is masked like a
customer's national ID wherever the workflow's state goes (recorded so far, the summary, the values
screens get, reports), and shown in full only through reveal_step_value: for customers.reveal_roles,
audited without the value. Both databases."""
from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest

from deskapp.config.load import check_config
from deskapp.config.workflow_schema import FormField, Workflow
from deskapp.core.customers.directory import session_for
from deskapp.core.customers.masking import mask
from deskapp.core.demo import branch as demo
from deskapp.core.security import audit
from deskapp.core.security.auth import Forbidden
from deskapp.core.stats import reports
from deskapp.core.workflows import guide as workflows
from deskapp.core.workflows.guide import WorkflowError
from deskapp.db.models import AuditEvent, StepRecord
from tests.unit.test_workflows import customer, ready, serve  # noqa: F401 - ready is a fixture

NIF = demo.national_id(random.Random(2))
WORKFLOWS = Path(__file__).parent.parent / "data" / "workflows"


def joint_account(ctx, monkeypatch) -> int:
    """An adult's joint account up to its summary, the second holder's NIF entered; the ticket id."""
    monkeypatch.setattr("deskapp.core.workflows.state.offers_for", lambda ctx, cid: [])
    adult = customer(ctx, "Marta Reis")
    ticket = serve(ctx, "ACCT", "4")
    workflows.start_or_resume(ctx, ticket, "ana")
    workflows.commit_step(ctx, ticket, "identify", {"customer_id": adult}, "ana")
    workflows.commit_step(ctx, ticket, "documents", {"ticked": [0, 1, 2]}, "ana")
    workflows.commit_step(ctx, ticket, "details", {"occupation": "Nurse", "monthly_income": "1800",
                                                   "account_type": "joint", "online_banking": False}, "ana")
    state = workflows.commit_step(ctx, ticket, "second_holder", {"second_holder_name": "Rui Reis",
                                                                 "second_holder_id": NIF}, "ana")
    assert state.current.id == "needs"
    return ticket


def test_the_second_holders_nif_is_masked_in_what_the_teller_sees(ready, monkeypatch):  # noqa: F811
    ticket = joint_account(ready, monkeypatch)
    state = workflows.commit_step(ready, ticket, "needs", {"needs": []}, "ana")
    assert state.current.id == "summary"
    shown = mask(NIF)
    assert shown == "•" * (len(NIF) - 4) + NIF[-4:]
    second = next(s for s in state.steps if s.id == "second_holder")
    assert second.values == {"second_holder_name": "Rui Reis", "second_holder_id": shown}
    assert state.values["second_holder_id"] == shown and state.values["second_holder_name"] == "Rui Reis"
    assert f"Second holder: Second holder's full name: Rui Reis; Second holder's NIF: {shown}" in state.recap()
    assert NIF not in repr(state) and NIF not in repr(workflows.state(ready, ticket))
    # Stored as entered: the mask is only in what is shown.
    record = StepRecord.get((StepRecord.ticket == ticket) & (StepRecord.step_id == "second_holder"))
    assert NIF in record.values


def test_only_the_reveal_roles_see_it_in_full_and_the_reveal_is_audited(ready, monkeypatch):  # noqa: F811
    ticket = joint_account(ready, monkeypatch)
    with pytest.raises(Forbidden, match="^Only a supervisor or a manager may reveal sensitive values; Ana Costa is a teller"):
        workflows.reveal_step_value(ready, session_for("ana"), ticket, "second_holder", "second_holder_id")
    assert workflows.reveal_step_value(ready, session_for("sofia"), ticket, "second_holder",
                                       "second_holder_id") == NIF
    assert workflows.reveal_step_value(ready, session_for("pedro"), ticket, "second_holder",
                                       "second_holder_id") == NIF
    with pytest.raises(WorkflowError, match="no sensitive field 'second_holder_name'"):
        workflows.reveal_step_value(ready, session_for("sofia"), ticket, "second_holder", "second_holder_name")
    reveals = [(e.staff, e.action, e.detail) for e in audit.entries(entity="ticket") if e.action == "step_reveal"]
    assert sorted(reveals) == [
        ("pedro", "step_reveal", "workflow=open_account step=second_holder field=second_holder_id"),
        ("sofia", "step_reveal", "workflow=open_account step=second_holder field=second_holder_id"),
    ]
    assert not any(NIF in f"{e.detail} {e.entity_id}" for e in AuditEvent.select())
    state = workflows.state(ready, ticket)
    revealed = state.recap({("second_holder", "second_holder_id"): NIF})
    assert any(f"Second holder's NIF: {NIF}" in line for line in revealed)


def test_reports_and_step_statistics_never_carry_the_value(ready, monkeypatch, tmp_path):  # noqa: F811
    ticket = joint_account(ready, monkeypatch)
    workflows.commit_step(ready, ticket, "needs", {"needs": []}, "ana")
    workflows.commit_step(ready, ticket, "summary", {}, "ana")
    today = ready.today()
    report = reports.build(ready, today, today)
    steps = next(t for t in report.tables if t.name == "steps")
    assert ("open_account", "second_holder") in {(r[0], r[1]) for r in steps.rows}
    cells = [str(v) for t in report.tables for row in t.rows for v in row]
    assert not any(NIF in c or NIF[-4:] in c for c in cells if len(c) >= 4 and not c.replace(".", "").isdigit())
    reports.write(report, tmp_path / "r.csv", "csv")
    assert not any(NIF in p.read_text(encoding="utf-8") for p in tmp_path.glob("r_*.csv"))
    reports.write(report, tmp_path / "r.xlsx", "xlsx")
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert not any(NIF in str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)


def test_a_field_marked_sensitive_is_masked_too(ready):  # noqa: F811
    cash = Workflow.model_validate({"title": "Cash", "steps": [
        {"id": "transfer", "title": "Transfer", "kind": "form", "fields": [
            {"name": "iban", "label": "IBAN", "type": "text", "sensitive": True},
            {"name": "note", "label": "Note", "type": "text"}]},
        {"id": "summary", "title": "Summary", "kind": "summary"}]})
    ready.config = ready.config.model_copy(update={"workflows": {**ready.config.workflows, "cash": cash}})
    ticket = serve(ready, "CASH", "1")
    workflows.start_or_resume(ready, ticket, "ana")
    iban = "PT50000201231234567890154"
    with pytest.raises(WorkflowError, match="not recorded yet"):
        workflows.reveal_step_value(ready, session_for("sofia"), ticket, "transfer", "iban")
    state = workflows.commit_step(ready, ticket, "transfer", {"iban": iban, "note": "rent"}, "ana")
    assert state.recap() == [f"Transfer: IBAN: {mask(iban)}; Note: rent"]
    assert iban not in repr(state)
    assert workflows.reveal_step_value(ready, session_for("sofia"), ticket, "transfer", "iban") == iban


def test_sensitive_is_a_documented_boolean_in_the_workflow_schema():
    assert "masked like a national ID" in FormField.model_fields["sensitive"].description
    assert FormField(name="nif", label="NIF", type="id").masked
    assert FormField(name="iban", label="IBAN", sensitive=True).masked
    assert not FormField(name="note", label="Note").masked
    base = WORKFLOWS / "config.yaml"
    case = (WORKFLOWS / "sensitive_not_boolean.yaml").read_text(encoding="utf-8")
    for given, problem in [("true", None), ("false", None), ('"true"', "expected true or false, got 'true'"),
                           ("1", "expected true or false, got 1")]:
        text = case.replace("sensitive: maybe", f"sensitive: {given}")
        inline = base.read_text(encoding="utf-8") + "\n".join(text.splitlines()[1:]) + "\n"
        config, errors = check_config(base, text=inline)
        assert [e.message for e in errors] == ([problem] if problem else []), given
        assert (config is None) == bool(problem)
        if problem:
            assert (errors[0].line, errors[0].col) == (len(base.read_text(encoding="utf-8").splitlines()) + 12, 24)

