"""Issue 17 (brief M2, item 2): one module applied to two inputs (a siamese network's shared layers). Within one
forward each call is read as a place of its own, against the test's own capture of that call's output and gradient,
and the report says that the module ran twice and how each call is read; a model called twice in one step reads its
first call and says so."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _Capture:
    """Every call's output and output gradient, in call order."""

    def __init__(self, module):
        self.a, self.g = [], {}
        module.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        i = len(self.a)
        self.a.append(output.detach().clone())

        def keep(g):
            self.g[i] = g.detach().clone()
        output.register_hook(keep)


class _Siamese(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.fc, self.act, self.head = nn.Linear(4, 8), act, nn.Linear(16, 1)

    def forward(self, a, b):
        return self.head(torch.cat([self.act(self.fc(a)), self.act(self.fc(b))], 1))


@pytest.mark.parametrize("act", [nn.ReLU(), nn.GELU(), nn.Tanh()], ids=lambda m: type(m).__name__)
def test_one_module_applied_to_two_inputs_reads_both_calls_and_says_so(act):
    torch.manual_seed(0)
    model = _Siamese(act).double()
    mon = Monitor(model, every=1)
    g = torch.Generator().manual_seed(1)
    for _ in range(3):  # later steps reuse the learned structure
        a, b = torch.randn(12, 4, generator=g, dtype=torch.float64), torch.randn(12, 4, generator=g,
                                                                                dtype=torch.float64) + 2
        cap = _Capture(model.act)
        with mon.step():
            ((model(a, b) - 1) ** 2).mean().backward()
        model.act._forward_hooks.clear()
        model.zero_grad()
    r = mon.report()
    assert [l.name for l in r.layers] == ["act", "act#2"]
    for layer, out, i in zip(r.layers, cap.a, range(2), strict=True):
        assert layer.mean == pytest.approx(float(out.mean()), rel=1e-12)
        assert layer.std == pytest.approx(float(out.std()), rel=1e-9)
        assert layer.act_grad_norm == pytest.approx(float(cap.g[i].norm()), rel=1e-9)
    assert r.layers[0].mean != pytest.approx(r.layers[1].mean)  # two inputs, two readings
    notes = [n for n in r.notes if "ran 2 times in one forward" in n]
    assert len(notes) == 1 and "'act' is the first call, 'act#2' the later ones" in notes[0]
    assert "module 'act'" in notes[0] and "applied to several inputs" in notes[0]
    assert any(line.startswith("act#2 ") for line in str(r).splitlines())  # its own row in the table


def test_a_module_applied_three_times_keeps_one_note_naming_every_call():
    class Three(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act, self.head = nn.Linear(3, 5), nn.ReLU(), nn.Linear(15, 1)

        def forward(self, x):
            return self.head(torch.cat([self.act(self.fc(x + k)) for k in range(3)], 1))

    model = Three()
    mon = Monitor(model, every=1)
    for _ in range(2):
        with mon.step():
            model(torch.randn(4, 3)).sum().backward()
    notes = [n for n in mon.report().notes if "times in one forward" in n]
    assert len(notes) == 1 and "ran 3 times" in notes[0] and "'act#2', 'act#3' the later ones" in notes[0]


def test_a_model_called_on_two_inputs_in_one_step_reads_the_first_call_and_says_so():
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    cap = _Capture(enc[1])
    mon = Monitor(enc, every=1)
    x1, x2 = torch.randn(6, 4), torch.randn(6, 4) + 3
    with mon.step():
        e1, e2 = enc(x1), enc(x2)
        ((e1 - e2) ** 2).sum().backward()
    r = mon.report()
    (layer,) = r.layers
    assert layer.mean == pytest.approx(float(cap.a[0].mean()), rel=1e-6)  # the first call's batch
    assert layer.act_grad_norm == pytest.approx(float(cap.g[0].norm()), rel=1e-6)
    assert not math.isclose(layer.mean, float(cap.a[1].mean()), rel_tol=1e-3)
    assert any("forward ran 2 times in one step" in n and "first forward" in n for n in r.notes)
