"""The pages build their pickers from /api/options: every registry entry and initialiser is offered, old links still
work, and a value in the address that cannot be used is reported with what is allowed."""

from __future__ import annotations

import pytest

from actlab import activations
from actlab import options as core_options
from actlab.network import INITS
from web.conftest import shot

pytestmark = pytest.mark.browser


def open_lesson(page, query=""):
    page.goto(page.base + "/lesson" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def test_the_explorer_offers_every_registry_activation_under_its_group(page):
    open_lesson(page)
    offered = page.eval_on_selector_all("#explorer-picks input", "els => els.map(e => e.value)")
    assert sorted(offered) == sorted(activations.names())
    groups = page.eval_on_selector_all("#explorer-picks fieldset", "fs => fs.map(f => [f.querySelector('legend')"
                                       ".textContent, [...f.querySelectorAll('input')].map(i => i.value)])")
    for legend, names in groups:
        assert {activations.get(n).group for n in names} == {activations.get(names[0]).group}
        assert legend.startswith(activations.get(names[0]).group)
    assert page.console_errors == []
    shot(page, "lesson-explorer-groups", page.locator("#explorer-picks"))


def test_an_old_lesson_link_with_a_flat_slider_key_still_sets_the_slope(page):
    open_lesson(page, "?acts=leaky_relu&negative_slope=0.2")
    slider = page.get_by_label("Leaky ReLU: negative_slope", exact=True)
    assert slider.input_value() == "0.2"
    page.wait_for_function("document.getElementById('explorer-f').data?.[0]?.name === 'leaky_relu'")
    y = page.evaluate("document.getElementById('explorer-f').data[0].y[0]")
    assert y == pytest.approx(-1.0)  # f(-5) = 0.2 * -5
    assert "acts=leaky_relu(negative_slope=0.2)" in page.url and "&negative_slope" not in page.url


def test_a_bad_lesson_address_is_reported_in_the_cores_words(page):
    """The lesson's address is checked once, by the core (POST /api/options/check-lesson): the page shows each
    refusal in check_lesson's words, letter for letter, and draws the defaults instead."""
    open_lesson(page, "?acts=relu,not_a_function&van_init=bogus&van_depth=80&van_width=20&van_act=swiglu")
    status = page.locator("#status").text_content()
    answer = core_options.check_lesson({"acts": [{"name": "relu", "params": {}}, {"name": "not_a_function",
                                                                                 "params": {}}],
                                        "van_init": "bogus", "van_depth": 80, "van_width": 20, "van_act": "swiglu"})
    assert len(answer["problems"]) == 5
    for p in answer["problems"]:
        assert f"{p['field']}: {p['message']}; using the default" in status
    assert "unknown activation" in status and ", ".join(INITS) in status
    assert page.locator("#explorer-cards .card").count() == 4  # the defaults are drawn instead
    assert page.locator("#van-depth").input_value() == "10" and page.locator("#van-width").input_value() == "32"
    assert page.locator("#van-activation").input_value() == "sigmoid"


def test_a_good_lesson_address_is_used_as_it_is(page):
    open_lesson(page, "?acts=relu,silu(beta=2)&van_act=tanh&van_width=64&van_depth=50")
    assert "cannot use" not in (page.locator("#status").text_content() or "")
    assert page.locator("#explorer-cards .card").count() == 2
    assert page.locator("#van-depth").input_value() == "50" and page.locator("#van-width").input_value() == "64"
    widths = page.locator("#van-width").evaluate("el => [...el.options].map(o => Number(o.value))")
    assert widths == core_options.options()["lesson"]["vanishing_widths"]
    assert "van_depth=50" in page.url and "acts=relu,silu(beta=2)" in page.url


def test_the_lessons_initialiser_choice_is_every_initialiser_of_the_options(page):
    open_lesson(page, "?van_init=normal&van_depth=3")
    init = page.locator("#van-init")
    offered = init.evaluate("el => [...el.options].map(o => [o.value, o.textContent])")
    assert offered == [[i["name"], i["title"]] for i in core_options.options()["initializers"]]
    assert [name for name, _ in offered] == list(INITS) and init.input_value() == "normal"


def open_playground(page, query=""):
    page.goto(page.base + "/playground" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def test_the_playground_offers_every_initialiser_including_normal(page):
    open_playground(page, "?init=normal")
    init = page.get_by_label("Initialisation", exact=True)
    offered = init.evaluate("el => [...el.options].map(o => o.value)")
    assert offered == list(INITS) and "normal" in offered
    assert init.input_value() == "normal"
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    assert page.console_errors == []


def test_a_bad_playground_address_is_reported_with_the_cores_words(page):
    from actlab.limits import PlaygroundLimits

    open_playground(page, "?init=bogus&lr=50&layers=4,99")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    note = page.locator("#url-problems")
    assert note.is_visible()
    text = note.text_content()
    checked = core_options.check_settings({"init": "bogus", "lr": 50, "layers": [4, 99]}, PlaygroundLimits())
    assert {p["setting"] for p in checked["problems"]} == {"init", "lr", "layers"}
    for p in checked["problems"]:
        assert f"{p['field']}: {p['message']}; using the default" in text
    assert "allowed: " + ", ".join(INITS) in text
    assert page.get_by_label("Initialisation", exact=True).input_value() == "playground"
    shot(page, "playground-bad-address")


def sent_configs(page):
    """Every run configuration the page sends over its WebSocket (init and reset), in order."""
    import json

    configs = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: configs.extend(
        [json.loads(payload)["config"]] if isinstance(payload, str) and '"config"' in payload else [])))
    return configs


def test_an_old_playground_link_with_a_flat_slope_trains_leaky_relu_with_it(page):
    configs = sent_configs(page)
    open_playground(page, "?activations=leaky_relu&negative_slope=0.2")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    field = page.get_by_label("negative_slope of leaky_relu, all layers", exact=True)
    assert field.input_value() == "0.2"
    assert configs[-1]["activations"] == [{"name": "leaky_relu", "params": {"negative_slope": 0.2}}]
    assert "activations=leaky_relu(negative_slope=0.2)" in page.url and "&negative_slope" not in page.url
    assert not page.locator("#url-problems").is_visible()


def test_each_layer_shows_and_sends_its_own_activation_parameters(page):
    configs = sent_configs(page)
    open_playground(page, "?layers=3,2&activations=leaky_relu(negative_slope=0.1),silu(beta=2)")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    slope = page.get_by_label("negative_slope of leaky_relu, layer 1", exact=True)
    beta = page.get_by_label("beta of silu, layer 2", exact=True)
    assert (slope.input_value(), beta.input_value()) == ("0.1", "2")
    beta.fill("3")
    beta.dispatch_event("change")  # checked by the server first, then the run restarts with it
    page.wait_for_function("location.search.includes('silu(beta=3)')")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    assert configs[-1]["activations"] == [{"name": "leaky_relu", "params": {"negative_slope": 0.1}},
                                          {"name": "silu", "params": {"beta": 3}}]
    assert "activations=leaky_relu(negative_slope=0.1),silu(beta=3)" in page.url
    shot(page, "playground-layer-params", page.locator("#run-controls"))
    # a value outside the record's interval is refused with the interval, and the run keeps its value
    slope.fill("5")
    slope.dispatch_event("change")
    (refused,) = core_options.check_settings({"layers": [3, 2], "activations": [
        {"name": "leaky_relu", "params": {"negative_slope": 5}}, "silu(beta=3)"]})["problems"]
    page.wait_for_function("document.getElementById('status').textContent.includes('negative_slope=5')")
    assert f"{refused['field']}: {refused['message']}" in page.locator("#status").text_content()  # the core's words
    assert slope.input_value() == "0.1" and "negative_slope=0.1" in page.url
    # a layer whose activation has no parameter shows none
    page.get_by_label("activation of layer 1", exact=True).select_option("relu")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    assert page.get_by_label("negative_slope of leaky_relu, layer 1", exact=True).count() == 0
    assert configs[-1]["activations"] == ["relu", {"name": "silu", "params": {"beta": 3}}]
    assert page.console_errors == []


def test_the_teacher_pages_example_link_still_opens_a_trimmed_playground(page):
    from importlib import resources

    html = (resources.files("actlab") / "web" / "static" / "teacher.html").read_text()
    link = html.split('id="example-link" href="')[1].split('"')[0].replace("&amp;", "&")
    page.goto(page.base + link)
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    assert not page.locator("#url-problems").is_visible()
    for hidden in ("#ctl-activation", "#ctl-optimizer", "#ctl-loss", "#ctl-init", "#ctl-export", "#ctl-csv"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.get_by_label("Play", exact=True).is_visible()  # the example hides every setting (teacher walkthrough)


def test_an_activation_registered_in_the_labs_process_appears_in_the_explorer_with_its_slider(page):
    """The extension point's record, defined in the test only, reaches the explorer (its own group, its slider, its
    card, its curve at a parameter value from the address) with no other change."""
    import math

    from web._plugin_record import GROUP, NAME, register_scaled_tanh

    with register_scaled_tanh():
        open_lesson(page, f"?acts={NAME}(scale=2)")
        box = page.locator(f"#explorer-picks input[value={NAME}]")
        assert box.is_checked()
        assert box.locator("xpath=ancestor::fieldset/legend").text_content() == GROUP
        assert page.get_by_label("Scaled tanh (a test's): scale", exact=True).input_value() == "2"
        page.wait_for_function(f"document.getElementById('explorer-f').data?.[0]?.name === '{NAME}'")
        assert page.evaluate("document.getElementById('explorer-f').data[0].y[0]") == pytest.approx(2 * math.tanh(-5))
        assert page.locator(f"#explorer-cards .card[data-name={NAME}]").count() == 1
        assert page.console_errors == []
        shot(page, "lesson-explorer-registered", page.locator("#activations"))


@pytest.fixture
def plugin_lab(tmp_path):
    """A lab in a process of its own with the test's record installed as a plugin (an entry point of the group
    actlab.activations): its playground trains in processes of their own, and each loads the plugin too."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from web.conftest import _free_port

    if not hasattr(activations, "register"):
        pytest.skip("the extension point (activations.register and its plugin group) is not in this tree")
    info = tmp_path / "site" / "actlab_test_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: actlab-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[actlab.activations]\nscaled_tanh_test = _plugin_record:record\n")
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(here),
                                                        os.environ.get("PYTHONPATH", "")])}
    port = _free_port()
    script = ("import sys, uvicorn; from actlab.web.app import create_app, server_config; "
              "uvicorn.Server(server_config(create_app(db_path=sys.argv[1]), port=int(sys.argv[2]))).run()")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "p.sqlite3"), str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/api/options", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_plugins_activation_trains_in_the_playground_with_its_parameter_set(browser, plugin_lab):
    from web._plugin_record import NAME

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        configs = sent_configs(page)
        page.goto(plugin_lab + f"/playground?activations={NAME}(scale=2)&layers=3")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        page.wait_for_function("document.getElementById('status').textContent.includes('Ready')", timeout=60_000)
        assert configs[-1]["activations"] == [{"name": NAME, "params": {"scale": 2}}]
        assert page.get_by_label(f"scale of {NAME}, all layers", exact=True).input_value() == "2"
        page.get_by_role("button", name="Step").click()
        page.wait_for_function("Number(document.getElementById('step-count').textContent) >= 1", timeout=60_000)
        page.locator("#network").get_by_label("activation of layer 1", exact=True).wait_for()
        assert page.get_by_label("activation of layer 1", exact=True).input_value() == NAME
        assert not page.locator("#status").evaluate("el => el.classList.contains('error')")
        assert errors == []
    finally:
        context.close()


def test_a_teacher_can_hide_the_activation_parameters(page):
    open_playground(page, "?activations=leaky_relu&hide=slope")
    page.wait_for_function("document.getElementById('status').textContent.includes('Ready')")
    assert page.get_by_label("negative_slope of leaky_relu, all layers", exact=True).count() == 1  # there, hidden
    assert not page.locator("#ctl-slope").is_visible()
    open_playground(page, "?activations=leaky_relu")
    assert page.locator("#ctl-slope").is_visible()


@pytest.mark.parametrize("layers", ["abc", "4,,2", "4,x"])
def test_a_layer_list_that_does_not_parse_is_named_as_it_was_typed(page, layers):
    open_playground(page, f"?layers={layers}")
    text = page.locator("#url-problems").text_content()
    assert f'layers: whole numbers separated by commas; got "{layers}"' in text and "NaN" not in text


def test_a_value_that_does_not_parse_names_a_missing_default_as_none(page):
    open_playground(page, "?target_loss=abc&stop_epoch=x")
    text = page.locator("#url-problems").text_content()
    assert 'target_loss: a number; got "abc"; using the default (none)' in text and "null" not in text


def test_a_regression_links_kept_loss_is_still_checked_by_the_core(page):
    open_playground(page, "?dataset=plane&loss=hinge")
    (problem,) = core_options.check_settings({"loss": "hinge"})["problems"]
    assert f"{problem['field']}: {problem['message']}" in page.locator("#url-problems").text_content()
    assert page.get_by_label("Loss", exact=True).input_value() == "mse"  # the regression set trains on MSE
