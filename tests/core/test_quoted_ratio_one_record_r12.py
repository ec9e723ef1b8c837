"""Issue 17 (R12, W15 finding 1): a ratio a reading quotes is the one its frame's layer record holds.

The CLI's layer table and the playground's gradient table show LayerReading.grad_ratio_to_last and
signal_ratio_to_last and mark the cell a finding quotes by its evidence key. That is only honest if the finding's
number is the record's number, to the last bit, for every run: a reading that computed its ratio another way (another
floor, another norm) would quote a number the faces do not show. Each run here ends with a finding that quotes one.
"""

from __future__ import annotations

import pytest

from actlab.session import RunConfig, build_trainer

QUOTED = {"first_to_last_ratio": "grad_ratio_to_last", "first_to_last_signal_ratio": "signal_ratio_to_last"}
RUNS = [  # (options, epochs, the evidence key the last frame's findings must carry)
    # six ReLU layers from small normal weights: vanishing, quoting the signal ratio (it was the spiral 8,8 at lr 3, a
    # chaotic run whose end differs between machines' floating point)
    (dict(dataset="spiral", layers="8,8,8,8,8,8", activation="relu", init="normal", lr=0.01), 5,
     "first_to_last_signal_ratio"),
    (dict(dataset="circle", layers=",".join(["8"] * 10), activation="sigmoid", lr=0.03), 30, "first_to_last_ratio"),
    (dict(dataset="circle", layers="4,2", activation="tanh", lr=0.03), 100, "first_to_last_ratio"),
]


@pytest.mark.parametrize(("opts", "epochs", "key"), RUNS, ids=["spiral-relu", "sigmoid-10", "tanh-healthy"])
def test_every_quoted_ratio_is_layer_ones_record(opts, epochs, key):
    frame = list(build_trainer(RunConfig.from_cli(features="x1,x2", **opts)).frames(epochs))[-1]
    quoted = [(k, v) for f in frame.diagnosis.findings for k, v in f.evidence.items() if k in QUOTED]
    assert key in dict(quoted), [f.evidence for f in frame.diagnosis.findings]
    for k, v in quoted:
        assert v == getattr(frame.reading.layers[0], QUOTED[k]), (k, v)  # the same float, not a near one
