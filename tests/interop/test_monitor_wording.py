"""Issue 17 items 15, 17: counts agree with their nouns, a transformer's note names the module of its own function,
and an output sigmoid's saturation is a confident prediction, not in itself a fault."""

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import LayerSummary, RunSummary, diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def test_a_confident_output_sigmoid_is_not_read_as_a_fault():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
    with torch.no_grad():
        model[2].bias.fill_(12.0)  # every output near 1: a confident prediction
    x, y = torch.randn(64, 8), torch.ones(64, 1)
    mon = Monitor(model, every=1)
    with mon.step():
        F.binary_cross_entropy(model(x), y).backward()
    with torch.no_grad():
        p = model(x)
    assert bool((p > 0.99).all())  # the reference: the one output unit sits at the level 1
    r = mon.report()
    out = r.layers[-1]
    assert out.saturated == 1  # the table still counts it
    assert ("the only output unit saturated (after the output layer: a confident prediction, not in itself a "
            "fault)") in out.words
    assert "1 of 1" not in out.words  # M21 item 3
    assert "1 of 1 units saturated" not in out.words
    assert "(Sigmoid, 1 unit):" in str(r)
    assert r.reading.status.value not in ("no_gradient", "vanishing", "dead_layer")


def test_a_hidden_sigmoid_is_still_read_as_saturated():
    model = nn.Sequential(nn.Linear(8, 4), nn.Sigmoid(), nn.Linear(4, 1))
    with torch.no_grad():
        model[0].bias.fill_(30.0)
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(16, 8)).pow(2).mean().backward()
    assert "4 of 4 units saturated" in mon.report().layers[0].words


def test_one_dead_unit_is_singular():
    s = RunSummary((LayerSummary("relu", 16, 1.0, dead=1, saturated=1),), 1.0, loss=0.1, chance_loss=1.0, steps=5)
    assert "1 of 16 hidden units is dead" in diagnose(s).words
    from actlab.instruments import layer_reading

    assert layer_reading(1, 2, 1.0, 1, 1, 16) == "1 of 16 units in layer 1 is dead"
    assert layer_reading(1, 2, 1.0, 2, 2, 16) == "2 of 16 units in layer 1 are dead"


def test_a_transformer_layer_note_names_the_module_of_its_own_function():
    layer = nn.TransformerEncoderLayer(8, 2, 16, activation="relu", batch_first=True)
    notes = Monitor(layer).notes
    assert any("(activation=nn.ReLU() would make it a module)" in n for n in notes)
    assert not any("nn.GELU()" in n for n in notes)


def test_the_report_table_keeps_long_names_apart():
    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.activation = nn.Linear(8, 8), nn.Linear(8, 8), nn.Tanh()

        def forward(self, x):
            return self.activation(self.fc2(self.activation(self.fc1(x))))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.feature_extractor, self.out = Inner(), nn.Linear(8, 2)

        def forward(self, x):
            return self.out(self.feature_extractor(x))

    model = Net()
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(4, 8)).sum().backward()
    rows = str(mon.report()).splitlines()[3:5]
    assert [r.split()[0] for r in rows] == ["feature_extractor.activation", "feature_extractor.activation#2"]


def test_a_name_longer_than_the_column_keeps_its_end():
    model = nn.Sequential()
    model.add_module("a_very_long_submodule_name_for_the_encoder_block", nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    model.add_module("out", nn.Linear(4, 1))
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(3, 4)).sum().backward()
    (layer,) = mon.report().layers
    assert len(layer.name) > 40
    first = str(mon.report()).splitlines()[3].split()[0]
    assert first == "…" + layer.name[-39:]
