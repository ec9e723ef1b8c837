"""The loss's named parts (s.parts) on the watch page: each report of the log carries the parts its sampled step gave,
and the loss chart draws each part as a dashed line of its own, named in the key, read by the readout (issue 17:
the parts were in a note only, so a page could not show which part stayed up). References: the parts the test's own
training loop computed (the log), and values written into a hand-made log."""

from __future__ import annotations

import json
import math

import pytest

from actlab.monitor_log import LOG_FORMAT
from actlab.run_history import point_of
from actlab.web.app import create_app
from web._watch_logs import lines, report

NAMES = ["fc1.act", "fc2.act"]
RUN = "document.getElementById('watch-run')"
READY = f"{RUN}.dataset.state && !['reading', 'waiting'].includes({RUN}.dataset.state)" \
        " && document.getElementById('watch-loss').drawn?.x?.length === 60"
LAYERS = [{"name": "act", "width": 4, "act_grad_norm": 0.1, "dead": 0, "saturated": 0, "dormant": 0}]


def _point(parts):
    return point_of(0, {"step": 3, "loss": 1.0, "non_finite": False, "layers": LAYERS, "parts": parts})


def test_a_point_keeps_the_parts_bounded_and_only_finite_numbers():
    assert _point({"cls": 0.5, "reg": 2}).get("parts") == {"cls": 0.5, "reg": 2}
    assert "parts" not in _point(None) and "parts" not in _point("cls") and "parts" not in _point({})
    odd = _point({"a": "inf", "b": None, "c": True, "d": [1], "e": math.inf, "f": 1.5})["parts"]
    assert odd == {"a": None, "b": None, "c": None, "d": None, "e": None, "f": 1.5}
    many = _point({f"p{k}": float(k) for k in range(20)})["parts"]
    assert list(many) == [f"p{k}" for k in range(8)]  # the first 8 given, as the monitor takes at most 8
    assert list(_point({"x" * 500: 1.0})["parts"]) == ["x" * 40]


def test_a_monitor_s_log_carries_each_sampled_step_s_parts(tmp_path):
    from conftest import require_torch

    torch = require_torch()
    from torch import nn

    from actlab.torch import Monitor

    torch.manual_seed(0)
    trunk, cls, reg = nn.Sequential(nn.Linear(6, 16), nn.ReLU()), nn.Linear(16, 3), nn.Linear(16, 1)
    model = nn.ModuleDict({"trunk": trunk, "cls": cls, "reg": reg})
    opt = torch.optim.SGD(model.parameters(), 0.05)
    log = tmp_path / "run.jsonl"
    own = {}
    with Monitor(model, every=5, log=log) as mon:
        for t in range(1, 31):
            x, yc, yr = torch.randn(32, 6), torch.randint(0, 3, (32,)), torch.randn(32, 1)
            with mon.step() as s:
                h = trunk(x)
                l1, l2 = nn.functional.cross_entropy(cls(h), yc), nn.functional.mse_loss(reg(h), yr)
                (l1 + l2).backward()
                s.loss, s.parts = l1 + l2, {"cls": l1, "reg": l2}
            own[t] = {"cls": l1.item(), "reg": l2.item()}
            opt.step()
            opt.zero_grad()
    header = json.loads(log.read_text().splitlines()[0])
    assert "part_chance" not in header  # none given
    reports = [json.loads(line) for line in log.read_text().splitlines() if '"reading"' in line]
    assert [r["step"] for r in reports] == [1, 6, 11, 16, 21, 26]
    for r in reports:
        assert r["parts"].keys() == {"cls", "reg"}
        for name, v in r["parts"].items():
            assert math.isclose(v, own[r["step"]][name], rel_tol=1e-6), (r["step"], name)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 420])
def test_the_loss_chart_draws_each_part_and_the_readout_names_them(browser, tmp_path, width):
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    rows = []
    for s in range(1, 61):
        r = report(s, NAMES, loss=1.5 * 0.97 ** s + 1.0)
        r["parts"] = {"cls": 1.5 * 0.97 ** s, "reg": 1.0 + 0.01 * (s % 3)}  # one learns, one stays at its noise
        if s == 30:
            r["parts"]["reg"] = None  # a NaN part: no point drawn there
        rows.append(r)
    log = tmp_path / "run.jsonl"
    # the parts' chance levels, as Monitor(part_chance=...) writes them into the header: 'reg' has one, 'cls' none,
    # and a name no part has is left out
    log.write_text(lines({"format": LOG_FORMAT, "layers": NAMES, "activations": ["gelu", "gelu"],
                          "part_chance": {"reg": 1.0, "other": 2.0}}, *rows))
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, READY, width)
        drawn = page.evaluate("document.getElementById('watch-loss').drawn")
        names = [s["name"] for s in drawn["series"]]
        assert names == ["loss", "part 'cls'", "part 'reg'", "'reg' chance level"], names
        assert drawn["series"][3]["y"] == [1.0] * 60
        for k, name in ((1, "cls"), (2, "reg")):
            want = [r["parts"][name] for r in rows]
            assert drawn["series"][k]["y"] == want, name
        legend = page.evaluate("document.getElementById('watch-loss').legendNames")
        assert "part 'cls'" in legend and "part 'reg'" in legend
        page.locator("#watch-loss").focus()
        page.keyboard.press("End")
        said = page.locator("#watch-readout").inner_text()
        assert said.startswith("Step 60: loss ") and \
            f"; parts (s.parts): 'cls' {rows[-1]['parts']['cls']:.4g}, 'reg' 1 (its chance level 1)" in said, said
        for _ in range(30):
            page.keyboard.press("ArrowLeft")
        said = page.locator("#watch-readout").inner_text()
        assert said.startswith("Step 30:") and "'reg'" not in said and "'cls'" in said, said
        shot(page, f"watch-parts-{width}", page.locator("#watch-loss").locator(".."))
        assert errors == []
        context.close()


def test_a_monitor_s_header_carries_the_parts_chance_levels(tmp_path):
    from conftest import require_torch

    require_torch()
    from torch import nn

    from actlab.torch import Monitor

    log = tmp_path / "run.jsonl"
    with Monitor(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)), every=1, log=log,
                 part_chance={"reg": 0.986, "cls": math.log(4)}):
        pass
    header = json.loads(log.read_text().splitlines()[0])
    assert header["part_chance"] == {"reg": 0.986, "cls": math.log(4)}
