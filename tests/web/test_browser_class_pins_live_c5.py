"""A learner's playground page in headless Chromium while the teacher pins a setting: Play on the run made before
the pin starts a new run with the class's value, and the page says the run on screen uses the new pins (issue 16,
walkthrough W4 item 1)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests._browser import shot
from web._class_pages import class_lab, learner_page, teacher_headers

pytestmark = pytest.mark.browser


def test_play_after_the_teacher_pins_the_rate_trains_with_the_pinned_rate(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?lr=0.3&dataset=circle")
        texts = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda p: texts.append(p) if isinstance(p, str)
                                               else None))
        page.reload()
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        page.locator("#status").filter(has_text="press Play").wait_for(timeout=60_000)
        # the learner trains a while before the teacher pins: the old run's curve is on the chart
        page.locator("#play").click()
        page.wait_for_function("() => Number(document.getElementById('loss-chart').dataset.points) >= 12",
                               timeout=60_000)
        page.locator("#play").click()  # pause
        old_points = int(page.locator("#loss-chart").get_attribute("data-points"))
        res = httpx.put(base + "/api/class/teacher/playground", json={"config": {"lr": 0.03}, "pinned": ["lr"]},
                        headers=teacher_headers(base, token))
        assert res.status_code == 200, res.text
        page.locator("#pins-changed").filter(has_text="now pinned: learning rate 0.03").wait_for(timeout=30_000)
        before = len(texts)
        page.locator("#play").click()
        deadline = time.monotonic() + 30
        readies = []
        while not readies and time.monotonic() < deadline:
            page.wait_for_timeout(200)
            readies = [json.loads(t) for t in texts[before:] if '"ready"' in t]
        assert readies, texts[before:]
        assert readies[0]["config"]["lr"] == 0.03 and "restarted" in readies[0], readies[0]
        note = page.locator("#pins-changed")
        note.filter(has_text="The run on screen started with these pins").wait_for(timeout=10_000)
        page.wait_for_function("() => Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 3",
                               timeout=30_000)
        assert page.locator("#status").text_content().startswith("Training")
        # the new run's curve starts afresh (it was drawn over the old one, with a line back to epoch 0): one run's
        # epochs, in order
        chart = page.locator("#loss-chart")
        assert chart.get_attribute("data-ascending") == "true", (old_points, chart.get_attribute("data-points"))
        shot(page, "c5-play-after-pin")
        context.close()
