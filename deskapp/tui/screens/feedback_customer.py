"""The customer's feedback screen: one question at a time, big targets, nothing of the staff's.

Shown over the desk when the teller turns the screen round (key v), and on the feedback terminal
(`deskapp feedback-kiosk --counter CODE`), which waits for the ticket its counter completes next.

A scored question is answered with a digit (for 10, "1" then "0"), or the arrows, then Enter, or
a touch or click on the number. Nothing is chosen until the customer chooses: Enter alone does not
answer. Escape or "Skip" leaves a question out. No footer, no staff key:
the desk's keys do not reach a modal screen, and DeskApp refuses quit and the command palette
while a CUSTOMER_FACING screen is on top. Staff end it early with ctrl+x and a confirmation.

The survey speaks the customer's language (the one chosen at the kiosk, else the branch's); when the
branch speaks several, a row of language buttons on top lets the customer change it at any question
(touch, or Tab to a button and Enter): every word of the survey follows at once, answers kept.

After feedback.timeout_seconds without a key or touch the screen gives up. Whatever the customer
had answered is kept (a half-answered survey is still their answer); with nothing answered, "no
answer" is recorded. The same holds for an early end by staff.
"""
from __future__ import annotations

import datetime as dt
import time

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from deskapp import i18n
from deskapp.core import feedback as fb
from deskapp.core.metrics import CES_SCALE, CSAT_SCALE, NPS_SCALE
from deskapp.tui.format import escape, plain
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.work import call_core

_ = i18n._

SCALES = {"csat": CSAT_SCALE, "nps": NPS_SCALE, "ces": CES_SCALE}
TEN_AFTER_ONE_SECONDS = 1.2  # "1" then "0" within this time picks 10 on the 0-10 scale

ANSWERED, NO_ANSWER, FAILED = "answered", "no_answer", "failed"


class ScoreButton(Button):
    """One answer on a scale; big enough to touch."""

    def __init__(self, question: str, value: int) -> None:
        super().__init__(str(value), id=f"score-{question}-{value}", classes="score")
        self.value = value


class ConfirmEnd(ModalScreen[bool]):
    """Staff confirm ending the customer's feedback early (y or n)."""

    CUSTOMER_FACING = True
    BINDINGS = [Binding("y", "dismiss(True)", "Yes", show=False), Binding("n,escape", "dismiss(False)", "No", show=False)]
    DEFAULT_CSS = """
    ConfirmEnd { align: center middle; }
    ConfirmEnd > Vertical { width: 60; height: auto; padding: 1 2; border: thick $warning; background: $panel; }
    ConfirmEnd Horizontal { height: auto; margin-top: 1; }
    ConfirmEnd Button { margin-right: 2; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]" + escape(_("Staff: end the customer's feedback now?")) + "[/b]\n"
                         + escape(_("Answers already given are kept; with none, \"no answer\" is recorded.")))
            with Horizontal():
                yield Button(plain(_("Yes, end it (y)")), variant="warning", id="confirm-yes")
                yield Button(plain(_("No, go back (n)")), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # Enter alone never ends the customer's feedback

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)


class CustomerFeedback(ModalScreen[str]):
    """Asks the configured questions about one served ticket; dismisses with ANSWERED, NO_ANSWER or FAILED."""

    CUSTOMER_FACING = True
    AUTO_FOCUS = ""  # focus follows the customer's choice, never a default answer (None would mean the app's "*")
    THANKS_SECONDS = 2.5
    BINDINGS = [
        Binding("ctrl+x", "end_early", "End (staff)", show=False, priority=True, id="feedback_end"),
        Binding("left,up", "move(-1)", show=False),
        Binding("right,down", "move(1)", show=False),
        Binding("escape", "skip", show=False),
    ]
    DEFAULT_CSS = """
    CustomerFeedback { align: center middle; background: $background; }
    CustomerFeedback #fbc-box { width: 100%; max-width: 110; height: auto; padding: 1 2; border: thick $primary; background: $surface; }
    CustomerFeedback #fbc-title { text-align: center; color: $text-muted; }
    CustomerFeedback #fbc-progress { text-align: center; color: $text-muted; margin-bottom: 1; }
    CustomerFeedback #fbc-question { text-align: center; text-style: bold; padding: 1 0; }
    CustomerFeedback .scale { height: 5; width: 100%; }
    CustomerFeedback Button.score { width: 1fr; min-width: 5; height: 5; margin: 0 0; text-style: bold; }
    CustomerFeedback Button.score:focus { background: $accent; color: $text; }
    CustomerFeedback #fbc-ends { height: 1; width: 100%; }
    CustomerFeedback #fbc-low { width: 1fr; color: $text-muted; }
    CustomerFeedback #fbc-high { width: 1fr; text-align: right; color: $text-muted; }
    CustomerFeedback #fbc-comment { margin: 1 0; }
    CustomerFeedback #fbc-actions { height: auto; align-horizontal: center; margin-top: 1; }
    CustomerFeedback #fbc-actions Button { margin: 0 2; min-width: 14; }
    CustomerFeedback #fbc-hint { text-align: center; color: $text-muted; margin-top: 1; }
    CustomerFeedback #fbc-thanks { text-align: center; text-style: bold; padding: 2 0; display: none; }
    CustomerFeedback #fbc-languages { height: 1; align-horizontal: right; }
    CustomerFeedback Button.fbc-language { margin: 0 0 0 2; }
    CustomerFeedback Button.fbc-language.-chosen { text-style: bold reverse; }
    CustomerFeedback.-thanks #fbc-ask { display: none; }
    CustomerFeedback.-thanks #fbc-thanks { display: block; }
    """

    def __init__(self, pending: fb.PendingTicket) -> None:
        super().__init__()
        self.pending = pending
        settings = self.app.config.feedback
        self.settings = settings
        self.questions = settings.questions.asked() + (["comment"] if settings.questions.comment.ask else [])
        self.answers: dict[str, int | str | None] = {}
        self.index = 0
        self.finished = False
        self._touched = self.app.now()
        self._last_digit: tuple[str, float] | None = None
        # The customer's language: the one chosen at the kiosk, else the branch's; the others the
        # branch speaks are offered on top.
        self.language = pending.language or self.app.customer_language()
        self.languages = [self.language, *(x for x in self.app.config.branch.languages if x != self.language)]

    def say(self, value: object) -> str:
        """A configured text (or deskapp's default words) in the customer's language."""
        return i18n.say(value, self.language)

    # -- layout -------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="fbc-box"):
            if len(self.languages) > 1:
                with Horizontal(id="fbc-languages"):
                    for tag in sorted(self.languages, key=self.app.config.branch.languages.index):
                        yield Button(plain(i18n.native_name(tag)), id=f"fbc-lang-{tag}", compact=True,
                                     classes="fbc-language")
            with Vertical(id="fbc-ask"):
                yield Static("", id="fbc-title")
                yield Static("", id="fbc-progress")
                yield Static("", id="fbc-question", markup=False)
                for name in self.questions:
                    if name in SCALES:
                        low, high = SCALES[name]
                        yield Horizontal(*[ScoreButton(name, v) for v in range(low, high + 1)],
                                         id=f"fbc-scale-{name}", classes="scale")
                with Horizontal(id="fbc-ends"):
                    yield Static("", id="fbc-low", markup=False)
                    yield Static("", id="fbc-high", markup=False)
                yield Input(id="fbc-comment", max_length=fb.MAX_COMMENT)
                with Center():
                    with Horizontal(id="fbc-actions"):
                        yield Button("", id="fbc-skip")
                        yield Button("", variant="primary", id="fbc-send")
                yield Static("", id="fbc-hint", markup=False)
            yield Static("", id="fbc-thanks")

    def on_mount(self) -> None:
        self.set_interval(0.2, self._check_timeout)
        self._show_words()

    def _show_words(self) -> None:
        """Every word of the survey in the customer's language (at the start, and when they choose one)."""
        texts = self.settings.texts
        self.query_one("#fbc-title", Static).update(plain(f"{self.say(texts.title)} · {self.pending.number}"))
        self.query_one("#fbc-skip", Button).label = plain(self.say(texts.skip))
        self.query_one("#fbc-send", Button).label = plain(self.say(texts.send))
        self.query_one("#fbc-thanks", Static).update(plain(self.say(texts.thanks)))
        for button in self.query(".fbc-language").results(Button):
            button.set_class(button.id == f"fbc-lang-{self.language}", "-chosen")
        for button in self.query("#fbc-actions Button").results(Button):
            button.refresh(layout=True)  # a label's width changes with its language
        self._show_question()

    def choose_language(self, tag: str) -> None:
        if tag in self.languages and tag != self.language:
            self.language = tag
            focused = self.focused
            self._show_words()
            if focused is not None and not isinstance(focused, Input) and focused.has_class("score"):
                focused.focus()  # a score already chosen stays chosen

    @on(Button.Pressed, ".fbc-language")
    def _language_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.touch()
        self.choose_language((event.button.id or "").removeprefix("fbc-lang-"))

    @property
    def question(self) -> str:
        return self.questions[self.index]

    def _show_question(self) -> None:
        name = self.question
        config = getattr(self.settings.questions, name)
        self.query_one("#fbc-progress", Static).update(f"{self.index + 1} / {len(self.questions)}")
        self.query_one("#fbc-question", Static).update(plain(self.say(config.text)))
        is_comment = name == "comment"
        for scale in self.query(".scale"):
            scale.display = scale.id == f"fbc-scale-{name}"
        self.query_one("#fbc-ends").display = not is_comment
        self.query_one("#fbc-comment", Input).display = is_comment
        self.query_one("#fbc-send", Button).display = is_comment
        texts = self.settings.texts
        self.query_one("#fbc-hint", Static).update(plain(self.say(texts.comment_hint if is_comment else texts.hint)))
        if is_comment:
            self.query_one("#fbc-comment", Input).focus()
            return
        self.query_one("#fbc-low", Static).update(plain(self.say(config.low)))
        self.query_one("#fbc-high", Static).update(plain(self.say(config.high)))
        self.set_focus(None)  # nothing chosen yet: an Enter pressed too soon answers nothing

    def _buttons(self) -> list[ScoreButton]:
        """The answers of the question shown (none for the comment)."""
        if self.question not in SCALES:
            return []
        return list(self.query_one(f"#fbc-scale-{self.question}").query(ScoreButton))

    # -- answering ----------------------------------------------------------------------------------
    def touch(self) -> None:
        self._touched = self.app.now()

    def on_key(self, event) -> None:
        self.touch()
        if self.finished or self.question == "comment" or not (event.character or "").isdigit():
            return
        event.stop()
        digit, now = event.character, time.monotonic()
        value = int(digit)
        previous = self._last_digit
        if digit == "0" and previous and previous[0] == "1" and now - previous[1] <= TEN_AFTER_ONE_SECONDS:
            value = 10
        self._last_digit = (digit, now)
        button = self.query(f"#score-{self.question}-{value}")
        if button:
            button.first().focus()

    def on_mouse_down(self) -> None:
        self.touch()

    @on(Input.Changed, "#fbc-comment")
    def _typing(self) -> None:
        self.touch()

    def action_move(self, step: int) -> None:
        self.touch()
        buttons = self._buttons()
        if not buttons:
            return
        focused = self.focused
        index = buttons.index(focused) if focused in buttons else len(buttons) // 2 - step
        buttons[max(0, min(len(buttons) - 1, index + step))].focus()

    @on(Button.Pressed, ".score")
    def _scored(self, event: Button.Pressed) -> None:
        event.stop()
        self.touch()
        self._answer(event.button.value)  # type: ignore[attr-defined]

    @on(Button.Pressed, "#fbc-skip")
    def action_skip(self) -> None:
        self.touch()
        self._answer(None)

    @on(Button.Pressed, "#fbc-send")
    @on(Input.Submitted, "#fbc-comment")
    def _send_comment(self) -> None:
        self.touch()
        self._answer(self.query_one("#fbc-comment", Input).value.strip() or None)

    def _answer(self, value: int | str | None) -> None:
        if self.finished:
            return
        self.answers[self.question] = value
        if self.index + 1 < len(self.questions):
            self.index += 1
            self._show_question()
        else:
            self._finish("done")

    # -- ending -------------------------------------------------------------------------------------
    def _check_timeout(self) -> None:
        if self.finished or isinstance(self.app.screen, ConfirmEnd):
            return
        if self.app.now() - self._touched >= dt.timedelta(seconds=self.settings.timeout_seconds):
            self._finish("timeout")

    def action_end_early(self) -> None:
        if self.finished or isinstance(self.app.screen, ConfirmEnd):
            return

        def decided(end: bool | None) -> None:
            self.touch()
            if end:
                self._finish("ended_by_staff")

        self.app.push_screen(ConfirmEnd(), decided)

    def _given(self) -> dict:
        scores = {k: v for k, v in self.answers.items() if k != "comment" and v is not None}
        comment = self.answers.get("comment") or ""
        return {**scores, "comment": comment} if scores or comment else {}

    def _finish(self, how: str) -> None:
        self.finished = True
        ctx, given = self.app.ctx, self._given()
        self.query_one("#fbc-hint", Static).update("…")
        if given:
            call_core(self, fb.submit, ctx, self.pending.ticket_id, **given, entered_by=fb.CUSTOMER,
                      then=lambda _: self._done(ANSWERED, thank=how == "done"), on_error=self._failed)
        else:
            session = getattr(self.app, "session", None)
            call_core(self, fb.record_no_answer, ctx, self.pending.ticket_id, reason=how,
                      by=session.login if session else None,
                      then=lambda _: self._done(NO_ANSWER, thank=False), on_error=self._failed)

    def _done(self, result: str, *, thank: bool) -> None:
        if thank:
            self.add_class("-thanks")
            self.set_focus(None)
            self.set_timer(self.THANKS_SECONDS, lambda: self._close(result))
        else:
            self.dismiss(result)

    def _close(self, result: str) -> None:
        self.dismiss(result)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, fb.AlreadyAnswered):
            self.dismiss(ANSWERED)
            return
        self.app.report_error(exc)
        self.dismiss(FAILED)


class FeedbackTerminal(AppScreen):
    """The feedback terminal at a counter: waits, then asks about each ticket the counter completes.

    It looks for a ticket to ask about whenever the change marker moves (another desk's write):
    the counter's last completed ticket, if unanswered and within the timeout window. Staff close
    the terminal with ctrl+x and a supervisor's login and PIN.
    """

    CUSTOMER_FACING = True
    BINDINGS = [Binding("ctrl+x", "staff_exit", "Staff", show=False, id="feedback_terminal_exit")]
    DEFAULT_CSS = """
    FeedbackTerminal { align: center middle; }
    FeedbackTerminal #fbt-welcome { width: 100%; text-align: center; text-style: bold; padding: 2 4; }
    FeedbackTerminal #fbt-counter { width: 100%; text-align: center; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__(name="feedback-kiosk")
        self.asking = False
        self.asked: set[int] = set()

    def compose(self) -> ComposeResult:
        counter = self.counter
        name = next((self.config.counter_name(c.code) for c in self.config.counters if c.code == counter),
                    _("Counter {code}").format(code=counter))
        yield Static(plain(i18n.say(self.config.feedback.texts.welcome, self.app.customer_language())),
                     id="fbt-welcome")
        yield Static(plain(f"{self.config.branch.name} · {name}"), id="fbt-counter")

    def reload(self) -> None:
        if self.asking or not self.counter:
            return
        call_core(self, fb.pending_for_counter, self.ctx, self.counter, then=self._found,
                  group="feedback-terminal", exclusive=True)

    def _found(self, pending: fb.PendingTicket | None) -> None:
        if pending is None or self.asking or pending.ticket_id in self.asked:
            return
        self.asking = True
        self.asked.add(pending.ticket_id)

        def finished(_: str | None) -> None:
            self.asking = False
            self.reload()

        self.app.push_screen(CustomerFeedback(pending), finished)

    def action_staff_exit(self) -> None:
        from deskapp.tui.screens.kiosk import SupervisorExit

        def closed(ok: bool | None) -> None:
            if ok:
                self.app.exit()

        self.app.push_screen(SupervisorExit(), closed)


def offer_feedback(screen: AppScreen, counter: str) -> None:
    """From the desk: turn the screen to the customer of the counter's last completed ticket."""

    def found(pending: fb.PendingTicket | None) -> None:
        if pending is None:
            screen.notify(_("No completed ticket is waiting for feedback at this counter."), severity="warning")
            return
        screen.app.push_screen(CustomerFeedback(pending), lambda _: refresh_pending(screen, counter))

    call_core(screen, fb.pending_for_counter, screen.ctx, counter, then=found)


def refresh_pending(screen: AppScreen, counter: str | None) -> None:
    """Set screen.feedback_pending (whether key v has something to ask about) and refresh its keys."""

    def found(pending: fb.PendingTicket | None) -> None:
        screen.feedback_pending = pending is not None  # type: ignore[attr-defined]
        screen.refresh_bindings()

    if screen.loaded and counter:
        call_core(screen, fb.pending_for_counter, screen.ctx, counter, then=found,
                  group="feedback-pending", exclusive=True)
