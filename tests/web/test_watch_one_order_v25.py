"""One order of layers on the whole watch page (V25 item 1): the bars, the ‖∂L/∂a‖ history, the unit-health chart
and the table list the layers in the forward order the log's reports record, each numbered alike. Before, the line
charts and the table took the header's order (the order the model registers its modules: a Tanh defined before
the ReLU that runs first, and functional activations after every module) while the bars took the forward order, so
'1:' named a different layer on two charts side by side. The references are the log's own fields, written here."""

from __future__ import annotations

import re

import pytest

from actlab.run_history import RunHistory
from actlab.web.app import create_app
from web._watch_logs import header, lines, report

RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-history').keysDrawn?.length > 0"
REGISTERED = ["late", "early", "spare"]  # the header: modules as the model registers them; 'spare' never runs
FORWARD = ["fc1:gelu", "early", "late"]  # each report: the order the forward runs them (a function first)
STEPS = range(1, 9)


def _grad(name: str, step: int) -> float:
    """The ‖∂L/∂a‖ the log gives a layer: 10 x its forward position (1, 2, 3) + step / 100."""
    return 10 * (FORWARD.index(name) + 1) + step / 100


def _write(path) -> None:
    reports = []
    for step in STEPS:
        r = report(step, FORWARD)
        for layer in r["layers"]:
            layer["act_grad_norm"] = _grad(layer["name"], step)
        reports.append(r)
    path.write_text(lines(header(REGISTERED), *reports))


def test_the_history_orders_places_as_the_forward_runs_them():
    history = RunHistory()
    history.add(report(1, ["a", "c"]), places=["c", "b", "a"])
    assert history.order == ["a", "c", "b"]  # b has not run: after the places that did
    history.add(report(2, ["a", "b", "c"]))
    assert history.order == ["a", "b", "c"]  # b ran between a and c
    history.add(report(3, ["c", "a"]))
    assert history.order == ["a", "b", "c"]  # the order the log first recorded is kept


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_every_panel_lists_the_layers_in_the_forward_order(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "shuffled.jsonl"
    _write(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        want = [f"{k + 1}: {name}" for k, name in enumerate(FORWARD + ["spare"])]
        bars = page.evaluate("document.getElementById('watch-bars').drawn.categories")
        assert bars == want[:3]
        # (a place no report named says so on the keys, W89 walkthrough finding 10: '41: act' of a module never run)
        keyed = want[:3] + [f"{want[3]} (has not run)"]
        for chart in ("watch-history", "watch-health"):
            keys = [k["label"] for k in page.evaluate(f"document.getElementById('{chart}').keysDrawn")]
            assert [k for k in keys if re.match(r"\d+: ", k)] == keyed, (chart, keys)
        # each line carries its own layer's numbers, the last step's value as the log gives it
        series = page.evaluate("document.getElementById('watch-history').drawn.series.map((s) => s.y.at(-1))")
        assert series[:3] == pytest.approx([_grad(name, STEPS[-1]) for name in FORWARD], rel=1e-12)
        assert series[3] is None  # 'spare' never ran
        # the table's rows in the same order (watch.css numbers them as it counts them)
        rows = page.evaluate("[...document.querySelectorAll('#watch-table tbody tr')].map((r) => r.dataset.place)")
        assert rows == FORWARD + ["spare"]
        options = page.evaluate("[...document.getElementById('watch-health-layer').options].map((o) => o.text)")
        assert options == want
        shot(page, f"watch-v25-one-order-{width}")
        assert errors == []
        context.close()
