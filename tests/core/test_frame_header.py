"""The playground's frame header carries each hidden layer's reading exactly as LayerReading.to_dict() writes it."""

from __future__ import annotations

import numpy as np

from actlab.instruments import dead_mask, unit_derivatives
from actlab.playground import PlaygroundSession, frame_header
from actlab.session import RunConfig


def decoded_header(session: PlaygroundSession) -> dict:
    return frame_header(session.frame_data().encode())


def test_header_layers_equal_the_frames_layer_readings_after_the_wire():
    session = PlaygroundSession(RunConfig(layers=(6, 4), activations=("relu", "tanh")), grid=10)
    session.trainer.net.biases[0][[1, 4]] = -1e3  # never active for inputs in [-6, 6]^2
    session.last_frame = session.trainer.frame()
    header = decoded_header(session)
    expected = [layer.to_dict() for layer in session.last_frame.reading.layers]
    assert header["layers"] == expected
    assert [layer["activation"] for layer in header["layers"]] == ["relu", "tanh"]
    # the fields the network view reads, against the engine's own mask
    _, trace = session.trainer.net.forward(session.trainer.x_train)
    dead = np.flatnonzero(dead_mask(unit_derivatives(session.trainer.net, trace)[0])).tolist()
    assert header["layers"][0]["dead_units"] == dead == [1, 4]
    assert not set(header["layers"][0]["saturated_units"]) & set(dead)  # a dead unit is counted once, as dead


def test_a_ratio_with_no_output_gradient_is_null_in_the_header_as_in_to_dict():
    session = PlaygroundSession(RunConfig(layers=(3,), activations=("tanh",)), grid=10)
    net = session.trainer.net
    net.weights[0][:] = 0.0
    net.biases[0][:] = 0.0  # every hidden output is tanh(0) = 0, so the output layer's dL/dW is 0
    session.last_frame = session.trainer.frame()
    reading = session.last_frame.reading
    assert reading.last_grad_norm == 0.0 and np.isnan(reading.layers[0].grad_ratio_to_last)
    header = decoded_header(session)
    assert header["layers"][0]["grad_ratio_to_last"] is None
    assert header["layers"] == [layer.to_dict() for layer in reading.layers]
