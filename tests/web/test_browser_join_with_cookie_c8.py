"""/join in a browser that already signs a learner in (issue 16, brief C8 item 4; walkthrough W7 finding 9: "the
join page's code field could not be found"). The lab answers such a browser with its welcome page, which has no
form: a class link of another class (/join?code=...) showed "Welcome, Nia" of the old class and dropped the code,
and the way to the form ("Join as someone else") did not say it also joins another class. Now the page names who
this browser signs in, and its link to the form carries the link's class code, filled in."""

from __future__ import annotations

import httpx
import pytest

from _browser import shot
from web._class_pages import class_lab, learner_page
from web.test_accessibility import _axe_failures

pytestmark = pytest.mark.browser


def _two_classes(tmp_path):
    other = {}

    def setup(store, klass):
        other["class"], _ = store.create_class("chem 1b")

    return other, setup


def _me(context, base: str) -> dict:
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    return httpx.get(base + "/api/class/me", headers={"Cookie": cookies}).json()


def test_a_class_link_of_another_class_leads_to_a_form_with_its_code(browser, tmp_path):
    other, setup = _two_classes(tmp_path)
    with class_lab(tmp_path, setup=setup) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        code = other["class"].code
        page.goto(f"{base}/join?code={code}")
        main = page.locator("main")
        assert "Welcome, Nia" in main.inner_text() and "physics 2a" in main.inner_text()  # who this browser is
        assert f"carries the class code {code}" in main.inner_text()
        assert _axe_failures(page) == []
        shot(page, "c8-join-with-cookie-other-code", main)
        page.get_by_role("link", name=f"Join with the class code {code}").click()
        assert page.get_by_label("Class code").input_value() == code
        page.get_by_label("Your name").fill("Tom")
        page.get_by_role("button", name="Join").click()
        page.wait_for_selector("text=Welcome, Tom")
        assert _me(context, base) == {"mode": "class", "class": "chem 1b", "learner": "Tom", "teacher": False}
        context.close()


def test_join_opened_again_names_the_learner_and_leads_to_an_empty_form(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        page.goto(base + "/join")
        main = page.locator("main")
        assert "Welcome, Nia" in main.inner_text() and "carries the class code" not in main.inner_text()
        page.get_by_role("link", name="Join with a class code").click()
        assert page.get_by_label("Class code").input_value() == ""
        assert page.get_by_label("Your name").is_visible()
        context.close()
