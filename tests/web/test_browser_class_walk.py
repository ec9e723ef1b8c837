"""A class's playground after the teacher changes the pins, in headless Chromium (from a walkthrough): a page
open while the teacher unpins says so and shows the controls given back (and a reload keeps them shown), a rate
off the presets shows in the select, a refused rate goes back to the class's, and activations pinned one per layer
hide "+ layer" and "- layer"."""

from __future__ import annotations

import httpx
import pytest

from web._class_pages import class_lab, learner_page, teacher_headers, teacher_page

pytestmark = pytest.mark.browser

LAYERS_PINNED = {"config": {"layers": [4, 4], "lr": 0.05}, "pinned": ["layers", "lr"]}


def save(base: str, token: str, playground: dict) -> None:
    res = httpx.put(base + "/api/class/teacher/playground", json=playground, headers=teacher_headers(base, token))
    assert res.status_code == 200, res.text


def test_unpinned_controls_come_back_live_and_after_a_reload(browser, tmp_path):
    with class_lab(tmp_path, playground=LAYERS_PINNED) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')", timeout=60_000)
        assert not page.locator("#add-layer").is_visible() and not page.locator("#ctl-lr").is_visible()
        save(base, token, {"config": {"layers": [4, 4], "lr": 0.05}, "pinned": ["lr"]})  # layers given back
        note = page.locator("#pins-changed")
        note.wait_for(timeout=15_000)
        text = note.text_content()
        assert "changed the class's pins" in text and "learning rate 0.05" in text, text
        assert "given back to you: hidden layers" in text, text
        assert page.locator("#add-layer").is_visible()  # shown again without a reload
        assert not page.locator("#ctl-lr").is_visible()  # still pinned
        page.reload()
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        assert "layers" not in (page.evaluate("new URLSearchParams(location.search).get('hide')") or "").split(",")
        assert page.locator("#add-layer").is_visible() and page.locator("#remove-layer").is_visible()
        page.screenshot(path=str(tmp_path / "unpinned.png"))
        context.close()


def test_a_rate_off_the_presets_shows_and_a_refused_rate_goes_back(browser, tmp_path):
    with class_lab(tmp_path, playground=LAYERS_PINNED) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')", timeout=60_000)
        lr = page.locator("#lr")
        assert lr.input_value() == "0.05"  # not one of the presets: an option of its own, not an empty select
        page.evaluate("document.getElementById('ctl-lr').hidden = false")  # a learner re-shows the control
        lr.select_option("1")
        page.wait_for_function("document.getElementById('status').textContent.includes('pinned by your teacher')",
                               timeout=30_000)
        page.wait_for_function("document.getElementById('lr').value === '0.05'", timeout=5_000)
        assert "lr=0.05" in page.url
        context.close()


def test_a_rate_off_the_presets_shows_outside_a_class(browser, live_server):
    page = browser.new_page()
    page.goto(live_server + "/playground?lr=0.05")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert page.locator("#lr").input_value() == "0.05"
    page.close()


def test_activations_pinned_per_layer_hide_the_layer_count_buttons_and_a_refusal_keeps_the_drawing(browser, tmp_path):
    per_layer = {"config": {"activations": ["leaky_relu(negative_slope=0.2)", "gelu"]}, "pinned": ["activations"]}
    with class_lab(tmp_path, playground=per_layer) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Ready')", timeout=60_000)
        assert new_layers(page) == "8,8"  # the learner's widths, to the pinned count
        note = page.locator("#pinned-note").text_content()
        assert "fixes the count at 2" in note and "8, 8" in note and "class's value" not in note
        assert not page.locator("#add-layer").is_visible() and not page.locator("#remove-layer").is_visible()
        page.wait_for_function("document.querySelectorAll('#network .neuron').length > 0", timeout=30_000)
        neurons = page.locator("#network .neuron").count()
        # the hidden button pressed anyway: the server refuses a third layer, and the drawing stays
        page.evaluate("document.getElementById('add-layer').hidden = false")
        page.locator("#add-layer").click()
        page.wait_for_function("document.getElementById('status').textContent.includes('The previous run stays')",
                               timeout=30_000)
        status = page.locator("#status").text_content()
        assert "got 3. The previous run stays, paused." in status
        page.wait_for_timeout(500)
        assert page.locator("#network .neuron").count() == neurons
        assert new_layers(page) == "8,8"
        page.screenshot(path=str(tmp_path / "refused.png"))
        context.close()


def new_layers(page) -> str:
    return page.evaluate("new URLSearchParams(location.search).get('layers')")


def test_the_teacher_page_says_a_per_layer_list_fixes_the_count_and_gives_the_links_names(browser, tmp_path):
    with class_lab(tmp_path) as (base, _, token):
        context, page = teacher_page(browser, base, token)
        note = page.locator("#pin-activations-note")
        assert note.is_visible() and "fixes the number of hidden layers" in note.inner_text()
        assert "(batch= in a link)" in page.locator("#pin-boxes label", has=page.locator("input[value=batch_size]")
                                                    ).text_content()
        context.close()
