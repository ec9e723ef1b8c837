"""As a run ends, the losses of the steps after its last sampled one are taken into the reading where they hold a NaN
or a blow-up (issue 17, W75 walkthrough findings 1 and 2: losses NaN at steps 106 to 110, after the last sampled step
101, ended 'Healthy'; a learning rate of 50 at step 134 took the loss to 218 after the last sampled step, and the final
reading was 'healthy' of a mean over steps 52 to 101). References: the losses the script computed, kept here."""

from __future__ import annotations

import json
import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.monitor_log import read_log  # noqa: E402
from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(4)


def _run(path, steps, every, nan_from=None, lr_at=None, log=True):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(1)
    x_all = torch.randn(2000, 8, generator=g)
    y_all = (x_all @ torch.randn(8, 4, generator=g)).argmax(1)
    losses = {}
    with Monitor(model, every=every, chance_loss=CHANCE, log=path if log else None) as mon:
        for k in range(1, steps + 1):
            if lr_at is not None and k == lr_at:
                opt.param_groups[0]["lr"] = 50.0
            i = torch.randint(0, 2000, (64,), generator=g)
            with mon.step() as s:
                loss = F.cross_entropy(model(x_all[i]), y_all[i])
                if nan_from is not None and k >= nan_from:
                    loss = loss * math.nan
                loss.backward()
                s.loss = loss
                losses[k] = loss.item()
            opt.step()
            opt.zero_grad()
    mon.close()  # (a second close changes nothing)
    end = json.loads(path.read_text().splitlines()[-1]) if log else None
    return mon.report(), end, losses


def test_a_nan_after_the_last_sampled_step_ends_the_run_diverged(tmp_path):
    rep, end, losses = _run(tmp_path / "nan.jsonl", 110, 25, nan_from=106)
    assert rep.step == 101 and math.isnan(losses[106]) and math.isfinite(losses[105])  # the premise
    assert rep.reading.status is Status.DIVERGED
    assert rep.reading.words.startswith("diverged at step 106: the loss became NaN or infinite"), rep.reading.words
    assert "the last sampled step, training step 101, came before it" in rep.reading.words
    assert end["reading"]["status"] == "diverged" and end["reading"]["words"] == rep.reading.words
    assert any("its reading takes in the losses of the 9 steps after it" in n for n in rep.notes)
    assert read_log(tmp_path / "nan.jsonl").end["reading"]["status"] == "diverged"


def test_a_blow_up_after_the_last_sampled_step_is_read(tmp_path):
    rep, end, losses = _run(tmp_path / "lr.jsonl", 140, 50, lr_at=134)
    peak = max(range(102, 141), key=lambda t: losses[t])
    assert losses[peak] > 30 * CHANCE and peak > 134  # the premise: a blow-up after the last sampled step, 101
    assert rep.step == 101
    assert rep.reading.status is not Status.HEALTHY
    assert f"the loss blew up to {losses[peak]:.3g} at training step {peak}" in rep.reading.words, rep.reading.words
    assert end["reading"]["words"] == rep.reading.words


@pytest.mark.parametrize("steps", [110, 101])
def test_a_calm_end_keeps_the_last_sampled_reading(tmp_path, steps):
    rep, end, _ = _run(tmp_path / "calm.jsonl", steps, 25)
    assert rep.step == 101 and "reading" not in end
    lines = [json.loads(x) for x in (tmp_path / "calm.jsonl").read_text().splitlines()]
    assert rep.reading.words == lines[-2]["reading"]["words"]  # the last sampled step's line


def test_a_monitor_with_no_log_reads_its_end_too(tmp_path):
    rep, _, _ = _run(tmp_path / "none.jsonl", 110, 25, nan_from=106, log=False)
    assert not (tmp_path / "none.jsonl").exists()
    assert rep.reading.status is Status.DIVERGED and rep.reading.words.startswith("diverged at step 106")
