"""Issue 17, W95 walkthrough (dense prediction): a segmentation net's (N, C, H, W) logits under F.cross_entropy.

- Finding 2: the targets' balance was read from (N, C) logits only; pixels 97% background, chance_loss ln 3, read
  'healthy ... 72% below chance' while the model predicted the background on every pixel. The logits' classes on
  axis 1 are read too, and the skew is said.
- Finding 4: the activations' std grew with training from about 0.14 to 2-17 over four conv layers, and 'exploding'
  became the status wherever the loss was not read as learned, over the reading's own finding. Grown so far and no
  further, it is a note.
References: the data's own class frequencies and entropy, the script's own hooks on the activations."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.interop._monitor_words import EXPLODE_PER_LAYER, EXPLODE_TOTAL, GREW_HARMLESS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

SIZE, CLASSES = 32, 3


def _images(n: int, seed: int = 3):
    """One small circle or square (class 1 or 2) a 32 x 32 image on background (class 0), with a cue in its
    channel: about 97% of the pixels background."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, SIZE, SIZE, generator=g) * 0.3
    y = torch.zeros(n, SIZE, SIZE, dtype=torch.long)
    yy, xx = torch.meshgrid(torch.arange(SIZE), torch.arange(SIZE), indexing="ij")
    for i in range(n):
        cls = int(torch.randint(1, 3, (1,), generator=g))
        r = int(torch.randint(2, 4, (1,), generator=g))
        cy, cx = (int(v) for v in torch.randint(r, SIZE - r, (2,), generator=g))
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r if cls == 1 else ((yy - cy).abs() <= r) & ((xx - cx).abs() <= r)
        y[i][mask] = cls
        x[i, cls - 1][mask] += 1.0
    return x, y


class _EncDec(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.a1 = nn.Conv2d(3, 16, 3, padding=1), nn.ReLU()
        self.c2, self.a2 = nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU()
        self.c3, self.a3 = nn.Conv2d(32, 32, 3, padding=1), nn.ReLU()
        self.up, self.a4 = nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), nn.ReLU()
        self.out = nn.Conv2d(16, CLASSES, 1)

    def forward(self, x):
        h = self.a2(self.c2(self.a1(self.c1(x))))
        return self.out(self.a4(self.up(self.a3(self.c3(h)))))


def _train(chance: float, flatten: bool = False, epochs: int = 5):
    x, y = _images(384)
    torch.manual_seed(0)
    model = _EncDec()
    stds = {}
    for name in ("a1", "a2", "a3", "a4"):
        getattr(model, name).register_forward_hook(lambda m, i, o, n=name: stds.__setitem__(n, float(o.detach().std())))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    first_stds, t = None, 0
    with Monitor(model, every=5, chance_loss=chance) as mon:
        for _ in range(epochs):
            for k in range(0, 384, 32):
                t += 1
                with mon.step(sample=t == epochs * 12) as s:
                    out = model(x[k:k + 32])
                    if flatten:
                        loss = F.cross_entropy(out.permute(0, 2, 3, 1).reshape(-1, CLASSES), y[k:k + 32].reshape(-1))
                    else:
                        loss = F.cross_entropy(out, y[k:k + 32])
                    loss.backward()
                    s.loss = loss
                first_stds = first_stds or dict(stds)
                opt.step()
                opt.zero_grad()
    return mon.report(), y, first_stds, stds


@pytest.mark.parametrize("flatten", [False, True])
def test_a_map_of_mostly_one_class_is_said_against_ln_c(flatten):
    report, y, _, _ = _train(math.log(CLASSES), flatten)
    counts = torch.bincount(y.flatten(), minlength=CLASSES).double()
    share = float(counts.max() / counts.sum())
    freq = counts / counts.sum()
    entropy = float(-(freq * freq.log()).sum())
    r = report.reading
    assert share > 0.95  # the premise
    said = re.search(r"far from balanced: the commonest, class 0 of 3, is (\d+)% of the ([\d,]+) read .*gets a "
                     r"cross-entropy of about ([\d.]+)", r.words)
    assert said, r.words
    assert abs(int(said[1]) - 100 * share) <= 2  # (3 batches read, against the whole data set's share)
    assert int(said[2].replace(",", "")) == 3 * 32 * SIZE * SIZE
    assert float(said[3]) == pytest.approx(entropy, rel=0.15)
    assert r.status == "flowing" and "below chance" not in r.words


def test_activations_grown_by_training_to_a_moderate_size_are_a_note():
    report, y, first, last = _train(0.15)  # about the data's own entropy: the right chance
    growth = (last["a4"] / last["a1"]) ** (1 / 3)
    # the premise, by the script's own hooks: grown layer by layer past the lines at the end, not at the start
    assert growth >= EXPLODE_PER_LAYER and last["a4"] / last["a1"] >= EXPLODE_TOTAL and 1 <= last["a4"] < GREW_HARMLESS
    assert first["a4"] < first["a1"]
    assert report.reading.status != "exploding", report.reading.words
    assert any("is no failure in itself, so it is not the status" in n for n in report.notes), report.notes


def test_a_diverged_map_net_is_not_said_finite():
    """Finding 11: SGD at lr 20 took the loss to NaN at step 8; the last sampled step's rows said each layer 'holds a
    NaN or an inf' beside a note that the same layers' activations 'are finite but above about 1.8e19'."""
    x, y = _images(384, seed=0)
    torch.manual_seed(0)
    model = _EncDec()
    seen = {}
    model.a4.register_forward_hook(lambda m, i, o: seen.__setitem__("finite", bool(torch.isfinite(o).all())))
    opt = torch.optim.SGD(model.parameters(), lr=20.0)
    with Monitor(model, every=5) as mon:
        for t in range(36):
            k = (t % 12) * 32
            monitored_step(mon, model, x[k:k + 32], y[k:k + 32], opt, sample=t == 35)
    report = mon.report()
    assert not seen["finite"]  # the premise
    assert report.reading.status == "diverged"
    assert all("holds a NaN or an inf" in layer.words for layer in report.layers)
    assert not any("are finite but above about 1.8e19" in n for n in report.notes), report.notes
