"""register() checks what a record claims against what its functions do (walkthrough finding 2, 18:10 UTC):
the derivative against central finite differences, the output range against sampled values, and the names a
torch recipe's expression reads; a validator hook can add checks the core cannot make (torch, here)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from actlab import activations
from actlab.activations import REGISTRY, TorchRecipe, extension

from .test_extension import _plugin_record


def _bad(**changes) -> activations.Activation:
    return dataclasses.replace(_plugin_record(), **changes)


def _refused(record, words, **kwargs):
    before = activations.names()
    with pytest.raises(ValueError, match=words):
        activations.register(record, **kwargs)
    assert activations.names() == before  # nothing half-registered


def test_a_derivative_that_is_always_one_is_refused():
    _refused(_bad(deriv=lambda x, **p: np.ones_like(x)),
             r"lecun_tanh\.deriv disagrees with central finite differences of fn at \d+ of \d+ points .*"
             r"deriv gives 1, the differences ")


def test_a_derivative_off_by_a_few_percent_is_refused_and_an_exact_one_passes():
    good = _plugin_record()
    _refused(_bad(deriv=lambda x, **p: 1.02 * good.deriv(x, **p)), r"lecun_tanh\.deriv disagrees")
    activations.register(good)
    activations.unregister("lecun_tanh")


def test_a_kink_is_skipped_only_where_it_is_declared():
    """|x| with derivative sign(x) passes once its kink at 0 is declared; a derivative right on one side only
    (always 1) is refused, the failing point named on the other side."""
    absval = _bad(name="abs_test", fn=lambda x, **p: np.abs(x), deriv=lambda x, **p: np.sign(x),
                  param_specs={}, params={}, param_props=None, output_range=(0.0, np.inf), torch_recipe=None,
                  saturates_at=())
    wrong = dataclasses.replace(absval, deriv=lambda x, **p: np.ones_like(x))  # right of the kink only
    _refused(wrong, r"abs_test\.deriv disagrees .* at x = -")
    activations.register(dataclasses.replace(absval, kinks=(0.0,)))
    activations.unregister("abs_test")


def test_an_output_range_the_function_leaves_is_refused_naming_the_value():
    # alpha tanh(beta x) goes down to -1.7159; param_props states the right range, the record's field does not
    _refused(_bad(output_range=(0.0, 1.0)),
             r"lecun_tanh\.output_range is \(0\.0, 1\.0\), but fn gives -1\.7159 at x = -30, outside it")
    _refused(_bad(param_props=lambda p: {"output_range": (0.0, 1.0)}),
             r"lecun_tanh\.param_props\(defaults\)\['output_range'\] is \(0\.0, 1\.0\), but fn gives -1\.7159")


@pytest.mark.parametrize(("expression", "names"), [
    ("alpha * tanh(beta * x)", "tanh"),
    ("gamma * torch.tanh(x)", "gamma"),
    ("alpha * torch.tanh(beta * y)", "y"),
    ("np.tanh(x)", "np"),
])
def test_a_recipe_expression_may_read_only_x_torch_and_the_parameters(expression, names):
    _refused(_bad(torch_recipe=TorchRecipe(expression=expression)),
             re.escape(f"lecun_tanh's torch_recipe expression {expression!r} uses {names}; it may use only x, "
                       "torch and the record's parameters (alpha, beta)"))


def test_a_gated_recipe_reads_a_and_b():
    glu = REGISTRY["swiglu"]
    extension._check_recipe(glu)  # "a * torch.nn.functional.silu(b)"
    with pytest.raises(ValueError, match=r"uses x; it may use only a, b, torch"):
        extension._check_recipe(dataclasses.replace(glu, torch_recipe=TorchRecipe(expression="x * b")))


@pytest.mark.parametrize("name", sorted(activations.names()))
def test_every_built_in_record_passes_the_checks(name):
    """The checks are not stricter than the registry's own records (gated ones included)."""
    record = REGISTRY[name]
    extension._check_derivative(record)
    extension._check_output_range(record)
    extension._check_recipe(record)


def test_the_derivative_check_catches_a_wrong_gated_partial():
    swiglu = REGISTRY["swiglu"]

    def wrong(x, **p):
        d = swiglu.deriv(x, **p)
        d[..., 1] = 0.0  # d/db dropped
        return d

    with pytest.raises(ValueError, match=r"swiglu\.deriv disagrees .* d/db"):
        extension._check_derivative(dataclasses.replace(swiglu, deriv=wrong))


def _torch_recipe_runs(record):
    """A validator as the interop layer can write one: evaluate the recipe where torch is installed."""
    torch = pytest.importorskip("torch")
    x = torch.linspace(-3, 3, 13, dtype=torch.float64)
    try:
        got = eval(record.torch_recipe.expression, {"torch": torch, "x": x, **record.params})  # noqa: S307
    except AttributeError as exc:
        raise ValueError(f"register: {record.name}'s torch_recipe expression fails in torch: {exc}") from None
    np.testing.assert_allclose(got.numpy(), record(x.numpy()), rtol=1e-12)


def test_a_validator_hook_refuses_a_recipe_torch_cannot_run():
    _refused(_bad(torch_recipe=TorchRecipe(expression="alpha * torch.tanhh(beta * x)")),
             r"lecun_tanh's torch_recipe expression fails in torch: .*tanhh", validate=_torch_recipe_runs)
    extension.VALIDATORS.append(_torch_recipe_runs)
    try:
        _refused(_bad(torch_recipe=TorchRecipe(expression="alpha * torch.tanhh(beta * x)")), "tanhh")
        activations.register(_plugin_record())  # the right recipe passes the same validator
        activations.unregister("lecun_tanh")
    finally:
        extension.VALIDATORS.remove(_torch_recipe_runs)
