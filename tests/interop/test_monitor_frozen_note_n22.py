"""W21 finding 2: a frozen backbone, later unfrozen. The note on places whose ||dL/da|| is not read names the true
cause (no weight before them needs a gradient; no torch.no_grad() or checkpoint anywhere) and goes once the backbone
trains; torch.no_grad() inside the forward still reads as gradients disabled."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _blind_notes(report):
    return [n for n in report.notes if "no ||dL/da|| is read" in n]


def test_unfrozen_backbone_loses_the_note_and_the_frozen_phase_names_frozen_weights():
    torch.manual_seed(0)
    backbone = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
    model = nn.Sequential(backbone, nn.Linear(16, 3))
    backbone.requires_grad_(False)
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    kept = {}
    acts = [backbone[1], backbone[3]]
    for i, m in enumerate(acts):  # plain torch: whether each ReLU's output needs a gradient, and its dL/da
        m.register_forward_hook(lambda mod, inp, out, i=i: kept.__setitem__(i, out))
    mon = Monitor(model, every=1)
    reports = []
    for step in range(6):
        if step == 3:
            backbone.requires_grad_(True)
        model.zero_grad()
        with mon.step() as s:
            out = model(x)
            for t in kept.values():
                if t.requires_grad:
                    t.retain_grad()
            loss = nn.functional.cross_entropy(out, y)
            loss.backward()
            s.loss = loss
        reports.append((mon.report(), [t.requires_grad for t in kept.values()],
                        [t.grad.norm().item() if t.grad is not None else None for t in kept.values()]))
    for report, needs, _ in reports[:3]:  # frozen: torch gives the ReLUs' outputs no gradient
        assert needs == [False, False]
        (note,) = _blind_notes(report)
        assert "'0.1', '0.3'" in note and "requires_grad=False" in note
        assert "no_grad" not in note and "checkpoint" not in note
        assert all(math.isnan(l.act_grad_norm) for l in report.layers)
    for report, needs, grads in reports[3:]:  # unfrozen: read, equal to torch's, and no note
        assert needs == [True, True]
        assert _blind_notes(report) == []
        assert [l.act_grad_norm for l in report.layers] == pytest.approx(grads, rel=1e-5)
    assert "no ||dL/da|| is read" not in str(reports[-1][0])


def test_detached_input_is_not_said_to_be_frozen_weights():
    class Cut(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act1, self.fc2, self.act2, self.out = (nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8),
                                                                  nn.Tanh(), nn.Linear(8, 2))

        def forward(self, x):
            h = self.act1(self.fc1(x).detach())  # the graph cut: fc1 trains on nothing, act1 has no gradient
            return self.out(self.act2(self.fc2(h)))

    torch.manual_seed(1)
    model = Cut()
    mon = Monitor(model, every=1)
    with mon.step() as s:
        loss = model(torch.randn(16, 4)).pow(2).mean()
        loss.backward()
        s.loss = loss
    notes = _blind_notes(mon.report())
    assert len(notes) == 1 and notes[0].startswith("'act1':") and "detached" in notes[0]
    assert "every weight before them has requires_grad=False" not in notes[0]


def test_no_grad_inside_the_forward_still_says_gradients_disabled():
    class Half(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act1, self.out = nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)

        def forward(self, x):
            with torch.no_grad():
                h = self.act1(self.fc1(x))
            return self.out(h)

    torch.manual_seed(2)
    model = Half()
    mon = Monitor(model, every=1)
    for _ in range(2):
        with mon.step() as s:
            loss = model(torch.randn(16, 4)).pow(2).mean()
            loss.backward()
            s.loss = loss
        (note,) = _blind_notes(mon.report())
        assert "gradients disabled" in note and "torch.no_grad()" in note
