"""The playground's address is checked once, by the core (POST /api/options/check): the page only parses it. A bad
link's note says, field by field, exactly what the core says of that value, and its defaults train; a good link
loads unchanged; old links' flat keys still reach the activations."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from actlab.limits import PlaygroundLimits
from actlab.options import check_settings
from web.test_browser_link_errors import open_playground, sent

pytestmark = pytest.mark.browser


def recorded(page):
    """The settings the page sends to the check, and every text message it sends over its WebSocket."""
    checks = []
    page.on("request", lambda r: checks.append(json.loads(r.post_data)) if r.url.endswith("/api/options/check")
            else None)
    return checks, sent(page)


# the address, and the same values in the run settings' names and units (noise and the training share: percent)
BAD = ("?dataset=moons&noise=90&train=95&batch=100&lr=50&layers=4,99&activations=hardtanh(min_val=2,max_val=1)"
       "&init=bogus&optimizer=adam&seed=-3&speed=7&stop_epoch=-1&target_loss=0.05&reg=l2")
BAD_SETTINGS = {"dataset": "moons", "noise": 0.9, "train_fraction": 0.95, "batch_size": 100, "lr": 50,
                "layers": [4, 99], "activations": ["hardtanh(min_val=2,max_val=1)"], "init": "bogus",
                "optimizer": "adam", "seed": -3, "epochs_per_frame": 7, "stop_epoch": -1, "target_loss": 0.05,
                "reg": "l2"}


def test_each_bad_value_is_named_with_the_cores_words_and_the_good_ones_stay(page):
    checks, messages = recorded(page)
    open_playground(page, BAD)
    text = page.locator("#url-problems").text_content()
    problems = check_settings(BAD_SETTINGS, PlaygroundLimits())["problems"]
    refused = {p["setting"] for p in problems}
    assert refused == {"noise", "train_fraction", "batch_size", "lr", "layers", "activations", "init", "seed",
                       "epochs_per_frame", "stop_epoch"}
    for p in problems:  # the page's words for each field are the core's, to the letter
        assert f"{p['field']}: {p['message']}; using the default (" in text, p
    assert "is not allowed" not in text and "is out of range" not in text  # no words of the page's own
    assert checks[0]["noise"] == 0.9 and checks[0]["activations"] == [{"name": "hardtanh",
                                                                       "params": {"min_val": 2, "max_val": 1}}]
    init = next(m for m in messages if m.get("type") == "init")["config"]
    assert (init["dataset"], init["optimizer"], init["reg"]) == ("moons", "adam", "l2")  # the good values stay
    assert (init["lr"], init["layers"], init["activations"], init["init"]) == (0.03, [4, 2], ["tanh"], "playground")
    rule = next(m for m in messages if m.get("type") == "set")
    assert rule["epochs_per_frame"] == 1 and rule["stop_epoch"] is None and rule["target_loss"] == 0.05
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query == {"dataset": "moons", "optimizer": "adam", "reg": "l2", "target_loss": "0.05"}
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("parseInt(document.getElementById('epoch').textContent.replace(/,/g, '')) > 0",
                           timeout=30_000)
    assert page.console_errors == []


GOOD = ("?dataset=xor&noise=20&train=70&batch=5&lr=0.1&layers=3,3&activations=leaky_relu(negative_slope=0.2),"
        "silu(beta=2)&features=x1,x2,x1x2&reg=l1&reg_rate=0.001&optimizer=adam&init=he_normal&seed=4&wseed=9"
        "&speed=5&stop_epoch=40&target_loss=0.1&show_test=1&hide=export")


def test_a_good_link_loads_unchanged(page):
    checks, messages = recorded(page)
    open_playground(page, GOOD)
    assert not page.locator("#url-problems").is_visible()
    assert dict(parse_qsl(urlsplit(page.url).query)) == dict(parse_qsl(GOOD[1:]))
    init = next(m for m in messages if m.get("type") == "init")["config"]
    assert init["activations"] == [{"name": "leaky_relu", "params": {"negative_slope": 0.2}},
                                   {"name": "silu", "params": {"beta": 2}}]
    assert (init["noise"], init["train_fraction"], init["batch_size"], init["weight_seed"]) == (0.2, 0.7, 5, 9)
    assert len(checks) == 1 and check_settings(checks[0], PlaygroundLimits())["problems"] == []


@pytest.mark.parametrize(("query", "sent", "address"), [
    ("?activations=leaky_relu&negative_slope=0.3", [{"name": "leaky_relu", "params": {"negative_slope": 0.3}}],
     "activations=leaky_relu(negative_slope=0.3)"),
    ("?layers=2&activations=swish&beta=1.5", [{"name": "silu", "params": {"beta": 1.5}}],
     "activations=silu(beta=1.5)"),
])
def test_old_flat_key_links_still_set_the_parameter(page, query, sent, address):
    _, messages = recorded(page)
    open_playground(page, query)
    assert not page.locator("#url-problems").is_visible()
    init = next(m for m in messages if m.get("type") == "init")["config"]
    assert init["activations"] == sent
    assert address in page.url and "negative_slope=0.3&" not in page.url and "&beta" not in page.url


def test_an_old_links_bad_flat_key_is_refused_alone_in_the_cores_words(page):
    _, messages = recorded(page)
    open_playground(page, "?activations=leaky_relu&negative_slope=5")
    (problem,) = check_settings({"activations": ["leaky_relu"], "negative_slope": 5})["problems"]
    assert f"negative_slope: {problem['message']}; using the default (none)" in \
        page.locator("#url-problems").text_content()
    assert next(m for m in messages if m.get("type") == "init")["config"]["activations"] == ["leaky_relu"]
