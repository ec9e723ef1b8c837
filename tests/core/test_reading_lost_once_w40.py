"""Issue 17, W40 walkthrough finding 6 (the headline repeats itself): a run that learned to a mean loss of 0.664 and
lost it when a layer died read 'not learning any more: the mean loss had come down to 0.664 at training step 1,421
...; also no gradient: ...; the mean loss has risen from 0.664 at training step 1,421 (a sampled one) to 2.4', and
with a dead layer '... the loss had come down to 0.664 at training step 1,421 ..., and is back near chance' after the
same opening. A headline led by the loss lost says it once."""

from __future__ import annotations

from actlab.readings import LayerSummary, RunSummary, Status, diagnose


def _lost(layers, output_norm):
    return diagnose(RunSummary(layers, output_norm, loss=2.31, chance_loss=2.3, steps=1821,
                               recent_losses=(2.31,) * 10, loss_batches=10, lowest_judged_loss=0.664,
                               lowest_judged_step=1421, lowest_judged_bound=0.7, output_signal_norm=6.1))


def test_a_lost_run_whose_layer_died_says_its_low_once():
    r = _lost((LayerSummary("relu", 128, 0.0), LayerSummary("relu", 128, 0.0, dead=128)), 0.0)
    assert r.status is Status.NO_GRADIENT
    assert r.words.startswith("not learning any more, with no gradient: the mean loss had come down to 0.664 at "
                              "training step 1,421")
    assert r.words.count("0.664") == 1, r.words
    assert "has risen from" not in r.words and "is back near chance" not in r.words, r.words


def test_a_lost_run_with_a_vanishing_ratio_says_its_low_once():
    r = _lost((LayerSummary("relu", 128, 1e-3, signal_norm=1.8e-3), LayerSummary("relu", 128, 1.0, signal_norm=6.1)),
              1.0)
    assert r.words.startswith("not learning any more: ") and r.words.count("0.664") == 1, r.words


def test_a_dead_count_from_sampled_batches_says_so_in_the_headline():
    """W41 walkthrough finding 5: '8 of 56 hidden units are dead' in the headline, while the layer lines said that
    some counted dead may fire between samples (and the walkthrough's hooks saw two of them fire)."""
    layers = (LayerSummary("relu", 16, 0.3, dead=5), LayerSummary("relu", 32, 0.5, dead=3))
    base = dict(loss=0.01, chance_loss=1.39, steps=762, recent_losses=(0.01,) * 10, loss_batches=10)
    sampled = diagnose(RunSummary(layers, 1.0, dead_between=True, **base))
    assert sampled.status is Status.HEALTHY
    assert "; 8 of 48 hidden units are dead (off on every sampled batch; some may fire on the steps between)" in \
        sampled.words, sampled.words
    assert "some may fire" not in diagnose(RunSummary(layers, 1.0, **base)).words  # every step read: exact
