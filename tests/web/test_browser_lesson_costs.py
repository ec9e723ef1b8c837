"""The lesson's GELU cost note shows the shipped benchmark table, with its source and PyTorch's figures."""

from __future__ import annotations

import re

import pytest

from actlab.activations import costs

pytestmark = pytest.mark.browser


def test_the_cost_note_prints_the_shipped_table_in_its_order_with_where_it_was_measured(page):
    table = costs.shipped()
    page.goto(page.base + "/lesson#llm")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    note = page.locator("#gelu-numbers .costs")
    note.wait_for(timeout=60_000)
    text = " ".join(note.text_content().split())
    assert "Measured by bench/activations.py --lesson-table" in text and table.measured_at in text
    assert "while it serves the page" not in text
    printed = re.findall(r"\b(relu|quick_gelu|gelu_tanh|gelu) \d", text)
    assert printed == table.cost_order  # cheapest first, as measured
    assert text.count("(PyTorch ") == len(table.torch_ns_per_element)  # the peer beside each figure it has
    assert "predate the current code" not in text  # the shipped table is current (tests/activations/test_costs.py)
    assert page.console_errors == []
