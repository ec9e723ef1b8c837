"""The teacher page's playground form in headless Chromium: a link's own learning rate is what a ticked "lr" pins
(not the run's default), the learner's run then trains at it, and the page shows the link learners open with a
word on what happens to a learner's link that says otherwise (pinned_overrides)."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database
from web._class_pages import class_lab, teacher_page


@pytest.mark.browser
def test_a_ticked_lr_pins_the_links_lr_and_the_page_shows_the_learners_link(browser, tmp_path):
    with class_lab(tmp_path) as (base, _, token):
        context, page = teacher_page(browser, base, token)
        # the teacher sets the playground up in another tab, as the page says, and copies its address
        setup = context.new_page()
        setup.goto(base + "/playground")
        setup.wait_for_selector("body[data-ready=true]", timeout=60_000)
        setup.locator("#lr").select_option("0.3")
        setup.locator("#network .feature input[value=x1x2]").check()
        setup.wait_for_function("location.search.includes('features=')")
        link = setup.url
        assert "lr=0.3" in link
        page.get_by_label("Playground link").fill(link)
        for name in ("lr", "features"):
            page.locator(f"#pin-boxes input[value={name}]").check()
        page.get_by_role("button", name="Save for the class").click()
        page.wait_for_selector("#learner-link")
        saved = httpx.get(base + "/api/class/playground", headers={"Authorization": f"Bearer {token}"}).json()
        assert saved["config"]["lr"] == 0.3 and saved["pinned"] == ["features", "lr"]
        assert saved["config"]["features"] == ["x1", "x2", "x1x2"]
        assert "0.3" in page.locator("#playground-saved tr[data-setting=lr]").text_content()
        shown = page.locator("#learner-link a").text_content()
        assert "lr=0.3" in shown and "hide=" in shown and "features" in shown
        assert "pinned_overrides" in page.locator("#playground-saved").text_content()
        page.screenshot(path="/tmp/actlab-shots/teacher-playground.png", full_page=True)
        context.close()


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, token = Store(location).create_class("physics 2a")
        yield location, klass, token


def test_a_link_with_lr_and_a_ticked_lr_pins_the_links_value_for_the_learners_run(lab):
    location, klass, token = lab
    teacher = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    teacher.headers["Authorization"] = f"Bearer {token}"
    res = teacher.put("/api/class/teacher/playground", json={
        "config": {}, "pinned": ["lr"], "link": "http://127.0.0.1:8765/playground?lr=0.3&dataset=spiral"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["config"]["lr"] == 0.3 and "lr=0.3" in body["learner_link"]
    ana = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    assert ana.post("/api/class/join", json={"code": klass.code, "name": "Ana"}).status_code == 200
    with ana.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {}}))
        ready = json.loads(ws.receive_text())
    # the unpinned data set is only where the page starts
    assert ready["type"] == "ready" and ready["config"]["lr"] == 0.3
