"""PLAYGROUND_RESTART has one home, reading_record: no module re-exports it, and every import of it names that home
(S23 item 4: training.py re-exported it, so the playground and the tests reached one constant by two paths)."""

from __future__ import annotations

import ast
from pathlib import Path

import actlab.reading_record
import actlab.training

ROOT = Path(actlab.__file__).resolve().parents[2]


def _imports_of(name: str) -> list[tuple[str, str]]:
    """(file, module) of every `from module import name` in the package and its tests."""
    found = []
    for folder in (ROOT / "src" / "actlab", ROOT / "tests"):
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names):
                    found.append((str(path.relative_to(ROOT)), "." * node.level + (node.module or "")))
    return found


def test_playground_restart_is_imported_from_reading_record_only():
    found = _imports_of("PLAYGROUND_RESTART")
    assert found, "the playground's remedies name the Reset button through PLAYGROUND_RESTART: some module imports it"
    elsewhere = [(f, m) for f, m in found if m.rsplit(".", 1)[-1] != "reading_record"]
    assert not elsewhere, elsewhere


def test_training_does_not_re_export_it():
    assert actlab.reading_record.PLAYGROUND_RESTART == "press Reset"
    assert not hasattr(actlab.training, "PLAYGROUND_RESTART")
