"""The playground page in headless Chromium: an address written with the run's names (batch_size=5,
train_fraction=0.6, as a class link may be) is read as the page's keys in the page's units, and one setting given
twice with different values is named; in a class, pins the teacher gives back while a learner's page is open leave
no stale note, bring back "+ layer" and "- layer", and offer the learner's own values the pins had replaced (never
a value still pinned, nothing when nothing was replaced), which start the next run only when the learner asks."""

from __future__ import annotations

import json

import httpx
import pytest

from web._class_pages import class_lab, learner_page, teacher_headers

pytestmark = pytest.mark.browser

PER_LAYER = {"config": {"activations": ["relu", "tanh"], "lr": 0.1}, "pinned": ["activations", "lr"]}


def ready(page):
    page.wait_for_function("() => /Ready|Training/.test(document.getElementById('status').textContent)",
                           timeout=30_000)


def epoch(page) -> int:
    return int(page.locator("#epoch").inner_text().replace(",", ""))


def plays(page) -> int:
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > 3",
                           timeout=30_000)
    return epoch(page)


# the drawing's canvas at the centre of each hidden neuron's box: its thumbnail's alpha (0 where nothing is painted)
PAINTED = """() => {
  const root = document.getElementById('network'), canvas = root.querySelector('canvas.links');
  const rb = root.getBoundingClientRect();
  const x0 = parseFloat(canvas.style.left) || 0, y0 = parseFloat(canvas.style.top) || 0;
  const ratio = canvas.width / canvas.getBoundingClientRect().width, ctx = canvas.getContext('2d');
  return [...root.querySelectorAll('.layer-col:not(:last-child) .neuron')].map((e) => {
    const r = e.getBoundingClientRect();
    const x = (r.left + r.width / 2 - rb.left - x0) * ratio, y = (r.top + r.height / 2 - rb.top - y0) * ratio;
    return ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data[3];
  });
}"""


def set_pins(base: str, token: str, playground: dict) -> None:
    res = httpx.put(base + "/api/class/teacher/playground", json=playground, headers=teacher_headers(base, token))
    assert res.status_code == 200, res.text


def pins_changed(page) -> str:
    note = page.locator("#pins-changed")
    note.wait_for(timeout=15_000)  # the page looks every 3 s
    return note.inner_text()


def test_an_address_with_the_runs_names_is_read_in_the_pages_keys_and_units(browser, live_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p) if isinstance(p, str) else None))
    page.goto(live_server + "/playground?batch_size=5&train_fraction=0.6&epochs_per_frame=5&weight_seed=7")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    ready(page)
    assert not page.locator("#url-problems").is_visible(), page.locator("#url-problems").text_content()
    assert page.locator("#batch_size").input_value() == "5"
    assert page.locator("#train_fraction").input_value() == "60"  # percent on the page
    assert page.locator("#speed").input_value() == "5"
    for key in ("batch=5", "train=60", "speed=5", "wseed=7"):
        assert key in page.url, page.url
    assert "batch_size" not in page.url and "train_fraction" not in page.url
    init = next(json.loads(m) for m in sent if '"init"' in m)["config"]
    assert (init["batch_size"], init["train_fraction"], init["weight_seed"]) == (5, 0.6, 7)

    # one setting under both names: said plainly, and the page's own key is used
    page.goto(live_server + "/playground?batch=20&batch_size=5&train=70&train_fraction=0.6")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    problems = page.locator("#url-problems")
    assert problems.is_visible()
    text = problems.inner_text()
    assert "batch=20 and batch_size=5 give one setting two values; using batch=20" in text, text
    assert "train=70 and train_fraction=0.6 (train=60) give one setting two values; using train=70" in text, text
    assert "unknown setting" not in text
    assert page.locator("#batch_size").input_value() == "20" and page.locator("#train_fraction").input_value() == "70"
    page.screenshot(path=str(_shot("run-names-twice")))

    # the same value under both names is no problem; a value that is no number is named under the name it was given
    page.goto(live_server + "/playground?batch=5&batch_size=5")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    assert not page.locator("#url-problems").is_visible()
    page.goto(live_server + "/playground?train_fraction=most")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    text = page.locator("#url-problems").inner_text()
    assert 'train_fraction: a number (a fraction: 0.5 is train=50); got "most"; using the default (50)' in text, text
    assert page.locator("#train_fraction").input_value() == "50"
    # the keys the class's redirect writes are not offered as settings to a person who misspelt one
    page.goto(live_server + "/playground?bach=5")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    text = page.locator("#url-problems").inner_text()
    assert 'unknown setting "bach"; did you mean "batch"?' in text and "pinned_" not in text, text
    page.close()


def test_a_class_learners_batch_size_is_replaced_by_the_pinned_batch_and_named(browser, tmp_path):
    pins = {"config": {"batch_size": 20}, "pinned": ["batch_size"]}
    with class_lab(tmp_path, playground=pins) as (base, klass, _):
        context, page = learner_page(browser, base, klass.code, "/playground?batch_size=5")
        note = page.locator("#pinned-note")
        note.wait_for(timeout=30_000)
        assert "the class's value replaces yours: batch size 20." in note.inner_text(), note.inner_text()
        problems = page.locator("#url-problems")
        assert not problems.is_visible() or "unknown setting" not in problems.inner_text()
        assert "batch=20" in page.url and "batch_size" not in page.url
        assert page.locator("#batch_size").input_value() == "20"
        context.close()


def test_activations_given_back_offer_the_learners_own_layers_and_leave_no_stale_note(browser, tmp_path):
    with class_lab(tmp_path, playground=PER_LAYER) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8&activations=sigmoid&lr=0.03")
        note = page.locator("#pinned-note")
        note.wait_for(timeout=30_000)
        assert "fixes the count at 2" in note.inner_text()
        assert not page.locator("#add-layer").is_visible() and not page.locator("#remove-layer").is_visible()
        assert "pinned_own" not in page.url  # kept by the page, not left in a link the learner may copy
        at = plays(page)

        set_pins(base, token, {**PER_LAYER, "pinned": ["lr"]})  # the teacher gives the activations back
        text = pins_changed(page)
        assert "given back to you: activations" in text, text
        # the old note says only what is still true: lr is still pinned and replaced; the layer count is free again
        kept = note.inner_text()
        assert "learning rate 0.1" in kept and "fixes the count" not in kept and "activations" not in kept, kept
        assert page.locator("#add-layer").is_visible() and page.locator("#remove-layer").is_visible()
        offer = page.locator("#use-own")
        assert offer.inner_text() == "Use my own settings again: hidden layers 8, 8, 8; activations sigmoid"
        # nothing restarted by itself: the run on screen goes on with its cut layers
        assert "layers=8,8&" in page.url + "&" and epoch(page) >= at
        page.screenshot(path=str(_shot("pins-given-back-offer")))

        offer.click()  # the old run was playing: the new one is ready, paused, at epoch 0
        page.wait_for_function("() => /Ready: press Play/.test(document.getElementById('status').textContent)"
                               " && document.getElementById('epoch').textContent === '0'", timeout=30_000)
        assert "layers=8,8,8" in page.url and "activations=sigmoid" in page.url and "lr=0.1" in page.url, page.url
        assert page.locator("#layer-count").inner_text() == "3 hidden layers"
        text = page.locator("#pins-changed").inner_text()
        assert "A new run started with your own settings again: hidden layers 8, 8, 8; activations sigmoid." \
            in text, text
        assert page.locator("#use-own").count() == 0
        assert plays(page) > 3
        page.screenshot(path=str(_shot("pins-given-back-used")))
        context.close()


def test_nothing_is_offered_when_nothing_was_replaced_or_it_is_still_pinned(browser, tmp_path):
    with class_lab(tmp_path, playground=PER_LAYER) as (base, klass, token):
        fits, fits_page = learner_page(browser, base, klass.code, "/playground?layers=8,8", name="Ana")
        cut, cut_page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8&lr=0.03", name="Ben")
        cut_page.locator("#pinned-note").wait_for(timeout=30_000)
        ready(fits_page)
        assert fits_page.locator("#pinned-note").count() == 0

        # still per layer (other activations, the same count) and lr still pinned: nothing is given back
        set_pins(base, token, {"config": {"activations": ["tanh", "sigmoid"], "lr": 0.1},
                               "pinned": ["activations", "lr"]})
        assert "given back" not in pins_changed(cut_page)
        assert cut_page.locator("#use-own").count() == 0
        assert "fixes the count at 2" in cut_page.locator("#pinned-note").inner_text()  # still true
        assert not cut_page.locator("#add-layer").is_visible()

        # the activations given back: Ben's own layers come back on offer, his lr (still pinned) never does;
        # Ana's page had nothing replaced, so nothing is offered
        set_pins(base, token, {"config": {"activations": ["tanh", "sigmoid"], "lr": 0.1}, "pinned": ["lr"]})
        cut_page.wait_for_function("() => /given back/.test(document.getElementById('pins-changed').textContent)",
                                   timeout=15_000)
        fits_page.wait_for_function("() => /given back/.test(document.getElementById('pins-changed').textContent)",
                                    timeout=15_000)
        offer = cut_page.locator("#use-own").inner_text()
        assert "hidden layers 8, 8, 8" in offer and "learning rate" not in offer, offer
        assert fits_page.locator("#use-own").count() == 0
        assert fits_page.locator("#add-layer").is_visible()
        # the per-layer pickers shown again move the neuron boxes: the paused drawing is drawn again under them
        # (its thumbnails stayed where the boxes had been), the output neuron's picture too
        alphas = fits_page.evaluate(PAINTED)
        assert len(alphas) == 16 and set(alphas) == {255}, alphas
        assert fits_page.locator("#network .layer-col:last-child .neuron canvas").count() == 1
        fits_page.screenshot(path=str(_shot("pins-given-back-nothing-offered")))
        fits.close()
        cut.close()


def test_layers_the_pages_own_refusal_fitted_are_offered_back(browser, tmp_path):
    with class_lab(tmp_path, playground={"config": {}, "pinned": []}) as (base, klass, token):
        context, page = learner_page(browser, base, klass.code, "/playground?layers=8,8,8")
        ready(page)
        set_pins(base, token, {"config": {"activations": ["relu", "tanh"]}, "pinned": ["activations"]})
        pins_changed(page)
        page.locator("#ctl-dataset button[data-value=xor]").click()  # the next run takes the pins
        page.locator("#pinned-note").wait_for(timeout=30_000)
        ready(page)
        assert "layers=8,8&" in page.url + "&", page.url
        assert page.locator("#use-own").count() == 0  # still pinned

        set_pins(base, token, {"config": {"activations": ["relu", "tanh"]}, "pinned": []})
        page.wait_for_function("() => /given back/.test(document.getElementById('pins-changed').textContent)",
                               timeout=15_000)
        assert page.locator("#pinned-note").count() == 0  # everything it said is given back
        offer = page.locator("#use-own")
        assert offer.inner_text() == "Use my own settings again: hidden layers 8, 8, 8; activations tanh"
        offer.click()
        ready(page)
        assert "layers=8,8,8" in page.url and "activations" not in page.url, page.url  # tanh: the default
        assert "xor" in page.url  # the learner's later change stays
        context.close()


def _shot(name: str):
    from pathlib import Path

    out = Path("/tmp/actlab-shots")
    out.mkdir(exist_ok=True)
    return out / f"{name}.png"
