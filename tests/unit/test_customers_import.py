"""`deskapp customers import/export/search` as an operator runs them: bad rows reported by their
number in the file, good rows imported, a second import changing nothing, exports audited."""
from __future__ import annotations

import csv
import json
import random

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.security import auth
from deskapp.core.security.auth import Session
from deskapp.db import database
from deskapp.db.models import AuditEvent, Customer, CustomerPhone
from tests.conftest import CONFIG

_rng = random.Random(5)
N = [national_id(_rng) for _ in range(6)]
BOSS = Session("sofia", "Sofia Almeida", "supervisor")

FILE = f"""\
Name,National_ID,birth_date,phone,phones,email,segment,marketing_consent,manager,kyc_review_due,id_doc_type,id_doc_expiry
Ana Teste,{N[0]},1980-01-01,912 111 222,,ana@example.com,mass,yes,pedro,2027-01-01,id_card,2030-05-05
,{N[1]},1980-01-01,,,,,,,,,
Bad Id,123456780,1980-01-01,,,,,,,,,
Bad Date,{N[2]},1980-13-01,,,,,,,,,
Again Ana,{N[0]},1981-01-01,,,,,,,,,
"Rui
Multiline",{N[3]},1970-05-05,,+44 20 7946 0958;00351 213 000 000,,premier,no,,,,
Existing Person Updated,{N[4]},1960-02-02,,,,affluent,,,,,
Nobody Key,,1960-02-02,,,,,,,,,
"""


def run(db_url, *args, input=None):
    result = CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, *args], catch_exceptions=False,
                                input=input)
    return result


def snapshot():
    customers = sorted(Customer.select().tuples())
    phones = sorted(CustomerPhone.select(CustomerPhone.customer, CustomerPhone.digits).tuples())
    return customers, phones


@pytest.fixture
def existing(ctx):
    return customer_edit.create(ctx, BOSS, CustomerDraft(name="Existing Person", national_id=N[4], phones=["961 000 000"]))


def test_import_reports_bad_rows_imports_good_ones_and_is_idempotent(ctx, db_url, tmp_path, existing):
    path = tmp_path / "clients.csv"
    path.write_text(FILE, encoding="utf-8")
    result = run(db_url, "customers", "import", str(path))
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert errors == [
        f"{path}:3: name: a customer needs a name",
        f"{path}:4: national_id: this NIF has a wrong check digit; check it was typed correctly",
        f"{path}:5: birth_date: '1980-13-01' is not a date: there is no such day; write it as 31/12/1980 or 1980-12-31",
        f"{path}:6: national_id: the same as on row 2 of this file",
        f"{path}:10: national_id: needed (or a number) to know whether the customer is on file",
    ]
    assert "8 rows: 2 created, 1 updated, 0 unchanged, 5 with errors" in result.stdout
    ana = Customer.get(Customer.national_id == N[0])
    assert (ana.name, ana.name_folded, ana.segment, ana.marketing_consent, ana.manager.login) == \
        ("Ana Teste", "ana teste", "mass", True, "pedro")
    assert str(ana.id_doc_expiry) == "2030-05-05" and ana.consent_source == "import"
    rui = Customer.get(Customer.national_id == N[3])
    assert rui.name == "Rui Multiline"
    assert sorted(p.digits for p in rui.phones) == ["351213000000", "442079460958"]
    updated = Customer.get_by_id(existing.id)
    assert (updated.name, updated.segment) == ("Existing Person Updated", "affluent")
    assert [p.digits for p in updated.phones] == ["351961000000"]  # empty cells change nothing
    assert Customer.select().where(Customer.national_id == N[2]).count() == 0

    before = snapshot()
    again = run(db_url, "customers", "import", str(path))
    assert again.exit_code == 2
    assert "8 rows: 0 created, 0 updated, 3 unchanged, 5 with errors" in again.stdout
    assert snapshot() == before

    found = json.loads(run(db_url, "customers", "search", "ana test", "--json").stdout)
    assert [(c["name"], c["national_id"]) for c in found] == [("Ana Teste", "•••••" + N[0][-4:])]
    imports = AuditEvent.select().where(AuditEvent.action == "customer_import").count()
    assert imports == 2


def test_dry_run_changes_nothing(ctx, db_url, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(FILE, encoding="utf-8")
    before = snapshot()
    result = run(db_url, "customers", "import", str(path), "--dry-run", "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert (data["created"], data["bad_rows"], data["dry_run"]) == (3, 5, True)
    assert snapshot() == before


def test_a_clean_file_exits_zero_and_a_broken_file_is_explained(ctx, db_url, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(f"name,national_id\nZé Bonito,{N[5]}\n", encoding="utf-8")
    assert run(db_url, "customers", "import", str(path)).exit_code == 0
    nameless = tmp_path / "nameless.csv"
    nameless.write_text("nome,nif\nZé,1\n", encoding="utf-8")
    result = run(db_url, "customers", "import", str(nameless))
    assert result.exit_code == 2 and "no 'name' column" in result.stderr and "Traceback" not in result.output
    missing = run(db_url, "customers", "import", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_export_is_masked_unless_revealed_by_an_allowed_role_and_audited(ctx, db_url, tmp_path, existing):
    out = tmp_path / "out.csv"
    refused = run(db_url, "customers", "export", "--out", str(out), "--staff", "ana")
    assert refused.exit_code == 1 and refused.stderr == (
        "deskapp: Only a supervisor or a manager may export customers; Ana Costa is a teller.\n")
    assert run(db_url, "customers", "export", "--out", str(out), "--staff", "pedro").exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["name"], r["national_id"], r["phones"]) for r in rows] == \
        [("Existing Person", "•••••" + N[4][-4:], "'+351961000000")]  # behind the formula guard
    auth.set_pin(ctx, "pedro", "1357")
    # Revealing acts in pedro's name: his PIN, or nothing.
    wrong = run(db_url, "customers", "export", "--out", str(out), "--staff", "pedro", "--reveal", "--pin-stdin",
                input="9753\n")
    assert wrong.exit_code == 1 and wrong.stderr == "deskapp: Wrong login or PIN.\n"
    assert run(db_url, "customers", "export", "--out", str(out), "--staff", "pedro", "--reveal", "--pin-stdin",
               input="1357\n").exit_code == 0
    assert next(csv.DictReader(out.open(encoding="utf-8")))["national_id"] == N[4]
    database.connect(db_url)
    exports = [(e.staff, e.detail) for e in AuditEvent.select().where(AuditEvent.action == "customer_export")
               .order_by(AuditEvent.id)]
    assert exports == [("pedro", "rows=1 revealed=no"), ("pedro", "rows=1 revealed=yes")]
    assert not any(N[4] in f"{e.detail} {e.entity_id}" for e in AuditEvent.select())


def test_import_speed_path_handles_many_rows_in_batches(ctx, db_url, tmp_path):
    rng = random.Random(3)
    path = tmp_path / "many.csv"
    seen = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "national_id", "phone"])
        while len(seen) < 2500:
            nid = national_id(rng)
            if nid not in seen:
                seen.add(nid)
                writer.writerow([f"Cliente {len(seen)}", nid, f"9{rng.choice('1236')}{rng.randrange(10**6, 10**7)}"])
    result = run(db_url, "customers", "import", str(path))
    assert result.exit_code == 0, result.output
    database.connect(db_url)
    assert Customer.select().count() == 2500
    numbers = [n for (n,) in Customer.select(Customer.number).tuples()]
    assert len(set(numbers)) == 2500
    assert run(db_url, "customers", "import", str(path)).stdout.strip().endswith(
        "2500 rows: 0 created, 0 updated, 2500 unchanged, 0 with errors")
