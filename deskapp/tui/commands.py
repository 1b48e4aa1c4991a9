"""Command palette (ctrl+p): open any screen the role allows, or lock the desk, by typing its name."""
from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from deskapp.i18n import _


class DeskCommands(Provider):
    """The app's own commands, offered only to a logged-in user and only where the role allows."""

    def _commands(self) -> list[tuple[str, str, object]]:
        from deskapp.tui.format import screen_title  # lazily: keeps peewee out of start-up

        app = self.app
        session = getattr(app, "session", None)
        if session is None:
            return []
        commands = [(_("Open {screen}").format(screen=screen_title(name)),
                     _("Switch to the {screen} screen").format(screen=screen_title(name)),
                     partial(app.action_open, name)) for name in session.screens]
        commands.append((_("Lock desk"), _("Back to the login screen; the counter keeps its ticket"),
                         partial(app.run_action, "lock")))
        return commands

    async def discover(self) -> Hits:
        for name, help_text, command in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
