"""W54 walkthrough finding 1: an AdamW given the head alone read status 'healthy' from step 62 to the end, its words
saying 'weights not changing: the weights 'b1.fc1.weight' and 'b2.fc1.weight' ...', while 14 parameters never moved.
The status is weights_still now (no failure: the head learns; no health), and the words count the other parameters
nothing wrote. The reference: every parameter compared with a copy taken before training."""

from __future__ import annotations

import copy
import math
import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(16, 8)
        self.fc1 = nn.Linear(64, 32)
        self.proj = nn.Linear(32, 32)  # after the activation: no watched activation follows it
        self.head = nn.Linear(32, 4)

    def forward(self, ids):
        h = self.emb(ids).flatten(1)
        return self.head(self.proj(F.gelu(self.fc1(h))))


def test_a_model_stepped_in_part_reads_weights_still_and_counts_what_never_moved():
    torch.manual_seed(0)
    ids = torch.randint(0, 16, (1024, 8))
    model = Net()
    with torch.no_grad():  # targets a head on the untrained body can learn
        y = model.head.__class__(32, 4)(model.proj(F.gelu(model.fc1(model.emb(ids).flatten(1))))).argmax(1)
    before = copy.deepcopy(dict(model.named_parameters()))
    opt = torch.optim.AdamW(model.head.parameters(), lr=3e-3)  # the bug: the head alone
    mon = Monitor(model, every=5, chance_loss=math.log(4))
    g = torch.Generator().manual_seed(1)
    for _ in range(400):
        i = torch.randint(0, 1024, (64,), generator=g)
        monitored_step(mon, model, ids[i], y[i], opt)
    still = {n for n, p in model.named_parameters() if torch.equal(p, before[n])}
    assert still == {"emb.weight", "fc1.weight", "fc1.bias", "proj.weight", "proj.bias"}  # the premise
    r = mon.report().reading
    assert r.status.value == "weights_still" and not r.is_failure, r.words
    assert not any(f.status.value == "healthy" for f in r.findings)
    # every weight matrix left out is named, those on no row of the table too (W84 walkthrough finding 7: an
    # embedding's still weight had gone unsaid), and the largest gradient said to be a sum (its .grad never cleared)
    assert r.words.startswith("weights not changing: the weights 'fc1.weight', 'emb.weight' and 'proj.weight' have "
                              "not changed"), r.words
    assert "at 'fc1.weight', a sum over the steps since its .grad was last cleared" in r.words
    m = re.search(r"nothing has written (\d+) other trained parameters either since the weights were first read "
                  r"\(([^)]*)\)", r.words)
    assert m, r.words
    named = set(re.findall(r"'([^']+)'", m.group(2)))
    matrices = {"fc1.weight", "emb.weight", "proj.weight"}
    assert int(m.group(1)) == len(named) == len(still) - 3 and named == still - matrices, (named, still)
    # a schedule stops every weight, not some: the remedy leads with the optimiser's parameters (W56 finding 3)
    assert r.remedy.startswith("Call opt.step() after loss.backward()") and "scheduler brought" in r.remedy, r.remedy


def test_a_model_the_optimiser_holds_whole_names_no_other_parameter():
    torch.manual_seed(0)
    ids = torch.randint(0, 16, (1024, 8))
    y = (ids[:, 0] % 4)
    model = Net()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    mon = Monitor(model, every=5, chance_loss=math.log(4))
    for step in range(200):
        i = slice((step * 64) % 1024, (step * 64) % 1024 + 64)
        monitored_step(mon, model, ids[i], y[i], opt)
    r = mon.report()
    assert "weights not changing" not in str(r) and "nothing has written" not in str(r)
    assert r.status.value == "healthy", r.reading.words
