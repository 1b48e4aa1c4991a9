"""FitTable shows the fullest form of its columns that fits, and redraws when the width changes."""
from __future__ import annotations

from textual.app import App, ComposeResult

from deskapp.tui.widgets.fit_table import Column, FitTable, after, before, clip

COLUMNS = (Column("Service", shorten=before(" · ")), Column("Waiting"), Column("Longest wait", short="Longest"),
           Column("Target", drop=1), Column("Advice", shorten=after(": "), drop=2))
ROWS = [("CASH · Cash deposit and withdrawal", "3", "10 min", "10 min", "CASH: could close 1"),
        ("LOAN · Loans and mortgages", "1", "4 min", "20 min", "LOAN: open 1 more counter")]


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield FitTable(COLUMNS, id="t", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(FitTable)
        for row in ROWS:
            table.add_row(*row, key=row[0][:4])


def shown(app: App) -> tuple[list[str], list[str]]:
    table = app.query_one(FitTable)
    return [str(c.label) for c in table.ordered_columns], [str(c) for c in table.get_row("LOAN")]


async def test_every_column_in_full_when_there_is_room_and_shorter_forms_as_it_narrows():
    app = TableApp()
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        assert shown(app) == (["Service", "Waiting", "Longest wait", "Target", "Advice"], list(ROWS[1]))

        await pilot.resize_terminal(60, 10)
        await pilot.pause()
        assert shown(app) == (["Service", "Waiting", "Longest", "Target", "Advice"],
                              ["LOAN", "1", "4 min", "20 min", "open 1 more counter"])

        await pilot.resize_terminal(50, 10)
        await pilot.pause()
        assert shown(app) == (["Service", "Waiting", "Longest", "Advice"], ["LOAN", "1", "4 min", "open 1 more counter"])

        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        assert shown(app) == (["Service", "Waiting", "Longest"], ["LOAN", "1", "4 min"])

        await pilot.resize_terminal(120, 10)  # and back: nothing was lost on the way
        await pilot.pause()
        assert shown(app) == (["Service", "Waiting", "Longest wait", "Target", "Advice"], list(ROWS[1]))


async def test_new_rows_keep_the_form_and_the_cursor_stays_on_its_row():
    app = TableApp()
    async with app.run_test(size=(50, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(FitTable)
        table.clear()
        for row in ROWS:
            table.add_row(*row, key=row[0][:4])
        await pilot.pause()
        assert shown(app)[1] == ["LOAN", "1", "4 min", "open 1 more counter"]
        table.move_cursor(row=1)
        await pilot.resize_terminal(120, 10)
        await pilot.pause()
        assert table.cursor_row == 1


def test_clip_cuts_with_an_ellipsis_and_leaves_short_text_alone():
    assert clip(8)("Advisory desk") == "Advisor…"
    assert clip(13)("Advisory desk") == "Advisory desk"
