"""A weight gradient of exactly 0 on one sampled batch is that batch's, not the run's for good (issue 17, W33
walkthrough finding 1): SGD at lr 0.12 with momentum left module '3' nearly dead, and the sampled steps on whose batch
every unit of it was off read 'no gradient: every weight's gradient is exactly 0 ... no weight matrix can learn',
the remedy 'no learning rate moves a weight again', while the steps between read 'dying layer', 135 of the 300 steps
after step 300 had nonzero weight gradients and 11 of the units were on at some step. References: the script's own
forward hooks and autograd gradients on every step."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._dying_run import dying_run  # noqa: E402


def _rare_units_model():
    """4 -> 8 ReLU -> 2: units 0-5 off on every input (bias -100), units 6 and 7 on only where x[:, 0] > 3."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(-100.0)
        model[0].weight[6:, 0] = 1.0
        model[0].bias[6:] = -3.0
    return model


def _batch(step):
    x = torch.randn(16, 4).clamp(-2.5, 2.5)
    if step % 4 == 0:  # one batch in 4 turns units 6 and 7 on
        x[0, 0] = 5.0
    return x, (x[:, 1] > 0).long()


def test_a_batch_with_every_unit_off_reads_no_gradient_on_that_batch_only():
    model = _rare_units_model()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    zero_steps = []
    for step in range(1, 41):
        x, y = _batch(step)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        own = [p.grad.norm().item() for n, p in model.named_parameters() if n.endswith("weight")]
        r = mon.report()
        if all(g == 0 for g in own):  # the reference: autograd's own weight gradients on this batch
            zero_steps.append(step)
            if step > 8:  # the window holds a batch on which units 6 and 7 were on
                assert r.status is Status.NO_GRADIENT, (step, r.reading.words)
                assert r.reading.words.startswith(f"no gradient on the batch of training step {step} (a sampled "
                                                  "one): every unit of module '1' (ReLU) was off on that batch"), \
                    r.reading.words
                assert "not known to be for good: 6 of the 8 units of module '1' (ReLU) are dead" in r.reading.words
                assert "no learning rate moves" not in r.reading.remedy and "can learn" not in r.reading.words
        else:
            assert r.status is not Status.NO_GRADIENT, (step, r.reading.words)
        model.zero_grad()
    assert len(zero_steps) == 30


def test_a_layer_dead_on_every_batch_still_reads_no_weight_can_learn():
    model = _rare_units_model()
    with torch.no_grad():
        model[0].bias[6:] = -100.0  # units 6 and 7 off on every input too
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    for step in range(1, 21):
        x, y = _batch(step)
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        model.zero_grad()
    r = mon.report()
    assert r.status is Status.NO_GRADIENT and "no weight matrix gets a gradient to learn from" in r.reading.words, \
        r.reading.words


def test_the_walkthrough_run_reads_no_gradient_only_where_the_layer_is_dead_over_its_window():
    """W33's run: 20-64-64-10 ReLU on noisy blobs, SGD lr 0.12 momentum 0.9, batch 32 (every=10 here). A sampled step
    whose batch gave every weight a gradient of exactly 0 (autograd's own, the reference) reads 'no gradient' only
    where every unit of module '3' is dead over the window (the report's own count); otherwise 'dying layer', with
    that batch said in it (W33: 3 of 8 sampled steps from 312 read 'no gradient ... no weight matrix can learn')."""
    zero, near_zero, seen = {}, {}, {}

    def weigh(step, model):  # autograd's own weight gradients on this batch
        weights = [p.grad.norm().item() for n, p in model.named_parameters() if n.endswith("weight")]
        zero[step], near_zero[step] = all(g == 0 for g in weights), 0 < max(weights) < 1e-9

    # every=10, not the walkthrough's "auto" (which chose 50): the steps auto samples depend on the machine's timing
    for _, r in dying_run(10, after_backward=weigh):
        seen[r.step] = r
    sampled_zero = [t for t in seen if zero[t] or near_zero[t]]
    assert len(sampled_zero) >= 2, sampled_zero  # the walkthrough's case: sampled batches with no weight gradient
    said = 0
    for t, r in seen.items():
        dead = next((l.dead for l in r.layers if l.name == "3"), None)
        words = r.reading.words
        if r.status is Status.NO_GRADIENT or "no weight matrix gets a gradient to learn from" in words:
            assert (zero[t] or near_zero[t]) and dead == 64, (t, dead, words)
        elif (zero[t] or near_zero[t]) and dead is not None and dead < 64 and t >= 262:
            # the dying layer says the batch (its units not all dead over the window)
            size = "exactly 0" if zero[t] else "0 or round-off"
            assert r.status is Status.DEAD_LAYER, (t, words)
            # (then where the loss stands, where no other finding says it: W67 walkthrough finding 2)
            assert (f"; on the batch of training step {t} (a sampled one) every weight's gradient was {size}, so that "
                    "batch moved no weight") in words, (t, words)
            said += 1
    assert said >= 1
