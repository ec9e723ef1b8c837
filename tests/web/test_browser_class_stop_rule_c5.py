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
        page.wait_for_function("() => !document.getElementById('play').textContent.includes('Pause')",
                               timeout=60_000)
        assert page.locator("#epoch").text_content() == "6"
        shot(page, "c5-class-stop-epoch")
        context.close()
