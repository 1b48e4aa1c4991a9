"""`deskapp init`: syncing branch, services, counters and staff from config is idempotent and
never deletes history."""
from __future__ import annotations

from deskapp.core import queue as q
from deskapp.core import startup as sync
from deskapp.db import database
from deskapp.db.models import MODELS, AuditEvent, ChangeMarker, Counter, CounterService, Service, Staff


def dump() -> dict[str, list[tuple]]:
    tables = {}
    for model in MODELS:
        rows = model.select().order_by(model._meta.primary_key).tuples()
        tables[model._meta.table_name] = [tuple(r) for r in rows]
    return tables


def profile_codes(counter_code: str) -> list[str]:
    return [
        s.code
        for s in Service.select().join(CounterService).join(Counter)
        .where(Counter.code == counter_code).order_by(CounterService.position)
    ]


def test_second_sync_changes_nothing(ctx):
    before = dump()
    report = sync.sync_from_config(ctx)
    assert not report and report.changed == []
    assert dump() == before


def test_first_sync_created_everything_and_audited_it(ctx):
    assert Service.select().count() == len(ctx.config.services)
    assert Counter.select().count() == len(ctx.config.counters)
    assert Staff.select().count() == len(ctx.config.staff)
    assert profile_codes("2") == ["CASH", "CARD", "INFO"]
    assert AuditEvent.select().where(AuditEvent.action == "config_sync").count() == 1


def test_removed_counter_and_staff_are_deactivated_not_deleted(ctx):
    q.issue(ctx, "LOAN")
    q.call_next(ctx, "5", "lucas")
    q.start(ctx, "5")
    q.complete(ctx, "5")
    config = ctx.config.model_copy(update={
        "counters": [c for c in ctx.config.counters if c.code != "5"],
        "staff": [s for s in ctx.config.staff if s.login != "lucas"],
    })
    ctx.config = config
    report = sync.sync_from_config(ctx)
    assert "counter 5: active, staff_id, state" in report.changed
    counter = Counter.get(Counter.code == "5")
    assert (counter.active, counter.state, counter.staff_id) == (False, "closed", None)
    assert Staff.get(Staff.login == "lucas").active is False
    assert q.find_today(ctx, "L001").counter.code == "5"  # history kept
    assert not sync.sync_from_config(ctx)


def test_runtime_profile_change_survives_restart_until_the_config_changes(ctx):
    q.set_profile(ctx, "1", ["INFO", "CASH"], by="sofia")
    assert not sync.sync_from_config(ctx)  # a desk restarting
    assert profile_codes("1") == ["INFO", "CASH"]
    counters = [c.model_copy(update={"services": ["CASH", "CARD"]}) if c.code == "1" else c for c in ctx.config.counters]
    ctx.config = ctx.config.model_copy(update={"counters": counters})
    sync.sync_from_config(ctx)
    assert profile_codes("1") == ["CASH", "CARD"]


def test_sync_bumps_the_change_marker_only_when_something_changed(ctx):
    before = ChangeMarker.get().seq
    sync.sync_from_config(ctx)
    assert ChangeMarker.get().seq == before
    services = [s.model_copy(update={"name": "Cash desk"}) if s.code == "CASH" else s for s in ctx.config.services]
    ctx.config = ctx.config.model_copy(update={"services": services})
    sync.sync_from_config(ctx)
    assert ChangeMarker.get().seq == before + 1
    assert Service.get(Service.code == "CASH").name == "Cash desk"
    database.close()
