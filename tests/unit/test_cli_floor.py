"""`deskapp queue call NUMBER` and `deskapp queue history NUMBER` as scripts use them (issue 19, the floor).

Calling a chosen ticket acts in a staff member's name (`--by LOGIN`, PIN proven, role checked in core);
out of its turn it needs `--reason` (exit 2 without), and its history, read with no PIN, says so.
"""
from __future__ import annotations

from tests.unit.test_cli_queue import cli, failed, ok_json  # noqa: F401  the fixture runs deskapp on the test's database


def test_calling_a_chosen_ticket_and_reading_its_history(cli) -> None:  # noqa: F811
    first = ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    second = ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    assert failed(cli("queue", "call", second["ticket"], "--counter", "1", "--by", "ana", "--json"), 2) == (
        f"deskapp: {second['ticket']} is not next in line: say why it is called before its turn.")
    assert failed(cli("queue", "call", first["ticket"], "--counter", "1", "--by", "rita", "--reason", "x"), 1)

    called = ok_json(cli("queue", "call", second["ticket"], "--counter", "1", "--by", "ana",
                         "--reason", "Needs assistance", "--json"))
    assert called == {"id": second["id"], "ticket": second["ticket"], "service": "CASH", "counter": "1"}
    assert failed(cli("queue", "call", second["ticket"], "--counter", "2", "--by", "joao", "--reason", "x"), 1) == (
        f"deskapp: {second['ticket']} has been called at Counter 1; only a waiting ticket can be called.")

    history = ok_json(cli("queue", "history", second["ticket"], "--json"))
    assert set(history) == {"id", "ticket", "service", "priority", "status", "was", "parent", "events"}
    assert (history["ticket"], history["status"]) == (second["ticket"], "called")
    assert [(e["kind"], e["staff"], e["counter"]) for e in history["events"]] == [("issued", None, None),
                                                                                   ("called", "ana", "1")]
    assert history["events"][1]["note"] == (
        f"called out of order by Ana Costa ({first['ticket']} was next): Needs assistance")
    text = cli("queue", "history", second["ticket"])
    assert text.returncode == 0 and "Called to Counter 1" in text.stdout and "Ana Costa" in text.stdout
    assert failed(cli("queue", "history", "Z999", "--json"), 2) == "deskapp: There is no ticket Z999 today."
