"""Issue 17, W67 walkthrough finding 6: a character language model at lr 1 read 'vanishing' with the remedy '...;
check that the inputs are scaled to mean 0 and variance 1 (they were not measured here)': its inputs are token ids
into an embedding, which have no scale. The monitor now marks integer inputs to the first weighted module, and the
advice is left out for them. References: the dtype of the batch the script gives."""

from __future__ import annotations

import dataclasses
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.reading_record import LayerSummary, RunSummary  # noqa: E402
from actlab.reading_remedies import scale_inputs  # noqa: E402
from actlab.readings import TORCH_LEVERS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _monitor(model, batch):
    mon = Monitor(model, every=1, chance_loss=math.log(4))
    for _ in range(3):
        with mon.step() as s:
            loss = F.cross_entropy(model(batch()), torch.randint(0, 4, (16,)))
            loss.backward()
            s.loss = loss
        model.zero_grad()
    return mon


def test_token_ids_are_marked_and_get_no_advice_to_scale_them():
    torch.manual_seed(0)
    lm = nn.Sequential(nn.Embedding(10, 8), nn.Flatten(), nn.Linear(40, 16), nn.Tanh(), nn.Linear(16, 4))
    mlp = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 4))
    assert _monitor(lm, lambda: torch.randint(0, 10, (16, 5)))._input_ids is True
    assert _monitor(mlp, lambda: torch.randn(16, 5))._input_ids is False
    s = RunSummary(layers=(LayerSummary("tanh", 16, 0.1),), output_grad_norm=1.0, levers=TORCH_LEVERS)
    assert scale_inputs(s).startswith("; check that the inputs are scaled")  # floats, not measured: a check
    assert scale_inputs(dataclasses.replace(s, input_ids=True)) == ""
