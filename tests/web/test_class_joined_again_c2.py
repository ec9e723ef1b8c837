"""A joined learner who reloads the welcome page or opens /join sees that they are in, under their name (issue 16,
brief C2 item 6): the reload sent the form again and answered "'Nia' is taken in this class", and /join showed an
empty form. Another name sent from the same browser still joins as before. API tests on both store backends, and
the reload in Chromium."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from actlab.store import Store
from actlab.web.app import create_app
from databases import BACKENDS, database
from web._class_pages import DESKTOP, class_lab


@pytest.fixture(params=BACKENDS)
def lab(request, tmp_path):
    with database(request.param, tmp_path) as location:
        klass, _ = Store(location).create_class("physics 2a")
        yield location, klass


def _send_form(c: TestClient, code: str, name: str):
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/join?another=1").text)
    data = {"code": code, "name": name, "rejoin_code": "", "csrf": csrf.group(1) if csrf else "stale"}
    return c.post("/join", data=data, headers={"Origin": "http://testserver"})


def test_the_form_sent_again_and_join_opened_while_joined_say_you_are_in(lab):
    location, klass = lab
    c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver")
    first = _send_form(c, klass.code, "Nia")
    assert first.status_code == 200 and "Welcome, Nia" in first.text
    code = re.search(r'id="rejoin-code">([A-Z0-9]+)<', first.text).group(1)
    again = _send_form(c, klass.code.lower(), " nia ")  # as the browser sends it again on reload, or retyped
    assert again.status_code == 200, again.text
    assert "Welcome, Nia" in again.text and "is taken" not in again.text
    assert '<div id="again" >' in again.text and code not in again.text  # the note shown, the code not
    page = c.get("/join")
    assert page.status_code == 200 and "Welcome, Nia" in page.text and "physics 2a" in page.text
    assert 'name="code"' not in page.text and "/join?another=1" in page.text  # not an empty join form
    other = _send_form(c, klass.code, "Omar")  # another person on this browser joins as before
    assert other.status_code == 200 and "Welcome, Omar" in other.text and '<div id="again" hidden>' in other.text
    assert [x.name for x in Store(location).learners(klass.id)] == ["Nia", "Omar"]


def test_join_is_the_plain_form_for_a_browser_that_has_not_joined(lab):
    location, _ = lab
    c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)), base_url="http://testserver")
    page = c.get("/join")
    assert 'name="code"' in page.text and "Welcome" not in page.text


@pytest.mark.browser
def test_reloading_the_welcome_page_shows_the_learner_in(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, _):
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(base + "/join")
        page.get_by_label("Class code").fill(klass.code)
        page.get_by_label("Your name").fill("Nia")
        page.get_by_role("button", name="Join").click()
        page.wait_for_selector("#rejoin-code")
        page.reload()
        assert page.get_by_role("heading", name="Welcome, Nia").is_visible()
        assert "is taken" not in page.content()
        assert page.locator("#again").is_visible() and not page.locator("#rejoin").is_visible()
        page.screenshot(path="/tmp/actlab-shots/c2-joined-reload.png", full_page=True)
        page.goto(base + "/join")
        assert page.get_by_role("heading", name="Welcome, Nia").is_visible()
        context.close()
