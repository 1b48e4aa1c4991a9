"""One response per ticket when two desks submit at the same moment, each on its own connection.

Two threads, each with its own database connection, submit for the same ticket at once: exactly one
row is stored and the other submission gets a clean AlreadyAnswered. On PostgreSQL the forced race
lets both pass the "already answered?" check before either inserts, so the UNIQUE index is what
decides; SQLite's BEGIN IMMEDIATE lets only one writer in at a time, so there the second one waits
and then finds the answer.
"""
from __future__ import annotations

import threading

import pytest

from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.feedback import recording
from deskapp.db import database
from deskapp.db.models import Feedback, FollowUp


def served(ctx, counter: str = "1") -> int:
    ticket = q.issue(ctx, "CASH").ticket
    q.call_next(ctx, counter, "ana")
    q.start(ctx, counter)
    q.complete(ctx, counter)
    return ticket.id


def race(ctx, ticket_id: int, submissions: list[dict], *, start: threading.Barrier) -> list[object]:
    """Run every submission in its own thread and connection at once; each one's result or exception."""
    results: list[object] = [None] * len(submissions)

    def submit(i: int, answers: dict) -> None:
        with database.db.connection_context():
            start.wait(timeout=10)
            try:
                results[i] = fb.submit(ctx, ticket_id, **answers)
            except Exception as exc:  # noqa: BLE001  the test inspects it
                results[i] = exc

    threads = [threading.Thread(target=submit, args=(i, a)) for i, a in enumerate(submissions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def outcome(results: list[object]) -> tuple[list[fb.FeedbackInfo], list[BaseException]]:
    stored = [r for r in results if isinstance(r, fb.FeedbackInfo)]
    refused = [r for r in results if isinstance(r, BaseException)]
    return stored, refused


@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_submissions_store_exactly_one(ctx, round_):
    ticket = served(ctx)
    results = race(ctx, ticket, [{"csat": 1, "nps": 0}, {"csat": 5, "nps": 10}], start=threading.Barrier(2))
    stored, refused = outcome(results)
    assert len(stored) == 1 and len(refused) == 1
    assert isinstance(refused[0], fb.AlreadyAnswered)
    assert str(refused[0]) == "A001 has already been answered."
    row = Feedback.get(Feedback.ticket == ticket)
    assert Feedback.select().count() == 1
    assert (row.csat, row.nps) == (stored[0].csat, stored[0].nps)
    # Only the stored answer's triggers ran: one follow-up for the poor answer, none for the good one.
    assert FollowUp.select().count() == (1 if row.csat == 1 else 0)


def test_when_both_pass_the_check_the_unique_index_decides(ctx, monkeypatch):
    """Both submissions are held after their "already answered?" check until the other got there too."""
    ticket = served(ctx)
    inside = threading.Barrier(2)
    where_served = recording._where_served

    def held(row):
        try:
            inside.wait(timeout=2)  # PostgreSQL: both meet here; SQLite: the second is still waiting to begin
        except threading.BrokenBarrierError:
            pass
        return where_served(row)

    monkeypatch.setattr(recording, "_where_served", held)
    results = race(ctx, ticket, [{"csat": 2, "comment": "first"}, {"csat": 2, "comment": "second"}],
                   start=threading.Barrier(2))
    stored, refused = outcome(results)
    assert len(stored) == 1 and [type(e) for e in refused] == [fb.AlreadyAnswered]
    assert Feedback.select().count() == 1
    assert FollowUp.select().count() == 1  # the loser's follow-up was rolled back with its answer
    assert FollowUp.get().feedback_id == stored[0].id


@pytest.mark.parametrize("held", [False, True], ids=["free", "held-after-check"])
def test_an_answer_racing_a_no_answer_keeps_the_answer(ctx, monkeypatch, held):
    ticket = served(ctx)
    start = threading.Barrier(2)
    if held:  # both past their checks before either inserts (PostgreSQL; SQLite lets one in at a time)
        inside, where_served = threading.Barrier(2), recording._where_served

        def wait_for_the_other(row):
            try:
                inside.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass
            return where_served(row)

        monkeypatch.setattr(recording, "_where_served", wait_for_the_other)
    results: dict[str, object] = {}

    def no_answer() -> None:
        with database.db.connection_context():
            start.wait(timeout=10)
            results["no_answer"] = fb.record_no_answer(ctx, ticket, reason="timeout")

    def answer() -> None:
        with database.db.connection_context():
            start.wait(timeout=10)
            results["answer"] = fb.submit(ctx, ticket, csat=4)

    threads = [threading.Thread(target=no_answer), threading.Thread(target=answer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    row = Feedback.get(Feedback.ticket == ticket)
    assert Feedback.select().count() == 1
    assert (row.answered, row.csat) == (True, 4)  # whichever came first, the answer is what remains
    assert isinstance(results["answer"], fb.FeedbackInfo)
