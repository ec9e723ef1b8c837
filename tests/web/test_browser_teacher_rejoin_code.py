"""The teacher's page gives a learner who lost their rejoin code a new one (issue 16, brief C item 2): the teacher
types the name, the page shows the new code once, and a learner in another browser rejoins with it, while the old
code is refused. Headless Chromium."""

from __future__ import annotations

import pytest

from actlab.store import Store
from tests._browser import shot
from web._class_pages import DESKTOP, class_lab, teacher_page

pytestmark = pytest.mark.browser
CODES = {}


def _setup(store, klass):
    CODES["Ana"] = store.join(klass.id, "Ana")[1]


def test_the_teacher_makes_a_new_rejoin_code_and_the_learner_rejoins_with_it(browser, tmp_path):
    with class_lab(tmp_path, setup=_setup) as (base, klass, token):
        context, page = teacher_page(browser, base, token)
        page.locator('tr[data-learner="Ana"]').wait_for(timeout=30_000)
        page.get_by_label("Learner who lost their rejoin code").fill("ana")
        page.get_by_role("button", name="Make a new rejoin code").click()
        page.get_by_role("button", name="Sign Ana out and make a new code").click()  # it asks first (brief C11)
        status = page.locator("#rejoin-status")
        status.locator("strong").wait_for(timeout=10_000)
        new = status.locator("strong").text_content()
        assert new and new != CODES["Ana"]
        assert "New rejoin code for Ana" in status.text_content()
        assert "not shown again, and their old code no longer works" in status.text_content()
        shot(page, "teacher-rejoin-code", page.locator("#rejoin-form").locator(".."))
        page.get_by_label("Learner who lost their rejoin code").fill("Zed")
        page.get_by_role("button", name="Make a new rejoin code").click()
        page.wait_for_function("document.querySelector('#rejoin-status').textContent.startsWith('No new code')")
        assert "nobody named 'Zed' has joined this class" in status.text_content()
        context.close()

        learner = browser.new_context(viewport=DESKTOP)
        tab = learner.new_page()
        for code, expect in ((CODES["Ana"], "not the one 'Ana' was shown at joining"), (new, "Welcome, Ana")):
            tab.goto(base + "/join")
            tab.get_by_label("Class code").fill(klass.code)
            tab.get_by_label("Your name").fill("Ana")
            tab.get_by_label("Rejoin code").fill(code)
            tab.get_by_role("button", name="Join").click()
            tab.wait_for_load_state()
            assert expect in tab.locator("main").text_content()
        learner.close()
        assert [r.name for r in Store(str(tmp_path / "progress.sqlite3")).learners(klass.id)] == ["Ana"]
