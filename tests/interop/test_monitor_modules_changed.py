"""Issue 17 (W43 walkthrough, finding 2): a head replaced mid-run (m.head = nn.Sequential(...)) read 'no gradient was
computed for head.0.weight', then dead_layer with a router-collapse remedy, and its new SiLU never got a row. The
monitor now reads the model anew from the first sampled step after the change, as a new run of its log. References:
the test's own record of the new head's gradients and of the modules it assigned."""

from __future__ import annotations

import json
import math
import warnings

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.log_read import read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

C = 5


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(24, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(64, 32), nn.GELU(), nn.Linear(32, C))

    def forward(self, x):
        return self.head(self.trunk(x))


def _run(tmp_path, every, steps=120, swap=61):
    torch.manual_seed(0)
    x_all = torch.randn(1024, 24)
    y_all = (torch.tanh(x_all @ torch.randn(24, 16)) @ torch.randn(16, C)).argmax(1)
    torch.manual_seed(1)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    log = tmp_path / "swap.jsonl" if tmp_path is not None else None
    reports, own = [], {}
    g = torch.Generator().manual_seed(4)
    with Monitor(model, every=every, log=log, chance_loss=math.log(C)) as mon:
        for step in range(1, steps + 1):
            if step == swap:
                model.head = nn.Sequential(nn.Linear(64, 32), nn.SiLU(), nn.Linear(32, C))
                opt = torch.optim.Adam(model.parameters(), 1e-3)
            i = torch.randint(0, 1024, (128,), generator=g)
            monitored_step(mon, model, x_all[i], y_all[i])
            own[step] = {n: p.grad.norm().item() for n, p in model.named_parameters() if n.endswith("weight")}
            opt.step()
            opt.zero_grad()
            reports.append(mon.report())
    return mon, reports, own, log


@pytest.mark.parametrize("every", [1, 7])
def test_a_replaced_head_is_read_anew_from_the_next_sampled_step(tmp_path, every):
    mon, reports, own, log = _run(tmp_path, every)
    first = next(s for s in range(61, 121) if (s - 1) % every == 0 or every == 1)  # the first sampled step after
    for r in reports[first - 1:]:
        assert r.reading.status.value not in ("dead_layer", "no_gradient", "diverged"), (r.step, r.reading.words)
        assert not any("no gradient was computed" in f.words for f in r.reading.findings), r.step
    final = reports[-1]
    rows = {l.name: l for l in final.layers}
    assert set(rows) == {"trunk.1", "trunk.3", "head.1"} and rows["head.1"].activation == "silu"
    assert rows["head.1"].weight_grad_norm == pytest.approx(own[final.step]["head.0.weight"], rel=1e-5)
    note = next(n for n in final.notes if n.startswith("the model's modules changed"))
    assert "'head' was replaced (a Sequential by a Sequential)" in note
    assert f"began reading the model anew at step {first}" in note
    assert note.endswith(f"chance_loss stays {math.log(C):.3g}: where the new modules predict other classes or "
                         "targets, set mon.chance_loss to theirs (ln C for C balanced classes)")
    # the log holds two runs: the first ends before the change, the second begins at its first sampled step
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = read_log(log).runs
    said = " ".join(str(w.message) for w in caught)
    assert f"a run the monitor began itself: the model's modules changed after training step {first - every}" in said
    assert "Give each run a log of its own" not in said  # (the script gave it one)
    assert len(runs) == 2 and runs[0]["ended"] and runs[1]["first_step"] == first
    ends = [json.loads(line) for line in log.read_text().splitlines() if '"event"' in line]
    assert [e["steps_run"] for e in ends] == [first - 1, 120]


def test_a_model_that_keeps_its_modules_is_never_read_anew(tmp_path):
    mon, reports, own, log = _run(tmp_path, 1, steps=30, swap=None)
    assert not any("modules changed" in n for r in reports for n in r.notes)
    assert len(read_log(log).runs) == 1


def test_a_monitor_without_a_log_reads_the_new_head_too():
    mon, reports, own, _ = _run(None, 5, steps=80)
    rows = {l.name: l.activation for l in reports[-1].layers}
    assert rows == {"trunk.1": "relu", "trunk.3": "relu", "head.1": "silu"}
    assert reports[-1].reading.status.value in ("healthy", "starting"), reports[-1].reading.words


@pytest.mark.browser
def test_the_watch_page_says_the_monitor_began_a_new_run(tmp_path, browser):
    """W44 walkthrough, finding 6: a page following the run said 'the log was started again' at the swap."""
    from actlab.web.app import create_app
    from web._watch_page import open_watch
    from web.conftest import serving, shot

    _, _, _, log = _run(tmp_path, 7)
    lines = log.read_text().splitlines(keepends=True)
    cut = next(k for k, t in enumerate(lines) if '"anew"' in t)
    whole = "".join(lines)
    log.write_text("".join(lines[:cut]))  # the run before the swap, as the page first sees it
    with serving(create_app(db_path=tmp_path / "p.sqlite3", watch_log=log)) as base:
        context, page, errors = open_watch(browser, base, "document.body.dataset.ready === 'true' && "
                                           "document.getElementById('watch-run').dataset.state === 'ended'")
        log.write_text(whole)  # the monitor's new run follows
        page.wait_for_function("!document.getElementById('watch-restart').hidden", timeout=20000)
        said = page.locator("#watch-restart").text_content()
        assert "the monitor began a new run in this log: the model's modules changed after training step 57" in said
        assert "started again" not in said
        # the runs follow one another as the script meant: said, in the neutral colour (W45 walkthrough, finding 3:
        # orange, as for two scripts' runs in one file)
        warn = page.locator("#watch-warn")
        page.wait_for_function("!document.getElementById('watch-warn').hidden", timeout=20000)
        assert "This log holds 2 runs" in warn.text_content()
        assert warn.evaluate("e => [e.classList.contains('neutral'), e.classList.contains('failure')]") == [True, False]
        neutral = page.locator("#watch-restart").evaluate("e => getComputedStyle(e).color")
        assert warn.evaluate("e => getComputedStyle(e).color") == neutral
        # a third run another script appended to the same log is a fault of the file: the failure colour again
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        with Monitor(model, every=1, log=log) as mon:
            for _ in range(3):
                with mon.step():
                    model(torch.randn(8, 4)).sum().backward()
        page.wait_for_function("document.getElementById('watch-warn').textContent.includes('This log holds 3 runs')",
                               timeout=20000)
        assert warn.evaluate("e => [e.classList.contains('neutral'), e.classList.contains('failure')]") == [False, True]
        assert warn.evaluate("e => getComputedStyle(e).color") != neutral
        shot(page, "watch_anew_then_appended")
        assert errors == []
        context.close()


def test_a_chance_loss_set_before_the_swap_is_kept_in_the_new_run():
    torch.manual_seed(0)
    model = Net()
    mon = Monitor(model, every=1, chance_loss=math.log(8))
    x = torch.randn(32, 24)
    monitored_step(mon, model, x, torch.randint(0, C, (32,)))
    model.head = nn.Sequential(nn.Linear(64, 32), nn.SiLU(), nn.Linear(32, 3))  # 3 classes now
    mon.chance_loss = math.log(3)
    monitored_step(mon, model, x, torch.randint(0, 3, (32,)))
    assert mon.chance_loss == math.log(3)
    notes = mon.report().notes
    assert any(n.endswith(f"; the loss is judged against chance_loss {math.log(3):.3g}, as mon.chance_loss was set")
               for n in notes), notes
    assert not any("chance_loss stays" in n for n in notes)  # (W45: 'stays' read as if the setting were not taken)


class MadeEachCall(nn.Module):
    """A forward that assigns a new module on every call: its modules change on every step."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)

    def forward(self, x):
        self.act = nn.ReLU()
        return self.fc2(self.act(self.fc1(x)))


def test_modules_made_on_every_call_start_at_most_a_few_runs(tmp_path):
    torch.manual_seed(0)
    model = MadeEachCall()
    log = tmp_path / "each.jsonl"
    with Monitor(model, every=1, log=log) as mon:
        for _ in range(20):
            monitored_step(mon, model, torch.randn(16, 4), torch.randint(0, 2, (16,)))
    runs = {json.loads(t)["run"] for t in log.read_text().splitlines() if '"anew"' in t}
    assert len(runs) == 4, runs  # ANEW_MOST runs begun anew, then no more
    notes = mon.report().notes
    assert any("The modules have now changed 4 times" in n for n in notes), notes
    assert mon.report().step == 20
