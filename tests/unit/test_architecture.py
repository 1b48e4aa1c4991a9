"""The module graph of deskapp has no import cycle, and no module is longer than its docstring allows.

Every import counts, those inside functions too: a lazy import only hides a circle. The layers
(tui -> core -> db, config; the domain packages' allowed arrows) are import-linter contracts in
pyproject.toml, run by .ci/run; this test is the cycle check it cannot express per module.
"""
from __future__ import annotations

import ast
from pathlib import Path

import deskapp

PACKAGE = Path(deskapp.__file__).parent
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = ("deskapp",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts}


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The deskapp modules this file imports: `from pkg import mod` counts mod when it is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
                elif base in known:
                    found.add(base)
    return found - {name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(path, name, set(mods)) for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected component of more than one module (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_any_two_modules():
    # A package's __init__ that re-exports its modules is not a cycle with them: the modules import
    # their siblings, never the package; the edge package -> module is all there is.
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_lazy_circle(tmp_path):
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from deskapp.core import queue\n    import deskapp.db.models\n")
    assert imports_of(sample, "deskapp.x", {"deskapp.core", "deskapp.core.queue", "deskapp.db.models"}) == {
        "deskapp.core.queue", "deskapp.db.models"}


def test_no_module_over_450_lines_unless_its_docstring_says_why():
    long = []
    for name, path in modules().items():
        lines = path.read_text(encoding="utf-8").count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > MAX_LINES and "longer than" not in doc:
            long.append(f"{name}: {lines} lines")
    assert long == []
