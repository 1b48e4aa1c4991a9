"""Core's messages speak the language in effect when they are made (a staff member's, --lang, a customer's):
a refused role action, a customer field's problem, a typed value refused, a screen refused, a follow-up's
source. Portuguese inside `i18n.use("pt")`, English outside it, from the same call."""
from __future__ import annotations

import pytest

from deskapp import i18n
from deskapp.core import fields
from deskapp.core.customers import duplicates, followups
from deskapp.core.customers.rules import CustomerDraft, CustomerInvalid, check
from deskapp.core.security import auth, permissions
from deskapp.core.security.auth import Forbidden, Session
from tests.conftest import T0

TODAY = T0.date()


def test_a_refused_role_action_reads_portuguese_and_english_outside(ctx):
    with i18n.use("pt"), pytest.raises(Forbidden) as caught:
        permissions.require("ana", "queue.move")
    assert str(caught.value) == "Só um supervisor pode mover uma senha em espera; Ana Costa é um operador."
    with i18n.use("pt"), pytest.raises(Forbidden) as caught:
        permissions.require("pedro", "queue.serve")
    assert str(caught.value) == ("Só um operador ou um supervisor pode atender num balcão; "
                                 "Pedro Nunes é um gestor de cliente.")
    with pytest.raises(Forbidden) as caught:
        permissions.require("ana", "queue.move")
    assert str(caught.value) == "Only a supervisor may move a waiting ticket; Ana Costa is a teller."


def test_a_customer_field_s_problem_reads_portuguese_and_english_outside(config):
    draft = CustomerDraft(name="", national_id="123456780", birth_date="2999-01-01", email="x")
    with i18n.use("pt"), pytest.raises(CustomerInvalid) as caught:
        check(config, TODAY, draft, new=True)
    problems = caught.value.problems
    assert problems["name"] == "um cliente precisa de um nome"
    assert problems["birth_date"] == "a data de nascimento não pode estar no futuro"
    assert problems["email"] == "'x' não é um endereço de e-mail como nome@exemplo.pt"
    assert problems["national_id"] == "este NIF tem um dígito de controlo errado; verifique se foi escrito corretamente"
    assert "nome: um cliente precisa de um nome" in str(caught.value)
    assert "data de nascimento: a data de nascimento não pode estar no futuro" in str(caught.value)
    with pytest.raises(CustomerInvalid) as caught:
        check(config, TODAY, draft, new=True)
    assert caught.value.problems["name"] == "a customer needs a name"
    assert "birth date: a birth date cannot be in the future" in str(caught.value)


def test_a_typed_value_is_refused_in_the_language_in_effect():
    comma = fields.Formats("DMY", ",")
    with i18n.use("pt"):
        with pytest.raises(ValueError, match=r"^um montante não pode ser negativo$"):
            fields.parse_money("-5", comma)
        with pytest.raises(ValueError, match=r"^um montante como 1250 ou 1\.250,50$"):
            fields.parse_money("abc", comma)
        with pytest.raises(ValueError, match=r"^esse dia não existe; escreva-o como 31/12/1980 ou 1980-12-31$"):
            fields.parse_date("31/02/2026", comma)
        kept, said = fields.typable("money", "12a5", comma)
        assert kept == "" and said.startswith("'a' recusado: o texto colado não pode fazer parte de um montante")
    with pytest.raises(ValueError, match=r"^an amount cannot be negative$"):
        fields.parse_money("-5", comma)


def test_a_screen_refused_names_the_role_and_screen_in_portuguese():
    manager = Session("pedro", "Pedro Nunes", "manager")
    with i18n.use("pt"), pytest.raises(Forbidden) as caught:
        auth.authorize(manager, "audit")
    assert str(caught.value) == "Pedro Nunes (gestor de cliente) não pode abrir Auditoria"
    with pytest.raises(Forbidden) as caught:
        auth.authorize(manager, "audit")
    assert str(caught.value) == "Pedro Nunes (manager) may not open Audit"
    with i18n.use("pt"):
        assert auth.pin_problem("1234", 4) == "um PIN não pode ser uma sequência de dígitos como 1234"
        assert auth.screen_title("desk") == "Fila"


def test_labels_kept_as_codes_are_shown_in_the_language_in_effect():
    with i18n.use("pt"):
        assert followups.source_label("feedback") == "Opinião negativa"
        assert duplicates.reason_text("same phone") == "mesmo telefone"
    assert followups.source_label("feedback") == "Poor feedback"
    assert duplicates.reason_text("same phone") == "same phone"  # the code is the English words
