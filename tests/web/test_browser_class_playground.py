"""A class's pinned playground in headless Chromium: a learner's page starts from the teacher's settings with the
pinned controls hidden, and a hidden control made visible again and used is refused by the server."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from web._class_pages import class_lab, learner_page, teacher_page

pytestmark = pytest.mark.browser

PINNED = {"config": {"dataset": "xor", "layers": [3], "activations": ["relu"], "lr": 0.1, "epochs_per_frame": 2},
          "pinned": ["dataset", "layers", "activations", "lr", "epochs_per_frame"]}


@pytest.fixture
def pinned_class(tmp_path):
    with class_lab(tmp_path, playground=PINNED) as (base, klass, _):
        yield base, klass


def test_the_pinned_controls_are_hidden_and_the_server_refuses_them_when_unhidden(browser, pinned_class):
    base, klass = pinned_class
    context, page = learner_page(browser, base, klass.code, "/playground")
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
    lr = page.locator("#lr")
    other = next(v for v in lr.locator("option").evaluate_all("os => os.map(o => o.value)") if float(v) != 0.1)
    # unhide the control and choose a value in one task: the page hides pinned controls again as it redraws, and a
    # redraw between two Playwright calls made select_option wait for a visible element (CI at load, 30 s timeout)
    page.evaluate("""value => {
        const box = document.getElementById('ctl-lr'); box.hidden = false; box.style.display = 'block';
        const lr = document.getElementById('lr'); lr.value = value;
        lr.dispatchEvent(new Event('input', {bubbles: true})); lr.dispatchEvent(new Event('change', {bubbles: true}));
    }""", other)
    deadline = time.monotonic() + 30
    while not any('"error"' in a for a in answers) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    errors = [json.loads(a) for a in answers if '"error"' in a]
    assert errors and errors[-1]["field"] == "lr" and "pinned by your teacher" in errors[-1]["message"], (
        answers[-3:], [s[:200] for s in sent[-3:]])
    context.close()


def test_the_teacher_saves_the_class_playground_from_a_link_on_the_teacher_page(browser, tmp_path):
    with class_lab(tmp_path) as (base, _, token):
        context, page = teacher_page(browser, base, token)
        page.get_by_label("Playground link").fill(base + "/playground?dataset=spiral&lr=0.3&layers=5")
        for name in ("dataset", "lr"):
            page.locator(f"#pin-boxes input[value={name}]").check()
        page.get_by_role("button", name="Save for the class").click()
        page.wait_for_function("document.getElementById('playground-status').textContent.startsWith('Saved')")
        assert "pinned" in page.locator("#playground-saved tr[data-setting=dataset]").text_content()
        assert "pinned" not in page.locator("#playground-saved tr[data-setting=layers]").text_content()
        saved = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
        assert saved["pinned"] == ["dataset", "lr"] and saved["config"]["layers"] == [5]
        page.locator("#pin-boxes input[value=layers]").check()  # no link this time: the settings stay
        page.get_by_role("button", name="Save for the class").click()
        page.wait_for_function("document.querySelector('#playground-saved tr[data-setting=layers]')"
                               ".textContent.includes('pinned')")
        saved = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
        assert saved["config"]["dataset"] == "spiral" and saved["pinned"] == ["dataset", "layers", "lr"]
        context.close()
