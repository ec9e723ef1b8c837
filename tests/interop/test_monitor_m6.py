"""Issue 17 (M6): what a practitioner found wrong in the monitor's readings."""

from __future__ import annotations

import math
import re

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _train(model, make_batch, steps=20, lr=1e-2, chance=None, every=1, **kw):
    chance = math.log(2) if chance is None else chance
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr)
    with Monitor(model, every=every, chance_loss=chance, **kw) as mon:
        for _ in range(steps):
            x, y = make_batch()
            monitored_step(mon, model, x, y, opt)
    return mon.report()


# -- item 1: a model whose activations the monitor cannot see -----------------------------------------------------

class _Recurrent(nn.Module):
    def __init__(self, cell: nn.Module):
        super().__init__()
        self.rnn = cell
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        if isinstance(self.rnn, nn.RNNCellBase):
            h = None
            for t in range(x.shape[1]):
                out = self.rnn(x[:, t], h)
                h = out
            last = h[0] if isinstance(h, tuple) else h
        else:
            o, _ = self.rnn(x)
            last = o[:, -1]
        return self.head(last)


def _sequences():
    x = torch.randn(32, 6, 4)
    return x, (x[:, :, 0].sum(1) > 0).long()


@pytest.mark.parametrize("cell, inside", [(nn.LSTM(4, 16, batch_first=True), "sigmoid gates and tanh"),
                                          (nn.GRU(4, 16, batch_first=True), "sigmoid gates and tanh"),
                                          (nn.RNN(4, 16, batch_first=True, nonlinearity="relu"), "its relu"),
                                          (nn.GRUCell(4, 16), "sigmoid gates and tanh")])
def test_a_recurrent_model_is_never_read_as_linear(cell, inside):
    torch.manual_seed(0)
    report = _train(_Recurrent(cell), _sequences)
    words = report.reading.findings[0].words
    assert report.reading.status == "unwatched"
    assert "linear model" not in str(report)
    assert words.startswith("unwatched: the monitor cannot see this model's activations: 'rnn' (")
    assert inside in words and "cannot hook" in words
    assert any(n.startswith("'rnn' (") and "its units are not read" in n for n in report.notes)


def test_a_recurrent_layer_before_watched_activations_is_named_in_a_note():
    torch.manual_seed(0)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(4, 16, batch_first=True)
            self.mlp = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))

        def forward(self, x):
            o, _ = self.rnn(x)
            return self.mlp(o[:, -1])

    report = _train(M(), _sequences)
    assert report.reading.status != "unwatched"  # the ReLU is read
    assert [r.name for r in report.layers] == ["mlp.1"]
    assert any(n.startswith("'rnn' (LSTM) applies its sigmoid gates and tanh inside one fused kernel")
               for n in report.notes)


class _Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z / (1 + torch.exp(-z))  # no torch activation function: nothing the monitor can watch

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        s = 1 / (1 + torch.exp(-z))
        return g * (s + z * s * (1 - s))


def test_a_custom_autograd_activation_reads_unwatched_not_flowing():
    torch.manual_seed(0)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(8, 16), nn.Linear(16, 2)

        def forward(self, x):
            return self.fc2(_Swish.apply(self.fc1(x)))

    def batch():
        x = torch.randn(32, 8)
        return x, (x[:, 0] > 0).long()

    report = _train(M(), batch)
    assert report.reading.status == "unwatched"
    words = report.reading.findings[0].words
    assert "custom autograd Function" in words
    assert re.search(r"\(mean loss of the last \d+ training steps' batches", words)
    assert report.reading.findings[0].remedy.startswith("To have it watched, apply the activation")


def test_a_linear_model_still_reads_linear():
    torch.manual_seed(0)

    def batch():
        x = torch.randn(32, 8)
        return x, (x[:, 0] > 0).long()

    report = _train(nn.Linear(8, 2), batch, steps=30, lr=0.05)
    assert "a linear model: no hidden layers" in report.reading.findings[0].words
    assert report.reading.status in ("healthy", "starting")


# -- item 5: a module that never runs in forward -----------------------------------------------------------------

def _clf_batch():
    x = torch.randn(32, 8)
    return x, (x[:, 0] > 0).long()


def test_a_module_that_never_runs_in_forward_is_noted():
    torch.manual_seed(0)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
            self.unused = nn.Linear(5, 5)

        def forward(self, x):
            return self.body(x)

    report = _train(M(), _clf_batch, steps=5)
    assert ("'unused.weight' received no gradient on training step 5 (a sampled one): the module ('unused', Linear) "
            "did not run in the model's forward, so the reading leaves it out") in report.notes
    assert not any("body." in n and "did not run" in n for n in report.notes)


def test_a_model_whose_modules_all_run_has_no_such_note():
    torch.manual_seed(0)
    report = _train(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)), _clf_batch, steps=5)
    assert not any("did not run in the model's forward" in n for n in report.notes)


# -- item 8: MonitorReport's status -------------------------------------------------------------------------------

def test_report_status_is_the_readings_status():
    torch.manual_seed(0)
    report = _train(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)), _clf_batch, steps=5)
    assert report.status == report.reading.status
    assert report.status in ("starting", "healthy")
    assert "status" in type(report).__doc__ and "reading" in type(report).__doc__


# -- item 4: wording --------------------------------------------------------------------------------------------

def test_healthy_says_how_far_below_chance_the_loss_is():
    from actlab.readings import LayerSummary, RunSummary, diagnose

    layer = LayerSummary("relu", 16, 0.5, 0, 0, label="layer 1")
    reading = diagnose(RunSummary((layer,), 0.5, 0.89 * math.log(2), math.log(2), None, 200))
    words = reading.findings[0].words
    assert reading.status == "healthy"
    assert "the loss is 11% below chance" in words and "well below" not in words


def test_no_gradient_names_the_weight_matrices_it_read():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    with torch.no_grad():  # every unit of the second layer off: no gradient reaches a weight matrix
        model[2].bias.fill_(-100.0)
    report = _train(model, _clf_batch, steps=5, lr=1e-4)
    words = report.reading.findings[0].words
    assert report.status == "no_gradient"
    assert words.startswith("no gradient: every weight's gradient is exactly 0 (the weight matrices of "
                            "'0.weight', '2.weight' and the output layer; biases are not read)")
    assert "no weight matrix gets a gradient to learn from" in words
    assert model[4].bias.grad is None or model[4].bias.grad.abs().sum() >= 0  # the output bias is not claimed


class _BlowsUp(nn.Module):
    """Finite until step `at` (counted by forward calls), then a NaN output."""

    def __init__(self, at: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
        self.at, self.calls = at, 0

    def forward(self, x):
        self.calls += 1
        out = self.net(x)
        return out * math.nan if self.calls >= self.at else out


@pytest.mark.parametrize("every, expected", [
    # every=5 samples steps 1, 6 and 11; the NaN began at step 8, between them, and each step's loss, held, dates it
    # there (W28: it read 'first seen at training step 11 (a sampled one; the last finite sample was step 6)')
    (5, "diverged at step 8: the loss became NaN or infinite"),
    (1, "diverged at step 8: the loss became NaN or infinite")])
def test_divergence_says_the_step_it_was_first_seen_at_when_samples_are_sparse(every, expected):
    torch.manual_seed(0)
    model = _BlowsUp(at=8)
    report = _train(model, _clf_batch, steps=12, every=every)
    assert report.status == "diverged"
    assert report.reading.findings[0].words.startswith(expected)
    record = report.to_dict()
    if every == 5:
        assert record["first_non_finite"]["step"] == 8
        assert record["last_finite_step"] == report.last_finite_step == 7
        assert report.reading.findings[0].evidence["last_finite_step"] == 7
    else:
        assert record["first_non_finite"]["step"] == 8 and record["last_finite_step"] == 7


# -- item 6: a deep transformer's notes -------------------------------------------------------------------------

def test_a_twelve_layer_encoder_says_each_thing_once_in_natural_order():
    torch.manual_seed(0)

    class Enc(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Linear(4, 16)
            layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, activation="gelu", batch_first=True)
            self.enc = nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)
            self.head = nn.Linear(16, 2)

        def forward(self, x):
            return self.head(self.enc(self.emb(x))[:, 0])

    report = _train(Enc(), _sequences, steps=2)
    gelu = [n for n in report.notes if "applies gelu as a function" in n or "apply gelu as a function" in n]
    fast = [n for n in report.notes if "fast path" in n]
    assert len(gelu) == 1 and gelu[0].startswith("enc.layers.0-11 (TransformerEncoderLayer) apply gelu as a function")
    assert not fast  # trained in train mode: PyTorch takes no fast path to skip (R6, W12 item 9)
    # the way into each block's feed-forward passes its attention's softmax: no 'no watched activation' note there
    assert not any(n.startswith("no watched activation runs between") and ".linear1" in n for n in report.notes)
    functional = next(n for n in report.notes if n.startswith("activations applied as functions"))
    named = functional.split(": ", 1)[1].rstrip(" .").split(", ")
    numbers = [int(n.split(".")[2]) for n in named if n.startswith("enc.layers.")]
    assert numbers == sorted(numbers) and numbers[:3] == [0, 1, 2]


def test_names_group_and_sort_naturally():
    from actlab.interop.torch import _group_names

    assert _group_names(["layers.10", "layers.2", "layers.0", "layers.1", "layers.11", "head"]) == \
        "head, layers.0-2, layers.10-11"
    assert _group_names(["b.3", "b.5"]) == "b.3, b.5"


# -- item 7: exploding activations ------------------------------------------------------------------------------

def _relu_stack(gain: float, depth: int = 8, width: int = 64) -> nn.Sequential:
    layers, d = [], 8
    for _ in range(depth):
        lin = nn.Linear(d, width)
        nn.init.normal_(lin.weight, std=gain * math.sqrt(2 / d))  # He times a gain
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.ReLU()]
        d = width
    return nn.Sequential(*layers, nn.Linear(width, 2))


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_relu_activations_grow_by_the_gain_per_layer_and_explode_at_twice_he(gain):
    torch.manual_seed(0)
    model = _relu_stack(gain)
    report = _train(model, lambda: (lambda x: (x, (x[:, 0] > 0).long()))(torch.randn(256, 8)), steps=2, lr=1e-6)
    stds = [l.std for l in report.layers]
    growth = (stds[-1] / stds[0]) ** (1 / (len(stds) - 1))
    assert growth == pytest.approx(gain, rel=0.2)  # the closed form: the std multiplies by g per layer
    exploding = [f for f in report.reading.findings if f.words.startswith("exploding activations")]
    if gain == 2.0:
        assert report.status == "exploding" and len(exploding) == 1
        assert exploding[0].words.startswith(f"exploding activations: the activations' std grows about "
                                             f"{growth:.2g} times per layer, from {stds[0]:.3g} at ")
        assert exploding[0].evidence["growth_per_layer"] == pytest.approx(growth)
    else:
        assert exploding == [] and report.status != "exploding"


def test_the_exploding_criterion_is_per_layer_growth_and_total_growth():
    from actlab.interop.torch import _exploding_activations

    def stds(g, n):
        return [(f"layer {i}", g ** i) for i in range(n)]

    assert _exploding_activations(stds(1.4, 12)) is None  # below 1.5 per layer, however deep
    assert _exploding_activations(stds(2.0, 2)) is None  # too few layers to say
    assert _exploding_activations(stds(1.6, 5)) is None  # 1.6^4 = 6.6, under 10 in all
    assert _exploding_activations(stds(1.6, 6)).status == "exploding"  # 1.6^5 = 10.5
    assert _exploding_activations([("a", 1.0), ("b", math.nan), ("c", 3.0), ("d", 100.0)]).status == "exploding"


# -- item 2: one definition of 'saturated', the engine's --------------------------------------------------------

def test_saturated_is_counted_as_the_engine_counts_it_and_documented_so():
    import numpy as np

    from actlab.activations import get
    from actlab.instruments import saturated_mask

    torch.manual_seed(0)
    first = nn.Linear(8, 32)
    nn.init.normal_(first.weight, std=5.0)  # most tanh units pushed towards -1 or 1
    model = nn.Sequential(first, nn.Tanh(), nn.Linear(32, 2))
    seen = {}
    model[1].register_forward_hook(lambda m, i, o: seen.__setitem__("z", i[0].detach().double().numpy()))
    report = _train(model, _clf_batch, steps=3)
    z = seen["z"]
    tanh = get("tanh")
    direct = saturated_mask(tanh, tanh.deriv(z), tanh.fn(z))  # the engine's rule, on the last batch
    by_derivative = tanh.deriv(z).mean(axis=0) < 0.01
    assert report.layers[0].saturated == int(np.count_nonzero(direct))
    assert int(np.count_nonzero(direct)) >= int(np.count_nonzero(by_derivative))
    doc = Monitor.__doc__
    assert "mean |f'| is under 1% of f''s maximum" in doc and "within 1% of the output's scale of a level" in doc
