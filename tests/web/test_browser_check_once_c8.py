"""A Check sent twice saves one attempt (issue 16, brief C8 item 1). The lesson page sent no attempt id and nothing
stopped a second send while the first was on its way: a double-click saved two attempts, and Check pressed again
after a reply was lost saved the answer again. The page now sends one Idempotency-Key per answer (the same on a
retry of that answer, a new one for a new answer) and sends nothing while an answer is in flight."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from _browser import shot
from actlab.store import Store
from actlab.web.app import create_app
from web._class_pages import class_lab, learner_page, teacher_headers


def _attempts(base: str, token: str) -> list[dict]:
    res = httpx.get(base + "/api/class/teacher/attempts", headers=teacher_headers(base, token))
    assert res.status_code == 200, res.text
    return res.json()


def _answer(page, text: str):
    card = page.locator("#exercise-ex5")
    card.locator("input").first.fill(text)
    return card


@pytest.mark.browser
def test_a_double_click_on_check_saves_one_attempt(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        card = _answer(page, "0.25")
        card.get_by_role("button", name="Check").dblclick()
        page.wait_for_function("document.querySelector('#exercise-ex5 .feedback strong')")
        page.wait_for_timeout(1000)  # a second request, had one gone out, has been answered by now
        assert len(_attempts(base, token)) == 1
        # a new answer is a new attempt
        _answer(page, "0.5")
        card.get_by_role("button", name="Check").click()
        page.wait_for_function("document.querySelector('#exercise-ex5 .feedback').textContent.includes('not yet')")
        assert [a["answer"] for a in _attempts(base, token)] == [["0.25"], ["0.5"]]
        context.close()


@pytest.mark.browser
def test_an_answer_whose_reply_was_lost_is_saved_once(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        lost = []

        def lose_first_reply(route):  # the server checks and saves the answer; its reply never reaches the page
            if not lost:
                lost.append(route.fetch().status)
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route("**/api/exercises/ex5/check", lose_first_reply)
        card = _answer(page, "0.25")
        card.get_by_role("button", name="Check").click()
        page.wait_for_function("document.querySelector('#exercise-ex5 .feedback p:not(.muted)')", timeout=20_000)
        # whatever the page showed (the verdict after its own retry, or an error), the learner presses Check again
        card.get_by_role("button", name="Check").click()
        page.wait_for_function("document.querySelector('#exercise-ex5 .feedback strong')", timeout=20_000)
        assert lost == [200]
        assert len(_attempts(base, token)) == 1
        assert card.locator(".feedback").inner_text().startswith("correct")
        shot(page, "c8-check-after-lost-reply", card)
        context.close()


@pytest.mark.browser
def test_a_lab_that_never_answers_is_said_and_check_works_again(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        page.route("**/api/exercises/ex5/check", lambda route: route.abort("connectionrefused"))
        card = _answer(page, "0.25")
        card.get_by_role("button", name="Check").click()
        page.wait_for_function("document.querySelector('#exercise-ex5 .feedback .error')", timeout=20_000)
        said = card.locator(".feedback").inner_text()
        assert "did not answer" in said and "Check again" in said and "Failed to fetch" not in said
        assert card.get_by_role("button", name="Check").is_enabled()
        shot(page, "c8-check-lab-not-answering", card)
        assert _attempts(base, token) == []
        page.unroute("**/api/exercises/ex5/check")
        card.get_by_role("button", name="Check").click()
        page.wait_for_function("document.querySelector('#exercise-ex5 .feedback strong')", timeout=20_000)
        assert len(_attempts(base, token)) == 1
        context.close()


def test_the_local_lab_saves_an_answer_sent_again_with_its_key_once(tmp_path):
    location = str(tmp_path / "p.sqlite3")
    c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    origin = {"Origin": "http://testserver"}
    for key in ("k-1", "k-1", "k-2"):
        res = c.post("/api/exercises/ex5/check", json={"answers": ["0.25"], "learner": "Nia"},
                     headers={**origin, "Idempotency-Key": key})
        assert res.status_code == 200 and res.json()["status"] == "correct"
    assert len(Store(location).attempts("Nia")) == 2


def test_a_key_longer_than_64_characters_is_refused(tmp_path):
    location = str(tmp_path / "p.sqlite3")
    c = TestClient(create_app(db_path=location, allow_hosts=("testserver",)))
    res = c.post("/api/exercises/ex5/check", json={"answers": ["0.25"], "learner": "Nia"},
                 headers={"Origin": "http://testserver", "Idempotency-Key": "k" * 65})
    assert res.status_code == 422
    assert Store(location).attempts("Nia") == []
