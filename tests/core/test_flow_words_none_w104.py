"""Issue 17, W104 walkthrough finding 2: a reading's flow words said 'gradients reach every hidden layer
('stem.0.weight''s |dL/dW| is 0), but the output layer's weights get none' of a batch on which every weight gradient
was exactly 0. Where every norm is 0, the words say no weight gets one; otherwise they name what does."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.readings import LayerSummary, RunSummary
from actlab.readings import _healthy_or_waiting as flow_of


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1e-3, 0.5]), min_size=1, max_size=4), st.sampled_from([0.0, 1e-3]))
def test_flow_words_say_gradients_reach_only_where_one_does(norms, output):
    layers = tuple(LayerSummary("relu", 8, v) for v in norms)
    s = RunSummary(layers, output, loss=1.0, chance_loss=math.log(4), steps=200)
    words = flow_of(s).words
    if output == 0 and not any(norms):
        assert "gradients reach" not in words and "no weight gets a gradient on this sampled batch" in words, words
    elif output == 0:
        assert "but the output layer's weights get none" in words, words
