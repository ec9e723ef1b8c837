"""When the teacher gives every pin back, the learner's page says the settings are theirs again, not that the next run
"starts with these pins" (walkthrough W4: the banner said so with nothing pinned)."""

from __future__ import annotations

import httpx
import pytest

from tests._browser import shot
from web._class_pages import class_lab, learner_page, teacher_headers

pytestmark = pytest.mark.browser


def test_the_note_says_every_setting_is_the_learners_when_nothing_is_pinned(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, token):
        res = httpx.put(base + "/api/class/teacher/playground", json={"config": {"lr": 0.03}, "pinned": ["lr"]},
                        headers=teacher_headers(base, token))
        assert res.status_code == 200, res.text
        context, page = learner_page(browser, base, klass.code, "/playground?dataset=circle")
        page.reload()
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        page.locator("#status").filter(has_text="press Play").wait_for(timeout=60_000)
        res = httpx.put(base + "/api/class/teacher/playground", json={"config": {"lr": 0.03}, "pinned": []},
                        headers=teacher_headers(base, token))
        assert res.status_code == 200, res.text
        note = page.locator("#pins-changed")
        note.filter(has_text="nothing is pinned now").wait_for(timeout=30_000)
        text = note.text_content()
        assert "given back to you: learning rate" in text and "every setting is yours" in text, text
        assert "starts with these pins" not in text, text
        shot(page, "pins-all-given-back", note)
        context.close()
