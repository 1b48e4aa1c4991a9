"""Bringing the database in line with config.yaml (what `deskapp init` and every start do).

Every branch the configuration describes is synced (`init` creates them all); staff keep one identity
across the network (see _sync_staff). Idempotent: a row is written only when it differs from the configuration, so running it twice
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
from deskapp.db import database, migrate, statements
from deskapp.db.database import transaction
from deskapp.db.models import Branch, ChangeMarker, Counter, CounterService, Service, Staff, StaffBranch


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
    """Upsert every branch of the network (services, counters) and the staff from ctx.config; sets
    ctx.branch_id to the configuration's chosen branch."""
    report = SyncReport()

    def work() -> None:
        statements.lock_config_sync()
        config = ctx.config
        network = config.network()
        synced: dict[str, Branch] = {}
        for nb in network:
            label = f"{nb.code} " if len(network) > 1 else ""
            branch = Branch.get_or_none(Branch.code == nb.code)
            if branch is None:
                branch = Branch.create(code=nb.code, name=nb.name, timezone=nb.timezone)
                ChangeMarker.create(branch=branch, seq=0)
                report.changed.append(f"branch {nb.code}: created")  # i18n: not words
            else:
                _update(branch, {"name": nb.name, "timezone": nb.timezone}, report, f"branch {nb.code}")
            seen = len(report.changed)
            branch_config = config.for_branch(nb.code)
            services = _sync_services(branch, branch_config, report, label)
            _sync_counters(branch, branch_config, services, report, label)
            synced[nb.code] = branch
            if len(report.changed) > seen:
                changes.bump(branch.id)
        staff_changed = _sync_staff(synced, config, report)
        ctx.branch_id = synced[config.branch.code].id
        if report:
            codes = ",".join(synced)
            audit.record(ctx.now(), None, "config_sync", "branch", codes[:64], "; ".join(report.changed)[:2000])
            if staff_changed:
                for branch in synced.values():
                    changes.bump(branch.id)

    transaction(work)
    return report


def _sync_services(branch: Branch, config, report: SyncReport, label: str = "") -> dict[str, Service]:
    existing = {s.code: s for s in Service.select().where(Service.branch == branch)}
    for s in config.services:
        values = {
            "name": config.stored_name(s.name), "prefix": s.prefix, "target_wait_minutes": s.target_wait_minutes,
            "typical_service_minutes": s.typical_service_minutes, "workflow": s.workflow, "active": True,
        }
        if s.code in existing:
            _update(existing[s.code], values, report, f"{label}service {s.code}")
        else:
            existing[s.code] = Service.create(branch=branch, code=s.code, **values)
            report.changed.append(f"{label}service {s.code}: created")  # i18n: not words
    configured = {s.code for s in config.services}
    for code, row in existing.items():
        if code not in configured:
            _update(row, {"active": False}, report, f"{label}service {code}")
    return existing


def _sync_counters(branch: Branch, config, services: dict[str, Service], report: SyncReport, label: str = "") -> None:
    existing = {c.code: c for c in Counter.select().where(Counter.branch == branch)}
    for c in config.counters:
        profile = ",".join(c.services)
        row = existing.get(c.code)
        if row is None:
            row = Counter.create(branch=branch, code=c.code, name=config.stored_name(c.name), state="closed")
            report.changed.append(f"{label}counter {c.code}: created")  # i18n: not words
        else:
            _update(row, {"name": config.stored_name(c.name), "active": True}, report, f"{label}counter {c.code}")
        if row.synced_profile != profile:
            CounterService.delete().where(CounterService.counter == row).execute()
            CounterService.insert_many(
                [{"counter": row.id, "service": services[code].id, "position": i} for i, code in enumerate(c.services)]
            ).execute()
            _update(row, {"synced_profile": profile}, report, f"{label}counter {c.code} work profile")  # i18n: not words
    configured = {c.code for c in config.counters}
    for code, row in existing.items():
        if code not in configured:
            _update(row, {"active": False, "state": "closed", "staff_id": None}, report, f"{label}counter {code}")


def _sync_staff(synced: dict[str, Branch], config, report: SyncReport) -> bool:
    """One identity per login across the network, with a home branch and the branches they may work at.

    The configuration is authoritative for the branches it describes (`synced`) only: another
    configuration on the same database describes its own. A home moves only when the configuration
    names it (`home:`) or the current home is one of its branches, never by which desk started last.
    """
    before = len(report.changed)
    ids = {b.id for b in synced.values()}
    existing = {s.login: s for s in Staff.select()}
    assigned: dict[int, set[int]] = {}
    for row in StaffBranch.select(StaffBranch.staff, StaffBranch.branch):
        assigned.setdefault(row.staff_id, set()).add(row.branch_id)
    for s in config.staff:
        home_code, codes = config.staff_branches(s.login)
        home = synced[home_code]
        values = {"name": s.name, "role": s.role, "active": True, "all_branches": s.all_branches}
        row = existing.get(s.login)
        if row is None:
            row = Staff.create(login=s.login, branch=home, **values)
            report.changed.append(f"staff {s.login}: created")  # i18n: not words
        else:
            if s.home is not None or row.branch_id is None or row.branch_id in ids:
                values["branch_id"] = home.id
            _update(row, values, report, f"staff {s.login}")
        want = {synced[code].id for code in codes} | ({row.branch_id} if row.branch_id in ids else set())
        _assign(row, want, assigned.get(row.id, set()), ids, synced, report)
    configured = {s.login for s in config.staff}
    for login, row in existing.items():
        if login in configured:
            continue
        if row.branch_id in ids:
            _update(row, {"active": False}, report, f"staff {login}")
        _assign(row, set(), assigned.get(row.id, set()), ids - {row.branch_id}, synced, report)
    return len(report.changed) > before


def _assign(row: Staff, want: set[int], have: set[int], ids: set[int], synced: dict[str, Branch],
            report: SyncReport) -> None:
    """Make row's assignments among the branches `ids` exactly `want`; others are left as they are."""
    codes = {b.id: code for code, b in synced.items()}
    added, removed = want - have, (have & ids) - want
    if added:
        StaffBranch.insert_many([{"staff": row.id, "branch": b} for b in sorted(added)]).execute()
        report.changed.append(f"staff {row.login}: works at {', '.join(sorted(codes[b] for b in added))}")  # i18n: not words
    if removed:
        StaffBranch.delete().where((StaffBranch.staff == row) & StaffBranch.branch.in_(removed)).execute()
        report.changed.append(f"staff {row.login}: no longer at {', '.join(sorted(codes[b] for b in removed))}")  # i18n: not words


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
