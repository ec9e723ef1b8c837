"""The lesson's accuracy table says which of NumPy's routines measured it and how other CPUs differ (accuracy.json's
note, written by scripts/make_docs.py): the figures depend on the CPU, and the page says so."""

from __future__ import annotations

import json
from importlib import resources

import pytest

pytestmark = pytest.mark.browser


def test_the_accuracy_table_carries_the_note_on_where_it_was_measured(page):
    note = json.loads((resources.files("actlab") / "data" / "accuracy.json").read_text())["note"]
    assert "X86_V3" in note  # the level the table was measured at
    page.goto(page.base + "/lesson")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_selector("#accuracy table.data tbody tr", timeout=60_000)
    texts = page.locator("#accuracy p").all_text_contents()
    assert note in texts
    assert page.console_errors == []
