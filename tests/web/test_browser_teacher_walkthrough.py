"""The teacher page as a fresh pair of eyes found it, in headless Chromium: its example link opens a playground that
shows what the words promise; its "Hideable:" list is the playground's own list (the one its hide= error names);
a refused stop rule's default reads "none"; and in class mode at 1280 px the Learners table fits its card and the
"Playground link" box holds the class's saved link."""

from __future__ import annotations

import httpx
import pytest

from _browser import shot
from web._class_pages import class_lab, teacher_page

pytestmark = pytest.mark.browser

HIDEABLE_JS = "import('/static/js/playground-state.js').then((m) => Object.keys(m.HIDEABLE))"
# what a learner can still use on a page with every control hidden: the run buttons and the views' own ticks
STILL_USABLE = {"Play", "Step", "Reset", "Show test data", "Discretize output"}


def visible_controls(page) -> set[str]:
    """The aria-labels (or text) of the buttons, selects and inputs a learner can see and use."""
    return set(page.evaluate("""() => [...document.querySelectorAll('button, select, input')]
      .filter((el) => el.offsetParent !== null && !el.disabled)
      .map((el) => el.getAttribute('aria-label') || el.textContent.trim())"""))


def test_the_example_link_opens_a_playground_with_only_the_run_buttons(page):
    page.goto(page.base + "/teacher")
    page.wait_for_selector("body[data-ready=true]")
    words = page.locator("#local-links").text_content()
    page.locator("#example-link").click()
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    assert not page.locator("#url-problems").is_visible()
    shown = visible_controls(page)
    assert shown <= STILL_USABLE, shown - STILL_USABLE  # no rate, epochs, stop rule, layer or neuron button, slider
    assert {"Play", "Step", "Reset"} <= shown
    for gone in ("Learning rate", "Epochs per frame", "Stop at epoch", "Target test loss", "Add hidden layer",
                 "Noise", "Batch size", "Ratio of training to test data"):
        assert gone not in shown and gone not in words
    assert page.locator("#network .layer-col button").evaluate_all("bs => bs.filter((b) => b.offsetParent).length") == 0
    assert page.locator("#output-surface").is_visible() and page.locator("#loss-chart").is_visible()
    assert "Play, Step and Reset" in " ".join(words.split())  # the words name what stays
    assert page.console_errors == []
    shot(page, "teacher-example-link")


def test_the_hideable_list_is_the_playgrounds_own(page):
    page.goto(page.base + "/teacher")
    page.wait_for_selector("body[data-ready=true]")
    keys = page.evaluate(HIDEABLE_JS)
    assert "problem" in keys
    listed = page.locator("#hideable").text_content().strip().rstrip(".").split(", ")
    assert listed == keys
    page.goto(page.base + "/playground?hide=bogus")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    error = page.locator("#url-problems").text_content()
    assert "bogus" in error and all(k in error for k in keys), error


@pytest.mark.parametrize("query", ["stop_epoch=-5", "stop_epoch=2000000"])
def test_a_refused_stop_rule_falls_back_to_none_not_null(page, query):
    page.goto(page.base + "/playground?" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    error = page.locator("#url-problems").text_content()
    assert "stop_epoch" in error and "using the default (none)" in error and "null" not in error, error


def _two_learners(store, klass):
    for name in ("Ana", "Bob"):
        store.join(klass.id, name)
        store.record_attempt(name, "ex2", ["1", "1"], {"status": "incorrect", "feedback": "no"}, class_id=klass.id)


@pytest.fixture
def class_with_learners(tmp_path):
    saved = {"config": {"dataset": "xor", "lr": 0.1, "stop_epoch": 300}, "pinned": ["lr"]}
    with class_lab(tmp_path, playground=saved, setup=_two_learners) as (base, _, token):
        yield base, token


def test_the_class_teacher_page_fits_1280_and_shows_the_saved_link(browser, class_with_learners):
    base, token = class_with_learners
    context, page = teacher_page(browser, base, token)
    region = page.locator("#learners .table-scroll")
    widths = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
    assert widths[0] <= widths[1], widths  # no sideways scrolling at 1280 px
    last = page.locator("#learners thead th").last
    assert last.evaluate("th => th.getBoundingClientRect().right") <= region.evaluate(
        "r => r.getBoundingClientRect().right") + 0.5
    saved = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
    link = page.get_by_label("Playground link").input_value()
    assert link and link == saved["learner_link"] and "lr=0.1" in link
    # saving the ticks again, the link untouched, keeps every saved setting (stop_epoch has no link key)
    page.get_by_role("button", name="Save for the class").click()
    page.wait_for_function("document.getElementById('playground-status').textContent.startsWith('Saved')")
    again = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
    assert again["config"] == saved["config"] and again["pinned"] == ["lr"]
    shot(page, "teacher-class-1280")
    context.close()
