"""The teacher page's playground form in headless Chromium: text that is not a playground link, and a link with a
value the learners' playground refuses, are not saved, and the page says why in the API's words (issue 16,
walkthrough W4 items 2 and 3)."""

from __future__ import annotations

import httpx
import pytest

from tests._browser import shot
from web._class_pages import class_lab, teacher_page

pytestmark = pytest.mark.browser


def test_the_teacher_page_refuses_what_is_not_a_playground_link(browser, tmp_path):
    saved = {"config": {"lr": 0.3, "dataset": "spiral"}, "pinned": ["lr"]}
    with class_lab(tmp_path, playground=saved) as (base, _, token):
        context, page = teacher_page(browser, base, token)
        status = page.locator("#playground-status")
        for text, words in [("lr 0.1 please", "Not saved: link: not a playground link"),
                            (base + "/lesson#acts=relu,gelu", "it opens /lesson, not /playground"),
                            (base + "/playground?lr=50&dataset=xor", "Not saved: lr: 50 is beyond the playground's "
                                                                       "control; allowed: 0 to 10")]:
            page.get_by_label("Playground link").fill(text)
            page.get_by_role("button", name="Save for the class").click()
            status.filter(has_text=words).wait_for(timeout=10_000)
            assert "Saved" not in status.text_content()
            if text == "lr 0.1 please":
                assert "/playground?dataset=xor&lr=0.03" in status.text_content()  # what a link looks like
                shot(page, "c5-teacher-not-a-link", page.locator("#playground-form").locator(".."))
        now = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
        assert now["config"] == saved["config"] and now["pinned"] == ["lr"]  # the class keeps its settings
        context.close()
