"""Issue 17, W106 walkthrough finding 4: nn.Sigmoid at a model's end before nn.BCEWithLogitsLoss (a sigmoid applied
twice) read 'healthy ... 23% below chance', where such a loss cannot fall below p softplus(-1) + (1 - p) ln 2 (0.503
on balanced targets): the run was 94% of the way to a floor it cannot pass, its held-out loss 0.54 against the
control's 0.18. The reading now says the outputs are probabilities, with the floor, and the remedy takes the sigmoid
off. References: F.binary_cross_entropy_with_logits itself on the best outputs a sigmoid allows (1 for each target 1,
0 for each 0), and the same net without the sigmoid."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import separable  # noqa: E402


def _binary():
    x, y = separable(classes=2, n=512)
    return x[:128], y[:128].float()


def _run(head: nn.Module | None, loss_fn=F.binary_cross_entropy_with_logits, steps: int = 60):
    x, y = _binary()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 1), *([head] if head is not None else []))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    with Monitor(model, every=5, chance_loss=math.log(2)) as mon:
        for _ in range(steps):
            with mon.step() as s:
                loss = loss_fn(model(x).squeeze(1), y)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
        return mon.report().reading, float(loss.detach())


def test_a_sigmoid_before_a_loss_on_logits_reads_its_floor_and_the_remedy_takes_it_off():
    r, loss = _run(nn.Sigmoid())
    _, y = _binary()
    floor = float(F.binary_cross_entropy_with_logits(y, y))  # each output at the sigmoid's best: 1 or 0
    assert loss >= floor  # the premise: the loss cannot pass it
    assert r.status.value == "flowing", r.words
    assert ("the loss is not judged: the outputs given to the binary cross-entropy on logits are probabilities "
            "(every one of the 128 read at training step") in r.words, r.words
    # (a batch's floor, with its share of 1s: W107 walkthrough finding 6, a floor of 0.509 quoted beside batch
    # losses down to 0.47, whose batches held more 1s)
    assert (f"so the loss of that batch cannot fall below {floor:.3g} for its targets ({float(y.mean()):.0%} of them "
            "1) however right the model is (a batch's floor falls with its share of 1s: 0.313 for all 1s, 0.693 for "
            "none)") in r.words, r.words
    assert r.remedy.startswith("Take the sigmoid off the model's end: nn.BCEWithLogitsLoss"), r.remedy


def test_logits_and_a_sigmoid_under_bceloss_say_nothing_of_it():
    for head, loss_fn in ((None, F.binary_cross_entropy_with_logits), (nn.Sigmoid(), F.binary_cross_entropy)):
        r, _ = _run(head, loss_fn)
        assert r.status.value == "healthy" and "probabilities" not in r.words, r.words


def test_one_read_of_logits_between_0_and_1_is_not_enough():
    """Logits of a fresh model can all fall between 0 and 1 on one batch; the reading waits for two reads in a row.
    Here the output layer gives logits of 0.5 +- 0.1 on the first sampled step, then spread ones."""
    x, y = _binary()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 1))
    with torch.no_grad():
        model[2].weight.mul_(0.01)
        model[2].bias.fill_(0.5)
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    seen, said = [], []
    for _ in range(2):
        with mon.step() as s:
            out = model(x).squeeze(1)
            loss = F.binary_cross_entropy_with_logits(out, y)
            loss.backward()
            s.loss = loss
        seen.append((float(out.min()), float(out.max())))
        said.append(mon.report().reading.words)
        model.zero_grad()
        with torch.no_grad():
            model[2].weight.mul_(1000.0)
    mon.close()
    assert 0 <= seen[0][0] and seen[0][1] <= 1 and not (0 <= seen[1][0] and seen[1][1] <= 1), seen  # the premise
    assert not any("probabilities" in w for w in [*said, mon.report().reading.words]), said


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(1, 64))
def test_the_floor_said_holds_for_every_output_between_0_and_1(data, n):
    """Property: whatever outputs between 0 and 1 and whatever 0/1 targets, BCEWithLogitsLoss (torch's own) is at or
    above p softplus(-1) + (1 - p) ln 2, the floor the reading quotes, p the share of 1s; equal where each output is
    its target."""
    z = torch.tensor(data.draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)), dtype=torch.float64)
    t = torch.tensor(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)), dtype=torch.float64)
    p = float(t.mean())
    floor = p * math.log1p(math.exp(-1.0)) + (1 - p) * math.log(2.0)
    assert float(F.binary_cross_entropy_with_logits(z, t)) >= floor - 1e-12
    assert math.isclose(float(F.binary_cross_entropy_with_logits(t, t)), floor, rel_tol=1e-12)
