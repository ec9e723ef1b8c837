"""P19 finding 1 in headless Chromium: a run stopped by its stop rule says which setting holds it, outlines that
control, and a Play that finds the rule met trains nothing and says so (it trained one more epoch a press and stopped
again with "Stopped at epoch 6.", never naming the stop epoch). Raising the stop epoch lets Play train on."""

from __future__ import annotations

import pytest

from _browser import open_playground
from web.conftest import shot

pytestmark = pytest.mark.browser

STATUS = "document.getElementById('status').textContent"


def _counts(page) -> tuple[str, str]:
    return page.locator("#epoch").text_content(), page.locator("#step-count").text_content()


def test_play_at_the_stop_epoch_says_what_holds_the_run_and_trains_nothing(page):
    open_playground(page, "stop_epoch=5&speed=5")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{STATUS}.startsWith('Stopped at epoch 5.')", timeout=60_000)
    assert "raise the stop epoch or clear it, then press Play" in page.locator("#status").text_content()
    assert "holds-run" in page.locator("#ctl-stop").get_attribute("class")
    page.wait_for_function("document.getElementById('epoch').textContent === '5'")  # the queued last frame drawn
    before = _counts(page)
    for _ in range(2):
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(f"{STATUS}.startsWith('Nothing trained: the run is at epoch 5, at its stop epoch (5)')")
        page.wait_for_timeout(500)  # a frame trained after the words would show in the counts by now
        assert _counts(page) == before
        assert page.get_by_role("button", name="Play").is_visible()  # not left on Pause
    assert page.locator("#status.error").count() == 1  # said as a refusal, not as a calm status
    shot(page, "p19-stop-epoch-again", page.locator("header.top, #run-controls").first)
    shot(page, "p19-stop-epoch-again-bar", page.locator("#run-controls"))
    box = page.get_by_label("Stop at epoch")
    box.fill("10")
    box.press("Enter")
    assert "holds-run" not in (page.locator("#ctl-stop").get_attribute("class") or "")
    page.wait_for_function(f"{STATUS} === 'Ready: press Play.'")  # the words about the old rule go with it
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{STATUS}.startsWith('Stopped at epoch 10.')", timeout=60_000)
    page.wait_for_function("document.getElementById('epoch').textContent === '10'")
    assert page.console_errors == []


def test_play_with_the_target_loss_met_says_so_and_outlines_the_target(page):
    open_playground(page, "target_loss=5")  # above any loss of the default run: met before training
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{STATUS}.startsWith('Nothing trained: the test loss, ')", timeout=60_000)
    said = page.locator("#status").text_content()
    shown = page.locator("#test-loss").text_content()  # the page's own test loss, rounded by the page
    assert float(shown) == pytest.approx(float(said.split(", ")[1]), abs=1e-3)
    assert "is at or below the target loss (5). To train on, lower the target loss or clear it" in said
    assert "holds-run" in page.locator("#ctl-target").get_attribute("class")
    assert _counts(page) == ("0", "0")
    shot(page, "p19-target-met-bar", page.locator("#run-controls"))
    box = page.get_by_label("Target test loss")
    box.fill("")
    box.press("Enter")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent) >= 2", timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    assert page.console_errors == []
