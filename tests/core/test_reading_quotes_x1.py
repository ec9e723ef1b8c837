"""Every layer-1 ratio a reading's words quote is named in its finding's ``quotes``, so each face marks that cell.

CI on 043b14f: a playground run whose output layer's ||dL/dW|| was near 0 read "healthy: gradients reach every layer
(the gradient passed back to layer 1 is 1.3e-3 of the one at the output layer); the ||dL/dW|| ratios (layer 1's is
3.1) ..." and its table marked the 3.1 but not the 1.3e-3: the healthy finding's evidence held only the dW ratio.
The reference here is the words themselves: the number after "the gradient passed back to layer 1 is" is the dz
ratio, the one after "layer 1's is" or "layer 1 gets" the dW ratio, each recomputed from the summary's norms.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.readings import LayerSummary, RunSummary, diagnose, sci

DZ = re.compile(r"the gradient passed back to layer 1 is (as much as|\S+(?= of| times))")
DW = re.compile(r"layer 1(?:'s is| gets) (as much as|\S+?(?=[) ]))")

norms = st.floats(1e-9, 1e3)


@st.composite
def summaries(draw):
    n = draw(st.integers(1, 5))
    layers = tuple(LayerSummary(draw(st.sampled_from(["relu", "sigmoid", "tanh"])), 8, draw(norms),
                                signal_norm=draw(norms), dead=draw(st.integers(0, 7))) for _ in range(n))
    signal = draw(norms)
    # the output layer's dW near 0 beside its signal about half the time: the branch CI caught
    # or none at all (it read "layer 1 gets nan of the output layer's")
    out = draw(st.one_of(norms, st.floats(1e-8, 1e-4).map(lambda f: f * signal), st.just(0.0)))
    chance = 0.69
    loss = draw(st.sampled_from([None, 0.05, 0.4, 0.69, 0.8]))
    return RunSummary(layers, out, loss=loss, chance_loss=chance if loss is not None else None, epochs=50,
                      steps=500, output_signal_norm=signal)


@settings(max_examples=400, deadline=None)
@given(summaries())
def test_each_quoted_ratio_is_marked_and_no_ratio_reads_nan(s):
    dz = sci(s.layers[0].signal_norm / s.output_signal_norm)
    dw = sci(s.layers[0].grad_norm / s.output_grad_norm) if s.output_grad_norm else "no number"
    for f in diagnose(s).findings:
        assert not re.search(r"\bnan\b|\binf\b", f.words + f.remedy), f.words  # finite norms, finite words
        for m in DZ.finditer(f.words):
            assert m.group(1) in (dz, "as much as" if dz == "1" else dz) and "dz" in f.quotes, (f.words, f.quotes)
        for m in DW.finditer(f.words):
            assert m.group(1) in (dw, "as much as" if dw == "1" else dw) and "dW" in f.quotes, (f.words, f.quotes)


def test_the_healthy_reading_ci_caught_marks_both_cells():
    s = RunSummary((LayerSummary("relu", 8, 4.7e-5, signal_norm=1.3e-3), LayerSummary("relu", 8, 1.53e-5,
                                                                                      signal_norm=0.44)),
                   1.5e-5, loss=0.1, chance_loss=0.69, epochs=50, steps=500, output_signal_norm=1.0)
    finding = diagnose(s)
    assert "the gradient passed back to layer 1 is 1.3e-3 of the one at the output layer" in finding.words
    assert {q for f in finding.findings for q in f.quotes} == {"dz", "dW"}, finding.words


def test_the_largest_gradient_a_reading_quotes_says_whose_it_is():
    """W28: 'the largest weight gradient's norm is 0.18' where the report's table, which lists the hidden layers, held
    0.137 alone: the 0.18 was the output layer's. The words now say whose; the reference is the summary's norms."""
    from actlab.reading_loss import largest_grad

    s = RunSummary((LayerSummary("relu", 8, 0.137), LayerSummary("relu", 8, 0.02)), 0.18)
    assert largest_grad(s) == "the largest weight gradient's norm is 0.18, at the output layer"
    s = RunSummary((LayerSummary("relu", 8, 0.9, weights="'0.weight'"),), 0.18, output_weights="'2.weight'")
    assert largest_grad(s) == "the largest weight gradient's norm is 0.9, at '0.weight'"
    assert largest_grad(RunSummary((LayerSummary("relu", 8, float("nan")),), float("inf"))) == ""


def test_a_starting_reading_says_the_rule_it_waits_on_and_the_rule_holds():
    """W28 finding 6: 'whether it learns shows over the first 1,000 updates' gave no ground for the figure. The words
    now state the rule; the same summary past 1,000 updates reads not learning, as they say."""
    for steps in (1, 39, 999):
        s = RunSummary((LayerSummary("relu", 8, 0.5, signal_norm=0.5),), 0.5, loss=0.69, chance_loss=0.69, epochs=1,
                       steps=steps, output_signal_norm=0.5)
        r = diagnose(s)
        assert r.status.value == "starting"
        assert r.words.endswith("so the reading waits: a loss not 10% below chance after 1,000 updates reads as not "
                                f"learning ({steps:,} update{'' if steps == 1 else 's'} so far)"), r.words
    s = RunSummary((LayerSummary("relu", 8, 0.5, signal_norm=0.5),), 0.5, loss=0.69, chance_loss=0.69, epochs=1,
                   steps=1000, output_signal_norm=0.5)
    assert diagnose(s).status.value == "not_learning"


def test_a_remedy_after_a_blow_up_asks_for_a_lower_learning_rate_once():
    """W28: 'Lower the learning rate (a tenth is a good first try): the loss blew up ... Use Leaky ReLU ...; a smaller
    learning rate keeps units from being pushed there; then restart' asked for it twice."""
    from actlab.readings import TORCH_LEVERS

    s = RunSummary((LayerSummary("relu", 8, 0.0, dead=8, signal_norm=0.0),
                    LayerSummary("relu", 8, 0.0, dead=2, signal_norm=0.0)), 0.5, loss=0.7, chance_loss=0.69, epochs=1,
                   steps=500, output_signal_norm=0.5, blown_up=(4, 1e6), levers=TORCH_LEVERS)
    r = diagnose(s)
    assert r.remedy.startswith("Lower the learning rate (a tenth is a good first try): the loss blew up to 1e+06")
    assert "smaller learning rate" not in r.remedy and r.remedy.lower().count("learning rate") == 1, r.remedy
    assert "Use Leaky ReLU or GELU instead of relu" in r.remedy
