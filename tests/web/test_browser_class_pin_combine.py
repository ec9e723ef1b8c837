"""A class's pins meet a learner's own settings in headless Chromium: a link with more layers than the pinned
activations list trains with the pinned activation on every layer, a link's own layers are fitted to activations
pinned one per layer and the page says so, and pins the teacher changes while a learner plays are taken at the
learner's next run, named on the page, instead of leaving a page whose every run is refused."""

from __future__ import annotations

import httpx
import pytest

from web._class_pages import class_lab, learner_page, teacher_headers

pytestmark = pytest.mark.browser


def status(page) -> str:
    return page.locator("#status").inner_text()


def plays(page) -> int:
    """The epoch a few frames after Play: the run trains."""
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 3",
                           timeout=30_000)
    return int(page.locator("#epoch").inner_text().replace(",", ""))


def test_one_pinned_activation_and_the_links_three_layers_train_together(browser, tmp_path):
    pins = {"config": {"activations": ["relu", "relu"]}, "pinned": ["activations"]}
    with class_lab(tmp_path, playground=pins) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8")
        page.wait_for_function("() => /Ready/.test(document.getElementById('status').textContent)", timeout=30_000)
        assert not page.locator("#url-problems").is_visible()  # no fallback to tanh
        assert plays(page) > 3, status(page)
        assert "error" not in (page.locator("#status").get_attribute("class") or "")
        page.screenshot(path=str(_shot("pins-one-activation-three-layers")))
        context.close()


def test_activations_pinned_per_layer_fit_the_links_layers_and_the_page_says_so(browser, tmp_path):
    pins = {"config": {"activations": ["relu", "tanh"]}, "pinned": ["activations"]}
    with class_lab(tmp_path, playground=pins) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8")
        note = page.locator("#pinned-note")
        note.wait_for(timeout=30_000)
        # the count is the pins', the widths the learner's (the note said "replaced layers ... the class's value")
        assert "fixes the count at 2" in note.inner_text() and "your layers became 8, 8" in note.inner_text()
        assert "[" not in note.inner_text()  # values in words, not JSON
        assert plays(page) > 3, status(page)
        page.screenshot(path=str(_shot("pins-per-layer-fitted")))
        context.close()


def test_pins_the_teacher_changes_while_a_learner_plays_are_taken_at_the_next_run(browser, tmp_path):
    with class_lab(tmp_path, playground={"config": {}, "pinned": []}) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8&lr=0.03")
        page.wait_for_function("() => /Ready/.test(document.getElementById('status').textContent)", timeout=30_000)
        plays(page)
        res = httpx.put(base + "/api/class/teacher/playground", headers=teacher_headers(base, token), json={
            "config": {"lr": 0.1, "activations": ["relu", "tanh"], "layers": [4, 2], "epochs_per_frame": 5},
            "pinned": ["lr", "activations", "epochs_per_frame"]})
        assert res.status_code == 200, res.text
        # the learner changes a setting of their own: the run restarts with the teacher's new pins
        page.locator("#ctl-dataset button[data-value=xor]").click()
        note = page.locator("#pinned-note")
        note.wait_for(timeout=30_000)
        text = note.inner_text()
        for name in ("learning rate 0.1", "activations", "layers"):  # in the page's words, not the run's names
            assert name in text, text
        page.wait_for_function("() => /Ready|Training/.test(document.getElementById('status').textContent)",
                               timeout=30_000)
        assert "lr=0.1" in page.url and "dataset=xor" in page.url, page.url
        assert not page.locator("#ctl-lr").is_visible()  # newly pinned: hidden
        assert page.locator("#speed").input_value() == "5"  # the pinned speed is the page's own now
        page.screenshot(path=str(_shot("pins-changed-mid-play")))
        assert plays(page) > 3, status(page)  # the restarted run waits for Play, and plays
        context.close()


def _shot(name: str):
    from pathlib import Path

    out = Path("/tmp/actlab-shots")
    out.mkdir(exist_ok=True)
    return out / f"{name}.png"
