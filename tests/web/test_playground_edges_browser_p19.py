"""P19 finding 3 in headless Chromium: the playground at its edges, as a learner presses things. Each case said
something untrue or nothing before: a refused stop epoch stayed in its box and the address while the run never
stopped; a Step on a playing run left "Training…" over a paused run; a reload started the run again at epoch 0 with
"Ready: press Play." only; a Step on a diverged run did nothing and said nothing."""

from __future__ import annotations

import pytest

from _browser import open_playground
from web.conftest import shot

pytestmark = pytest.mark.browser

STATUS = "document.getElementById('status').textContent"
NAN_RUN = "dataset=circle&activations=linear&loss=cross-entropy&lr=10&layers=8,8"  # diverges in its first epoch


def _query(page) -> str:
    return page.evaluate("new URLSearchParams(location.search).get('stop_epoch')")


def test_a_refused_stop_epoch_goes_back_to_the_rule_in_force(page):
    open_playground(page, "stop_epoch=30")
    box = page.get_by_label("Stop at epoch")
    for bad in ("-5", "2.5"):
        box.fill(bad)
        box.press("Enter")
        page.wait_for_function(f"{STATUS}.startsWith('Stop at epoch: ')")
        said = page.locator("#status").text_content()
        assert said.endswith(f"got {bad}. It stays at epoch 30."), said
        assert box.input_value() == "30" and _query(page) == "30"  # the box and the link: the rule the run has
    shot(page, "p19-stop-epoch-refused", page.locator("header.top"))
    box.fill("3")
    box.press("Enter")
    page.wait_for_function(f"{STATUS} === 'Ready: press Play.'")  # the refusal's words go with a new value
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{STATUS}.startsWith('Stopped at epoch 3.')", timeout=60_000)  # the rule sent, not 30
    assert page.console_errors == []


def test_a_step_on_a_playing_run_says_it_paused(page):
    open_playground(page)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent) >= 2", timeout=60_000)
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(f"{STATUS}.startsWith('Paused: Step trains one minibatch a press')")
    assert page.get_by_role("button", name="Play").is_visible()
    page.wait_for_timeout(600)
    steps = page.locator("#step-count").text_content()
    page.wait_for_timeout(600)
    assert page.locator("#step-count").text_content() == steps  # paused indeed
    assert page.console_errors == []


def test_a_reload_says_the_run_starts_again(page):
    open_playground(page, "speed=5")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent) >= 10", timeout=60_000)
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function(f"{STATUS}.startsWith('Reloaded: a reload starts the run again at epoch 0')",
                           timeout=60_000)
    assert page.locator("#epoch").text_content() == "0"
    open_playground(page, "speed=5")  # a new visit (not a reload) is only Ready
    assert page.locator("#status").text_content() == "Ready: press Play."
    assert page.console_errors == []


def test_step_and_play_on_a_diverged_run_say_nothing_trained(page):
    open_playground(page, NAN_RUN)
    page.get_by_role("button", name="Play").click()
    # the "stopped" words can come before the diverged frame is drawn (frames wait for the next animation frame):
    # the step counter is read once it shows the step the words name
    page.wait_for_function(f"{STATUS}.startsWith('Diverged at step') && {STATUS}.startsWith("
                           "`Diverged at step ${document.getElementById('step-count').textContent}:`)", timeout=60_000)
    steps = page.locator("#step-count").text_content()
    for button in ("Step", "Play"):
        page.evaluate("document.getElementById('status').textContent = ''")  # an answer shows as new words
        page.get_by_role("button", name=button).click()
        page.wait_for_function(f"{STATUS}.startsWith('Nothing trained: this run diverged at step {steps}')")
        assert page.locator("#status.error").count() == 1
        assert page.locator("#step-count").text_content() == steps
    shot(page, "p19-diverged-step", page.locator("header.top"))
    assert page.console_errors == []


def test_remove_layer_with_no_hidden_layer_says_why_nothing_changed(page):
    open_playground(page, "layers=2")
    page.get_by_role("button", name="Remove hidden layer").click()
    page.wait_for_function("document.getElementById('layer-count').textContent === '0 hidden layers'")
    page.wait_for_function(f"{STATUS}.includes('Ready')", timeout=60_000)
    page.get_by_role("button", name="Remove hidden layer").click()  # none left: it said nothing and did nothing
    page.wait_for_function(f"{STATUS} === 'No hidden layer to remove: the inputs feed the output directly.'")
    assert page.locator("#layer-count").text_content() == "0 hidden layers"
    assert page.console_errors == []
