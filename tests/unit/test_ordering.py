"""deskapp.core.ordering: the calling order, as tables worked out by hand from its docstring.

The stride rule (rule 4): with weights w(c) and W = the sum of the weights of the classes that
wait, a waiting class c scores (calls of c among the service's last W - 1 calls + 1) / w(c); the
lowest score wins, ties to the heavier class, then to the class listed first. Every expected sequence below is derived from that
rule step by step in the comments, not by running the code.
"""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core.queue.ordering import PriorityRule, Waiting, choose_class, next_ticket, service_order

T0 = dt.datetime(2026, 3, 10, 10, 0, 0)
MAX_WAIT = dt.timedelta(minutes=30)
P, N = "priority", "normal"
TWO_ONE = (PriorityRule(P, 2), PriorityRule(N, 1))  # config.yaml: W = 3, window = last 2 calls
A, B, C = "a", "b", "c"
THREE_TWO_ONE = (PriorityRule(A, 3), PriorityRule(B, 2), PriorityRule(C, 1))  # W = 6, window = 5
CASH, CARD, INFO = 1, 2, 3


def ticket(id: int, priority: str = N, *, service: int = CASH, issued: float = 0.0, queued: float | None = None,
           front: bool = False) -> Waiting:
    """A waiting ticket issued `issued` minutes after T0, in line since `queued` (default: issue)."""
    issued_at = T0 + dt.timedelta(minutes=issued)
    queued_at = issued_at if queued is None else T0 + dt.timedelta(minutes=queued)
    return Waiting(id=id, service=service, priority=priority, issued_at=issued_at, queued_at=queued_at, front=front)


def ids(tickets) -> list[int]:
    return [t.id for t in tickets]


def pick(waiting, profile=(CASH,), classes=TWO_ONE, recent=None, now_minutes: float = 10.0):
    chosen = next_ticket(waiting, list(profile), classes, recent or {}, T0 + dt.timedelta(minutes=now_minutes),
                         MAX_WAIT)
    return None if chosen is None else chosen.id


# --- rule 4 by itself: choose_class ---------------------------------------------------------------

# Weights 2:1, window = the last W - 1 = 2 calls (newest first). Scores (count + 1) / weight:
CHOOSE_TWO_ONE = [
    # recent        P: (n+1)/2    N: (n+1)/1    winner
    ((), P),  # P 1/2 = 0.5 < N 1: priority
    ((P,), P),  # P 2/2 = 1 = N 1: tie, heavier class: priority
    ((P, P), N),  # P 3/2 = 1.5 > N 1: normal
    ((N, P), P),  # P 2/2 = 1 < N 2: priority
    ((P, N), P),  # P 1 < N 2: priority
    ((N, N), P),  # P 0.5 < N 3: priority
    ((N,), P),  # P 0.5 < N 2: priority
    ((P, P, N), N),  # only the last 2 count: [P, P] as above: normal
    ((N, P, P, P, P), P),  # [N, P]: priority (older history is forgotten)
]


@pytest.mark.parametrize(("recent", "expected"), CHOOSE_TWO_ONE)
def test_choose_class_two_to_one(recent, expected) -> None:
    assert choose_class({P, N}, TWO_ONE, list(recent)) == expected


@pytest.mark.parametrize("recent", [(), (P,), (P, P), (P, P, P, P)])
def test_choose_class_lone_class_is_served_whatever_the_history(recent) -> None:
    assert choose_class({N}, TWO_ONE, list(recent)) == N
    assert choose_class({P}, TWO_ONE, list(recent) + [N, N]) == P


def test_choose_class_class_missing_from_configuration_is_served_when_alone() -> None:
    assert choose_class({"vip"}, TWO_ONE, [P, P]) == "vip"
    # several unknown classes: a stable choice (alphabetical), never an error
    assert choose_class({"vip", "staff"}, TWO_ONE, []) == "staff"


def test_choose_class_known_class_goes_before_one_missing_from_configuration() -> None:
    # The unknown class has no weight, so it waits for the known ones (or for the maximum wait).
    assert choose_class({"vip", N}, TWO_ONE, [N, N]) == N


# --- rule 4 over a run of calls: service_order -----------------------------------------------------


def test_two_to_one_interleave_while_both_classes_wait() -> None:
    # Eight priority and five normal tickets, all issued together; ids give the FIFO order.
    queue = [ticket(i, P) for i in range(1, 9)] + [ticket(i, N) for i in range(11, 16)]
    order = service_order(queue, TWO_ONE, [])
    # Step by step, window = last 2 calls, newest first:
    #  []      P .5  N 1  -> P      [P]     P 1  N 1 (tie: heavier) -> P
    #  [P,P]   P 1.5 N 1  -> N      [N,P]   P 1  N 2 -> P
    #  [P,N]   P 1   N 2  -> P      [P,P]   -> N, and the cycle P,P,N repeats.
    # Once the priority tickets run out, the normal ones are a lone class.
    assert "".join(t.priority[0].upper() for t in order) == "PPNPPNPPNPPN" + "N"
    # Within a class, FIFO: priority 1..8 and normal 11..15 keep their order.
    assert ids(order) == [1, 2, 11, 3, 4, 12, 5, 6, 13, 7, 8, 14, 15]


def test_interleave_continues_from_the_services_recent_calls() -> None:
    queue = [ticket(1, P), ticket(2, P), ticket(11, N), ticket(12, N)]
    # Two priority calls just happened: [P, P] -> N first, then [N, P] -> P, [P, N] -> P, then N.
    assert ids(service_order(queue, TWO_ONE, [P, P])) == [11, 1, 2, 12]
    # One priority call just happened: [P] -> P (tie, heavier), then [P, P] -> N, [N, P] -> P, then N.
    assert ids(service_order(queue, TWO_ONE, [P])) == [1, 11, 2, 12]
    # Normals were called lately: [N, N] -> P, [P, N] -> P, [P, P] -> N, then the last normal.
    assert ids(service_order(queue, TWO_ONE, [N, N])) == [1, 2, 11, 12]


def test_three_classes_with_weights_three_two_one() -> None:
    queue = [ticket(i, A) for i in range(1, 10)] + [ticket(i, B) for i in range(21, 27)] + [
        ticket(i, C) for i in range(31, 34)
    ]
    order = service_order(queue, THREE_TWO_ONE, [])
    # W = 6, window = last 5 calls. Scores (n+1)/w for a (w 3), b (w 2), c (w 1):
    #  []           a .33  b .5   c 1   -> a
    #  [a]          a .67  b .5   c 1   -> b
    #  [b,a]        a .67  b 1    c 1   -> a
    #  [a,b,a]      a 1    b 1    c 1   -> a (tie, heaviest)
    #  [a,a,b,a]    a 1.33 b 1    c 1   -> b (tie b/c, heavier)
    #  [b,a,a,b,a]  a 1.33 b 1.5  c 1   -> c
    #  [c,b,a,a,b]  a 1    b 1.5  c 2   -> a
    #  [a,c,b,a,a]  a 1.33 b 1    c 2   -> b
    #  [b,a,c,b,a]  a 1    b 1.5  c 2   -> a
    #  [a,b,a,c,b]  a 1    b 1.5  c 2   -> a
    #  [a,a,b,a,c]  a 1.33 b 1    c 2   -> b
    #  [b,a,a,b,a]  -> c, as at step 6: the cycle a,b,a,a,b,c (3:2:1 in every 6 calls) repeats.
    assert "".join(t.priority for t in order) == "abaabc" * 3


def test_three_classes_when_only_two_wait_share_by_their_own_weights() -> None:
    # a and c only (weights 3 and 1): W = 4, window = last 3 calls. Scores a (n+1)/3, c (n+1)/1:
    #  []       a .33  c 1 -> a      [a]      a .67  c 1 -> a
    #  [a,a]    a 1    c 1 -> a (tie, heavier)
    #  [a,a,a]  a 1.33 c 1 -> c      [c,a,a]  a 1    c 2 -> a
    #  [a,c,a]  a 1    c 2 -> a      [a,a,c]  a 1    c 2 -> a      [a,a,a] -> c: a,a,a,c repeats.
    # (Over the window of all weights, 5, the absent b's share would go to a: 5:1.)
    queue = [ticket(i, A) for i in range(1, 11)] + [ticket(i, C) for i in range(31, 34)]
    assert "".join(t.priority for t in service_order(queue, THREE_TWO_ONE, [])) == "aaac" * 3 + "a"
    # b and c (2 and 1): W = 3, window 2, exactly the 2:1 table above: b,b,c.
    queue = [ticket(i, B) for i in range(21, 25)] + [ticket(i, C) for i in range(31, 33)]
    assert "".join(t.priority for t in service_order(queue, THREE_TWO_ONE, [])) == "bbcbbc"
    # An old b call in the window is just one call the others did not get: [b,b,b] a 1/3 -> a,
    # [a,b,b] a 2/3 -> a, [a,a,b] a 1 = c 1 -> a, [a,a,a] -> c, then as above.
    queue = [ticket(i, A) for i in range(1, 7)] + [ticket(i, C) for i in range(31, 33)]
    assert "".join(t.priority for t in service_order(queue, THREE_TWO_ONE, [B, B, B])) == "aaacaaac"


def test_lone_class_is_served_in_fifo_order() -> None:
    queue = [ticket(3, N, issued=2), ticket(1, N, issued=0), ticket(2, N, issued=1)]
    assert ids(service_order(queue, TWO_ONE, [N, N, N])) == [1, 2, 3]
    assert pick(queue, recent={CASH: [N, N]}) == 1


# --- rule 5: first come, first served among equals ----------------------------------------------------


def test_fifo_by_place_in_line_then_id() -> None:
    queue = [
        ticket(5, N, issued=1),
        ticket(4, N, issued=1),  # same time as 5: the lower id first
        ticket(9, N, issued=0),  # earliest, whatever its id
        ticket(2, N, issued=0, queued=3),  # issued first but requeued to the back at minute 3
    ]
    assert ids(service_order(queue, TWO_ONE, [])) == [9, 4, 5, 2]
    assert pick(queue) == 9


# --- rule 3: requeued to the front --------------------------------------------------------------------


def test_front_requeued_ticket_goes_first_in_its_service() -> None:
    queue = [
        ticket(1, P, issued=0),
        ticket(2, N, issued=1),
        ticket(3, N, issued=2, queued=5, front=True),
        ticket(4, N, issued=3, queued=4, front=True),
    ]
    # Fronts first, the earliest requeued first (4 at minute 4, then 3 at minute 5), even ahead of a
    # priority ticket; then the stride rule from history [N, N] (the fronts are normal): P, then
    # [P, N] -> no P left -> N.
    assert ids(service_order(queue, TWO_ONE, [])) == [4, 3, 1, 2]
    assert pick(queue, recent={CASH: [P, P]}) == 4


def test_front_ticket_waits_for_an_earlier_service_in_the_profile() -> None:
    queue = [ticket(1, N, service=CASH, issued=5), ticket(2, N, service=INFO, issued=0, front=True)]
    assert pick(queue, profile=(CASH, INFO)) == 1


# --- rule 2: work profile -------------------------------------------------------------------------


PROFILE_TABLE = [
    # profile                waiting (id: service)           expected
    ((CASH, INFO), [(1, INFO), (2, CASH)], 2),  # CASH first, though INFO waited longer
    ((INFO, CASH), [(1, INFO), (2, CASH)], 1),
    ((CARD, CASH, INFO), [(1, INFO), (2, CASH)], 2),  # CARD empty: the next service with a ticket
    ((CARD,), [(1, INFO), (2, CASH)], None),  # nothing this counter serves
    ((CASH,), [], None),
]


@pytest.mark.parametrize(("profile", "waiting", "expected"), PROFILE_TABLE)
def test_work_profile_order(profile, waiting, expected) -> None:
    queue = [ticket(i, N, service=s, issued=float(i)) for i, s in waiting]
    queue.sort(key=lambda t: -t.id)  # input order must not matter
    assert pick(queue, profile=profile) == expected


def test_priority_does_not_jump_the_work_profile() -> None:
    queue = [ticket(1, P, service=INFO, issued=0), ticket(2, N, service=CASH, issued=5)]
    assert pick(queue, profile=(CASH, INFO)) == 2


def test_recent_calls_are_per_service() -> None:
    # CASH has just called two priority tickets: its normal goes next. INFO's history is its own.
    queue = [ticket(1, P, service=CASH), ticket(2, N, service=CASH, issued=1)]
    assert pick(queue, recent={CASH: [P, P], INFO: []}) == 2
    assert pick(queue, recent={INFO: [P, P]}) == 1


# --- rule 1: the maximum wait ---------------------------------------------------------------------


def test_maximum_wait_overrides_everything_across_services() -> None:
    queue = [
        ticket(1, P, service=CASH, issued=20),
        ticket(2, N, service=CASH, issued=21, queued=25, front=True),
        ticket(3, N, service=INFO, issued=0),  # 30 minutes at minute 30: overdue
    ]
    # Profile CASH first, a front ticket and a priority ticket there, history favouring priority:
    # the overdue normal ticket of the second service still goes first.
    assert pick(queue, profile=(CASH, INFO), recent={CASH: [N, N]}, now_minutes=30) == 3
    # One minute earlier it is not overdue (>= max_wait counts): the front ticket of CASH.
    assert pick(queue, profile=(CASH, INFO), recent={CASH: [N, N]}, now_minutes=29.99) == 2


def test_longest_waiting_overdue_ticket_first_measured_from_issue() -> None:
    queue = [
        ticket(1, P, service=CASH, issued=5),
        ticket(2, N, service=INFO, issued=1, queued=38),  # requeued to the back, but waiting since 1
        ticket(3, N, service=CASH, issued=3),
    ]
    assert pick(queue, profile=(CASH, INFO), now_minutes=40) == 2
    # Equal issue times: the lower id.
    twins = [ticket(8, N, issued=0), ticket(7, N, service=INFO, issued=0)]
    assert pick(twins, profile=(CASH, INFO), now_minutes=31) == 7


def test_overdue_ticket_of_a_service_the_counter_does_not_serve_is_not_taken() -> None:
    queue = [ticket(1, N, service=CARD, issued=0), ticket(2, N, service=CASH, issued=29)]
    assert pick(queue, profile=(CASH,), now_minutes=45) == 2


def test_unknown_class_is_served_alone_and_after_the_maximum_wait() -> None:
    queue = [ticket(1, "vip", issued=0), ticket(2, N, issued=1)]
    assert pick([queue[0]], now_minutes=1) == 1
    assert pick(queue, now_minutes=2) == 2  # a configured class goes first...
    assert pick(queue, now_minutes=30) == 1  # ...until the unknown one has waited the maximum
    assert ids(service_order(queue, TWO_ONE, [])) == [2, 1]


def test_service_order_puts_overdue_tickets_first_when_given_the_time() -> None:
    queue = [ticket(1, N, issued=0), ticket(2, P, issued=20), ticket(3, N, issued=5), ticket(4, P, issued=25)]
    # At minute 36 tickets 1 (36 min) and 3 (31 min) are overdue: oldest first, as next_ticket would
    # call them. Then the stride rule with history [N, N]: P, P.
    now = T0 + dt.timedelta(minutes=36)
    assert ids(service_order(queue, TWO_ONE, [], now, MAX_WAIT)) == [1, 3, 2, 4]
    assert pick(queue, now_minutes=36) == 1
    # Without the time, rule 1 is left out: the stride rule alone (P, P, N, N).
    assert ids(service_order(queue, TWO_ONE, [])) == [2, 4, 1, 3]


# --- checked-in bookings (issue 17): after fronts, before the classes ------------------------------


def booked(id: int, slot: float, *, issued: float = 0.0, service: int = CASH) -> Waiting:
    """A checked-in booking (due: queue.booked.arrange leaves out the others) for the slot at T0 + slot minutes."""
    base = ticket(id, "appointment", service=service, issued=issued)
    return Waiting(base.id, base.service, base.priority, base.issued_at, base.queued_at,
                   booked_for=T0 + dt.timedelta(minutes=slot))


def test_a_due_booking_goes_before_walk_ins_who_came_earlier() -> None:
    queue = [ticket(1, P, issued=0), ticket(2, N, issued=1), booked(3, slot=10, issued=9)]
    assert pick(queue) == 3
    assert ids(service_order(queue, TWO_ONE, [])) == [3, 1, 2]


def test_bookings_go_by_slot_then_arrival() -> None:
    queue = [booked(1, slot=10, issued=8), booked(2, slot=0, issued=9), booked(3, slot=10, issued=2)]
    assert ids(service_order(queue, TWO_ONE, [])) == [2, 3, 1]


def test_a_front_requeue_still_goes_before_a_booking() -> None:
    queue = [booked(1, slot=0), ticket(2, N, issued=1, queued=5, front=True)]
    assert pick(queue) == 2


def test_a_booking_waits_for_an_earlier_service_in_the_profile_and_for_overdue_walk_ins() -> None:
    assert pick([booked(1, slot=0, service=INFO), ticket(2, N, service=CASH, issued=5)], profile=(CASH, INFO)) == 2
    assert pick([booked(1, slot=30, issued=25), ticket(2, N, issued=0)], now_minutes=31) == 2  # waited 31 > 30
