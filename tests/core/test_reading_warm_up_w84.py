"""W84 walkthrough finding 2: a post-LN transformer at lr 3e-2 with no warm-up lost its gradient ('vanishing: ...
gets 1.8e-5 of the output layer's gradient') and was told 'Try He initialisation, residual connections or
normalisation (LayerNorm or BatchNorm) between layers, or fewer layers'; it had LayerNorm and residual connections, and
a 60-step warm-up, or a third of the rate, trained it. Where the model normalises its layers and every learning rate
read was at its highest from the run's first step, the vanishing remedy starts with a warm-up. References: the rates
the summary holds, read by hand, and a hypothesis check of the rule against its statement."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_remedies import no_warm_up, top_rate
from actlab.readings import TORCH_LEVERS, LayerSummary, RunSummary, Status, diagnose


def _vanishing(rates: tuple, normalised: bool) -> RunSummary:
    layers = tuple(LayerSummary("gelu", 64, g, weights=f"'blocks.{i}.fc1.weight'")
                   for i, g in enumerate((1.8e-5, 2e-4, 3e-3)))
    return RunSummary(layers, 1.0, 3.16, 3.18, None, 591, levers=TORCH_LEVERS, learning_rates=rates,
                      normalised=normalised)


def test_a_normalised_network_at_its_top_rate_from_step_1_is_sent_to_a_warm_up():
    reading = diagnose(_vanishing((("'tok.weight'", 1, 591, ((1, 0.03),)),), True))
    assert reading.status == Status.VANISHING, reading.words
    assert reading.remedy.startswith(
        "Start with a warm-up: the learning rate was 0.03 from training step 1, its highest, and in a network that "
        "normalises its layers a gradient lost is most often one the first large updates threw there; raise the rate "
        "from near 0 over the first few hundred steps, or lower it. If it still vanishes: try "), reading.remedy
    assert "residual connections between layers, where there are none" in reading.remedy
    assert "or normalisation (LayerNorm or BatchNorm)" not in reading.remedy  # it has one


def test_a_warm_up_or_no_normalisation_keeps_the_remedy_it_had():
    warmed = diagnose(_vanishing((("'tok.weight'", 1, 591, ((1, 5e-4), (30, 0.015), (60, 0.03))),), True))
    plain = diagnose(_vanishing((("'tok.weight'", 1, 591, ((1, 0.03),)),), False))
    for reading in (warmed, plain):
        assert reading.status == Status.VANISHING and "warm-up" not in reading.remedy, reading.remedy
    assert "residual connections or normalisation (LayerNorm or BatchNorm) between layers" in plain.remedy


@given(st.lists(st.lists(st.tuples(st.integers(1, 500), st.floats(1e-6, 1.0)), min_size=1, max_size=5),
                min_size=1, max_size=3))
def test_no_warm_up_is_every_group_at_its_highest_from_step_1(groups):
    rates = tuple((f"'g{k}.weight'", changes[0][0], 600, tuple(changes)) for k, changes in
                  enumerate(sorted(g, key=lambda c: c[0]) for g in groups))
    found = no_warm_up(dataclasses.replace(_vanishing(rates, True)))
    # the rule, restated: each group read from step 1, its first rate within 1% of its highest
    want = all(c[0][0] == 1 and c[0][1] >= 0.99 * max(r for _, r in c) for _, _, _, c in rates)
    assert (found is not None) == want
    if found is not None:
        assert found == (max(c[0][1] for _, _, _, c in rates), 1)


def test_a_warmed_up_normalised_network_is_sent_to_the_rate_it_rose_to():
    """W90 walkthrough finding 2: a small vision transformer under OneCycle to 0.5 read 'vanishing' with 'Try He
    initialisation, or a lower learning rate'; at 3e-3 it learned. The rate it rose to leads, said once."""
    reading = diagnose(_vanishing((("'tok.weight'", 1, 591, ((1, 5e-4), (30, 0.015), (60, 0.03), (200, 0.01))),), True))
    assert reading.remedy.startswith(
        "Lower the learning rate: it rose to 0.03 at training step 60, its highest, and in a network that normalises "
        "its layers a gradient lost is most often one large updates threw there. If it still vanishes: try "), \
        reading.remedy
    assert reading.remedy.lower().count("lower learning rate") + reading.remedy.lower().count(
        "lower the learning rate") == 1, reading.remedy


@given(st.lists(st.lists(st.tuples(st.integers(1, 500), st.floats(1e-6, 1.0)), min_size=1, max_size=5),
                min_size=1, max_size=3))
def test_the_top_rate_is_the_highest_read_in_any_group_at_its_first_step(groups):
    rates = tuple((f"'g{k}.weight'", 1, 600, tuple(sorted(g))) for k, g in enumerate(groups))
    found = top_rate(_vanishing(rates, True))
    pairs = [c for _, _, _, changes in rates for c in changes]
    top = max(r for _, r in pairs)
    assert found[0] == top and found[1] in {t for t, r in pairs if r == top}
