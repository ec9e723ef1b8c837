"""W84 walkthrough finding 1: AdamW with weight_decay=100 on a transformer's matrices, not on its embeddings (as is
usual), shrank each decayed matrix 6.7 to 13.6 times; the size of all of them together, held up by the embeddings,
fell only from 104 to 91.8, under the 10 times the shrink rule asked, and the run read 'vanishing' with 'Try He
initialisation, residual connections ... or fewer layers'. Half the matrices or more each 5 times smaller than at
their largest now reads as the weights shrinking, with the weight decay's remedy. References: the script's own norms
of each matrix at each step, and the same run with weight decay 0.01."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class _Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(64, 32)
        self.mlp = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.mlp(self.tok(x).mean(1))


def _run(decay: float, steps: int = 300):
    torch.manual_seed(0)
    model = _Tokens()
    x = torch.randint(0, 64, (2048, 8))
    y = (x[:, 0] % 10)  # the first token's class: learnable from the embeddings
    opt = torch.optim.AdamW([{"params": model.tok.parameters(), "weight_decay": 0.0},
                             {"params": model.mlp.parameters(), "weight_decay": decay}], lr=1e-3)
    def matrices():
        return {n: float(p.detach().norm()) for n, p in model.named_parameters() if n.endswith("weight")}
    norms = [matrices()]  # each matrix's norm as training step k + 1's forward sees it, by name
    with Monitor(model, every=10, chance_loss=math.log(10)) as mon:
        for t in range(steps):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[i], y[i], opt, sample=t == steps - 1)
            norms.append(matrices())
        return mon.report(), norms


def test_most_matrices_shrunk_under_an_undecayed_embedding_read_as_weight_decay():
    report, norms = _run(100.0)
    start, end = norms[0], norms[-1]
    falls = {n: max(s[n] for s in norms) / end[n] for n in end}
    assert falls["tok.weight"] < 1.2 and all(falls[n] > 5 for n in falls if n.startswith("mlp"))  # the premise
    together = math.sqrt(sum(v * v for v in end.values())) / math.sqrt(sum(v * v for v in start.values()))
    assert together > 0.5  # and their size together did not fall 10 times
    assert report.status == "not_learning", report.reading.words
    words = report.reading.words
    assert words.startswith("not learning: the weights have shrunk: 3 of the 4 trained weight matrices are each 5 "
                            "times smaller or more than at their largest (the most, 'mlp."), words
    assert "held up by 'tok.weight', which did not shrink" in words
    # the figures named, against the script's own norms of that matrix at the steps named
    most = re.search(r"the most, '([^']+)', from (\S+) at training step (\d+) to (\S+) at training step (\d+), "
                     r"([\d,.]+) times smaller", words)
    assert most, words
    name, high, high_step, now, now_step = most[1], float(most[2]), int(most[3]), float(most[4]), int(most[5])
    assert high == pytest.approx(norms[high_step - 1][name], rel=5e-3)
    assert now == pytest.approx(norms[now_step - 1][name], rel=5e-3)
    assert high <= 1.005 * max(n[name] for n in norms[:now_step])  # no larger than any it could have read
    assert report.reading.remedy.startswith("Lower the weight decay")


def test_a_usual_weight_decay_is_not_read_as_shrinking():
    report, _ = _run(0.01)
    assert "the weights have shrunk" not in report.reading.words
    assert report.status == "healthy", report.reading.words


def test_an_embedding_left_out_of_the_optimiser_reads_weights_still_w84():
    """W84 walkthrough finding 7: the embedding left out of the optimiser kept its first values bit for bit over 400
    steps, and the run read 'healthy' (a note said it was in no parameter group), where the head left out read
    'weights_still': the embedding is on no row, and the still weights were read only on rows. Reference: the
    embedding's own values, compared with its first."""
    torch.manual_seed(0)
    model = _Tokens()
    x = torch.randint(0, 64, (2048, 8))
    y = x[:, 0] % 10
    first = model.tok.weight.detach().clone()
    opt = torch.optim.AdamW(model.mlp.parameters(), lr=3e-3)
    with Monitor(model, every=10, chance_loss=math.log(10)) as mon:
        for t in range(300):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[i], y[i], opt, sample=t == 299)
        report = mon.report()
    assert torch.equal(model.tok.weight.detach(), first)  # the premise: never stepped
    assert report.status == "weights_still", report.reading.words
    assert report.reading.words.startswith("weights not changing: the weight 'tok.weight' has not changed"), \
        report.reading.words
