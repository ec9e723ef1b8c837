"""actlab against PyTorch where PyTorch has the function; where they differ, mpmath decides."""

from __future__ import annotations

import numpy as np
import pytest

import reference_mp as R
from actlab import activations
from actlab.activations import REGISTRY
from conftest import require_torch

torch = require_torch()
F = torch.nn.functional
from actlab.interop.torch_recipes import module_for  # noqa: E402

# every record PyTorch has a module for (at its default parameters), built from the record's own recipe
TORCH = {name: module_for(record) for name, record in REGISTRY.items()
         if record.torch_recipe and record.torch_recipe.uses_module(record.params) and not record.is_gated}
KINKS = np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0])


def torch_value_and_grad(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x, requires_grad=True)
    y = TORCH[name](t)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


def assert_agrees_or_mpmath_decides(name, which, x, ours, theirs, rtol, atol):
    """Agreement within atol + rtol |theirs|; where not, actlab must be within 8 ULP of mpmath."""
    finite = np.isfinite(theirs)  # PyTorch's own overflow (NaN, inf) is not compared
    off = finite & ~(np.abs(ours - theirs) <= atol + rtol * np.abs(theirs))
    if off.any():
        exact = R.reference(name, which, x[off].astype(np.float64))
        errors = R.ulp_errors(name, which, x[off], ours[off], exact)
        assert np.nanmax(np.nan_to_num(errors, nan=0.0)) <= 8, f"{name} {which}: actlab differs from both"


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", list(TORCH))
def test_agrees_with_pytorch_on_minus_ten_to_ten(name, dtype):
    x = np.linspace(-10, 10, 4001).astype(dtype)
    x = x[np.min(np.abs(x[:, None] - KINKS), axis=1) > 1e-4]  # the kinks have their own test
    act = activations.get(name)
    want, grad = torch_value_and_grad(name, x)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    assert_agrees_or_mpmath_decides(name, "value", x, act(x), want, tol, tol)
    assert_agrees_or_mpmath_decides(name, "deriv", x, act.derivative(x), grad, tol, tol)


@pytest.mark.parametrize("name", list(TORCH))
def test_absolute_agreement_in_the_far_tails(name):
    """Out to |x| = 1e4 both agree within 1e-12 absolute (PyTorch's relative error is large there)."""
    x = np.concatenate([np.linspace(-700, 700, 2801), [-1e4, 1e4]])
    x = x[np.min(np.abs(x[:, None] - KINKS), axis=1) > 1e-4]
    act = activations.get(name)
    want, grad = torch_value_and_grad(name, x)
    assert_agrees_or_mpmath_decides(name, "value", x, act(x), want, 1e-12, 1e-12)
    assert_agrees_or_mpmath_decides(name, "deriv", x, act.derivative(x), grad, 1e-12, 1e-12)


@pytest.mark.parametrize("name", ["relu", "relu6", "hardtanh", "leaky_relu", "elu", "hardswish", "hardsigmoid"])
def test_kink_conventions_match_pytorch(name):
    _, grad = torch_value_and_grad(name, KINKS)
    np.testing.assert_allclose(activations.get(name).derivative(KINKS), grad, rtol=1e-7)  # torch: 1/6 in float32


def test_glu_matches_pytorch():
    x = np.linspace(-8, 8, 400).reshape(-1, 4)
    t = torch.tensor(x, requires_grad=True)
    y = module_for(REGISTRY["glu"])(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    act = activations.get("glu")
    np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.derivative(x), g.numpy(), rtol=1e-12, atol=1e-15)


def test_softplus_threshold_option_reproduces_pytorch_default():
    x = np.linspace(-30, 30, 601)
    want = F.softplus(torch.tensor(x)).numpy()
    np.testing.assert_allclose(activations.get("softplus", threshold=20.0)(x), want, rtol=1e-12)


def test_the_conventions_table_states_pytorchs_relu_derivative_at_zero():
    """The lab shows this number as PyTorch's: it must be what torch computes."""
    from actlab.activations import conventions

    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    F.relu(t).backward()
    assert conventions().framework_relu_deriv_at_zero["PyTorch"] == t.grad.item()
