"""Issue 17, W96 walkthrough finding 2, as written: a model driven through its parts (model["enc"](x),
model["pred"](z), as SimSiam and BYOL scripts hold theirs in an nn.ModuleDict) had no output held, since the model's
own forward never ran: its loss was never read back and its outputs' spread never followed, so SimSiam with no
stop-gradient read on without a word of its collapse. The output of the latest part to run in the step is now held
as the model's for its loss, and each part's first output in the step gives that part's spread, judged for a
collapse except for the last part to run (SimSiam's predictor: W97 walkthrough finding 2, whose spread fell 0.060 to
0.013 in a run that kept its encoder's outputs apart). References: torch's own spread of the test's outputs."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _torch_spread(z: torch.Tensor) -> float:
    return float(F.normalize(z.double(), dim=1).std(0, unbiased=False).mean() * math.sqrt(z.shape[1]))


def _simsiam(stop_gradient: bool, steps: int = 300):
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(8, 32, generator=g) * 2)[torch.randint(0, 8, (4096,), generator=g)] + torch.randn(
        4096, 32, generator=g)
    torch.manual_seed(1)
    enc = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64))
    pred = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 64))
    model = nn.ModuleDict(dict(enc=enc, pred=pred))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    spreads = []
    with Monitor(model, every=1, chance_loss=1.0) as mon:
        for t in range(steps):
            gen = torch.Generator().manual_seed(t)
            xb = x[torch.randint(0, 4096, (128,), generator=gen)]
            v1, v2 = ((xb + 0.5 * torch.randn(xb.shape, generator=gen)) * (torch.rand(xb.shape, generator=gen) > 0.2)
                      for _ in range(2))
            with mon.step() as s:
                z1, z2 = model["enc"](v1), model["enc"](v2)
                p1, p2 = model["pred"](z1), model["pred"](z2)
                if stop_gradient:
                    z1, z2 = z1.detach(), z2.detach()
                loss = 1 - (F.cosine_similarity(p1, z2).mean() + F.cosine_similarity(p2, z1).mean()) / 2
                loss.backward()
                s.loss = loss
            # the encoder's outputs, the first part to run: on the first step its first call had begun before the
            # monitor knew the step was driven through parts (its second is read), later steps read its first
            spreads.append(_torch_spread((z2 if t == 0 else z1).detach()))
            opt.step()
            opt.zero_grad()
    return mon.report().reading, spreads


def test_simsiam_through_its_parts_without_stop_gradient_says_its_outputs_collapsed():
    r, spreads = _simsiam(stop_gradient=False)
    assert spreads[-1] < 0.07 and spreads[0] > 5 * spreads[-1]  # the premise, by the reference
    assert r.words.startswith("the outputs of the model's part 'enc' have collapsed onto one direction"), r.words
    assert r.evidence["output_spread"] == pytest.approx(spreads[-1], rel=1e-4)
    assert r.evidence["first_output_spread"] == pytest.approx(spreads[0], rel=1e-4)
    assert r.status not in (Status.HEALTHY, Status.STARTING, Status.FLOWING), r.words
    # its predictor's units died with it: said after the collapse, whose remedy comes first (W97 walkthrough finding
    # 1: 'Lower the learning rate' had led)
    if r.status == Status.DEAD_LAYER:
        assert "; with it, dying layer" in r.words or "; with it, dead layer" in r.words, r.words
        assert r.remedy.startswith("Where the targets are themselves nearly one vector"), r.remedy


def test_simsiam_through_its_parts_with_stop_gradient_reads_no_collapse():
    r, spreads = _simsiam(stop_gradient=True)
    assert spreads[-1] > 0.2  # by the reference, its outputs are apart (after a dip to about 0.035 near step 40)
    assert "collapsed" not in r.words and "output_spread" not in r.evidence, r.words


def _classifier(factor: float):
    """A body and a head trained on 3 classes, s.loss the cross-entropy times `factor` with chance_loss ln 3: the
    loss read back finds the factor (it is on another scale than chance_loss)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2048, 10, generator=g)
    y = (x[:, :3].argmax(1))
    torch.manual_seed(0)
    model = nn.ModuleDict(dict(body=nn.Sequential(nn.Linear(10, 32), nn.ReLU()), head=nn.Linear(32, 3)))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    with Monitor(model, every=5, chance_loss=math.log(3)) as mon:
        for t in range(60):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                logits = model["head"](model["body"](x[i]))
                loss = factor * F.cross_entropy(logits, y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    return mon.report().reading


def test_a_classifier_through_its_parts_has_its_loss_read_back():
    r = _classifier(4.0)
    assert r.evidence.get("loss_scale") == pytest.approx(4.0, rel=1e-3), r.words
    assert "the loss is not judged" in r.words, r.words
    # and at a factor of 1, it is judged against chance_loss as a model called whole is
    r = _classifier(1.0)
    assert "loss_scale" not in r.evidence and "below chance" in r.words, r.words


def test_a_working_simsiam_whose_predictor_outputs_draw_together_reads_no_collapse():
    """W97 walkthrough finding 2: SimSiam with a stop-gradient, its parts an encoder, a projector and a predictor. The
    predictor's outputs draw together as it learns (its spread fell from 0.060 to 0.013 there) while the projector's
    stay apart (at step 100 here: 0.065 to 0.0086, and 0.30 to 0.14): the last part to run in a step is not judged for
    a collapse. References: torch's spreads of the
    test's own outputs."""
    torch.manual_seed(0)
    centres = torch.randn(10, 32) * 2
    enc = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64))
    model = nn.ModuleDict(dict(enc=enc, proj=nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64)),
                               pred=nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 64))))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    first = last = None
    with Monitor(model, every=10) as mon:
        for t in range(100):
            gen = torch.Generator().manual_seed(t)
            x = centres[torch.randint(0, 10, (128,), generator=gen)] + 0.5 * torch.randn(128, 32, generator=gen)
            v1, v2 = ((x + 0.3 * torch.randn(x.shape, generator=gen)) * (torch.rand(x.shape, generator=gen) > 0.2)
                      for _ in range(2))
            with mon.step() as s:
                z1, z2 = model["proj"](model["enc"](v1)), model["proj"](model["enc"](v2))
                p1, p2 = model["pred"](z1), model["pred"](z2)
                loss = -(F.cosine_similarity(p1, z2.detach()).mean() + F.cosine_similarity(p2, z1.detach()).mean()) / 2
                loss.backward()
                s.loss = loss
            now = (_torch_spread(z1.detach()), _torch_spread(p1.detach()))
            first, last = first or now, now
            opt.step()
            opt.zero_grad()
    report = mon.report()
    r = report.reading
    # the premise: the predictor's outputs drew together past the collapse's line (0.065 to 0.0086 here), the
    # projector's did not
    assert last[1] < 0.07 and first[1] > 5 * last[1] and last[0] > 0.1 and first[0] < 5 * last[0], (first, last)
    assert "collapsed" not in r.words and "output_spread" not in r.evidence, r.words
    # one note for the four activation modules run twice (W97 walkthrough finding 5: four notes, alike but for the name)
    notes = [n for n in report.notes if "times in one forward" in n]
    assert len(notes) == 1, notes
    assert notes[0].startswith("module 'enc.1' (ReLU) ran 2 times in one forward") and \
        "; so did module 'enc.3' (ReLU) (2 times: 'enc.3#2'), module 'proj.1' (ReLU) (2 times: 'proj.1#2'), module " \
        "'pred.1' (ReLU) (2 times: 'pred.1#2');" in notes[0], notes[0]
