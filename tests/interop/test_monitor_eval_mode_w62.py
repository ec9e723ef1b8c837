"""Training left in eval mode (issue 17, W62 walkthrough finding 8): a validation pass's model.eval() with no
model.train() after it trained every later step in eval mode (BatchNorm on its running statistics, Dropout off), and
the reading stayed 'healthy' with no word of it. The monitor says so in a note kept up to date, naming the modules
that compute otherwise in eval mode, and says nothing of a model with none, nor of a validation batch inside a step.
References: the steps at which the script switched the mode, and the modules' own `training` flags."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import blobs, monitored_step  # noqa: E402


def _run(model, eval_at=10, train_at=None, steps=30, inside=False):
    x, y = blobs()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    modes = {}
    for t in range(1, steps + 1):
        if t == eval_at:
            model.eval()
        if t == train_at:
            model.train()
        if inside:  # a validation batch in eval mode inside the step, then the training forward in train mode
            with mon.step() as s:
                model.eval()
                model(x[:64]).sum()
                model.train()
                loss = nn.functional.cross_entropy(model(x[64:128]), y[64:128])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
        else:
            monitored_step(mon, model, x[:64], y[:64], opt)
        modes[t] = model.training
    return mon, modes


def _said(mon):
    return [n for n in mon.report().notes if "ran in eval mode (model.eval()) and backward ran through" in n]


def test_training_left_in_eval_mode_is_said_with_its_steps_and_modules():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 4))
    mon, modes = _run(model, eval_at=10, steps=30)
    first = min(t for t, on in modes.items() if not on)
    assert first == 10 and not any(modes[t] for t in range(10, 31))  # the premise
    said = _said(mon)
    assert said == [f"from training step {first}, the forwards of 21 sampled steps in a row ran in eval mode "
                    "(model.eval()) and backward ran through them, up to training step 30, the latest: the model "
                    "trained as it evaluates, and '1' (BatchNorm1d) and '3' (Dropout) compute otherwise in eval mode "
                    "(BatchNorm normalises with its running statistics and no longer updates them; Dropout drops "
                    "nothing). A validation pass that calls model.eval() needs model.train() after it, before the next "
                    "training step"], said
    # not said before EVAL_RUN such steps
    torch.manual_seed(0)
    short, _ = _run(nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 4)), eval_at=29)
    assert _said(short) == []


def test_the_note_says_where_train_mode_came_back():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 4))
    mon, modes = _run(model, eval_at=10, train_at=20, steps=30)
    assert [t for t, on in modes.items() if not on] == list(range(10, 20))  # the premise
    said = _said(mon)
    assert len(said) == 1 and said[0].startswith(
        "from training step 10, the forwards of 10 sampled steps in a row ran in eval mode (model.eval()) and backward "
        "ran through them, up to training step 19, and in train mode again from training step 20: "), said
    assert "'1' (BatchNorm1d) compute otherwise" in said[0]


def test_nothing_is_said_of_a_model_eval_mode_leaves_as_it_is_nor_of_a_validation_batch():
    torch.manual_seed(0)
    plain = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
    assert _said(_run(plain, eval_at=5)[0]) == []
    torch.manual_seed(0)
    with_bn = nn.Sequential(nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 4))
    assert _said(_run(with_bn, eval_at=None, inside=True)[0]) == []
