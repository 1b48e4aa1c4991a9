"""Bringing the database in line with config.yaml (what `deskapp init` and every start do).

Idempotent: a row is written only when it differs from the configuration, so running it twice
changes nothing. What leaves the configuration is deactivated, never deleted: its history stays.
A counter's work profile is rewritten only when the configuration's list changed since the last
sync, so a supervisor's change at runtime survives desks restarting.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from deskapp import logs
from deskapp.config.schema import Config
from deskapp.core import changes
from deskapp.core.clock import Clock, SystemClock
from deskapp.core.context import Context, database_url
from deskapp.core.security import audit
from deskapp.db import database, migrate
from deskapp.db.database import transaction
from deskapp.db.models import Branch, ChangeMarker, Counter, CounterService, Service, Staff


@dataclass
class SyncReport:
    changed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changed)


def _update(row, values: dict, report: SyncReport, label: str) -> None:
    """Save `row` with `values` only if any differs."""
    diff = {k: v for k, v in values.items() if getattr(row, k) != v}
    if diff:
        for key, value in diff.items():
            setattr(row, key, value)
        row.save()
        report.changed.append(f"{label}: {', '.join(sorted(diff))}")


def sync_from_config(ctx: Context) -> SyncReport:
    """Upsert branch, services, counters and staff from ctx.config; sets ctx.branch_id."""
    report = SyncReport()

    def work() -> None:
        config = ctx.config
        b = config.branch
        branch = Branch.get_or_none(Branch.code == b.code)
        if branch is None:
            branch = Branch.create(code=b.code, name=b.name, timezone=b.timezone)
            ChangeMarker.create(branch=branch, seq=0)
            report.changed.append(f"branch {b.code}: created")
        else:
            _update(branch, {"name": b.name, "timezone": b.timezone}, report, f"branch {b.code}")
        ctx.branch_id = branch.id

        services = _sync_services(branch, config, report)
        _sync_counters(branch, config, services, report)
        _sync_staff(branch, config, report)
        if report:
            audit.record(ctx.now(), None, "config_sync", "branch", branch.code, "; ".join(report.changed)[:2000])
            changes.bump(branch.id)

    transaction(work)
    return report


def _sync_services(branch: Branch, config, report: SyncReport) -> dict[str, Service]:
    existing = {s.code: s for s in Service.select().where(Service.branch == branch)}
    for s in config.services:
        values = {
            "name": s.name, "prefix": s.prefix, "target_wait_minutes": s.target_wait_minutes,
            "typical_service_minutes": s.typical_service_minutes, "workflow": s.workflow, "active": True,
        }
        if s.code in existing:
            _update(existing[s.code], values, report, f"service {s.code}")
        else:
            existing[s.code] = Service.create(branch=branch, code=s.code, **values)
            report.changed.append(f"service {s.code}: created")
    configured = {s.code for s in config.services}
    for code, row in existing.items():
        if code not in configured:
            _update(row, {"active": False}, report, f"service {code}")
    return existing


def _sync_counters(branch: Branch, config, services: dict[str, Service], report: SyncReport) -> None:
    existing = {c.code: c for c in Counter.select().where(Counter.branch == branch)}
    for c in config.counters:
        profile = ",".join(c.services)
        row = existing.get(c.code)
        if row is None:
            row = Counter.create(branch=branch, code=c.code, name=c.name, state="closed")
            report.changed.append(f"counter {c.code}: created")
        else:
            _update(row, {"name": c.name, "active": True}, report, f"counter {c.code}")
        if row.synced_profile != profile:
            CounterService.delete().where(CounterService.counter == row).execute()
            CounterService.insert_many(
                [{"counter": row.id, "service": services[code].id, "position": i} for i, code in enumerate(c.services)]
            ).execute()
            _update(row, {"synced_profile": profile}, report, f"counter {c.code} work profile")
    configured = {c.code for c in config.counters}
    for code, row in existing.items():
        if code not in configured:
            _update(row, {"active": False, "state": "closed", "staff_id": None}, report, f"counter {code}")


def _sync_staff(branch: Branch, config, report: SyncReport) -> None:
    """Staff belong to the branch whose config lists them; logins are unique across the network."""
    existing = {s.login: s for s in Staff.select()}
    for s in config.staff:
        values = {"name": s.name, "role": s.role, "active": True, "branch_id": branch.id}
        if s.login in existing:
            _update(existing[s.login], values, report, f"staff {s.login}")
        else:
            Staff.create(login=s.login, **values)
            report.changed.append(f"staff {s.login}: created")
    configured = {s.login for s in config.staff}
    for login, row in existing.items():
        if login not in configured and row.branch_id == branch.id:
            _update(row, {"active": False}, report, f"staff {login}")


def open_context(config: Config, url: str | None = None, clock: Clock | None = None, *, init: bool = True) -> Context:
    """Connect, migrate and sync the branch from config; the ready Context.

    Several desks may run this at once: migration and sync are each one locked transaction.
    """
    logs.use_config(config.logging)  # the configuration's log file and level, when logging was started
    database.connect(database_url(config, url), connect_timeout=config.database.connect_timeout,
                     statement_timeout=config.database.statement_timeout, group=config.database.group)
    ctx = Context(config=config, clock=clock or SystemClock())
    if init:
        ctx.migrations_applied = migrate.migrate()
        ctx.sync_report = sync_from_config(ctx)
    else:
        ctx.branch_id = Branch.get(Branch.code == config.branch.code).id
    return ctx
