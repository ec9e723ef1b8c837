"""Walkthrough W26, finding 4 (third part): the report's table and the watch page's did not say which weight each
row's |dL/dW| is of. The table's last column and the page's cell now name it. The reference is the model's own
structure: in an nn.Sequential, the Linear just before each activation, named as named_parameters() names it."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 3))
    model[2].weight.requires_grad_(False)
    return model


def _run(model, log=None):
    with Monitor(model, every=1, chance_loss=math.log(3), log=log) as mon:
        for _ in range(6):
            with mon.step() as s:
                s.loss = nn.functional.cross_entropy(model(torch.randn(32, 8)), torch.randint(0, 3, (32,)))
                s.loss.backward()
            model.zero_grad()
    return mon.report()


def _expected(model):
    """Per activation of the Sequential, in order: the weight of the module before it, and whether it is frozen."""
    names = dict(model.named_parameters())
    out = []
    for k, m in enumerate(model):
        if isinstance(m, (nn.ReLU, nn.Tanh)):
            name = f"{k - 1}.weight"
            out.append((name, not names[name].requires_grad))
    return out


def test_each_row_of_the_table_names_its_weight():
    model = _model()
    report = _run(model)
    lines = str(report).splitlines()
    head = lines[1]
    assert head.split()[-1] == "weights", head
    for row, (name, frozen) in zip(lines[3:5], _expected(model), strict=True):
        assert row.rstrip().endswith(f" {name} (frozen)" if frozen else f" {name}"), row
    for layer, (name, frozen) in zip(report.layers, _expected(model), strict=True):
        assert (layer.weights, layer.weights_frozen) == (name, frozen)
    html = report._repr_html_()
    assert "<th>weights</th>" in html and "<td>0.weight</td>" in html and "<td>2.weight (frozen)</td>" in html


def test_a_long_weight_name_keeps_its_end():
    torch.manual_seed(0)
    inner = nn.Sequential(nn.Linear(4, 8), nn.GELU())
    model = nn.Sequential()
    model.add_module("a_rather_long_encoder_block_name_here", inner)
    model.add_module("head", nn.Linear(8, 2))
    with Monitor(model, every=1, chance_loss=math.log(2)) as mon:
        for _ in range(3):
            with mon.step() as s:
                s.loss = nn.functional.cross_entropy(model(torch.randn(16, 4)), torch.randint(0, 2, (16,)))
                s.loss.backward()
            model.zero_grad()
    row = str(mon.report()).splitlines()[3]
    full = "a_rather_long_encoder_block_name_here.0.weight"
    assert mon.report().layers[0].weights == full
    assert row.rstrip().endswith(" …" + full[-31:]), row


@pytest.mark.browser
def test_the_watch_page_names_each_row_s_weight_under_its_gradient(browser, tmp_path):
    from actlab.web.app import create_app
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    model = _model()
    log = tmp_path / "w.jsonl"
    _run(model, log)
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.querySelector('#watch-table table') !== null")
        head = page.locator("#watch-table thead th").all_text_contents()
        col = head.index("‖∂L/∂W‖")
        rows = page.locator("#watch-table tbody tr")
        for k, (name, frozen) in enumerate(_expected(model)):
            td = rows.nth(k).locator("td").nth(col)
            assert td.locator(".weight-of").text_content() == f"of\u00a0{name}"
            assert td.text_content().startswith("frozen" if frozen else "0.")  # the norm, then the name
        shot(page, "watch-w27-weights")
        assert errors == []
        context.close()
