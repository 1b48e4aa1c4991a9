"""Reception identifies a walk-in client through the ranked customer search: what a greeter types
(the start of a name, a phone number or some of its digits, a national ID or its last digits, a
customer number), active customers only, IDs and phones masked exactly as masking.mask, roles as
for search."""
from __future__ import annotations

import random

import pytest

from deskapp.core.customers import directory as customers
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.directory import identify
from deskapp.core.customers.masking import mask
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.demo.branch import national_id
from deskapp.core.security.auth import Forbidden, Session

GREETER = Session("rita", "Rita Marques", "greeter")
BOSS = Session("sofia", "Sofia Almeida", "supervisor")
ROLES = {"greeter": GREETER, "teller": Session("ana", "Ana Costa", "teller"), "supervisor": BOSS,
         "manager": Session("pedro", "Pedro Nunes", "manager")}
_nids = random.Random(11)


def nif() -> str:
    """A valid national ID whose last digits are none of the phone digits typed below."""
    while True:
        value = national_id(_nids)
        if value[-4:] not in ("5678", "0958", "0001"):
            return value


def add(ctx, name: str, *phones: str, nid: str = "", number: str | None = None, active: bool = True) -> int:
    draft = CustomerDraft(name=name, national_id=nid, phones=list(phones), number=number, active=active)
    return customer_edit.create(ctx, BOSS, draft, force=True).id


def names(ctx, text: str, **kw) -> list[str]:
    return [m.name for m in identify(ctx, GREETER, text, **kw)]


def test_what_the_greeter_types_finds_the_customer(ctx):
    nid = nif()
    maria = add(ctx, "Maria Silva", "912 345 678", nid=nid)
    add(ctx, "Rui Sousa", "934 445 678")  # no national ID: still found by phone
    add(ctx, "Maria Antiga", "912 345 678", nid=nif(), active=False)
    number = customers.summary(ctx, maria).number

    assert names(ctx, "5678") == ["Maria Silva", "Rui Sousa"]  # digits of a phone, oldest first
    assert names(ctx, "912 345 678") == ["Maria Silva"]  # as people say it (the inactive one is not offered)
    assert names(ctx, "+351 912-345-678") == ["Maria Silva"]
    assert names(ctx, nid) == ["Maria Silva"]
    assert names(ctx, nid[-4:]) == ["Maria Silva"]  # national ID ending
    assert names(ctx, number) == ["Maria Silva"]
    assert names(ctx, "mar sil") == ["Maria Silva"]  # name prefixes, no typo
    assert names(ctx, "SILVA") == ["Maria Silva"]
    assert names(ctx, "Maria Antiga") == []  # inactive
    assert names(ctx, "sousa maria") == []


def test_ids_and_phones_are_masked_exactly_as_masking_mask(ctx):
    nid = nif()
    add(ctx, "José Müller", "912 345 678", "+44 20 7946 0958", nid=nid)
    add(ctx, "Ana Sem", "213 000 999")  # no national ID

    by_name = identify(ctx, GREETER, "jose mul")
    assert len(by_name) == 1
    assert by_name[0].national_id == mask(nid) == "•" * (len(nid) - 4) + nid[-4:]
    assert by_name[0].phone == mask("351912345678") == "••••••••5678"  # the first phone
    by_second_phone = identify(ctx, GREETER, "7946 0958")
    assert by_second_phone[0].phone == mask("442079460958")  # the phone holding what was typed
    assert identify(ctx, GREETER, "ana sem")[0].national_id is None
    for match in [*by_name, *by_second_phone]:
        assert nid not in repr(match) and "912345678" not in repr(match)


def test_exact_matches_come_first_short_or_odd_input_finds_nothing(ctx):
    add(ctx, "Zé Exact", number="00001234")
    add(ctx, "Ana Phone", "910 001 234")
    assert names(ctx, "123") == []
    assert names(ctx, "") == []
    assert names(ctx, "   ") == []
    assert names(ctx, "12%4") == []
    # The exact customer number first, then the phone that holds its digits.
    assert names(ctx, "00001234") == ["Zé Exact", "Ana Phone"]
    assert names(ctx, "1234") == ["Ana Phone"]  # the end of a number is not a customer number
    assert len(identify(ctx, GREETER, "1234", limit=1)) == 1


def test_inactive_customers_give_their_places_to_active_ones(ctx):
    for n in range(7):  # the oldest Marias, who would fill the first page, are inactive
        add(ctx, f"Maria Old{n}", active=False)
    add(ctx, "Maria Nova")
    add(ctx, "Maria Viva")
    assert names(ctx, "maria", limit=2) == ["Maria Nova", "Maria Viva"]
    assert names(ctx, "maria") == ["Maria Nova", "Maria Viva"]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_role_that_may_search_gets_the_search_order(ctx, role):
    for name in ("Maria Silva", "Mariana Silva", "Maria Santos", "Marta Silva"):
        add(ctx, name)
    add(ctx, "Maria Sil", active=False)
    session = ROLES[role]
    ranked = [s.id for s in customers.search(ctx, session, "mar sil") if s.active]
    assert [m.id for m in identify(ctx, session, "mar sil")] == ranked[:5]
    assert len(ranked) == 3


def test_a_role_that_may_not_search_is_refused_as_for_search(ctx):
    add(ctx, "Maria Silva")
    kiosk = Session("kiosk", "Kiosk", "kiosk")
    with pytest.raises(Forbidden):
        customers.search(ctx, kiosk, "maria")
    with pytest.raises(Forbidden):
        identify(ctx, kiosk, "maria")
