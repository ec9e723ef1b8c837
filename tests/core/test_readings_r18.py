"""R18: readings that misled a fresh reader.

1. An ELU net at lr 10 under momentum (cross-entropy, the circle) blows up to a loss of 1e8 and more and stays there,
   its loss falling a little each epoch. It read 'diverging ... stayed above 1,000 times chance' and never said that
   every hidden weight's gradient is exactly 0 and layer 2's units are all saturated: the floor below which a gradient
   counts as none grows with the loss, and past a loss of 7e11 it passed the output layer's 0.7. The reference is a
   PyTorch autograd replay of the network's own weights, and the frames' own losses.
3. Wording: a multiple of chance as a person writes it ('140 times chance', not '1.4e+02'), 'layers 5 and 6', and
   the page's notation for the weight gradient, ‖dL/dW‖.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.readings import LayerSummary, RunSummary, Status, diagnose, sci
from actlab.session import RunConfig, build_trainer
from conftest import require_torch

ELU_RUN = dict(loss="cross-entropy", activations=("elu",), lr=10, optimizer="momentum")


@pytest.fixture(scope="module")
def elu_blow_up():
    """The playground's ELU run whose loss fell a little every epoch at 2.4e8 (weights drawn by seed 19)."""
    trainer = build_trainer(RunConfig(**ELU_RUN, weight_seed=19))
    frames = list(trainer.frames(30))
    return trainer, frames


def _autograd(trainer):
    """The network's loss and weight gradients on the training set, by torch autograd from its own weights."""
    torch = require_torch()
    net = trainer.net
    ws = [torch.tensor(w, requires_grad=True) for w in net.weights]
    bs = [torch.tensor(b) for b in net.biases]
    a = torch.tensor(trainer.net.forward(trainer.x_train)[1].outs[0])  # the inputs as the network takes them
    zs = []
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        zs.append(a @ w + b)
        a = torch.nn.functional.elu(zs[-1])
    logits = a @ ws[-1] + bs[-1]
    targets = torch.tensor(np.asarray(trainer.y_train, dtype=np.float64).reshape(-1, 1))
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)
    loss.backward()
    return loss.detach().item(), [w.grad.numpy() for w in ws], [z.detach().numpy() for z in zs]


def test_a_blown_up_elu_run_stuck_with_every_hidden_gradient_exactly_0_says_so(elu_blow_up):
    trainer, frames = elu_blow_up
    loss, grads, zs = _autograd(trainer)
    last = frames[-1]
    # the reference: the hidden weights' gradients are exactly 0, the output layer's is not, layer 2's every unit sits
    # at ELU's -1 (f'(z) = exp(z) underflows to 0 on every point), and the loss barely moved over the last frames
    assert all(np.all(g == 0) for g in grads[:-1]) and np.linalg.norm(grads[-1]) > 0.1
    assert np.all(np.exp(zs[1]) == 0) and np.all(np.abs(np.expm1(zs[1]) + 1) < 0.01)
    assert math.isclose(last.train_loss, loss, rel_tol=1e-9) and loss > 1e3 * last.chance_loss
    recent = [f.train_loss for f in frames[-10:]]
    assert recent[-1] < recent[0] and (recent[0] - recent[-1]) / recent[0] < 1e-4  # falls a little: 'stuck'
    r = last.diagnosis
    assert r.status is Status.DIVERGED
    assert r.words.startswith(f"diverged: the loss blew up to {loss:.3g}, "), r.words
    assert "and it is stuck there: between steps" in r.words and "it fell by less than 0.01%" in r.words, r.words
    assert f"no gradient reaches layer 1 while the output layer gets {sci(np.linalg.norm(grads[-1]))}" in r.words
    assert "every unit of layer 2 is saturated on the training set" in r.words, r.words
    assert ("the weight gradient of every hidden layer (layers 1 and 2) is exactly 0, so no update moves a hidden "
            "weight and the run cannot train its way back") in r.words, r.words
    assert r.remedy.startswith("No hidden weight gets a gradient at any learning rate, so smaller steps alone do "
                               "not bring this run back: lower the learning rate"), r.remedy
    assert "diverging" not in r.words and "no lower than" not in r.words


def test_the_saturated_layer_the_headline_names_is_not_listed_again_below_it(elu_blow_up):
    # the faces print Reading.others under the headline ("Also ..."): the vanishing finding the headline carries
    # after 'also, ' was printed a second time, with its status word in front
    r = elu_blow_up[1][-1].diagnosis
    vanishing = next(f for f in r.findings if f.status is Status.VANISHING)
    assert vanishing.words.removeprefix("vanishing: ") in r.words
    assert vanishing not in r.others and all(o.words.partition(": ")[2] not in r.words for o in r.others)


def test_an_exact_zero_under_an_output_gradient_above_the_loss_free_floor_reads_at_any_loss():
    # hand-made: the same shape at a loss of 1e20 and of 1e3 times chance; the output layer's 0.7 is far above
    # GRAD_FLOOR (1e-12) and the hidden gradients are exactly 0: both read the saturated layer
    layers = (LayerSummary("elu", 4, 0.0), LayerSummary("elu", 2, 0.0, saturated=2))
    for loss in (700.0, 2e20):
        r = diagnose(RunSummary(layers, 0.7, loss=loss, chance_loss=0.693, steps=750, recent_losses=(loss, loss),
                                recent_loss_steps=(725, 750)))
        assert "every unit of layer 2 is saturated" in r.words, (loss, r.words)
        assert "is exactly 0, so no update moves a hidden weight" in r.words, (loss, r.words)


def test_a_blow_up_whose_hidden_gradients_are_not_0_keeps_the_plain_remedy():
    # failure path: a blown-up run whose hidden layers still get a gradient is not told it cannot come back
    layers = (LayerSummary("elu", 4, 0.3), LayerSummary("elu", 2, 0.2))
    r = diagnose(RunSummary(layers, 0.7, loss=2e8, chance_loss=0.693, steps=750, recent_losses=(2e8, 2e8),
                            recent_loss_steps=(725, 750)))
    assert r.status is Status.DIVERGED and "exactly 0" not in r.words
    assert r.remedy.startswith("Lower the learning rate"), r.remedy


def test_a_blow_up_still_climbing_reads_diverging():
    # failure path: 'stuck' only where the recent losses agree to the digits shown
    r = diagnose(RunSummary((LayerSummary("tanh", 4, 0.3),), 0.7, loss=3e5, chance_loss=0.693, steps=40,
                            recent_losses=(900.0, 3e3, 2e4, 3e5), recent_loss_steps=(10, 20, 30, 40)))
    assert r.words.startswith("diverging: the loss has grown to 3e+05") and "stuck" not in r.words, r.words


@pytest.mark.parametrize(("ratio", "text"), [(140.0, "140"), (1.3, "1.3"), (3600.0, "3,600"), (2.5, "2.5"),
                                             (350_000.0, "350,000"), (3.5e8, "3.5e8")])
def test_a_loss_above_chance_after_the_judging_window_reads_its_multiple_as_a_person_writes_it(ratio, text):
    chance = 0.5
    r = diagnose(RunSummary((LayerSummary("tanh", 4, 0.3),), 0.5, loss=ratio * chance, chance_loss=chance,
                            steps=2000))
    assert f"the loss is above chance, {text} times it" in r.words or f"{text} times chance" in r.words, r.words


def test_every_times_chance_multiple_is_within_its_two_digits_and_never_reads_1():
    # the reference: the ratio itself; two significant digits are within 5% of it, and only 1 reads "1"
    from actlab.readings import times

    assert times(1.04) == "1.04" and times(1.004) == "1.004" and times(1.0) == "1"
    for v in np.geomspace(1.0001, 990_000, 4000):  # from 995,000 on, two digits make a million: 1.0e6
        text = times(float(v))
        assert "e" not in text and text != "1", (v, text)
        assert abs(float(text.replace(",", "")) - v) <= 0.05 * v, (v, text)


def test_sci_writes_hundreds_without_an_exponent():
    for v, text in ((140.0, "140"), (380.0, "380"), (999.4, "1.0e3"), (99.6, "100"), (3e20, "3.0e20")):
        assert sci(v) == text, (v, sci(v))


def test_two_dead_layers_read_layers_5_and_6():
    layers = tuple(LayerSummary("relu", 4, 0.1) for _ in range(4)) + tuple(
        LayerSummary("relu", 4, 0.0, dead=4, saturated=4) for _ in range(2))
    r = diagnose(RunSummary(layers, 0.5, loss=0.69, chance_loss=0.693, steps=5000))
    dead = next(f for f in r.findings if f.status is Status.DEAD_LAYER)
    assert "every unit of layers 5 and 6 has derivative 0" in dead.words, dead.words


def test_no_gradient_names_the_weight_matrices_as_layers_1_and_2_and_the_output_layer():
    layers = (LayerSummary("tanh", 4, 0.0), LayerSummary("tanh", 2, 0.0))
    r = diagnose(RunSummary(layers, 0.0, loss=0.9, chance_loss=0.5, steps=5000))
    assert "the weight matrices of layers 1 and 2 and the output layer" in r.words, r.words


def test_the_near_zero_output_words_use_the_pages_notation():
    # layer 1's dW ratio over an output dW near 0 (its inputs near 0): the words point at the dL/dz column
    layers = (LayerSummary("tanh", 4, 1e-4, signal_norm=0.005),)
    r = diagnose(RunSummary(layers, 1e-9, output_signal_norm=0.01))
    assert "‖dL/dW‖ ratios" in r.words and "‖dW‖" not in r.words, r.words
