"""A bug in a worker does not crash the desk: its traceback goes to the log file, and the screen shows
one short line naming that file."""
from __future__ import annotations

from deskapp import logs
from deskapp.tui.work import call_core
from tests.tui.helpers import make_app, settle


def broken_report(ctx):
    return {"tickets": 3}["customers"]


async def test_an_unexpected_error_in_a_worker_is_logged_and_named_on_screen(ctx, clock, tmp_path):
    log_file = tmp_path / "desk.log"
    logs.start("INFO", log_file)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        call_core(app.screen, broken_report, ctx)
        await settle(pilot, 0.2)
        assert app.is_running
        shown = [n for n in app._notifications]
        assert len(shown) == 1
        assert shown[0].title == "Unexpected problem" and shown[0].severity == "error"
        assert shown[0].message == f"KeyError: 'customers'; the details are in {log_file}."
        assert "\n" not in shown[0].message
    written = log_file.read_text()
    assert "ERROR deskapp: unexpected KeyError" in written
    assert "Traceback (most recent call last)" in written
    assert 'in broken_report\n    return {"tickets": 3}["customers"]' in written
