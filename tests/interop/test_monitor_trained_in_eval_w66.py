"""Issue 17, W66 walkthrough finding 4: a CNN (Conv, BatchNorm, ReLU x 3) whose validation pass every 25 steps called
model.eval() with no model.train() after it trained in eval mode from step 26; its units died from step 30 on and
its loss stayed at chance, and the reading led with 'dead layer ... Use Leaky ReLU or GELU instead of relu', the eval
mode said only in the last note. It now says it right after the status, and the remedy leads with model.train().
References: the script's own record of the steps its model ran in eval mode, and its own count of the units active
on each of the last 100 batches (every step sampled)."""

from __future__ import annotations

import math
import re

import numpy as np

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

LEAD = "the model has trained in eval mode since training step"


def _blobs(n, g):
    """Images of 16 x 16 with a bright 2 x 2 blob in one quadrant; the label is the quadrant."""
    x = torch.rand(n, 1, 16, 16, generator=g) * 0.2
    q = torch.randint(0, 4, (n,), generator=g)
    r = (q // 2) * 8 + torch.randint(1, 6, (n,), generator=g)
    c = (q % 2) * 8 + torch.randint(1, 6, (n,), generator=g)
    for i in range(n):
        x[i, 0, r[i]:r[i] + 2, c[i]:c[i] + 2] += 1.0
    return x, q


def _run(train_after_validation: bool, steps: int = 150):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same sums in the same order wherever it runs: the units die alike
    try:
        return _trained(train_after_validation, steps)
    finally:
        torch.set_num_threads(threads)


def _trained(train_after_validation: bool, steps: int):
    """The walkthrough's CNN, a validation pass every 25 steps, with or without model.train() after it: (the report,
    the steps whose forward ran in eval mode, per step each ReLU's units active on its batch)."""
    g = torch.Generator().manual_seed(1)
    torch.manual_seed(0)
    x, y = _blobs(1024, g)
    xv, yv = _blobs(256, g)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.Conv2d(8, 16, 3, padding=1, stride=2), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.Conv2d(16, 16, 3, padding=1, stride=2), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    relus = [m for m in model if isinstance(m, nn.ReLU)]
    active: list[list[np.ndarray]] = []
    seen: dict[int, np.ndarray] = {}
    for i, r in enumerate(relus):
        r.register_forward_hook(lambda m, a, out, i=i: seen.__setitem__(i, (out.detach() > 0).any(3).any(2).any(0)
                                                                      .numpy()))
    in_eval = []
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    for step in range(1, steps + 1):
        idx = torch.randint(0, 1024, (64,), generator=g)
        if not model.training:
            in_eval.append(step)
        with mon.step() as s:
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            s.loss = loss
        active.append([seen[i].copy() for i in range(len(relus))])
        opt.step()
        opt.zero_grad()
        if step % 25 == 0:
            model.eval()
            with torch.no_grad():
                mon.held_out(F.cross_entropy(model(xv), yv))
            if train_after_validation:
                model.train()
    return mon.report(), in_eval, active


def test_training_left_in_eval_mode_leads_the_reading_and_its_remedy():
    report, in_eval, active = _run(train_after_validation=False)
    assert in_eval == list(range(26, 151))  # the premise: every step from 26 on ran its forward in eval mode
    r = report.reading
    assert r.status is not Status.HEALTHY
    assert r.words.split(": ", 1)[1].startswith(
        f"{LEAD} 26 (its latest 125 sampled steps, model.eval() with no model.train() after it), where '1' "
        "(BatchNorm2d), '4' (BatchNorm2d) and '7' (BatchNorm2d) compute otherwise (BatchNorm normalises with its "
        "running statistics and stops updating them), so what follows may be that mode's doing; "), r.words
    assert r.remedy.startswith("If eval mode is not meant for training, call model.train() after the validation pass "
                               "(the model has trained in eval mode since training step 26) and look again; then: "), \
        r.remedy
    # the dying layers' words: each one's units left, those neither dead nor gone silent by its layer line, whose dead
    # count is the script's own count of units never active on a batch of the span the line names
    dying = next(f.words for f in r.findings if f.words.startswith("dying layer"))
    said = {name: int(n) for n, name in re.findall(r"(\d+) in module '(\d)' \(ReLU\)",
                                                   dying.split("units left on their sampled batches: ")[1])}
    assert len(said) >= 2, dying
    for name, n in said.items():
        i = ("2", "5", "8").index(name)
        layer = report.layers[i]
        span = int(re.search(r"dead over the last (\d+) sampled batches", layer.words)[1])
        assert layer.dead == layer.width - int(np.any([a[i] for a in active[-span:]], axis=0).sum()), layer.words
        assert n == layer.width - layer.dead - layer.silent, (name, n, layer.words)


def test_training_back_in_train_mode_after_each_validation_says_nothing_of_it():
    report, in_eval, _ = _run(train_after_validation=True)
    assert in_eval == []
    assert LEAD not in report.reading.words and "eval mode" not in report.reading.remedy
    assert not any("ran in eval mode" in n for n in report.notes)


def test_a_healthy_run_trained_in_eval_mode_on_purpose_keeps_it_to_the_note():
    """Frozen normalisation and no dropout while fine-tuning is a choice: a run that learns so reads healthy, the eval
    mode said in the note only."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(2)
    centres = torch.randn(3, 8, generator=g) * 3
    model = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.3), nn.ReLU(), nn.Linear(32, 3))
    model.eval()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    mon = Monitor(model, every=5, chance_loss=math.log(3))
    for _ in range(200):
        y = torch.randint(0, 3, (64,), generator=g)
        monitored_step(mon, model, centres[y] + torch.randn(64, 8, generator=g), y, opt)
    r = mon.report()
    assert r.reading.status is Status.HEALTHY, r.reading.words
    assert LEAD not in r.reading.words
    assert any("ran in eval mode" in n and "'1' (Dropout)" in n for n in r.notes), r.notes
