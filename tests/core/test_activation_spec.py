"""Per-layer activation specs in run settings: parsing, validation, and training with any parameter."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activation_spec import ActivationSpec, spec, specs
from actlab.errors import ConfigError
from actlab.network import MLP, NetworkConfig, targets_for_head
from actlab.session import RunConfig, build_trainer


def test_the_three_forms_give_the_same_spec():
    text = spec("leaky_relu(negative_slope=0.1)")
    assert text == spec({"name": "leaky_relu", "params": {"negative_slope": 0.1}})
    assert text == spec(("leaky_relu", {"negative_slope": 0.1}))
    assert text == ActivationSpec("leaky_relu", (("negative_slope", 0.1),))
    assert str(text) == "leaky_relu(negative_slope=0.1)" and spec(str(text)) == text
    assert spec("Leaky-ReLU").name == "leaky_relu" and spec("swish").name == "silu"  # aliases resolve
    assert spec("tanh").to_wire() == "tanh" and text.to_wire() == {"name": "leaky_relu",
                                                                     "params": {"negative_slope": 0.1}}


def test_a_comma_list_splits_between_layers_not_inside_brackets():
    got = specs("relu, hardtanh(min_val=-2, max_val=0.5),softplus(beta=3, threshold=none)")
    assert [s.name for s in got] == ["relu", "hardtanh", "softplus"]
    assert got[1].param_dict == {"min_val": -2.0, "max_val": 0.5}
    assert got[2].param_dict == {"beta": 3.0, "threshold": None}
    assert specs(["tanh", {"name": "silu", "params": {"beta": 2}}])[1].param_dict == {"beta": 2.0}


@pytest.mark.parametrize(("value", "field", "needle"), [
    ("tanhh", "activations (layer 1)", "unknown activation 'tanhh'"),
    ("relu,leaky_relu(slope=0.1)", "activations (layer 2)", "leaky_relu has no parameter slope; its parameters: "
                                                     "negative_slope in"),
    ("tanh,silu(beta=-1)", "activations (layer 2)", "silu: parameter beta=-1.0 is out of range; allowed: (0, "),
    ("hardtanh(min_val=2, max_val=1)", "activations (layer 1)", "min_val (2.0) must be below max_val (1.0)"),
    ("silu(beta=2", "activations", "'(' is never closed"),
    ("silu(beta)", "activations (layer 1)", "parameters are written name=number"),
    ("silu(beta=__import__('os'))", "activations (layer 1)", "silu: parameter beta must be a plain number"),
    ("silu(beta=2e)", "activations (layer 1)", "silu: parameter beta must be a plain number"),
    ("silu(beta=1, beta=2)", "activations (layer 1)", "given twice"),
    ("(beta=1)", "activations (layer 1)", "a name with parameters in brackets"),
    ([{"name": "silu", "params": [2]}], "activations (layer 1).params", "an object of parameter values"),
    ([{"name": "silu", "beta": 2}], "activations (layer 1)", "unknown key 'beta'"),
    ([3], "activations (layer 1)", "an activation name"),
])
def test_bad_specs_name_the_layer_the_parameter_and_what_is_allowed(value, field, needle):
    with pytest.raises(ConfigError) as err:
        specs(value)
    assert err.value.field == field and needle in str(err.value)


def test_a_softplus_network_with_beta_3_computes_what_the_formula_says():
    cfg = NetworkConfig(2, (5,), "softplus(beta=3)", head="regression")
    net = MLP.create(cfg, np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(7, 2))
    z = x @ net.weights[0] + net.biases[0]
    by_hand = np.logaddexp(0.0, 3 * z) / 3 @ net.weights[1] + net.biases[1]  # softplus_beta(z) = log(1 + e^(bz)) / b
    np.testing.assert_allclose(net.predict(x), by_hand, rtol=1e-12)
    default = MLP(NetworkConfig(2, (5,), "softplus", head="regression"), net.weights, net.biases,
                  NetworkConfig(2, (5,), "softplus", head="regression").resolved_activations())
    assert not np.allclose(default.predict(x), by_hand)  # beta changes the function


@pytest.mark.parametrize("text", ["softplus(beta=3)", "elu(alpha=0.4)", "silu(beta=2.5)", "celu(alpha=2)",
                                  "leaky_relu(negative_slope=0.2)", "hardtanh(min_val=-0.3, max_val=2)"])
def test_the_gradient_with_a_non_default_parameter_matches_finite_differences(text):
    cfg = NetworkConfig(3, (4, 3), text, head="logistic")
    rng = np.random.default_rng(2)
    net = MLP.create(cfg, rng)
    x = rng.normal(size=(9, 3))
    t = targets_for_head("logistic", rng.integers(0, 2, 9))
    grads = net.backward(net.forward(x)[1], t)
    eps = 1e-6
    for l in range(net.n_layers):
        for idx in np.ndindex(net.weights[l].shape):
            w = net.weights[l]
            old = w[idx]
            w[idx] = old + eps
            up = net.backward(net.forward(x)[1], t).loss
            w[idx] = old - eps
            down = net.backward(net.forward(x)[1], t).loss
            w[idx] = old
            assert grads.dW[l][idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


def test_run_settings_carry_a_spec_per_layer_and_old_flat_keys_still_apply():
    cfg = RunConfig.from_dict({"layers": [4, 3], "activations": ["leaky_relu", {"name": "silu", "params": {"beta": 2}}],
                               "negative_slope": 0.2, "beta": 5})
    assert [a.param_dict for a in cfg.activations] == [{"negative_slope": 0.2}, {"beta": 2.0}]  # a layer's own wins
    assert cfg.to_dict()["activations"] == [{"name": "leaky_relu", "params": {"negative_slope": 0.2}},
                                            {"name": "silu", "params": {"beta": 2.0}}]
    assert RunConfig.from_dict(cfg.to_dict()) == cfg  # the wire form reads back to the same settings
    net = build_trainer(cfg).net
    assert net.activations[0].params["negative_slope"] == 0.2 and net.activations[1].params["beta"] == 2.0
    old_link = RunConfig.from_dict({"activations": "leaky_relu", "negative_slope": 0.3})
    assert build_trainer(old_link).net.activations[1].params["negative_slope"] == 0.3  # one for all layers
    with pytest.raises(ConfigError, match=r"activations \(layer 1\): leaky_relu: parameter negative_slope=-2"):
        RunConfig.from_dict({"activations": ["leaky_relu"], "negative_slope": -2})


def test_the_cli_text_trains_with_any_parameter():
    cfg = RunConfig.from_cli(layers="3,3", activation="elu(alpha=0.5),softplus(beta=4)", features="x1,x2")
    acts = build_trainer(cfg).net.activations
    assert (acts[0].name, acts[0].params["alpha"], acts[1].name, acts[1].params["beta"]) == ("elu", 0.5,
                                                                                             "softplus", 4.0)
