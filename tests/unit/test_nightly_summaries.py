"""#15: the nightly job (`deskapp summaries`) summarises every closed day before anyone asks for a report,
so the first long report after an import, a restore or weeks without a supervisor screen reads summaries."""
from __future__ import annotations

import datetime as dt
import json

from deskapp.core.stats import day_summaries, nightly
from tests.unit.test_cli_queue import cli, failed  # noqa: F401  (the fixture)
from tests.unit.test_day_summaries import DAY, FIRST, check, history, next_morning, summarised_days


def test_the_nightly_job_summarises_every_closed_day_once(ctx, clock):
    history(ctx, clock)
    next_morning(clock)  # every day of the history is closed now
    assert summarised_days(ctx) == []
    seen: list[float] = []
    done = nightly.summarise(ctx, None, progress=seen.append)
    assert [(d.branch, d.since, d.until, d.filled) for d in done] == [(ctx.config.branch.code, FIRST, DAY, 4)]
    assert summarised_days(ctx) == [FIRST + dt.timedelta(days=i) for i in range(4)]
    assert seen == sorted(seen) and seen[-1] == 1.0
    # A report over the period now reads summaries only, and they say what the tickets say.
    assert day_summaries.split(ctx, FIRST, DAY) == ([(FIRST, DAY)], [])
    check(ctx, FIRST, DAY)
    assert nightly.summarise(ctx, [ctx.branch_id])[0].filled == 0  # the next night: nothing to do


def test_deskapp_summaries_on_the_command_line(ctx, clock, cli):  # noqa: F811
    history(ctx, clock)
    ran = cli("summaries", "--since", FIRST.isoformat(), "--json")
    assert ran.returncode == 0, ran.stderr
    first = json.loads(ran.stdout)
    assert first["branches"][0]["since"] == FIRST.isoformat() and first["filled"] >= 4
    assert "Summarising closed days" in ran.stderr  # progress on stderr, the JSON clean
    again = json.loads(cli("summaries", "--since", FIRST.isoformat(), "--json").stdout)
    assert again["filled"] == 0
    text = cli("summaries", "--since", FIRST.isoformat()).stdout
    assert f"{ctx.config.branch.code}: 0 days summarised ({FIRST.isoformat()} to" in text
    assert failed(cli("summaries", "--since", "yesterday"), 2) == (
        "deskapp: --since must be a date as YYYY-MM-DD, not 'yesterday'")
    assert "choose one" in failed(cli("summaries", "--network", "--branches", "LIS01"), 2)
    assert "There is no branch 'NOPE'" in failed(cli("summaries", "--branches", "NOPE"), 2)
