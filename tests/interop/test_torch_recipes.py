"""Every record's PyTorch recipe: the module it builds, the code it exports and the mapping back, against actlab."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from actlab import activations
from actlab.activations import REGISTRY, TorchRecipe
from conftest import require_torch

torch = require_torch()
nn = torch.nn
from actlab.interop.torch import RecipeModule, export_code, module_for, record_for  # noqa: E402

VARIANTS = [("leaky_relu", {"negative_slope": 0.2}), ("leaky_relu", {"negative_slope": 0.0}),
            ("silu", {"beta": 2.0}), ("silu", {"beta": 1.702}), ("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.5}),
            ("softplus", {"beta": 2.0}), ("softplus", {"threshold": 20.0}),
            ("softplus", {"beta": 0.5, "threshold": 5.0}),
            ("hardtanh", {"min_val": -2.0, "max_val": 3.0})]
CASES = [(n, {}) for n in REGISTRY] + VARIANTS
IDS = [f"{n}{p or ''}" for n, p in CASES]


@pytest.fixture
def x(rng) -> np.ndarray:
    """(64, 8) float64 over [-12, 12] and beyond (scale 4), with every kink's neighbourhood: a gated unit takes
    the first 4 columns as values and the last 4 as gates."""
    return rng.normal(scale=4.0, size=(64, 8))


def _mismatch(record, module, x: np.ndarray) -> float:
    """max |module(x) - record(x)| relative to 1 + |record(x)|."""
    want = record(x)
    with torch.no_grad():
        got = module(torch.tensor(x)).numpy()
    assert got.shape == want.shape
    return float(np.max(np.abs(got - want) / (1 + np.abs(want))))


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_the_recipes_module_matches_actlabs_forward(name, params, x):
    record = activations.get(name, **params)
    assert _mismatch(record, module_for(record), x) < 1e-13


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_the_recipes_derivative_by_autograd_matches_actlabs(name, params, x):
    record = activations.get(name, **params)
    t = torch.tensor(x, requires_grad=True)
    (grad,) = torch.autograd.grad(module_for(record)(t).sum(), t)
    rtol = 5e-8 if name == "hardsigmoid" else 1e-10  # torch's hardsigmoid backward uses 1/6 in float32, even in float64
    np.testing.assert_allclose(grad.numpy(), record.derivative(x), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_the_exported_code_runs_alone_and_matches(name, params, x):
    record = activations.get(name, **params)
    scope: dict = {}
    exec(export_code(record), scope)  # a fresh namespace: the code brings its own imports
    assert _mismatch(record, scope["activation"], x) < 1e-13


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_the_module_maps_back_to_the_same_record_and_parameters(name, params):
    record = activations.get(name, **params)
    back = record_for(module_for(record), any_record=True)
    assert back is not None and back.name == record.name and dict(back.params) == dict(record.params)


def test_relu_squared_and_every_gated_unit_have_a_recipe():
    for name in ["relu_squared", *[n for n in REGISTRY if REGISTRY[n].is_gated]]:
        assert REGISTRY[name].torch_recipe is not None, name


@pytest.mark.parametrize(("module", "name", "params"), [
    (nn.LeakyReLU(0.2), "leaky_relu", {"negative_slope": 0.2}), (nn.GELU(), "gelu", {}),
    (nn.GELU(approximate="tanh"), "gelu_tanh", {}), (nn.SiLU(), "silu", {"beta": 1.0}),
    (nn.Softplus(), "softplus", {"beta": 1.0, "threshold": 20.0}),
    (nn.Softplus(beta=2.0, threshold=math.inf), "softplus", {"beta": 2.0, "threshold": None}),
    (nn.ELU(alpha=0.3), "elu", {"alpha": 0.3}), (nn.CELU(alpha=2.0), "celu", {"alpha": 2.0}),
    (nn.Hardtanh(-2.0, 0.5), "hardtanh", {"min_val": -2.0, "max_val": 0.5}), (nn.ReLU6(), "relu6", {}),
])
def test_torch_modules_map_to_records_with_their_settings(module, name, params):
    record = record_for(module)
    assert record.name == name and dict(record.params) == {**REGISTRY[name].params, **params}


@pytest.mark.parametrize("module", [nn.LeakyReLU(-0.5), nn.ELU(alpha=-1.0), nn.GLU(dim=1), nn.Linear(2, 2)],
                         ids=["negative slope", "negative alpha", "GLU on axis 1", "not an activation"])
def test_a_module_no_record_computes_maps_to_none(module):
    assert record_for(module, any_record=True) is None


def test_by_default_only_non_linear_elementwise_activations_map():
    """What the Monitor watches: not the identity (a placeholder), not a gated unit (it halves its input)."""
    assert record_for(nn.Identity()) is None and record_for(nn.GLU()) is None
    assert record_for(module_for(REGISTRY["swiglu"])) is None
    assert record_for(nn.Identity(), any_record=True).name == "identity"
    assert record_for(module_for(REGISTRY["relu_squared"])).name == "relu_squared"


@pytest.mark.parametrize(("name", "params", "wrong"), [
    ("leaky_relu", {"negative_slope": 0.2}, TorchRecipe("LeakyReLU")),  # the slope not passed: torch's 0.01
    ("elu", {"alpha": 0.5}, TorchRecipe("CELU", kwargs=(("alpha", "alpha"),))),
    ("gelu", {}, TorchRecipe("GELU", fixed=(("approximate", "tanh"),))),
    ("silu", {"beta": 2.0}, TorchRecipe("SiLU")),  # SiLU has no beta: without only_if it is silently beta = 1
    ("softplus", {"beta": 2.0}, TorchRecipe("Softplus", kwargs=(("threshold", "threshold"),),
                                             none_as=(("threshold", math.inf),))),
    ("swiglu", {}, TorchRecipe(expression="b * torch.nn.functional.silu(a)")),  # the halves swapped
])
def test_a_recipe_with_a_wrong_mapping_fails_the_match(name, params, wrong, x):
    """The match above can fail: each of these recipes is plausible and wrong."""
    record = dataclasses.replace(activations.get(name, **params), torch_recipe=wrong)
    assert _mismatch(record, module_for(record), x) > 1e-6
    scope: dict = {}
    exec(export_code(record), scope)
    assert _mismatch(record, scope["activation"], x) > 1e-6


def test_a_record_without_a_recipe_says_so_by_name():
    record = dataclasses.replace(REGISTRY["relu"], torch_recipe=None)
    with pytest.raises(ValueError, match="relu has no PyTorch recipe"):
        module_for(record)
    with pytest.raises(ValueError, match="relu has no PyTorch recipe"):
        export_code(record)


def test_a_recipe_module_reads_as_its_record():
    module = module_for(activations.get("silu", beta=2.0))
    assert isinstance(module, RecipeModule) and "silu(beta=2.0): x * torch.sigmoid(beta * x)" in repr(module)


def test_torch_name_is_read_from_the_recipe():
    assert REGISTRY["gelu_tanh"].torch_name == "GELU(approximate='tanh')"
    assert REGISTRY["leaky_relu"].torch_name == "LeakyReLU" and REGISTRY["relu_squared"].torch_name is None
