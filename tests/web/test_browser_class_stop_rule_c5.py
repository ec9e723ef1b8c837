"""A learner's playground page in headless Chromium, in a class whose teacher saved a stop epoch without pinning it:
the page opens with the class's stop epoch filled in, editable, and the run stops there (issue 16, walkthrough W4
item 4: the rule never reached the learners, whose runs went on)."""

from __future__ import annotations

import pytest

from tests._browser import shot
from web._class_pages import class_lab, learner_page

pytestmark = pytest.mark.browser


def test_the_classs_unpinned_stop_epoch_stops_the_learners_run(browser, tmp_path):
    saved = {"config": {"stop_epoch": 6, "dataset": "xor"}, "pinned": []}
    with class_lab(tmp_path, playground=saved) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground")
        assert "stop_epoch=6" in page.url
        stop = page.locator("#stop_epoch")
        assert stop.is_visible() and stop.is_editable() and stop.input_value() == "6"
        page.locator("#status").filter(has_text="press Play").wait_for(timeout=60_000)
        page.locator("#play").click()
        page.locator("#status").filter(has_text="Stopped at epoch 6").wait_for(timeout=60_000)
        # the last frame may be drawn a moment after the run says it stopped (the page queues a few frames)
        page.wait_for_function("() => document.getElementById('epoch').textContent === '6'", timeout=10_000)
        page.wait_for_timeout(500)
        assert page.locator("#epoch").text_content() == "6"  # and it went no further
        assert "Play" in page.locator("#play").text_content()
        shot(page, "c5-class-stop-epoch")
        context.close()
