"""deskapp.core.queue.forecast: the simulated calling order behind every promised wait (pure, no database)."""
from __future__ import annotations

from deskapp.core.queue.forecast import Counter, Floor, ServiceModel, Ticket, forecast
from deskapp.core.queue.ordering import PriorityRule

CLASSES = (PriorityRule("priority", 2), PriorityRule("normal", 1))
A, B = 1, 2  # two services; counters list A first


def floor(waiting, counters=None, *, patience=None, max_wait=30.0, arrivals_a=0.0, sigma=0.3):
    return Floor(
        counters=counters if counters is not None else [Counter((A, B))],
        waiting=waiting,
        services={A: ServiceModel(5.0, sigma, {"normal": arrivals_a} if arrivals_a else {}), B: ServiceModel(5.0, sigma)},
        classes=CLASSES, recent={}, max_wait=max_wait, call_to_start=(0.5,), turnaround=(0.5,), pickup=(0.3,),
        patience=patience)


def line(service: int, count: int, first_id: int = 1, waited: float = 0.0) -> list[Ticket]:
    return [Ticket(first_id + i, service, "normal", waited, waited) for i in range(count)]


def test_no_counter_serving_the_service_means_no_forecast() -> None:
    assert forecast(floor(line(B, 1), [Counter((A,))]), 1) is None
    assert forecast(floor(line(A, 1)), 99) is None  # not waiting


def test_the_same_floor_and_seed_give_the_same_answer_and_the_range_holds_the_point() -> None:
    f = floor(line(A, 4))
    first, again = forecast(f, 4, seed=7), forecast(f, 4, seed=7)
    assert first == again
    assert first.low <= first.minutes <= first.high and first.low < first.high


def test_each_ticket_ahead_adds_about_a_service() -> None:
    f = floor(line(A, 5))
    points = [forecast(f, i, seed=i).minutes for i in range(1, 6)]
    per_ticket = 0.5 + 5.0 + 0.5  # call to start, service, turnaround
    for before, after in zip(points, points[1:]):
        assert 0.8 * per_ticket < after - before < 1.2 * per_ticket


def test_a_service_listed_second_waits_for_the_first_service_and_its_new_arrivals() -> None:
    waiting = line(A, 2) + line(B, 1, first_id=10)
    quiet = forecast(floor(waiting), 10, seed=1).minutes
    assert quiet > 2 * 5.0  # both A tickets go first
    busy = forecast(floor(waiting, arrivals_a=0.15), 10, seed=1).minutes  # 9 A tickets an hour keep coming
    assert busy > quiet + 2


def test_max_wait_promotion_bounds_a_wait_behind_a_busy_first_service() -> None:
    waiting = line(A, 8) + [Ticket(50, B, "normal", 29.0, 29.0)]
    promoted = forecast(floor(waiting, max_wait=30.0), 50, seed=3).minutes
    never = forecast(floor(waiting, max_wait=10_000.0), 50, seed=3).minutes
    assert promoted < 1 + 0.5 + 5.0 + 0.5 + 3  # overdue within a minute: the next call after that
    assert never > 8 * 5.0


def test_customers_ahead_who_walk_away_shorten_the_wait() -> None:
    waiting = line(A, 10)
    staying = forecast(floor(waiting), 10, seed=5).minutes
    leaving = forecast(floor(waiting, patience=15.0), 10, seed=5).minutes
    assert leaving < 0.8 * staying


def test_a_serving_counter_frees_after_the_rest_of_its_service() -> None:
    waiting = line(A, 1)
    just_started = forecast(floor(waiting, [Counter((A,), A, True, 0.0)]), 1, seed=2).minutes
    nearly_done = forecast(floor(waiting, [Counter((A,), A, True, 4.5)]), 1, seed=2).minutes
    assert nearly_done < just_started
    called = forecast(floor(waiting, [Counter((A,), A, False, 0.0)]), 1, seed=2).minutes
    assert called > just_started  # a called customer still has to reach the desk


def test_a_priority_ticket_goes_before_normal_ones_by_weight() -> None:
    waiting = line(A, 3) + [Ticket(9, A, "priority", 0.0, 0.0)]
    f = floor(waiting)
    assert forecast(f, 9, seed=4).minutes < forecast(f, 1, seed=4).minutes < forecast(f, 2, seed=4).minutes


def test_never_zero_while_people_are_ahead() -> None:
    f = floor(line(A, 2), [Counter((A,)), Counter((A,))])
    assert forecast(f, 2, seed=1).minutes > 0


def test_a_checked_in_booking_due_is_called_before_a_walk_in_who_came_earlier() -> None:
    # As call-next does (queue.booked.arrange): the walk-in waits for the booked customer's service.
    walk_in = Ticket(1, A, "normal", 5.0, 5.0)
    booked = Ticket(2, A, "appointment", 0.0, 0.0, booked=0.0)  # checked in at its slot, just now
    f = floor([walk_in, booked])
    assert forecast(f, 2, seed=1).minutes < 1.0  # the next call
    assert forecast(f, 1, seed=1).minutes > 0.5 + 5.0 * 0.6  # after a whole service


def test_a_busy_floor_gives_exactly_the_answers_it_gave_before_the_simulation_was_made_faster() -> None:
    """Pinned from main at 1b97e3a (before _one_run's locals, the per-hour log-normal locations computed once,
    and _next's one pass): every branch of the model in play (a serving, a called and a just-freed counter,
    a requeued-to-the-front, a booking due, an overdue ticket, three classes, hourly service means ahead,
    arrivals until closing, bookings still to come, walk-aways and calls without a service). The same seed
    must give the same floats: promises already given are reproduced, and the demo's history stays what it is."""
    from deskapp.core.queue.forecast import Booking

    classes = (PriorityRule("priority", 2), PriorityRule("normal", 1), PriorityRule("appointment", 3))
    waiting = [Ticket(1, A, "normal", 12.0, 12.0), Ticket(2, A, "priority", 8.0, 8.0), Ticket(3, B, "normal", 35.0, 35.0),
               Ticket(4, A, "normal", 5.0, 2.0, front=True), Ticket(5, B, "appointment", 1.0, 1.0, booked=3.0),
               Ticket(6, A, "normal", 1.0, 1.0), Ticket(7, B, "priority", 0.5, 0.5)]
    busy = Floor(
        counters=[Counter((A, B), A, True, 2.0), Counter((B, A), B, False, 0.5), Counter((A,), None, False, 0.4, True)],
        waiting=waiting,
        services={A: ServiceModel(5.0, 0.4, {"normal": 0.2, "priority": 0.05}, ((20.0, 7.0), (80.0, 4.0))),
                  B: ServiceModel(8.0, 0.6, {"normal": 0.1}, ((20.0, 9.0),))},
        classes=classes, recent={A: ["normal", "priority"]}, max_wait=30.0, call_to_start=(0.4, 0.8),
        turnaround=(0.3, 0.6), pickup=(0.2, 0.5), patience=40.0, arrivals_until=120.0, no_service_share=0.08,
        no_service=(1.0, 2.0), bookings=(Booking(10.0, B, 15.0, 0.7), Booking(30.0, A, 35.0, 0.9)))
    expected = {
        1: (9.068490303918034, 5.272677428272627, 13.748557624496033),
        2: (5.558802619663484, 3.5765996355346426, 8.016681097033905),
        3: (3.262144989044463, 1.123209818156382, 5.397382064585431),
        4: (0.27084334157747875, 0.19999999999999996, 0.5),
        5: (8.99681869572545, 3.984274360024817, 14.922206688724554),
        6: (12.38564688094748, 7.157307132860957, 18.560503707974245),
        7: (18.513486203055283, 7.977583427070973, 29.632614885234126),
    }
    for ticket_id, (minutes, low, high) in expected.items():
        found = forecast(busy, ticket_id, seed=ticket_id)
        assert (found.minutes, found.low, found.high) == (minutes, low, high)
