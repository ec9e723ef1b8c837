"""Issue 17, W14 finding 6: an activation applied as a function to a value that is not a weighted module's output
(torch.sigmoid(h) * h on h = tanh(fc3(x)) + x) was named after fc3 and given fc3's |dL/dW|, so one weight's gradient
sat on two rows as if it were two layers'. Each weight's gradient is now on one row, the row of the place that acts
on that module's output; a function on another value is named for it and points to that row. References: autograd
(the loss's gradient with respect to each weight and to each activation's output) and the model's own structure."""

from __future__ import annotations

import copy
import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class W14(nn.Module):
    """W14's model: a tanh on fc3's output, a residual sum, and SiLU written by hand on that sum."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3, self.head = (nn.Linear(6, 8), nn.Linear(8, 8), nn.Linear(8, 8),
                                                   nn.Linear(8, 2))
        self.kept: dict[str, torch.Tensor] = {}

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        t = torch.tanh(self.fc3(x))
        h = t + x
        s = torch.sigmoid(h)
        self.kept = {"tanh": t, "sigmoid": s}
        return self.head(s * h)


class Cell(nn.Module):
    """One step of an LSTM written by hand: four gates on chunks of one Linear's output, then tanh of the cell."""

    def __init__(self):
        super().__init__()
        self.lin, self.head = nn.Linear(6 + 5, 20), nn.Linear(5, 2)

    def forward(self, x):
        h0 = torch.ones(x.shape[0], 5, dtype=x.dtype)
        i, f, g, o = self.lin(torch.cat([x, h0], 1)).chunk(4, 1)
        c = torch.sigmoid(f) * h0 + torch.sigmoid(i) * torch.tanh(g)
        return self.head(torch.sigmoid(o) * torch.tanh(c))


class Conv(nn.Module):
    """F.relu straight after each conv; with bn=True the first one acts on a batch norm of the conv's output."""

    def __init__(self, bn: bool = False):
        super().__init__()
        self.c1, self.c2, self.fc = nn.Conv2d(1, 3, 3), nn.Conv2d(3, 4, 3), nn.Linear(4 * 3 * 3, 2)
        self.bn = nn.BatchNorm2d(3) if bn else None

    def forward(self, x):
        h = self.c1(x)
        h = F.max_pool2d(F.relu(self.bn(h) if self.bn is not None else h), 2)
        return self.fc(F.relu(self.c2(h)).flatten(1))


class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.act, self.head = nn.Linear(6, 5), nn.Tanh(), nn.Linear(10, 2)

    def forward(self, x):
        return self.head(torch.cat([self.act(self.fc(x)), self.act(self.fc(x + 1))], 1))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", batch_first=True)
        self.enc, self.out = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.enc(x).mean(1))


def _step(model: nn.Module, x: torch.Tensor, steps: int = 2, window: int = 8):
    """A few monitored steps on one batch (no optimiser step, so the weights stay), the report, and autograd's
    gradient of the same loss with respect to every weight matrix, on a copy of the model."""
    torch.manual_seed(0)
    y = torch.arange(x.shape[0]) % 2
    ref = copy.deepcopy(model)
    weights = {n: p for n, p in ref.named_parameters() if n.endswith("weight") and p.dim() >= 2}
    grads = torch.autograd.grad(F.cross_entropy(ref(x), y), list(weights.values()))
    mon = Monitor(model, every=1, window=window)
    for _ in range(steps):
        with mon.step():
            F.cross_entropy(model(x), y).backward()
        model.zero_grad()
    return mon.report(), {n[: -len(".weight")]: float(g.norm()) for n, g in zip(weights, grads, strict=True)}


def _shown(report) -> list[str]:
    """The weights whose |dL/dW| a row shows."""
    return [l.weights for l in report.layers if math.isfinite(l.weight_grad_norm)]


def _built(cls, seed: int = 1, **kwargs):
    torch.manual_seed(seed)
    return cls(**kwargs).double()


def test_w14_the_sum_s_sigmoid_shows_no_weight_gradient_and_fc3_s_is_on_the_tanh_row():
    model = _built(W14)
    x = torch.randn(16, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    report, norms = _step(model, x)
    shown = _shown(report)
    assert len(shown) == len(set(shown))  # no weight's gradient on two rows
    for l in report.layers:
        if math.isfinite(l.weight_grad_norm):
            assert l.weight_grad_norm == pytest.approx(norms[l.weights[: -len(".weight")]], rel=1e-9)
    tanh, sig = report.layers[2], report.layers[3]
    assert (tanh.activation, tanh.weights) == ("tanh", "fc3.weight")
    assert sig.activation == "sigmoid" and math.isnan(sig.weight_grad_norm) and sig.weights == ""
    assert math.isnan(sig.weight_grad_ratio_to_output)
    # its name does not claim fc3's output (as 'fc3:tanh' does), and its words point to the row that has fc3's
    assert sig.name != "fc3:sigmoid" and "fc3" in sig.name
    assert "'fc3.weight'" in sig.words and tanh.name in sig.words


def test_w14_each_place_still_reads_its_own_activation_and_the_gradient_reaching_it():
    model = _built(W14)
    x = torch.randn(16, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    report, _ = _step(model, x, steps=1)
    model.kept = {}  # (graph tensors do not deep-copy)
    ref = copy.deepcopy(model)
    loss = F.cross_entropy(ref(x), torch.arange(16) % 2)
    outs = [ref.kept["tanh"], ref.kept["sigmoid"]]
    grads = torch.autograd.grad(loss, outs)
    for row, a, g in zip(report.layers[2:], outs, grads, strict=True):
        assert row.mean == pytest.approx(float(a.detach().mean()), rel=1e-9)
        assert row.act_grad_norm == pytest.approx(float(g.norm()), rel=1e-9)


def test_gates_on_chunks_of_one_linear_show_its_gradient_once():
    model = _built(Cell)
    x = torch.randn(12, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    report, norms = _step(model, x)
    assert len(report.layers) == 5  # four gates and the cell's tanh, every one after lin
    assert _shown(report) == ["lin.weight"]
    (row,) = [l for l in report.layers if math.isfinite(l.weight_grad_norm)]
    assert row.weight_grad_norm == pytest.approx(norms["lin"], rel=1e-9)
    # the four gates take parts of lin's output and keep its name; the cell's tanh acts on a sum, and does not
    assert [l.name.startswith("lin:") for l in report.layers] == [True] * 4 + [False]


def test_a_module_applied_twice_shows_its_weight_s_gradient_on_its_first_call_only():
    model = _built(Siamese)
    report, norms = _step(model, torch.randn(10, 6, dtype=torch.float64))
    first, second = report.layers
    assert first.weights == "fc.weight" and first.weight_grad_norm == pytest.approx(norms["fc"], rel=1e-9)
    assert math.isnan(second.weight_grad_norm) and f"'{first.weights}'" in second.words


def test_a_function_on_a_batch_norm_keeps_the_conv_s_gradient_on_its_one_row_and_names_the_norm():
    model = _built(Conv, bn=True)
    report, norms = _step(model, torch.randn(4, 1, 12, 12, dtype=torch.float64))
    first = report.layers[0]
    assert first.weights == "c1.weight" and first.weight_grad_norm == pytest.approx(norms["c1"], rel=1e-9)
    assert first.name != "c1:relu" and "batch_norm" in first.name


def test_a_residual_relu_whose_units_are_all_off_is_no_dead_layer_when_the_gradient_passes_beside_it():
    """Both places after fc count as one layer in the reading: every unit of the ReLU on the shifted sum is off, but
    fc's weights still get a gradient through the tanh beside it (autograd), so the reading names no dead layer."""

    class Beside(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.head = nn.Linear(6, 8), nn.Linear(16, 2)

        def forward(self, x):
            t = torch.tanh(self.fc(x))
            return self.head(torch.cat([t, F.relu(t - 2.0)], 1))  # tanh's outputs are under 1: every unit off

    model = _built(Beside)
    report, norms = _step(model, torch.randn(12, 6, dtype=torch.float64), window=1)
    relu = report.layers[1]
    assert relu.dead == relu.width  # the premise: every unit off on every batch
    assert norms["fc"] > 0  # the gradient passes below
    assert report.status.value != "dead_layer" and "dead layer" not in str(report.reading.words)


@pytest.mark.parametrize(("make", "shape", "names"), [
    (lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2)), (10, 6),
     ["1", "3"]),
    (Encoder, (4, 5, 8), ["enc.layers.0.linear1:gelu", "enc.layers.1.linear1:gelu"]),
    (Conv, (4, 1, 12, 12), ["c1:relu", "c2:relu"]),
], ids=["sequential_mlp", "transformer_gelu", "cnn_relu_after_conv"])
def test_plain_models_read_as_before_one_row_per_weight_with_autograd_s_norm(make, shape, names):
    torch.manual_seed(1)
    model = make().double()
    report, norms = _step(model, torch.randn(*shape, dtype=torch.float64))
    assert [l.name for l in report.layers] == names
    for l in report.layers:
        assert l.weight_grad_norm == pytest.approx(norms[l.weights[: -len(".weight")]], rel=1e-9)
        assert "acts on" not in l.words
    assert len(_shown(report)) == len(names)


def test_a_function_on_the_output_scaled_by_a_number_or_on_a_custom_module_s_output_keeps_its_name():
    """A number times the output (or a custom module's x @ W.T + b, its weight used through a transpose) is still
    that module's output: the place keeps the module's name and its weight's gradient."""

    class Own(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight, self.bias = nn.Parameter(torch.randn(8, 6) * 0.3), nn.Parameter(torch.zeros(8))

        def forward(self, x):
            return x @ self.weight.T + self.bias

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.out = Own(), nn.Linear(8, 8), nn.Linear(8, 2)

        def forward(self, x):
            return self.out(torch.tanh(0.5 * self.b(F.gelu(self.a(x)))))

    model = _built(Net)
    report, norms = _step(model, torch.randn(10, 6, dtype=torch.float64))
    assert [(l.name, l.weights) for l in report.layers] == [("a:gelu", "a.weight"), ("b:tanh", "b.weight")]
    for l in report.layers:
        assert l.weight_grad_norm == pytest.approx(norms[l.weights[: -len(".weight")]], rel=1e-9)
