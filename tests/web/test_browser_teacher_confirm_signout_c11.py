"""The teacher's page (issue 16, brief C11 items 6 and 7): 'Make a new rejoin code' asks first, naming the learner and
saying their devices will be signed out, and Cancel changes nothing; after 'class token --rotate' an open page hides
its figures and says how to log in again, with a link, instead of a grey 'Could not refresh' under a stale table.
Headless Chromium."""

from __future__ import annotations

import pytest

from actlab.store import Store
from web._class_pages import class_lab, teacher_page

pytestmark = pytest.mark.browser
CODES = {}


def _setup(store, klass):
    CODES["Ana"] = store.join(klass.id, "Ana")[1]
    store.record_attempt("Ana", "ex5", ["0.5"], {"status": "incorrect", "feedback": ""}, class_id=klass.id)


def _session(db, klass) -> int:
    return Store(db).db.execute("SELECT session_version FROM learners WHERE class_id = ?", (klass.id,))[0][0]


def test_a_new_rejoin_code_is_asked_for_first_and_cancel_changes_nothing(browser, tmp_path):
    db = str(tmp_path / "progress.sqlite3")
    with class_lab(tmp_path, setup=_setup) as (base, klass, token):
        context, page = teacher_page(browser, base, token)
        page.locator('tr[data-learner="Ana"]').wait_for(timeout=30_000)
        page.get_by_label("Learner who lost their rejoin code").fill("ANA")
        page.get_by_role("button", name="Make a new rejoin code").click()
        question = page.locator("#rejoin-question")
        question.wait_for(timeout=10_000)
        assert question.text_content() == ("Make a new rejoin code for Ana? Their old code stops working, and every "
                                           "device that joined as Ana is signed out at once (a page they have open "
                                           "says why); they rejoin with the new code.")
        assert _session(db, klass) == 1  # nothing sent yet
        page.get_by_role("button", name="Cancel").click()
        assert page.locator("#rejoin-confirm").is_hidden()
        assert page.locator("#rejoin-status").text_content() == ("No new code: Ana keeps their rejoin code and stays "
                                                                 "signed in.")
        assert _session(db, klass) == 1
        page.get_by_role("button", name="Make a new rejoin code").click()
        page.get_by_role("button", name="Sign Ana out and make a new code").click()
        page.locator("#rejoin-status strong").wait_for(timeout=10_000)
        assert _session(db, klass) == 2
        context.close()


def test_a_rotated_token_hides_the_figures_and_links_to_the_login(browser, tmp_path):
    db = str(tmp_path / "progress.sqlite3")
    with class_lab(tmp_path, setup=_setup) as (base, klass, token):
        context, page = teacher_page(browser, base, token)
        page.locator('tr[data-learner="Ana"]').wait_for(timeout=30_000)
        Store(db).rotate_token(klass.id)
        note = page.locator("#signed-out-note")
        note.wait_for(state="visible", timeout=15_000)
        assert "You are no longer logged in as this class's teacher" in note.text_content()
        assert page.locator("#summary").is_hidden() and page.locator("#class-tools").is_hidden()
        assert not page.get_by_text("Could not refresh").is_visible()
        page.locator("#signed-out-note a").click()
        page.wait_for_url(base + "/teacher/login")
        context.close()
