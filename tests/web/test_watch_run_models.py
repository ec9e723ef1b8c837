"""The watch page's list of runs names each run's model (W41 walkthrough, finding 9: two runs of one log, a CNN and a
transformer, were told apart only by the lines and steps they span). The Monitor's header names the model's class
and its parameter count; reference: the test's own count of the models' parameters."""

from __future__ import annotations

import json

import pytest

from actlab.log_runs import MODEL_CHARS, model_of
from actlab.web.app import create_app
from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class TinyConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.act = nn.ReLU()
        self.head = nn.Linear(4 * 6 * 6, 2)

    def forward(self, x):
        return self.head(self.act(self.conv(x)).flatten(1))


def _two_runs(log):
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 2))
    conv = TinyConv()
    for model, x in ((mlp, torch.randn(8, 5)), (conv, torch.randn(8, 1, 8, 8))):
        with Monitor(model, every=1, log=log) as mon:
            for _ in range(3):
                monitored_step(mon, model, x, torch.randint(0, 2, (8,)))
    return [sum(p.numel() for p in m.parameters()) for m in (mlp, conv)]


def test_the_header_names_the_model_and_its_parameters_and_the_runs_list_them(tmp_path):
    from fastapi.testclient import TestClient

    log = tmp_path / "two.jsonl"
    counts = _two_runs(log)
    assert counts == [5 * 7 + 7 + 7 * 2 + 2, 4 * 9 + 4 + 144 * 2 + 2]  # the premise, counted by hand
    headers = [json.loads(line) for line in log.read_text().splitlines() if '"format"' in line]
    assert [(h["model"], h["parameters"]) for h in headers] == [("Sequential", counts[0]), ("TinyConv", counts[1])]
    client = TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))
    runs = client.get("/api/watch").json()["runs"]
    assert [r["model"] for r in runs] == [{"name": "Sequential", "parameters": counts[0]},
                                         {"name": "TinyConv", "parameters": counts[1]}]


def test_a_lazy_model_is_counted_once_its_parameters_exist(tmp_path):
    log = tmp_path / "lazy.jsonl"
    torch.manual_seed(0)
    model = nn.Sequential(nn.LazyLinear(6), nn.ReLU(), nn.Linear(6, 2))
    with Monitor(model, every=1, log=log) as mon:
        for _ in range(2):
            monitored_step(mon, model, torch.randn(4, 3), torch.randint(0, 2, (4,)))
    # a model with a lazy module is watched (Monitor() raised ValueError on its weight with no shape before)
    assert [(l.name, l.weights) for l in mon.report().layers] == [("1", "0.weight")]
    headers = [json.loads(line) for line in log.read_text().splitlines() if '"format"' in line]
    assert headers[0]["parameters"] is None  # made before the first forward: LazyLinear's weight is not there yet
    assert headers[-1]["parameters"] == 3 * 6 + 6 + 6 * 2 + 2
    from actlab.log_read import read_log

    assert read_log(log).runs[0]["model"] == {"name": "Sequential", "parameters": 3 * 6 + 6 + 6 * 2 + 2}


def _named_pair(log):
    """W64 walkthrough finding 7: a generator and a discriminator of one class, told apart only by their parameter
    counts; now by the names the script gives them."""
    torch.manual_seed(0)
    gen = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    disc = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    with Monitor(gen, every=1, log=log, name="generator") as g, \
            Monitor(disc, every=1, log=log, name=" discriminator ") as d:
        for _ in range(3):
            monitored_step(g, gen, torch.randn(8, 4), torch.randint(0, 2, (8,)))
            monitored_step(d, disc, torch.randn(8, 2), torch.randint(0, 2, (8,)))
    return g, d


def test_a_runs_name_goes_into_its_header_and_the_runs_list(tmp_path):
    from fastapi.testclient import TestClient

    log = tmp_path / "gan.jsonl"
    g, d = _named_pair(log)
    assert (g.name, d.name) == ("generator", "discriminator")  # (its ends' spaces taken off)
    headers = [json.loads(line) for line in log.read_text().splitlines() if '"format"' in line]
    assert [h.get("name") for h in headers] == ["generator", "discriminator"]
    client = TestClient(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",)))
    runs = client.get("/api/watch").json()["runs"]
    assert [r["model"]["label"] for r in runs] == ["generator", "discriminator"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, 3, "two\nlines", b"gen"])
def test_a_name_that_is_no_short_line_of_text_is_refused(name):
    with pytest.raises(ValueError, match=r"^name: a short name for the run, a string of 1 to 80 printable "):
        Monitor(nn.Linear(2, 2), name=name)


@pytest.mark.parametrize(("header", "want"), [
    ({"layers": []}, None), ({"model": 3}, None), ({"model": ""}, None),
    ({"model": "M", "parameters": -1}, {"name": "M", "parameters": None}),
    ({"model": "M", "parameters": True}, {"name": "M", "parameters": None}),
    ({"model": "x" * 500, "parameters": 4}, {"name": "x" * MODEL_CHARS, "parameters": 4}),
    ({"model": "M", "name": "y" * 500}, {"name": "M", "parameters": None, "label": "y" * MODEL_CHARS}),
    ({"model": "M", "name": 7}, {"name": "M", "parameters": None}), ({"model": "M", "name": ""}, {"name": "M",
                                                                                                 "parameters": None}),
])
def test_a_header_naming_no_model_or_a_malformed_one_is_shown_without_it(header, want):
    assert model_of(header) == want


@pytest.mark.browser
def test_the_run_list_names_each_runs_model(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "two.jsonl"
    counts = _two_runs(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-run-pick').options.length "
                                           "=== 2")
        options = page.evaluate("[...document.getElementById('watch-run-pick').options].map((o) => o.textContent)")
        assert options[0].startswith(f"Run 1: Sequential ({counts[0]} parameters), from line 1, "), options
        assert options[1].startswith(f"Run 2 (the latest): TinyConv ({counts[1]} parameters), from line "), options
        # an ended run names the step its end line gives (W44 walkthrough, finding 6: 'steps 1 to 146' of a run that
        # ended after step 150)
        assert options[0].endswith("ended after training step 3") and options[1].endswith("ended after training step 3")
        shot(page, "watch-run-models", page.locator("#watch-run-choice"))
        assert errors == []
        context.close()


@pytest.mark.browser
def test_the_run_list_says_each_runs_name(browser, tmp_path):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    log = tmp_path / "gan.jsonl"
    _named_pair(log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.getElementById('watch-run-pick').options.length "
                                           "=== 2")
        options = page.evaluate("[...document.getElementById('watch-run-pick').options].map((o) => o.textContent)")
        # (4 x 8 + 8 + 8 x 2 + 2 = 58 and 2 x 8 + 8 + 8 x 2 + 2 = 42 parameters)
        assert options[0].startswith('Run 1: "generator", Sequential (58 parameters), from line 1, '), options
        assert options[1].startswith('Run 2 (the latest): "discriminator", Sequential (42 parameters), '), options
        shot(page, "watch-run-names", page.locator("#watch-run-choice"))
        assert errors == []
        context.close()
