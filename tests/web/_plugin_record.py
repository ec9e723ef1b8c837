"""An activation defined by a test only, as a plugin would define one: a scaled tanh with one parameter.

register_scaled_tanh() adds it through the extension point for the length of a with-block (imported, not collected).
"""

from __future__ import annotations

import contextlib

import numpy as np

from actlab import activations

NAME, GROUP = "scaled_tanh_test", "A test's own group"


def scaled_tanh(x, scale=1.0):
    return scale * np.tanh(x)


def scaled_tanh_deriv(x, scale=1.0):
    t = np.tanh(x)
    return scale * (1 - t * t)


def scaled_props(p):
    """What the scale changes: the output range and the derivative's (module-level, so the record can be pickled
    and sent to the lab's training processes)."""
    return {"output_range": (-p["scale"], p["scale"]), "deriv_range": (0.0, p["scale"]), "deriv_max": p["scale"]}


def record() -> activations.Activation:
    return activations.Activation(
        name=NAME, fn=scaled_tanh, deriv=scaled_tanh_deriv, title="Scaled tanh (a test's)",
        formula=r"s\,\tanh(x)", deriv_formula=r"s\,(1 - \tanh^2 x)",
        output_range=(-1.0, 1.0), deriv_range=(0.0, 1.0), deriv_max=1.0, deriv_argmax=0.0, deriv_argmax_text="x = 0",
        zero_centred=True, monotonic=True, smoothness="C-inf", self_gated=False, year=2026, paper="a test",
        used_in=("this test",), hf_names=(), strength="Defined by a test.", weakness="Exists only in a test.",
        group=GROUP, output_closed=(False, False), deriv_closed=(False, True),
        param_specs={"scale": activations.Param(1.0, 0.0, 10.0, high_closed=True, doc="the output's scale",
                                                slider=activations.Slider(0.5, 3.0, 0.5))},
        param_props=scaled_props,
        torch_recipe=activations.TorchRecipe(expression="scale * torch.tanh(x)"),
    )


@contextlib.contextmanager
def register_scaled_tanh():
    register = getattr(activations, "register", None)
    if register is None:
        import pytest

        pytest.skip("activations.register (the extension point) is not in this tree")
    register(record())
    try:
        yield NAME
    finally:
        activations.unregister(NAME)

