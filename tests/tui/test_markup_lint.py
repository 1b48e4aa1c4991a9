"""A new screen cannot forget to show data as text: what the TUI's code may hand to a widget is checked.

Rules (#14 item 1): the DataTable comes from deskapp/tui/widgets/table.py only (its cells are literal
text); the first argument of a Static, Label, Option, Button, RadioButton or Checkbox is a constant, a
call of `plain`/`escape`/`literal` (deskapp/tui/format.py) or of a number formatter, or an f-string
whose every value is such a call. A message of deskapp's own catalogue, `_("...")` or `ngettext("...",
"...", n)` of constants, counts as a constant (its markup, "[b]...[/b]", is deskapp's own, in every
language), and `_("... {name} ...").format(name=...)` is checked through its values. Anything else is
listed below with why it is safe, so that a new one is a decision, not an accident.
"""
from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "deskapp" / "tui"
WIDGETS = {"Static", "Label", "Option", "Button", "RadioButton", "Checkbox"}
SAFE_CALLS = {"escape", "plain", "literal", "minutes", "percent", "score", "elapsed", "when", "len", "str"}
MESSAGES = {"_", "ngettext"}  # deskapp.i18n: a message of the catalogue, when its arguments are constants
# (file, expression): why it is not data.
KNOWN = {
    ("screens/feedback.py", "name.upper()"): "a question's name: csat, nps, ces",
    ("screens/feedback.py", "scale[0]"): "a number",
    ("screens/feedback.py", "scale[1]"): "a number",
    ("screens/followup_dialogs.py", "label"): "the dialog's own button label",
    ("screens/followup_dialogs.py", "self.item.id"): "a number",
    ("screens/login.py", "words['login-label']"): "LoginScreen._words: its own messages of the catalogue",
    ("screens/login.py", "words['pin-label']"): "LoginScreen._words: its own messages of the catalogue",
    ("screens/login.py", "words['counter-label']"): "LoginScreen._words: its own messages of the catalogue",
    ("screens/login.py", "words['counter-pending']"): "LoginScreen._words: its own messages of the catalogue",
    ("screens/login.py", "words['submit']"): "LoginScreen._words: its own messages of the catalogue",
    ("screens/manager_dialogs.py", "title"): "escaped just above",
    ("screens/merge_dialog.py", "title"): "escaped just above",
    ("screens/offer_dialog.py", "REASONS_HINT"): "a constant",
    ("screens/manager_dialogs.py", "self.item.id"): "a number",
    ("screens/offer_dialog.py", "_(REASONS_HINT)"): "a constant, translated",
    ("screens/placeholder.py", "SCREEN_TITLES.get(self.screen_name, self.screen_name)"): "constants",
    ("screens/placeholder.py", "PLANNED.get(self.screen_name, '')"): "constants",
    ("widgets/customer_finder.py", "self._label(m)"): "built with plain()",
    ("widgets/customer_picker.py", "self.title_text"): "the caller's constant title",
    ("widgets/workflow_steps.py", "'\\n'.join((f'• {escape(line)}' for line in lines))"): "each line escaped",
    ("widgets/workflow_steps.py", "self._chosen_text()"): "escapes the customer's name",
    ("widgets/workflow_steps.py", "to"): "escaped just above",
}


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _message(arg: ast.AST) -> bool:
    """A message of the catalogue (`_("...")`, `ngettext("...", "...", n)`), or a choice of such messages."""
    if isinstance(arg, ast.IfExp):
        return _message(arg.body) and _message(arg.orelse)
    return (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in MESSAGES
            and all(isinstance(a, ast.Constant) for a in arg.args[:2 if arg.func.id == "ngettext" else 1]))


def _unchecked(arg: ast.AST) -> list[str]:
    """The parts of a widget's text that are neither constant nor made safe by a format.py helper."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return []
    if isinstance(arg, ast.Call) and _name(arg.func) in SAFE_CALLS:
        return []
    if _message(arg):
        return []
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format" \
            and _message(arg.func.value):  # a message's placeholders: each value is checked
        return [part for v in [*arg.args, *(k.value for k in arg.keywords)] for part in _unchecked(v)]
    if isinstance(arg, ast.JoinedStr):
        return [part for v in arg.values if isinstance(v, ast.FormattedValue) for part in _unchecked(v.value)]
    if isinstance(arg, ast.BinOp):
        return _unchecked(arg.left) + _unchecked(arg.right)
    if isinstance(arg, ast.IfExp):
        return _unchecked(arg.body) + _unchecked(arg.orelse)
    return [ast.unparse(arg)]


def _sources():
    for path in sorted(TUI.rglob("*.py")):
        yield path.relative_to(TUI).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_widgets_get_data_only_through_the_format_helpers():
    found = []
    for where, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in WIDGETS and node.args:
                found += [(where, part, node.lineno) for part in _unchecked(node.args[0])
                          if (where, part) not in KNOWN]
    assert not found, "wrap data in plain() or escape() (deskapp/tui/format.py): " + "; ".join(
        f"{where}:{line} {part}" for where, part, line in found)


def test_the_rule_catches_a_name_put_straight_into_a_label():
    tree = ast.parse('Static(f"Customer: {customer.name}")\nOption(plain(name))\nLabel(f"{escape(x)} {n}")')
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _name(node.func) in WIDGETS]
    assert [_unchecked(c.args[0]) for c in calls] == [["customer.name"], [], ["n"]]


def test_only_the_literal_data_table_is_used():
    wrong = []
    for where, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual") \
                    and any(a.name == "DataTable" for a in node.names) and where != "widgets/table.py":
                wrong.append(where)
    assert not wrong, f"import DataTable from deskapp.tui.widgets.table, not textual: {wrong}"
