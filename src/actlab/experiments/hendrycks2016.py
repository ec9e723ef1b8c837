"""GELU trains to a lower loss than ReLU (Hendrycks & Gimpel, 2016, "Gaussian Error Linear Units"), on digits.

The paper's MNIST classifier, scaled to digits: 64 -> 8 x 128 -> 10 on standardised inputs, the "unit-norm"
initialisation (each unit's incoming weights normal, scaled to norm 1), biases 0, Adam with batch 128 for 50
epochs, GELU in its tanh form and Swish = x sigma(x), ReLU and tanh beside them; the metric is the full training
set's log-loss after each epoch. Three settings: (a) lr 1e-3, (b) lr 1e-4, (c) lr 1e-3 with dropout 0.5.

Asserted: without dropout, GELU's final training loss is below ReLU's in every seed (paired by seed: the same
initial draw and batches). Shown and not asserted: early in training GELU does not lead (tanh does at epochs
5-10), the epoch from which GELU stays below ReLU, and with dropout 0.5 the ranking changes. At lr 1e-4 the issue
measured GELU lower in 5 of 5 seeds; here GELU passes ReLU only near epoch 40 of 50 (seeds 0-4 before the full
run: epochs 40, never, 40, 40, never; final gaps +0.0054, -0.0013, +0.0043, +0.0063, -0.0004), so the claim does
not hold in every seed at that rate. This is not the engine: the same configuration in PyTorch (bench/
torch_reference.py gelu --seeds 10: unit-norm weights, biases 0, Adam's defaults, reshuffled batches of 128) gives
GELU the engine's curve (mean loss 1.887 / 0.119 / 0.0136 at epochs 10 / 30 / 50 over seeds 0-9, against 1.876 /
0.118 / 0.0127 here over seeds 0-4) and ends GELU below ReLU in 8 of 10 seeds (gaps -0.0016 to +0.0038; 7 of 10
with nn.Linear's default biases). With eight seeds in ten, five of five comes up about a third of the time
(0.8^5 = 0.33): the issue's 5 of 5 was such a draw. The advantage appears only late in training, so this claim has
no quick version; `--quick` shows the stored record of the last full run.

The nets run in float32: the registry's float64 tanh-form GELU is the accurate, compensated one, seven times
slower than its float32 kernel, and a training loss does not need its last digits.

Run matrix: 4 activations x 3 settings x 5 seeds (0-4) x 50 epochs (8 steps each), the training loss read at
13 of the epochs.
Budget: 2-2.5 s a run uncontended, 60 runs: about 2.5 minutes; up to 3 times that on a loaded 2-core machine.
"""

from __future__ import annotations

import numpy as np

from ..network import MLP, NetworkConfig, forward_with_dropout
from ..optim import OptimConfig, Optimizer
from ._fit import log_loss
from .digits import load_digits
from .reproduction import Progress, Reproduction, Series, asserted, no_progress, shown

ACTIVATIONS = ("gelu_tanh", "silu", "relu", "tanh")
SETTINGS = {"a": (1e-3, 0.0), "b": (1e-4, 0.0), "c": (1e-3, 0.5)}  # name -> (lr, dropout)
EPOCHS, HIDDEN = 50, (128,) * 8
RECORD = (0, 1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 40, 50)  # the epochs whose training loss the full run reads


def train_run(activation: str, lr: float, dropout: float, seed: int, epochs: int = EPOCHS,
              record: tuple[int, ...] | None = None) -> list[float]:
    """The full training loss at each epoch in ``record`` (0 = before training; every epoch when None).

    Reading the whole training set costs as much as an epoch of training, so the full run reads it at RECORD only.
    """
    data = load_digits("standard")
    cfg = NetworkConfig(64, HIDDEN, (activation,), "softmax", 10, init="unit_norm", dtype="float32")
    net = MLP.create(cfg, np.random.default_rng([seed, 0]))
    rng = np.random.default_rng([seed, 1])
    opt = Optimizer(OptimConfig("adam", lr=lr), net)
    wanted = set(range(epochs + 1) if record is None else record)
    x, y, n = data.x_train, data.y_train, len(data.x_train)
    losses = [log_loss(net, x, y)] if 0 in wanted else []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for start in range(0, n, 128):
            idx = order[start:start + 128]
            if dropout > 0:
                _, trace = forward_with_dropout(net, x[idx], dropout, rng)
            else:
                _, trace = net.forward(x[idx])
            opt.step(net, net.backward(trace, y[idx]))
        if epoch in wanted:
            losses.append(log_loss(net, x, y))
    return losses


def overtaking_epoch(below: np.ndarray) -> int:
    """The first recorded epoch from which ``below`` (one bool per RECORD epoch) holds to the end; EPOCHS + 1
    when it does not hold at the end."""
    if not below[-1]:
        return EPOCHS + 1
    i = len(below) - 1
    while i > 0 and below[i - 1]:
        i -= 1
    return RECORD[i]


def _overtakes(setting: str, lr: float, epochs: list[int]):
    """When GELU's loss goes below ReLU's for good: the mean epoch over the seeds where it does, and how many seeds
    never do by the last epoch (an epoch number standing for "never" would drag a mean up, so it is not averaged)."""
    passed = [e for e in epochs if e <= EPOCHS]
    never = len(epochs) - len(passed)
    per_seed = ", ".join(str(e) if e <= EPOCHS else "never" for e in epochs)
    note = f"per seed: {per_seed}; the loss is read at epochs {', '.join(map(str, RECORD))}"
    if not passed:
        return shown(f"overtakes_{setting}", f"({setting}) lr {lr:g}: seeds in which GELU's training loss goes below "
                     f"ReLU's and stays there by epoch {EPOCHS}: none", "", 0, fmt=".0f", note=note,
                     n_words=f"0 of {len(epochs)} seeds")
    what = (f"({setting}) lr {lr:g}: the epoch from which GELU's training loss stays below ReLU's, in the "
            f"{len(passed)} of {len(epochs)} seeds where it does")
    if never:
        what += f" (in {never}, GELU is still above ReLU at epoch {EPOCHS}; they are left out of the mean)"
    return shown(f"overtakes_{setting}", what, "", passed, fmt=".0f", note=note,
                 n_words=f"{len(passed)} of {len(epochs)} seeds")


def reproduce_hendrycks2016(quick: bool = False, seeds: int | None = None,
                            on_step: Progress = no_progress) -> Reproduction:
    n_seeds = seeds or 5
    total = len(ACTIVATIONS) * len(SETTINGS) * n_seeds
    done = 0
    curves: dict[tuple[str, str], np.ndarray] = {}
    for setting, (lr, dropout) in SETTINGS.items():
        for act in ACTIVATIONS:
            runs = []
            for seed in range(n_seeds):
                on_step(done, total, f"({setting}) {act}, lr {lr:g}, dropout {dropout:g}, seed {seed}")
                done += 1
                runs.append(train_run(act, lr, dropout, seed, record=RECORD))
            curves[setting, act] = np.asarray(runs)  # (seeds, epochs + 1)
    findings = []
    for setting in ("a", "b"):
        lr = SETTINGS[setting][0]
        gap = curves[setting, "relu"][:, -1] - curves[setting, "gelu_tanh"][:, -1]
        findings.append(asserted(
            f"gelu_below_relu_{setting}", f"({setting}) lr {lr:g}, no dropout: ReLU's final training loss minus "
            "GELU's, paired by seed", "GELU lowest (MNIST, Figure 3)", gap, "above 0 in every seed",
            bool(np.all(gap > 0)), fmt=".2e", bounds=(0.0, None),
            note=f"{int(np.sum(gap > 0))} of {gap.size} seeds; GELU {np.mean(curves[setting, 'gelu_tanh'][:, -1]):.3g}"
                 f", ReLU {np.mean(curves[setting, 'relu'][:, -1]):.3g}, SiLU "
                 f"{np.mean(curves[setting, 'silu'][:, -1]):.3g}, tanh {np.mean(curves[setting, 'tanh'][:, -1]):.3g}"
                 + ("" if np.all(gap > 0) or setting != "b" else
                    "; the gap is smaller than its spread from seed to seed: the same configuration in PyTorch "
                    "ends GELU below ReLU in 8 of 10 seeds, so 'every seed' does not hold there either")))
        below = curves[setting, "gelu_tanh"] < curves[setting, "relu"]  # (seeds, recorded epochs)
        findings.append(_overtakes(setting, lr, [overtaking_epoch(b) for b in below]))
    for setting in ("a", "b"):
        for epoch in (5, 10):
            means = {act: float(np.mean(curves[setting, act][:, RECORD.index(epoch)])) for act in ACTIVATIONS}
            best = min(means, key=means.get)
            findings.append(shown(
                f"early_{setting}_{epoch}", f"({setting}) epoch {epoch}: the lowest mean training loss is {best}'s "
                f"(GELU's is {means['gelu_tanh']:.3g})", "GELU lowest throughout", means[best], fmt=".3g",
                n_words=f"mean of {n_seeds} seeds" if n_seeds > 1 else "1 seed"))
    final_c = {act: curves["c", act][:, -1] for act in ACTIVATIONS}
    best_c = min(final_c, key=lambda a: float(np.mean(final_c[a])))
    findings.append(shown(
        "dropout_best", f"(c) dropout 0.5: the lowest final training loss is {best_c}'s", "GELU lowest",
        final_c[best_c], fmt=".3g",
        note=", ".join(f"{a} {np.mean(v):.3g}" for a, v in final_c.items())))
    x = list(RECORD)
    series = [Series(f"({s}) lr {SETTINGS[s][0]:g}, dropout {SETTINGS[s][1]:g}", act, x,
                     np.mean(curves[s, act], axis=0).tolist(), log_y=True)
              for s in SETTINGS for act in ACTIVATIONS]
    on_step(total, total, "done")
    return Reproduction(
        "hendrycks2016", "Hendrycks & Gimpel, 2016, Gaussian Error Linear Units (GELUs)",
        "An 8-layer classifier with GELU reaches a lower training loss than with ReLU.", findings, quick, n_seeds,
        f"4 activations x 3 settings x {n_seeds} seeds x {EPOCHS} epochs", explanation=(
            "GELU passes a little gradient for negative inputs and has no kink, so units that ReLU would switch off "
            "keep learning, which pays off once training has run long enough to need them. Early on, a bounded "
            "tanh net can move faster. At lr 1e-4, 50 epochs are 400 small steps: GELU's loss falls more slowly "
            "at first and passes ReLU's only in the last epochs, so which of the two ends lower differs from seed "
            "to seed (the rows on the epoch from which GELU stays below ReLU give it seed by seed). Dropout "
            "changes which units are present at each step, and how each activation copes with that is its own "
            "question: the paper's dropout result did not carry over here, so it is shown, not claimed."),
        series=series)
