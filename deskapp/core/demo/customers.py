"""The demo's customer records: products, needs, calls and meetings, life events, consent, KYC, IDs.

Called once at the end of demo.build with the demo's random generator, so `demo --seed 1` gives
the same records every time (dates are relative to the demo's "today").
"""
from __future__ import annotations

import datetime as dt
import random

from deskapp.core.context import Context
from deskapp.core.demo.data import CITY, LIFE_NOTES, NEED_TEXT, NOTES, STREETS
from deskapp.db.database import db
from deskapp.db.models import Customer, Interaction, LifeEvent, Need, Product, Staff
from deskapp.db.search import folded_name

ACCOUNT_TYPES = ("current_account", "savings", "mortgage", "personal_loan", "investment")
CARD_TYPES = ("credit_card", "debit_card")
OUTCOMES = ["reached", "voicemail", "no_answer", "interested", "not_interested", "follow_up"]


def populate(ctx: Context, rng: random.Random, customer_ids: list[int]) -> None:
    """Fill in the demo customers' records, deterministically for the generator's state."""
    _fold_missing_names()
    if not customer_ids:
        return
    today, now = ctx.today(), ctx.now()
    config = ctx.config.customers
    staff = [sid for (sid,) in Staff.select(Staff.id).where(Staff.role.in_(("teller", "manager"))).tuples()]
    creators = dict(Staff.select(Staff.id, Staff.login).tuples())
    products, needs, interactions, events = [], [], [], []
    with db.atomic():
        for cid in sorted(customer_ids):
            opened = today - dt.timedelta(days=rng.randrange(30, 6000))
            held = rng.sample(config.product_types, k=min(len(config.product_types), rng.choice((1, 1, 2, 2, 3, 4))))
            for kind in held:
                products.append({
                    "customer": cid, "type": kind, "opened": opened + dt.timedelta(days=rng.randrange(0, 900)),
                    "status": "closed" if rng.random() < 0.08 else "active", "account_number": _account(rng, kind),
                    "created_at": now,
                })
            consent = rng.random() < 0.55
            Customer.update(
                marketing_consent=consent,
                consent_at=now - dt.timedelta(days=rng.randrange(1, 1500)) if consent else None,
                consent_source=rng.choice(("branch", "web", "phone")) if consent else None,
                kyc_review_due=today + dt.timedelta(days=rng.randrange(-60, 3 * 365)),
                id_doc_type=rng.choices(config.id_doc_types, weights=[8] + [1] * (len(config.id_doc_types) - 1))[0],
                id_doc_expiry=today + dt.timedelta(days=rng.randrange(-90, 10 * 365)),
                address=f"{rng.choice(STREETS)} {rng.randrange(1, 250)}, {CITY}",
            ).where(Customer.id == cid).execute()
            if rng.random() < 0.3:
                for _ in range(rng.choice((1, 1, 2))):
                    category = rng.choice(config.need_categories)
                    created = now - dt.timedelta(days=rng.randrange(1, 400))
                    status = rng.choices(("open", "in_progress", "met", "declined"), weights=(5, 2, 2, 1))[0]
                    needs.append({
                        "customer": cid, "category": category, "description": NEED_TEXT.get(category, ""),
                        "status": status, "source": rng.choice(("teller", "teller", "manager", "feedback")),
                        "created_by": creators.get(rng.choice(staff)) if staff else None, "created_at": created,
                        "updated_at": created, "met_by_product": None,
                        "met_at": created + dt.timedelta(days=rng.randrange(1, 60)) if status == "met" else None,
                    })
            if rng.random() < 0.25:
                for _ in range(rng.randrange(1, 4)):
                    kind = rng.choice(("call", "meeting", "note"))
                    interactions.append({
                        "customer": cid, "ticket": None, "kind": kind, "service": None,
                        "staff": rng.choice(staff) if staff else None,
                        "outcome": rng.choice(OUTCOMES) if kind == "call" else None,
                        "duration_seconds": rng.randrange(60, 3600) if kind != "note" else None,
                        "note": rng.choice(NOTES[kind]), "at": now - dt.timedelta(minutes=rng.randrange(60, 260_000)),
                    })
            if rng.random() < 0.1:
                kind = rng.choice(config.life_event_kinds)
                events.append({
                    "customer": cid, "kind": kind, "date": today - dt.timedelta(days=rng.randrange(0, 700)),
                    "note": LIFE_NOTES.get(kind, ""), "created_by": creators.get(rng.choice(staff)) if staff else None,
                    "created_at": now,
                })
        for cid in rng.sample(sorted(customer_ids), k=min(3, len(customer_ids))):
            birth = Customer.get_by_id(cid).birth_date or today.replace(year=today.year - 40)
            Customer.update(birth_date=_same_day(birth.year, today)).where(Customer.id == cid).execute()
        for model, rows in ((Product, products), (Need, needs), (Interaction, interactions), (LifeEvent, events)):
            for start in range(0, len(rows), 500):
                model.insert_many(rows[start:start + 500]).execute()


def _fold_missing_names() -> None:
    """Customers written in bulk without a folded name (the demo's first pass) get one, so search finds them."""
    with db.atomic():
        for cid, name in Customer.select(Customer.id, Customer.name).where(Customer.name_folded == "").tuples():
            Customer.update(name_folded=folded_name(name)).where(Customer.id == cid).execute()


def _account(rng: random.Random, kind: str) -> str | None:
    if kind in CARD_TYPES:
        return "".join(rng.choice("0123456789") for _ in range(16))
    if kind in ACCOUNT_TYPES:
        return "PT50" + "".join(rng.choice("0123456789") for _ in range(21))  # i18n: not words
    return None


def _same_day(year: int, today: dt.date) -> dt.date:
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return today.replace(year=year, day=28)


def national_id(rng: random.Random) -> str:
    """Nine digits whose last is a mod-11 check digit (the Portuguese NIF scheme)."""
    body = [rng.choice("12356789")] + [rng.choice("0123456789") for _ in range(7)]
    total = sum(int(d) * w for d, w in zip(body, range(9, 1, -1)))
    check = 11 - total % 11
    return "".join(body) + str(0 if check >= 10 else check)
