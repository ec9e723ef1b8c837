"""Playground links that cannot be used as written (walkthrough findings): the page names each bad value or unknown
key, uses the default instead, and still trains; the stop rule travels in the link; a class's pinned activations
hide the drawing's per-layer pickers; a refusal names its field once."""

from __future__ import annotations

import json

import pytest

from web.test_browser_class_playground import pinned_class  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


def open_playground(page, query=""):
    page.goto(page.base + "/playground" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')", timeout=60_000)


def sent(page):
    """Every text message the page sends over its WebSocket, parsed."""
    out = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: out.append(json.loads(p)) if isinstance(p, str)
                                          else None))
    return out


def plays(page):
    """Play trains: the epoch counter moves."""
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("parseInt(document.getElementById('epoch').textContent.replace(/,/g, '')) > 0",
                           timeout=30_000)
    assert "type:" not in page.locator("#status").text_content()


@pytest.mark.parametrize("value, said", [
    ("relu,relu,relu", "activations: one activation, or one per hidden layer (2); got 3; using the default (tanh)"),
    ("hardtanh(min_val=2,max_val=1)", "(layer 1): hardtanh: min_val (2.0) must be below max_val (1.0); "
                                      "using the default (tanh)"),
])
def test_activations_the_server_refuses_are_named_and_the_default_trains(page, value, said):
    messages = sent(page)
    open_playground(page, "?activations=" + value)
    note = page.locator("#url-problems")
    assert note.is_visible() and said in note.text_content() and ": activations" in note.text_content()
    assert "activations=" not in page.url  # the default, which the address leaves out
    inits = [m["config"]["activations"] for m in messages if m.get("type") == "init"]
    assert inits[-1] == ["tanh"]
    plays(page)
    assert page.console_errors == []


def test_unknown_link_keys_are_named_with_the_nearest_known_key_and_ignored(page):
    messages = sent(page)
    open_playground(page, "?activation=leaky_relu&negative_slope=0.2&batch_size=0&zzzzzzzz=1")
    text = page.locator("#url-problems").text_content()
    assert 'unknown setting "activation"; did you mean "activations"?' in text
    # batch_size is the run's name for batch (read as batch, so its 0 is refused as the batch's value)
    assert 'batch_size: a whole number from 1 to 20,000; got 0; using the default (10)' in text
    assert 'unknown setting "batch_size"' not in text
    assert 'unknown setting "zzzzzzzz"; they are ignored; the settings: dataset, noise, train, batch, lr, layers, ' \
           'activations, features' in text
    assert text.count("the settings:") == 1 and "stop_epoch, target_loss" in text  # the stop rule's keys too
    assert "negative_slope" not in text  # an old link's key: read, but no longer offered
    init = next(m for m in messages if m.get("type") == "init")
    assert init["config"]["activations"] == ["tanh"] and init["config"]["batch_size"] == 10
    plays(page)


def test_the_stop_epoch_travels_in_the_link(page, browser):
    open_playground(page)
    page.get_by_label("Stop at epoch", exact=True).fill("50")
    page.get_by_label("Stop at epoch", exact=True).dispatch_event("change")
    page.get_by_label("Target test loss", exact=True).fill("0.05")
    page.get_by_label("Target test loss", exact=True).dispatch_event("change")
    assert "stop_epoch=50" in page.url and "target_loss=0.05" in page.url
    link = page.url
    other = browser.new_page()
    try:
        messages = sent(other)
        other.goto(link)
        other.wait_for_selector("body[data-ready=true]", timeout=60_000)
        assert other.get_by_label("Stop at epoch", exact=True).input_value() == "50"
        assert other.get_by_label("Target test loss", exact=True).input_value() == "0.05"
        rule = [m for m in messages if m.get("type") == "set" and "stop_epoch" in m]
        assert rule and rule[0]["stop_epoch"] == 50 and rule[0]["target_loss"] == 0.05
    finally:
        other.close()


def test_one_bad_hide_entry_is_dropped_and_the_others_stay_hidden(page):
    open_playground(page, "?hide=lr,activation,foo")
    text = page.locator("#url-problems").text_content()
    assert 'hide: "foo" is not allowed and left out; allowed: lr, activation' in text
    assert '"lr"' not in text and "using the default ()" not in text
    assert not page.locator("#ctl-lr").is_visible() and not page.locator("#ctl-activation").is_visible()
    assert "hide=lr,activation" in page.url and "foo" not in page.url
    selects = page.locator("#network select")  # the drawing's per-layer pickers hide with the activation control
    assert selects.count() == 2 and not any(selects.nth(i).is_visible() for i in range(2))


def test_pinned_activations_hide_the_per_layer_pickers_and_a_refusal_names_its_field_once(browser, pinned_class):  # noqa: F811
    base, klass = pinned_class
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/join")
        page.get_by_label("Class code").fill(klass.code)
        page.get_by_label("Your name").fill("Ana")
        page.get_by_role("button", name="Join").click()
        page.goto(base + "/playground")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        page.wait_for_function("document.getElementById('status').textContent.includes('Ready')", timeout=60_000)
        selects = page.locator("#network select")
        assert selects.count() == 1 and not selects.first.is_visible()
        assert not page.locator("#ctl-slope").is_visible()
        # a learner who un-hides the learning rate and moves it reads the refusal with its field named once
        page.evaluate("document.getElementById('ctl-lr').hidden = false; "
                      "document.getElementById('ctl-lr').style.display = 'block'")
        lr = page.locator("#lr")
        other = next(v for v in lr.locator("option").evaluate_all("os => os.map(o => o.value)") if float(v) != 0.1)
        lr.select_option(other)
        page.wait_for_function("document.getElementById('status').textContent.includes('pinned')", timeout=30_000)
        status = page.locator("#status").text_content()
        assert status.startswith("Learning rate: pinned by your teacher at 0.1") and "lr:" not in status, status
    finally:
        context.close()
