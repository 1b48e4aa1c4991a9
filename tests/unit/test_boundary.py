"""core, db and config never import textual or click (DESIGN.md, "Direction of imports")."""
from __future__ import annotations

import ast
from pathlib import Path

import deskapp

PACKAGE = Path(deskapp.__file__).parent
FORBIDDEN = {"textual", "click"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_db_config_never_import_the_ui_or_cli():
    offenders = []
    for layer in ("core", "db", "config"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            bad = imported_roots(path) & FORBIDDEN
            if bad:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {', '.join(sorted(bad))}")
    assert offenders == []


def test_the_walker_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from textual.app import App\n    import click.core\n")
    assert imported_roots(sample) == {"textual", "click"}
