"""The unit-health chart's first measure follows the run's activations (issue 17, V10 item 12, W14): an all-sigmoid
net's units cannot die (f' > 0 everywhere), so 'dead units' is always 0% there and the chart starts on 'saturated or
rarely active'; a net with a ReLU keeps 'dead units'; a measure the address names, or the reader picks, is kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from actlab.activations import get
from actlab.monitor_log import LOG_FORMAT
from actlab.web.app import create_app
from web._watch_logs import lines, report

NAMES = ["fc1.act", "fc2.act"]
RUN = "document.getElementById('watch-run')"
LOSS = "document.getElementById('watch-loss')"
DRAWN = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state) && {LOSS}.drawn?.x?.length > 0"


def _log(path, activations):
    rows = [{"format": LOG_FORMAT, "layers": NAMES, "activations": activations}]
    for s in range(1, 21):
        r = report(s, NAMES)
        for layer, act in zip(r["layers"], activations, strict=True):
            layer["activation"] = act
        rows.append(r)
    path.write_text(lines(*rows))


@pytest.mark.parametrize(("activations", "first"), [
    (["sigmoid", "sigmoid"], "saturated"), (["tanh", "gelu"], "saturated"), (["sigmoid", "relu"], "dead"),
    (["hardtanh", "tanh"], "dead"), (["my_own_fn", "sigmoid"], "dead")])
def test_the_route_picks_a_measure_that_can_be_nonzero(tmp_path, activations, first):
    # the reference: a unit can die only where f' is exactly 0 on a region (the registry's has_zero_region)
    known = [a for a in activations if a != "my_own_fn"]
    assert (first == "dead") == (len(known) < len(activations) or any(get(a).has_zero_region for a in known))
    log = tmp_path / "run.jsonl"
    _log(log, activations)
    client = TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))
    assert client.get("/api/watch").json()["health_measure"] == first


@pytest.mark.parametrize(("saturated", "dead", "first"), [(32, 0, "saturated"), (3, 5, "dead"), (0, 0, "dead")])
def test_the_latest_counts_pick_saturated_where_they_outnumber_the_dead(tmp_path, saturated, dead, first):
    """R15's diverged run: every tanh unit saturated, the ReLU layer's dead units 0, and the chart opened on 'dead'.
    The reference: the counts written into the log's latest report."""
    log = tmp_path / "run.jsonl"
    rows = [{"format": LOG_FORMAT, "layers": NAMES, "activations": ["tanh", "relu"]}]
    for s in range(1, 6):
        r = report(s, NAMES)
        for layer, act in zip(r["layers"], ["tanh", "relu"], strict=True):
            layer["activation"] = act
        if s == 5:
            r["layers"][0]["saturated"], r["layers"][1]["dead"] = saturated, dead
        rows.append(r)
    log.write_text(lines(*rows))
    client = TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))
    assert client.get("/api/watch").json()["health_measure"] == first


@pytest.mark.browser
@pytest.mark.parametrize(("activations", "query", "measure", "kept"), [
    (["sigmoid", "sigmoid"], "", "saturated", ""),
    (["relu", "relu"], "", "dead", ""),
    (["sigmoid", "sigmoid"], "?health=dead", "dead", "?health=dead"),
])
def test_the_page_starts_on_that_measure_unless_the_address_names_one(browser, tmp_path, activations, query, measure,
                                                                      kept):
    from web.conftest import serving

    log = tmp_path / "run.jsonl"
    _log(log, activations)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/watch{query}")
        page.wait_for_function(DRAWN)
        page.wait_for_timeout(1500)  # a second answer: the measure is not switched back
        assert page.locator("#watch-health-measure").input_value() == measure
        assert page.evaluate("window.location.search") == kept
        if not query and measure == "saturated":  # a pick of the reader's own is then kept in the address
            page.locator("#watch-health-measure").select_option("dead")
            page.wait_for_timeout(1500)
            assert page.locator("#watch-health-measure").input_value() == "dead"
            assert page.evaluate("window.location.search") == "?health=dead"
        assert errors == []
        context.close()
