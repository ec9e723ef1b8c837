"""A class's pinned playground in headless Chromium: a learner's page starts from the teacher's settings with the
pinned controls hidden, and a hidden control made visible again and used is refused by the server."""

from __future__ import annotations

import json

import httpx
import pytest

from actlab.store import Store
from databases import database
from web.conftest import _free_port
from web.test_browser_classroom import _in_thread

pytestmark = pytest.mark.browser

PINNED = {"config": {"dataset": "xor", "layers": [3], "activations": ["relu"], "lr": 0.1, "epochs_per_frame": 2},
          "pinned": ["dataset", "layers", "activations", "lr", "epochs_per_frame"]}


@pytest.fixture
def pinned_class(tmp_path):
    with database("sqlite", tmp_path) as db:
        klass, token = Store(db).create_class("physics 2a")
        port = _free_port()
        stop = _in_thread(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            res = httpx.put(base + "/api/class/teacher/playground", json=PINNED, headers={
                "Authorization": f"Bearer {token}", "Origin": base})
            assert res.status_code == 200, res.text
            yield base, klass
        finally:
            stop()


def test_the_pinned_controls_are_hidden_and_the_server_refuses_them_when_unhidden(browser, pinned_class):
    base, klass = pinned_class
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/join")
    page.get_by_label("Class code").fill(klass.code)
    page.get_by_label("Your name").fill("Ana")
    page.get_by_role("button", name="Join").click()
    page.goto(base + "/playground")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert "dataset=xor" in page.url and "hide=" in page.url
    for control in ("#ctl-lr", "#ctl-dataset", "#ctl-speed", "#ctl-activation", "#add-layer", "#ctl-csv"):
        assert not page.locator(control).is_visible(), control
    assert not page.locator("#url-problems").is_visible()  # the link the server made is one the page accepts
    assert page.locator("#ctl-init").is_visible()  # an unpinned control stays

    # a learner un-hides the learning rate and changes it: the server refuses, by name
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    with page.expect_websocket() as opened:
        page.reload()
    socket = opened.value
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    answers = []
    socket.on("framereceived", lambda payload: answers.append(payload) if isinstance(payload, str) else None)
    page.evaluate("document.getElementById('ctl-lr').hidden = false; "
                  "document.getElementById('ctl-lr').style.display = 'block'")
    lr = page.locator("#lr")
    other = next(v for v in lr.locator("option").evaluate_all("os => os.map(o => o.value)") if float(v) != 0.1)
    lr.select_option(other)
    page.wait_for_function("document.getElementById('status').textContent.includes('pinned by your teacher')",
                           timeout=15_000)
    errors = [json.loads(a) for a in answers if '"error"' in a]
    assert errors and errors[-1]["field"] == "lr"
    context.close()
