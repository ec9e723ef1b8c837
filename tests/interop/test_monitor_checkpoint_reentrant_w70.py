"""torch.utils.checkpoint with use_reentrant=True hides the block's own ops from the autograd graph of the forward,
so the data flow from the block's last modules to the head cannot be read (issue 17, W70 walkthrough finding 2: a
language model's 'blocks.2.ff.down' -> residual -> norm -> 'head' read as 'heads side by side: the autograd graph shows
none of them feeding another', the output layer taken as 'blocks.2.ff.down', and W/out 0.177 where it is 0.298 without
the checkpoint). References: the same model and batches without checkpointing, and the weights' own .grad."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.checkpoint import checkpoint  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.up, self.down = nn.Linear(8, 16), nn.Linear(16, 8)

    def forward(self, x):
        return x + self.down(F.silu(self.up(x)))


class Net(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.blocks = nn.ModuleList(Block() for _ in range(2))
        self.norm, self.head = nn.LayerNorm(8), nn.Linear(8, 3)
        self.mode = mode

    def forward(self, x):
        for b in self.blocks:
            x = b(x) if self.mode is None else checkpoint(b, x, use_reentrant=self.mode == "reentrant")
        return self.head(self.norm(x))


def _run(mode):
    torch.manual_seed(0)
    model = Net(mode)
    mon = Monitor(model, every=1)
    g = torch.Generator().manual_seed(1)
    for _ in range(3):
        x = torch.randn(16, 8, generator=g, requires_grad=mode == "reentrant")  # (reentrant needs an input with grad)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), torch.randint(0, 3, (16,), generator=g))
            loss.backward()
            s.loss = loss
        ratios = {l.name: l.weight_grad_norm / model.head.weight.grad.norm().item() for l in mon.report().layers}
        model.zero_grad()
    return mon.report(), ratios


@pytest.mark.parametrize("mode", ["reentrant", "non-reentrant"])
def test_a_checkpointed_model_reads_as_the_same_model_without_it(mode):
    plain, _ = _run(None)
    report, ratios = _run(mode)
    assert [l.name for l in report.layers] == [l.name for l in plain.layers]
    for got, want in zip(report.layers, plain.layers, strict=True):
        # W/out against the head's own .grad, as without the checkpoint
        ratio, plain_ratio = got.weight_grad_ratio_to_output, want.weight_grad_ratio_to_output
        assert ratio == pytest.approx(plain_ratio, rel=1e-5), (got.name, ratio, plain_ratio)
        assert ratio == pytest.approx(ratios[got.name], rel=1e-5)
    assert not any("heads side by side" in n for n in report.notes), report.notes
