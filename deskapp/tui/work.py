"""Running core calls off the UI thread, with one place that turns failures into messages.

Every database call from a screen goes through `call_core`: a thread worker borrows a
connection (Peewee connections belong to a thread; deskapp.db.pool keeps a few open between
calls, so a keystroke does not pay for a new one), runs the core function, gives the connection
back, and hands the result back on the UI thread. A failure never crashes the app: it
reaches `DeskApp.report_error`, which shows it in words the user understands.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.dom import DOMNode
from textual.worker import Worker


def call_core(node: DOMNode, fn: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None, group: str = "core",
              exclusive: bool = False, **kwargs: Any) -> Worker:
    """Run fn(*args, **kwargs) in a thread; then(result) or on_error(exc) on the UI thread."""
    app = node.app

    def job() -> Any:
        from deskapp.db.pool import borrowed

        try:
            with borrowed():
                result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001  reported on screen, never raised into Textual
            handler = on_error or app.report_error  # type: ignore[attr-defined]
            app.call_from_thread(handler, exc)
            return None
        if then is not None and node.is_attached:
            app.call_from_thread(then, result)
        return result

    return node.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False,
                           description=getattr(fn, "__name__", "core call"))


def show_failure(node: DOMNode, exc: BaseException, say: Callable[[str], None]) -> None:
    """A refused action in the screen's own words (`say`, where the user typed); anything else, such
    as a database failure or a bug, as the app's notification. Both through deskapp.core.errors.describe."""
    from deskapp.core.errors import describe

    told = describe(exc)
    if told.severity == "warning":
        say(told.message)
    else:
        say("")
        node.app.show_error(told)  # type: ignore[attr-defined]
