"""Issue 17, W95 walkthrough finding 3: a binary mask's logits, (N, 1, H, W) under a binary cross-entropy, were read
with their width as the labels ('32 labels a row'), each column's frequency taken apart. A map's labels are now its
channels, each pooled over every position, as a constant guess of a mask's foreground share is. Reference: the
binary entropy of the test's own targets over the batches read."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _entropy(f: float) -> float:
    return -(f * math.log(f) + (1 - f) * math.log(1 - f))


@pytest.mark.parametrize("channels", [1, 3])
def test_a_masks_targets_are_pooled_over_its_positions(channels):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, channels, 3, padding=1))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    targets = {}
    with Monitor(model, every=5, chance_loss=math.log(2)) as mon:
        for t in range(1, 41):
            x = torch.randn(16, 1, 32, 32, generator=torch.Generator().manual_seed(t))
            # about 1% foreground, in blobs; each channel a little more than the one before
            y = torch.cat([(F.avg_pool2d(x, 5, 1, 2) > 0.45 - 0.05 * c).float() for c in range(channels)], dim=1)
            targets[t] = y
            monitored_step(mon, model, x, y, opt, loss_fn=F.binary_cross_entropy_with_logits)
    words = mon.report().reading.words
    m = re.search(r"\(a map of (\d+) channels? over ([\d,]+) positions a row, 3 batches, from training step (\d+) to "
                  r"(\d+)\) are 0, so a constant guess of each channel's frequency over every position gets a binary "
                  r"cross-entropy of about (\S+),", words)
    assert m, words
    assert (int(m[1]), int(m[2].replace(",", ""))) == (channels, 32 * 32)
    read = [t for t in (1, 6, 11, 16, 21, 26, 31, 36) if int(m[3]) <= t <= int(m[4])]
    assert len(read) == 3, (m[3], m[4])
    pooled = torch.cat([targets[t] for t in read])
    want = sum(_entropy(pooled[:, c].mean().item()) for c in range(channels)) / channels
    assert float(m[5]) == pytest.approx(want, rel=5e-3), (m[5], want)  # (said to 3 significant digits)
    assert "labels a row" not in words
