"""AppScreen, the base of deskapp's screens: typed app state, and reload() on mount and on every change."""
from __future__ import annotations

import pytest

from deskapp.tui.screens.base import AppScreen, AppState, ContextNotOpen
from tests.tui.helpers import make_app, settle


class Counting(AppScreen):
    def __init__(self) -> None:
        super().__init__()
        self.reloads = 0

    def reload(self) -> None:
        self.reloads += 1


async def test_the_app_offers_what_screens_read(ctx, clock):
    app = make_app(ctx, clock, counter="1")
    assert isinstance(app, AppState)
    async with app.run_test() as pilot:
        screen = Counting()
        await app.push_screen(screen)
        await settle(pilot)
        assert screen.ctx is ctx and screen.config is ctx.config and screen.counter == "1"
        assert screen.session is None  # nobody logged in yet
        assert screen.state.now() == clock.now()


async def test_reloads_on_mount_and_on_each_change_once_the_context_is_open(ctx, clock):
    app = make_app(ctx, clock)
    async with app.run_test() as pilot:
        screen = Counting()
        await app.push_screen(screen)
        await pilot.pause(1.5)  # past the app's first change poll, which publishes the marker it finds
        await settle(pilot)
        mounted = screen.reloads
        assert mounted >= 1
        app.changes.publish(12345)
        await pilot.pause()
        assert screen.reloads == mounted + 1

        app.ctx = None  # as before the app has opened configuration and database
        assert not screen.loaded
        with pytest.raises(ContextNotOpen):
            _ = screen.ctx
        app.changes.publish(12346)
        await pilot.pause()
        assert screen.reloads == mounted + 1
