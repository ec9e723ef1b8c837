"""When the lab refuses a learner's open page, the page says so where the learner is looking (issue 16, brief C8 item
2). Hint and Solution put a refusal in the page's top status line, out of sight beside the exercise; the playground
kept "training" on a socket that was gone, and kept a run going in a class its teacher had archived. Now each
exercise button shows the server's own words (its JSON "detail") in that exercise's feedback, and the playground
stops, says why in the server's words and offers what to do."""

from __future__ import annotations

import httpx
import pytest

from _browser import serving, shot
from actlab.store import Store
from actlab.web.app import create_app
from web._class_pages import DESKTOP, class_lab, learner_page
from web.test_accessibility import _axe_failures

# every socket's close, as the page saw it (the playground stops on a close that says why)
RECORD_CLOSES = """
window.__closes = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener("close", (ev) => window.__closes.push([ev.code, ev.reason]));
  }
};
"""


def _as_page(context, base: str, method: str, path: str) -> dict | None:
    """What the lab answers this browser's learner (its cookies) for the request: the JSON body."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    res = httpx.request(method, base + path, headers={"Cookie": cookies, "Origin": base},
                        json={} if method == "POST" else None)
    return res.status_code, res.json()


def _play(page):
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 3",
                           timeout=60_000)


@pytest.mark.browser
def test_a_class_archived_while_the_pages_are_open_is_said_on_them(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, _):
        context, lesson = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        context.add_init_script(RECORD_CLOSES)
        playground = context.new_page()
        playground.goto(base + "/playground")
        playground.wait_for_selector("body[data-ready=true]", timeout=60_000)
        _play(playground)

        Store(str(tmp_path / "progress.sqlite3")).set_archived(klass.id)

        card = lesson.locator("#exercise-ex1")
        for button, path in (("Hint", "/api/exercises/ex1/hint"), ("Show solution", "/api/exercises/ex1/solution")):
            status, body = _as_page(context, base, "POST", path)
            assert status >= 400
            card.get_by_role("button", name=button).click()
            lesson.wait_for_function("document.querySelector('#exercise-ex1 .feedback .error')")
            assert body["detail"].lower() in card.locator(".feedback").inner_text().lower()
            card.locator(".feedback").evaluate("el => el.replaceChildren()")
        card.locator("input").first.fill("1")
        card.get_by_role("button", name="Check").click()
        lesson.wait_for_function("document.querySelector('#exercise-ex1 .feedback .error')")
        status, body = _as_page(context, base, "POST", "/api/exercises/ex1/check")
        assert body["detail"].lower() in card.locator(".feedback").inner_text().lower()  # a capital put first
        shot(lesson, "c8-lesson-class-archived", card)

        stopped = playground.locator("#stopped")
        stopped.wait_for(state="visible", timeout=20_000)
        said = stopped.inner_text()
        status, body = _as_page(context, base, "GET", "/api/class/playground")
        reasons = [r for _, r in playground.evaluate("window.__closes") if r]
        assert (status >= 400 and body["detail"] in said) or any(r in said for r in reasons)
        assert playground.get_by_role("button", name="Play").is_disabled()
        epoch = playground.locator("#epoch").inner_text()
        playground.wait_for_timeout(1500)
        assert playground.locator("#epoch").inner_text() == epoch  # nothing trains on
        assert playground.locator("#status").inner_text() != "Training…"
        assert stopped.get_by_role("button", name="Reload the page").is_visible()
        assert _axe_failures(playground) == []
        shot(playground, "c8-playground-class-archived", playground.locator("header.top"))
        context.close()


@pytest.mark.browser
def test_a_learner_the_lab_no_longer_knows_is_told_and_shown_the_way_back(browser, tmp_path):
    with class_lab(tmp_path) as (base, klass, _):
        context, lesson = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        context.clear_cookies()  # the sign-in ended (an expired or replaced cookie)
        status, body = _as_page(context, base, "POST", "/api/exercises/ex2/hint")
        assert status == 401
        card = lesson.locator("#exercise-ex2")
        card.get_by_role("button", name="Hint").click()
        lesson.wait_for_function("document.querySelector('#exercise-ex2 .feedback .error')")
        assert body["detail"].lower() in card.locator(".feedback").inner_text().lower()
        assert card.get_by_role("link", name="Open the join page").get_attribute("href") == "/join"
        assert lesson.locator("#status").inner_text() == ""  # said beside the exercise, not at the top
        context.close()


@pytest.mark.browser
def test_the_playground_stops_training_when_the_lab_goes_away(browser, tmp_path):
    with serving(create_app(db_path=tmp_path / "p.sqlite3")) as base:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(base + "/playground")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        _play(page)
    # the lab has stopped
    page.wait_for_function("document.getElementById('status').textContent.includes('not answering')", timeout=20_000)
    assert page.get_by_role("button", name="Play").is_visible()  # not "Pause": nothing is training
    assert "run stopped" in page.locator("#status").inner_text()
    shot(page, "c8-playground-lab-gone", page.locator("header.top"))
    context.close()


@pytest.mark.browser
def test_a_socket_closed_with_a_reason_stops_the_playground_with_those_words(browser, tmp_path):
    from actlab.web.routes.classroom import ARCHIVED_REASON

    with serving(create_app(db_path=tmp_path / "p.sqlite3")) as base:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        sockets = []

        def through(ws):  # the page's socket, passed through to the lab; the test closes it as the lab would
            ws.connect_to_server()
            sockets.append(ws)

        page.route_web_socket("**/ws/playground*", through)
        page.goto(base + "/playground")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        _play(page)
        sockets[0].close(code=1008, reason=ARCHIVED_REASON)
        stopped = page.locator("#stopped")
        stopped.wait_for(state="visible", timeout=10_000)
        assert ARCHIVED_REASON in stopped.inner_text()
        assert page.get_by_role("button", name="Play").is_disabled()
        page.wait_for_timeout(2000)  # the first reconnect would have gone out after 0.5 s
        assert len(sockets) == 1
        shot(page, "c8-playground-close-reason", page.locator("header.top"))
        context.close()


@pytest.mark.browser
def test_a_learner_signed_out_by_a_new_rejoin_code_reads_why_on_both_pages(browser, tmp_path):
    from web._class_pages import teacher_headers

    with class_lab(tmp_path) as (base, klass, token):
        context, lesson = learner_page(browser, base, klass.code, "/lesson", name="Nia")
        playground = context.new_page()
        playground.goto(base + "/playground")
        playground.wait_for_selector("body[data-ready=true]", timeout=60_000)
        made = httpx.post(base + "/api/class/teacher/rejoin-code", json={"learner": "Nia"},
                          headers=teacher_headers(base, token))
        assert made.status_code == 200, made.text
        status, body = _as_page(context, base, "POST", "/api/exercises/ex3/solution")
        assert status == 401
        card = lesson.locator("#exercise-ex3")
        card.get_by_role("button", name="Show solution").click()
        lesson.wait_for_function("document.querySelector('#exercise-ex3 .feedback .error')")
        assert body["detail"].lower() in card.locator(".feedback").inner_text().lower()
        assert card.get_by_role("link", name="Open the join page").is_visible()
        stopped = playground.locator("#stopped")
        stopped.wait_for(state="visible", timeout=20_000)
        assert body["detail"] in stopped.inner_text()
        assert stopped.get_by_role("link", name="Open the join page").get_attribute("href") == "/join"
        shot(playground, "c8-playground-new-rejoin-code", playground.locator("header.top"))
        context.close()
