"""Issue 17, W105 walkthrough finding 13: Adam with weight_decay 1.0 on a plain classifier took its weights 138 times
down; the reading said so ('Lower the weight decay'), and a note beside it gave a GAN's and a policy gradient's causes
for the output layer's gradient falling 566,836 times. Weights shrunk by the reading's own rule explain that fall:
the note is not given then. References: the script's own weight norms before and after."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import batch_at, monitored_step, separable  # noqa: E402


def _run(decay: float):
    x, y = separable()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    size = lambda: math.sqrt(sum(float((m.weight ** 2).sum()) for m in model if isinstance(m, nn.Linear)))  # noqa: E731
    first = size()
    opt = torch.optim.Adam(model.parameters(), 1e-3, weight_decay=decay)
    with Monitor(model, every=5, chance_loss=math.log(4)) as mon:
        for t in range(500):
            i = batch_at(t)
            monitored_step(mon, model, x[i], y[i], opt)
    return mon.report(), first / size()


def test_weights_a_decay_shrank_get_no_gan_note_for_their_fallen_gradient():
    report, shrank = _run(1.0)
    assert shrank > 10  # the premise: the decay took the weights down more than 10 times
    said = " ".join([report.reading.words, *(f.words for f in report.reading.others)])
    assert "the weights have shrunk" in said, said
    assert not any("opponent has most likely won" in n for n in report.notes), report.notes
