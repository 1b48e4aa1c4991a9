"""Reception's quick customer lookup: phone digits, national ID, customer number; masked results."""
from __future__ import annotations

from deskapp.core.customers.lookup import find_customers
from deskapp.db.models import Customer, CustomerPhone
from tests.conftest import T0


def customer(number: str, name: str, national_id: str | None, *phones: str, active: bool = True) -> Customer:
    row = Customer.create(number=number, name=name, national_id=national_id, active=active, created_at=T0)
    for digits in phones:
        CustomerPhone.create(customer=row, digits=digits)
    return row


def test_phone_digits_national_id_and_number_find_the_customer(ctx):
    maria = customer("00000042", "Maria Silva", "123456789", "351912345678")
    customer("00000043", "Rui Sousa", None, "351934445678")  # no national ID: still found by phone
    customer("00000044", "Old Account", "987654321", "351912345678", active=False)

    by_phone = find_customers(ctx, "5678")
    assert [m.name for m in by_phone] == ["Maria Silva", "Rui Sousa"]
    assert by_phone[0].phone_tail == "•••5678" and by_phone[0].national_id_tail == "•••789"
    assert by_phone[1].national_id_tail is None
    assert [m.id for m in find_customers(ctx, "912 345")] == [maria.id]  # spaces as people type them
    assert [m.id for m in find_customers(ctx, "123456789")] == [maria.id]
    assert [m.id for m in find_customers(ctx, "6789")] == [maria.id]  # national ID ending
    assert [m.id for m in find_customers(ctx, "00000042")] == [maria.id]
    assert find_customers(ctx, "987654321") == []  # inactive


def test_short_or_odd_input_finds_nothing_and_exact_matches_come_first(ctx):
    customer("00001234", "Zé Exact", None)
    customer("00000045", "Ana Phone", None, "351900001234")
    assert find_customers(ctx, "123") == []
    assert find_customers(ctx, "") == []
    assert find_customers(ctx, "12%4") == []
    # The exact customer number first, then the phone that contains it (alphabetically Ana is first).
    assert [m.name for m in find_customers(ctx, "00001234")] == ["Zé Exact", "Ana Phone"]
    assert [m.name for m in find_customers(ctx, "1234")] == ["Ana Phone"]
    assert len(find_customers(ctx, "1234", limit=1)) == 1
