"""Section 4's "inside a real model" panel in headless Chromium: the shipped figures, and a learner's sentence."""
# ruff: noqa: F811  (the web tests' fixtures are imported by name, and the tests take them as arguments)

from __future__ import annotations

import pytest

from web.conftest import shot

from .conftest import require_model

pytestmark = pytest.mark.browser


def open_panel(page):
    page.goto(page.base + "/lesson#llm")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    panel = page.locator("#inside-model")
    panel.scroll_into_view_if_needed()
    return panel


def test_panel_shows_the_measured_figures_and_the_swap_table_after_a_prediction(page):
    panel = open_panel(page)
    assert "perplexity" in panel.locator("#inside-summary").inner_text()
    assert panel.locator("#inside-hist .main-svg").count() > 0
    table = panel.get_by_role("table", name="SmolLM2 perplexity per replacement activation")
    assert not table.is_visible()  # hidden until the learner has predicted and opened it
    panel.locator("#inside-swap-box summary").click()
    assert table.locator("tbody tr").count() == 5
    assert "GELU − tanh GELU" in panel.locator("#inside-gelu").inner_text()
    assert page.console_errors == [] and page.outside_requests == []
    shot(page, "lesson-inside-real-model", panel)


def test_layer_slider_redraws_that_layers_histogram(page):
    panel = open_panel(page)
    slider = panel.get_by_role("slider", name="SmolLM2 layer")
    slider.fill("5")
    page.wait_for_function("document.querySelector('#inside-hist .gtitle')?.textContent.startsWith('Layer 5')")
    assert panel.locator("#inside-layer-out").inner_text() == "5"


@pytest.mark.real_model
def test_a_learners_sentence_runs_live_and_is_drawn_beside_the_text(page):
    require_model("smollm2")
    panel = open_panel(page)
    panel.get_by_label("Your own sentence (up to 64 tokens)").fill("The bridge was under water by morning.")
    panel.get_by_role("button", name="Run it through SmolLM2").click()
    page.wait_for_function("document.querySelector('#inside-status').textContent.startsWith('Your sentence')",
                           timeout=120_000)
    assert "perplexity" in panel.locator("#inside-status").inner_text()
    # the chart's legend is the page's own list under it (charts.js), one toggle button per line
    assert any("your sentence" in n for n in page.evaluate("document.getElementById('inside-negative').legendNames"))
    legend = panel.locator("#inside-negative ~ .chart-legend")
    assert "your sentence" in legend.inner_text()
    shot(page, "lesson-inside-real-model-live", panel)
