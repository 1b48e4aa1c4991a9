"""A small branch's config.yaml for tests that run desks as processes: N counters, N tellers.

Shared by tests/unit/test_queue_concurrency.py and the fault suite (tests/reliability/fleet.py).
"""
from __future__ import annotations

from pathlib import Path

SERVICES = {
    "CASH": "{code: CASH, name: Cash deposit and withdrawal, prefix: A, target_wait_minutes: 10, typical_service_minutes: 4}",
    "ACC": "{code: ACC, name: Accounts, prefix: B, target_wait_minutes: 15, typical_service_minutes: 8}",
}

TEMPLATE = """\
branch:
  code: LIS01
  name: Lisboa Avenida
  timezone: Europe/Lisbon
queue:
  number_width: {number_width}
  max_wait_minutes: 30
  recall_limit: {recall_limit}
priority_classes:
  - {{code: priority, name: Priority, weight: 2}}
  - {{code: normal, name: Normal, weight: 1}}
services:
{services}
counters:
{counters}
staff:
{staff}
"""


def write(folder: Path, desks: int, *, services: tuple[str, ...] = ("CASH",), number_width: int = 3,
          recall_limit: int = 3) -> Path:
    """config.yaml in `folder`: counters "1".."desks" each serving every service, tellers teller1.."""
    path = folder / "config.yaml"
    codes = ", ".join(services)
    path.write_text(TEMPLATE.format(
        number_width=number_width, recall_limit=recall_limit,
        services="\n".join(f"  - {SERVICES[code]}" for code in services),
        counters="\n".join(f'  - {{code: "{i}", name: Counter {i}, services: [{codes}]}}' for i in range(1, desks + 1)),
        staff="\n".join(f"  - {{login: teller{i}, name: Teller {i}, role: teller}}" for i in range(1, desks + 1)),
    ))
    return path
