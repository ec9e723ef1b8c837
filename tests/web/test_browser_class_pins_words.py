"""The class playground's pin notes in the page's words, and what the page says when the pins refuse a restart
(issue 16, brief C item 6), in headless Chromium:

- a note names settings as the controls do and values in the page's units ("training data 80%; batch size 20",
  not "train_fraction 0.8; batch_size 20"), in the note of replaced values, the teacher's changes and the offer;
- "Use my own settings again" on values the teacher pinned again meanwhile is refused: the run on screen stays,
  paused, with its settings, and the page looks at the pins at once, so its note names the new pins and offers
  nothing the pins forbid;
- a reconnect whose restart the pins refused starts a new run with the class's values and says so, instead of
  "the run was restored from the address".
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import httpx
import pytest

from actlab.store import Store
from databases import database
from tests._browser import shot
from web._class_pages import class_lab, learner_page, teacher_headers
from web.conftest import _free_port

pytestmark = pytest.mark.browser


def set_pins(base: str, token: str, playground: dict) -> None:
    res = httpx.put(base + "/api/class/teacher/playground", json=playground, headers=teacher_headers(base, token))
    assert res.status_code == 200, res.text


def status_matches(page, pattern: str, timeout: int = 30_000) -> str:
    page.wait_for_function(f"() => /{pattern}/.test(document.getElementById('status').textContent)", timeout=timeout)
    return page.locator("#status").inner_text()


def test_the_notes_name_settings_and_values_as_the_page_shows_them(browser, tmp_path):
    pins = {"config": {"train_fraction": 0.8, "batch_size": 20}, "pinned": ["train_fraction", "batch_size"]}
    with class_lab(tmp_path, playground=pins) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?train=60&batch=5")
        note = page.locator("#pinned-note")
        note.wait_for(timeout=30_000)
        text = note.inner_text()
        assert text.startswith("Your teacher pinned settings for the class, so the class's values replace yours: ")
        assert "training data 80%" in text and "batch size 20" in text, text
        assert text.endswith("Your other settings stay."), text
        for raw in ("train_fraction", "batch_size", "0.8"):
            assert raw not in text, text
        status_matches(page, "Ready")
        set_pins(base, token, {"config": {"train_fraction": 0.7, "batch_size": 20}, "pinned": ["train_fraction"]})
        changed = page.locator("#pins-changed")
        changed.wait_for(timeout=15_000)
        said = changed.inner_text()
        assert "now pinned: training data 70%" in said and "(given back to you: batch size)" in said, said
        assert "train_fraction" not in said and "batch_size" not in said, said
        offer = page.locator("#use-own")
        assert offer.inner_text() == "Use my own settings again: batch size 5"
        shot(page, "class-pins-words", page.locator("#pins-changed").locator(".."))
        context.close()


def test_using_my_own_settings_again_is_refused_when_the_teacher_pinned_them_again(browser, tmp_path):
    per_layer = {"config": {"activations": ["relu", "tanh"]}, "pinned": ["activations"]}
    with class_lab(tmp_path, playground=per_layer) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8&activations=sigmoid")
        page.locator("#pinned-note").wait_for(timeout=30_000)
        status_matches(page, "Ready")
        set_pins(base, token, {**per_layer, "pinned": []})  # given back: the learner's own values are offered
        offer = page.locator("#use-own")
        offer.wait_for(timeout=15_000)
        assert offer.inner_text() == "Use my own settings again: hidden layers 8, 8, 8; activations sigmoid"

        # the teacher pins them again before this page looks: the page still offers them
        looking = {"blocked": True}
        page.route("**/api/class/playground",
                   lambda route: route.abort() if looking["blocked"] else route.continue_())
        set_pins(base, token, per_layer)
        offer.click()
        looking["blocked"] = False
        text = status_matches(page, "previous run stays")
        assert text.startswith("Hidden layers: your teacher pinned one activation per hidden layer"), text
        assert text.endswith("The previous run stays, paused."), text
        page.wait_for_function("() => /now pinned: activations relu, tanh/"
                               ".test(document.getElementById('pins-changed').textContent)", timeout=15_000)
        note = page.locator("#pins-changed").inner_text()
        assert "A new run started with your own settings again" not in note, note
        assert "The run on screen keeps its settings" in note, note
        assert page.locator("#use-own").count() == 0  # nothing offered that the pins forbid
        assert "layers=8,8&" in page.url + "&" and "activations=relu,tanh" in page.url, page.url  # the run on screen
        shot(page, "class-pins-use-own-refused")
        context.close()


@contextmanager
def idle_class_lab(tmp_path):
    """(base URL, class, teacher token) of a class lab whose playground closes a socket after 1.5 s of silence, so a
    paused page reconnects (and restarts its run from the address) every few seconds."""
    import uvicorn

    from actlab.web.app import create_app, server_config

    with database("sqlite", tmp_path) as db:
        klass, token = Store(db).create_class("physics 2a")
        port = _free_port()
        server = uvicorn.Server(server_config(create_app(db_path=db, port=port, idle_seconds=1.5), port=port))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}", klass, token
        finally:
            server.should_exit = True
            thread.join(10)


def test_a_reconnect_whose_restart_the_pins_refused_says_the_class_values_started(browser, tmp_path):
    with idle_class_lab(tmp_path) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?lr=0.03")
        status_matches(page, "Ready")
        set_pins(base, token, {"config": {"lr": 0.1}, "pinned": ["lr"]})  # while the page sits paused
        text = status_matches(page, "in place of yours", timeout=40_000)
        assert text == ("Reconnected: the run before was lost with the connection, and a new one started at epoch 0 "
                        "from the address's settings, with the class's pinned values in place of yours: learning "
                        "rate 0.1."), text
        assert "lr=0.1" in page.url
        context.close()


def test_a_reconnect_whose_restart_is_refused_says_the_run_was_lost_not_restored(browser, tmp_path):
    with idle_class_lab(tmp_path) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?lr=0.03")
        status_matches(page, "Ready")
        rates = page.locator("#lr option").evaluate_all("os => os.map(o => o.value)")
        mine = next(v for v in rates if float(v) not in (0.03, 0.1))
        page.locator("#lr").select_option(mine)  # the learner's own rate, sent to the run while nothing is pinned
        page.wait_for_timeout(300)
        set_pins(base, token, {"config": {"lr": 0.1}, "pinned": ["lr"]})  # then pinned: the reconnect is refused
        text = status_matches(page, "could not start again", timeout=40_000)
        assert text.startswith("Reconnected, but the run could not start again: Learning rate: pinned by your "
                               "teacher at 0.1"), text
        assert text.endswith("The run before was lost with the connection; press Reset for a new run with the "
                             "class's values."), text
        assert "previous run stays" not in text and "restored" not in text, text
        page.get_by_role("button", name="Reset").click()
        text = status_matches(page, "^(Ready|Reconnected:)", timeout=30_000)
        assert "could not start" not in text and "lr=0.1" in page.url, (text, page.url)
        context.close()
