"""Run settings carry no size limit: the CLI and the Python API train any network the machine can hold, and a
network too big for memory is refused by a clear error. The playground's limits are the lab's (PlaygroundLimits)."""

from __future__ import annotations

import pytest

from actlab.errors import ConfigError
from actlab.limits import PlaygroundLimits
from actlab.network import PARAMETER_COPIES, NetworkConfig, machine_memory
from actlab.playground import PlaygroundSession
from actlab.session import RunConfig, build_trainer


def test_the_lessons_20_layer_sigmoid_net_trains_from_the_api():
    cfg = RunConfig(layers=(8,) * 20, activations=("sigmoid",), n_points=100)
    frame = list(build_trainer(cfg).frames(2))[-1]
    assert len(frame.reading.layers) == 20
    assert frame.reading.layers[0].grad_ratio_to_last < 1e-6  # the vanishing gradient the lesson predicts


def test_a_wide_layer_beyond_the_playgrounds_limits_trains():
    t = build_trainer(RunConfig(layers=(300,), n_points=100))
    assert t.net.weights[0].shape == (2, 300)


def test_the_parameter_count_is_the_weights_and_biases():
    cfg = NetworkConfig(3, (5, 4), ("tanh", "swiglu"), head="softmax", output_dim=3)
    net_params = (3 + 1) * 5 + (5 + 1) * 8 + (4 + 1) * 3  # a gated layer's pre-activation is twice its width
    assert cfg.n_parameters == net_params


def test_a_network_too_big_for_memory_is_refused_with_the_numbers():
    memory = machine_memory()
    if memory is None:
        pytest.skip("this system does not report its memory")
    width = int((memory / 8 / PARAMETER_COPIES) ** 0.5) + 10  # one width x width layer is already too much
    with pytest.raises(ConfigError) as err:
        NetworkConfig(2, (width, width))
    assert err.value.field == "layers" and "parameters need about" in err.value.message and "GiB" in err.value.message


def test_the_playground_limits_are_a_parameter_of_the_session():
    cfg = RunConfig(layers=(40,), n_points=100)
    with pytest.raises(ConfigError, match="up to 8 hidden layers of 1 to 32 neurons") as err:
        PlaygroundSession(cfg, limits=PlaygroundLimits())
    assert err.value.field == "layers" and "actlab train has no such limit" in err.value.message
    assert PlaygroundSession(cfg, limits=PlaygroundLimits(max_width=64)).trainer.net.weights[0].shape == (2, 40)


@pytest.mark.parametrize(("kwargs", "field"), [({"max_layers": 0}, "max_layers"), ({"max_width": 257}, "max_width"),
                                               ({"max_layers": 2.5}, "max_layers")])
def test_limits_beyond_the_hard_ones_are_refused(kwargs, field):
    with pytest.raises(ConfigError) as err:
        PlaygroundLimits(**kwargs)
    assert err.value.field == field


def test_the_core_never_reads_the_environment():
    import pathlib

    import actlab

    root = pathlib.Path(actlab.__file__).parent
    core = [p for p in root.rglob("*.py") if not {"web", "cli", "llm"} & set(p.parts)]  # the outer layers may
    readers = [p.name for p in core if "os.environ" in p.read_text(encoding="utf-8")]
    assert readers == []
