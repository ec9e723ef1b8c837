"""Issue 17, W41 walkthrough finding 1: a CNN that had learned its task (loss 0 from step 17) read 'exploding
activations: the activations' std grows about 4.8 times per layer ...' as its status for 500 steps, with 'Initialise
for the activation (He ...)'; at step 4 its stds shrank layer by layer (0.262, 0.069, 0.042): training grew them, and
no initialisation undoes that. A growth training made is now told apart from one the initialisation made: beside a
run that learned, it is a note and the status stays healthy; elsewhere its remedy is the learning rate and weight
decay. References: the test's own forward hooks (the stds at the first sampled step and at the last)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop._monitor_words import _exploding_activations  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _blobs(n, g):
    y = torch.randint(0, 4, (n,), generator=g)
    x = torch.randn(n, 1, 16, 16, generator=g) * 0.5
    for i in range(n):
        r, c = divmod(int(y[i]), 2)
        x[i, 0, r * 8 + 2:r * 8 + 6, c * 8 + 2:c * 8 + 6] += 2.0
    return x, y


def test_a_cnn_whose_activations_grew_in_training_reads_healthy_with_a_note():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 4))
    stds = {}
    for k in (1, 3, 7):
        model[k].register_forward_hook(lambda m, i, o, k=k: stds.__setitem__(k, float(o.detach().std())))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    first = None
    with Monitor(model, every=10, chance_loss=math.log(4)) as mon:
        for step in range(1, 401):
            x, y = _blobs(32, g)
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x), y)
                loss.backward()
                s.loss = loss
            if step == 1:
                first = dict(stds)
            opt.step()
            opt.zero_grad()
    report = mon.report()
    last = {k: v for k, v in stds.items()}
    # the premise: shrinking layer by layer at step 1, growing past the line by the end (the test's own hooks)
    assert first[7] < first[1] and last[7] / last[1] > 10, (first, last)
    assert report.status == "healthy", report.reading.words
    note = next((n for n in report.notes if n.startswith("the activations' std grows about")), None)
    assert note is not None, report.notes
    assert "at training step 1, the first sampled step read, it shrank layer by layer" in note, note
    assert note.endswith("the run learned and its gradients reach every layer, so the status stays healthy (weight "
                         "decay would keep the weights, and the activations, smaller)"), note


def test_a_growth_made_in_training_is_not_told_to_change_the_initialisation():
    stds = [("a", 0.4), ("b", 2.0), ("c", 9.4)]
    at_init = _exploding_activations(stds)
    assert at_init.remedy.startswith("Initialise for the activation")
    grown = _exploding_activations(stds, first_read=(4, [("a", 0.26), ("b", 0.069), ("c", 0.042)]))
    assert grown.evidence["grew_in_training"] and "Initialise" not in grown.remedy
    assert "lower the learning rate or add weight decay" in grown.remedy
    assert "at training step 4, the first sampled step read, it shrank layer by layer (0.4 times per layer)" \
        in grown.words, grown.words
    # already past the line at the first step read: the initialisation's, as before
    early = _exploding_activations(stds, first_read=(4, [("a", 0.3), ("b", 1.5), ("c", 7.0)]))
    assert not early.evidence["grew_in_training"] and early.remedy.startswith("Initialise")
