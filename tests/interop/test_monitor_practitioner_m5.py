"""Issue 17, a practitioner's walkthrough (M5 part 2): help(Monitor) explains the arguments and the report; a
numeric argument that is not a number (a string, a bool) is refused, naming the argument, what it got and what is
allowed; an nn.Sequential's layers are named with their class ('module '1' (ReLU)'), not by a bare index; the
count of dead hidden units says which layers it covers; and a model whose every parameter is frozen reads that
nothing is being trained, never 'flowing'. Dead units are checked against a direct count of the outputs."""

import inspect
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(model, x, steps=6, **kwargs):
    mon = Monitor(model, every=1, **kwargs)
    for _ in range(steps):
        with mon.step() as s:
            loss = model(x).pow(2).mean()
            if loss.requires_grad:
                loss.backward()
            s.loss = loss
        model.zero_grad()
    return mon.report()


# -- a. help(Monitor) -------------------------------------------------------------------------


def test_the_docstring_explains_every_argument_and_what_the_report_says():
    doc = inspect.getdoc(Monitor)
    args = [p for p in inspect.signature(Monitor.__init__).parameters if p != "self"]
    assert args == ["model", "every", "budget", "window", "log", "chance_loss", "first_step", "scaler",
                    "part_chance", "name"]
    for name in args:  # an entry of its own under Args, not a mention inside another's
        assert f"\n    {name}: " in doc, name
    assert "see the module docstring" not in doc
    for said in ("report()", "|dL/da|", "|dL/dW|", "dead", "saturated", "dormant", "status", "remedy", "notes",
                 "with mon.step() as s", "s.loss = loss", "0.03 is"):
        assert said in doc, said


# -- b. numeric arguments -------------------------------------------------------------------


@pytest.mark.parametrize(("arg", "value", "kind"), [
    ("chance_loss", "1.6", "a string (give the number itself, without quotes)"),
    ("chance_loss", True, "a bool"),
    ("budget", "0.03", "a string (give the number itself, without quotes)"),
    ("budget", True, "a bool"),
    ("budget", [0.03], "a list"),  # (R16: None is the default now, 0.03)
    ("window", "5", "a string"),
    ("window", False, "a bool"),
    ("window", 2.0, "a float"),
    ("every", "10", "a string (give the number itself, without quotes)"),
    ("every", "Auto", "a string"),
    ("every", True, "a bool"),
    ("every", 2.5, "a float"),
])
def test_a_numeric_argument_that_is_not_a_number_is_refused_with_what_is_allowed(arg, value, kind):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    allowed = {"chance_loss": "a finite number above 0", "budget": "a number between 0 and 1",
               "window": "a whole number of sampled batches, 1 or more",
               "every": "a whole number of steps, 1 or more (every=1 samples every step), or 'auto'"}[arg]
    with pytest.raises(ValueError) as caught:
        Monitor(model, **{arg: value})
    words = str(caught.value)
    assert words.startswith(f"{arg}: ") and allowed in words
    assert f"; got {value!r}, {kind}" in words


def test_numpy_numbers_are_numbers():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    mon = Monitor(model, every=np.int64(3), budget=np.float64(0.05), window=np.int32(7),
                  chance_loss=np.float32(1.5))
    assert (mon.every, mon.budget, mon.window) == (3, 0.05, 7) and type(mon.every) is int
    assert mon.chance_loss == pytest.approx(1.5) and type(mon.chance_loss) is float


# -- c. an nn.Sequential's layers ---------------------------------------------------------------


def _killed(model, index, units):
    """Turns off `units` units of model[index] (a Linear): their ReLU outputs are 0 on every input."""
    with torch.no_grad():
        model[index].bias[:units] = -100.0


def test_a_sequential_layer_is_named_with_its_class_a_named_module_by_its_name():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    _killed(model, 2, 5)
    on = []
    model[3].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    r = _run(model, torch.randn(32, 4))
    dead = int((~torch.stack(on).any(0)).sum())  # the direct count: never on over the steps
    assert dead >= 5
    layer = r.layers[1]
    assert layer.name == "3" and layer.dead == dead
    assert f"{dead} of 16 units in module '3' (ReLU) are dead" in layer.words
    assert "module '3' are" not in str(r)

    class Named(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act, self.out = nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1)

        def forward(self, x):
            return self.out(self.act(self.fc1(x)))

    named = Named()
    with torch.no_grad():
        named.fc1.bias[:5] = -100.0
    r = _run(named, torch.randn(32, 4))
    assert "units in module 'act' are dead" in r.layers[0].words  # a name says what it is: no class added


def test_a_second_call_of_a_sequential_module_names_its_class_and_the_call():
    torch.manual_seed(0)
    relu = nn.ReLU()
    model = nn.Sequential(nn.Linear(4, 8), relu, nn.Linear(8, 8), relu, nn.Linear(8, 1))
    _killed(model, 2, 3)
    r = _run(model, torch.randn(32, 4))
    second = next(l for l in r.layers if l.name == "1#2")
    assert "module '1' (ReLU, call 2)" in second.words
    assert any(n.startswith("module '1' (ReLU) ran 2 times in one forward") for n in r.notes)


def test_an_activation_applied_to_a_sequential_layer_output_names_that_layer_with_its_class():
    torch.manual_seed(0)

    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 1))

        def forward(self, x):
            return self.body[1](torch.relu(self.body[0](x)))

    model = Functional()
    with torch.no_grad():
        model.body[0].bias[:3] = -100.0  # three units off: the place has words that name it
    r = _run(model, torch.randn(32, 4))
    assert r.layers[0].name == "body.0:relu"
    assert "units in relu applied as a function to the output of module 'body.0' (Linear) are dead" \
        in r.layers[0].words


# -- d. what the dead count covers; a frozen model -------------------------------------------------


def test_the_dead_count_says_it_leaves_out_the_layer_after_frozen_weights():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    _killed(model, 0, 5)
    _killed(model, 2, 10)
    model[0].requires_grad_(False)
    on = {1: [], 3: []}
    for i in on:
        model[i].register_forward_hook(lambda m, inp, o, i=i: on[i].append((o > 0).any(0)))
    r = _run(model, torch.randn(32, 4))
    dead = {i: int((~torch.stack(v).any(0)).sum()) for i, v in on.items()}
    assert [l.dead for l in r.layers] == [dead[1], dead[3]] and dead[1] >= 5 and dead[3] >= 10
    assert r.reading.status.value == "flowing"
    # the count is of the trained layer only, and says so, naming the one left out and why
    assert (f"{dead[3]} of 64 hidden units are dead (counted over the layers whose weights are trained; not "
            "counted: module '1' (ReLU), after the frozen '0.weight')") in r.reading.words


def test_a_model_whose_every_parameter_is_frozen_reads_that_nothing_is_trained():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    model.requires_grad_(False)
    x = torch.randn(32, 4, requires_grad=True)  # backward runs, to the input only
    r = _run(model, x, chance_loss=1.0)
    assert r.reading.status.value == "no_gradient"
    assert all(f.status.value != "flowing" for f in r.reading.findings)
    assert r.reading.words.startswith("nothing is being trained: every parameter of the model is frozen "
                                      "(requires_grad=False), so no gradient reached any parameter")
    assert "requires_grad=True" in r.reading.remedy
    # no backward at all: the same
    r = _run(model, torch.randn(32, 4))
    assert r.reading.status.value == "no_gradient" and r.reading.words.startswith("nothing is being trained")


def test_frozen_weights_with_trained_biases_say_what_is_trained():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    for m in (model[0], model[2]):
        m.weight.requires_grad_(False)
    r = _run(model, torch.randn(32, 4))
    # (the parameters set to train, by name: W88 finding 2 found '(biases, norms)' said of frozen norms)
    assert r.reading.words == ("every weighted module's weight is frozen (requires_grad=False): no weight gradient "
                               "to read; only other parameters of the model are set to train ('0.bias', '2.bias')")
    assert not math.isnan(r.layers[0].act_grad_norm)  # the biases train: a gradient reaches the activations
