"""Issue 17 (R8): a playground run that blows up at a high learning rate tells the climb before its NaN (headless
Chromium). Before, the page read only 'diverged at step 11: the loss became NaN or infinite; the network keeps its
last finite weights'. The reference is the engine's own losses: the same run's settings trained here, update by
update, through the Python API."""

from __future__ import annotations

import math

import pytest

from actlab.session import RunConfig, build_trainer
from actlab.training import RECENT_LOSSES
from web.conftest import shot

pytestmark = pytest.mark.browser
SETTINGS = {"layers": "8,8", "activations": "linear", "loss": "cross-entropy", "lr": "3", "wseed": "5"}


def engine_losses() -> tuple[int, list[tuple[int, float]]]:
    """The step of the NaN and the finite losses of the updates before it, as the engine returns them."""
    t = build_trainer(RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=3.0, weight_seed=5))
    losses = {}
    while not t.diverged:
        k = t.step_count + 1
        losses[k] = t.step()
    d = t.diverged_at_step
    return d, [(k, losses[k]) for k in range(max(1, d - RECENT_LOSSES), d)]


def test_a_blow_up_reads_the_climb_before_the_nan_with_the_engine_s_own_losses(page):
    d, before = engine_losses()
    assert len(before) >= 2 and before[-1][1] > 1e3 * before[0][1] and not math.isnan(before[-1][1])
    page.goto(page.base + "/playground?" + "&".join(f"{k}={v}" for k, v in SETTINGS.items()))
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.getElementById('gradient-reading').textContent.includes('iverged')",
                           timeout=60_000)
    words = page.locator("#gradient-reading .reading-words").text_content()
    (a, _), (b, last) = before[0], before[-1]
    first = min(v for _, v in before[:len(before) // 2])  # R10: the lowest of the window's earlier half
    assert words.startswith(f"Diverged at step {d}: the loss became NaN or infinite"), words
    assert f"the loss grew first, from {first:.3g} to {last:.3g}" in words, words
    # R10: the engine saw every update; these are their batches' losses, not samples
    assert f"between steps {a} and {b} (each update's batch loss)" in words and "sampled" not in words, words
    remedy = page.locator("#gradient-reading .reading-remedy").text_content()
    # the playground has no clipping setting, so the remedy does not offer it
    assert "Lower the learning rate" in remedy and "clip" not in remedy
    shot(page, "playground-r8-blow-up-climb", page.locator("#gradient-reading"))
    shot(page, "playground-r8-blow-up-page")
    assert page.console_errors == []


def test_a_run_that_learned_then_had_its_learning_rate_raised_reads_not_learning_any_more(page):
    # the learner trains the circle to a low loss, then raises the learning rate while it plays (the lab's highest,
    # 10): before R8 the page read 'not learning: ... the loss is above chance' or 'starting', with no word of the
    # learning it had done
    page.goto(page.base + "/playground?layers=8,8&loss=cross-entropy&lr=0.3")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.getElementById('gradient-reading').textContent.startsWith('Healthy')"
                           " && Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= 30",
                           timeout=60_000)
    page.get_by_label("Learning rate", exact=True).select_option("10")
    page.wait_for_function("document.getElementById('gradient-reading').textContent.includes('any more')",
                           timeout=60_000)
    words = page.locator("#gradient-reading .reading-words").text_content()
    # R10: the engine's judged loss is a frame's loss on the whole training set, not a mean of sampled batches
    assert words.startswith("Not learning any more: the training loss had come down to "), words
    assert "sampled" not in words, words
    assert "% below chance, and the loss has risen to " in words and "times chance" in words
    remedy = page.locator("#gradient-reading .reading-remedy").text_content()
    assert "lower the learning rate" in remedy
    shot(page, "playground-r8-lr-raised", page.locator("#gradient-reading"))
    assert page.console_errors == []
