"""Issue 17 (R12; W15 findings 1 and 10): what `actlab train` prints beside a reading agrees with it.

Finding 1: a reading that quotes the gradient passed back (||dL/dz|| of layer 1 over the output layer's) had no
column in the layer table that held that number; the table's "vs output" was the weight gradients' ratio. Finding 10:
a diverged run printed its loss as a dash beside a ||dW|| of "nan", and an overflowed loss as "inf" with nothing
said of it, nor of where the losses that are numbers end. References: the engine's own arrays for a trainer built
and run again from the same options (forward and backward on the training set, norms by numpy), and its own frames.
"""

from __future__ import annotations

import math
import re

import numpy as np
from typer.testing import CliRunner

from actlab.cli import app
from actlab.session import RunConfig, build_trainer

runner = CliRunner()
# a vanishing headline that quotes layer 1's signal ratio (2.9e-4) while its weights' ratio (0.011) tells otherwise:
# six ReLU layers from small normal weights, at a rate too small to move far. (It was the spiral 8,8 at lr 3 for 50
# epochs, a chaotic run that ends elsewhere on another machine's floating point: 'not learning' on an AMD EPYC.)
SPIRAL = dict(dataset="spiral", layers="8,8,8,8,8,8", activation="relu", init="normal", lr=0.01, epochs=5)
NAN_RUN = dict(dataset="circle", layers="8,8", activation="linear", loss="cross-entropy", lr=50.0, epochs=30)
INF_RUN = dict(dataset="plane", layers="8,8", activation="relu", lr=5.0, epochs=30)


def cli(opts: dict, columns: int = 200) -> str:
    args = ["train"] + [a for k, v in opts.items() for a in (f"--{k}", str(v))]
    res = runner.invoke(app, args, env={"COLUMNS": str(columns)})
    assert res.exit_code == 0, res.output
    return res.output


def engine(opts: dict):
    """The same run in the engine: its frames, and its trainer left where the CLI's stopped."""
    opts = dict(opts)
    epochs = opts.pop("epochs")
    trainer = build_trainer(RunConfig.from_cli(features="x1,x2", **opts))
    return trainer, list(trainer.frames(epochs))


def direct_grads(trainer):
    """Forward and backward on the whole training set with the weights the trainer holds."""
    with np.errstate(all="ignore"):
        _, trace = trainer.net.forward(trainer.x_train)
        return trainer.net.backward(trace, trainer.t_train)


def layer_rows(text: str) -> list[list[str]]:
    """The hidden-layer table's body rows, cell by cell."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if line.startswith("│") and cells[0].isdigit() and len(cells) == 8:
            rows.append(cells)
    return rows


def test_the_signal_ratio_a_vanishing_headline_quotes_is_layer_1s_cell_in_its_own_column():
    text = cli(SPIRAL)
    flat = " ".join(text.split())
    quoted = re.search(r"the gradient passed back to layer 1 is (\S+) of the one at the output layer", flat)
    assert quoted, flat
    assert "‖dL/dz‖ vs output" in flat or re.search(r"‖dL/dz‖\s", text), text  # the column is named
    rows = layer_rows(text)
    assert rows[0][4] == quoted.group(1) + "*", rows  # the headline's number, marked as the one it quotes
    trainer, _ = engine(SPIRAL)
    grads = direct_grads(trainer)
    signal = np.linalg.norm(grads.dz[0]) / np.linalg.norm(grads.dz[-1])
    weights = np.linalg.norm(grads.dW[0]) / np.linalg.norm(grads.dW[-1])
    second = np.linalg.norm(grads.dz[1]) / np.linalg.norm(grads.dz[-1])
    # two significant digits, as the reading writes them
    assert math.isclose(float(rows[0][4].rstrip("*")), signal, rel_tol=0.05), (rows[0], signal)
    assert math.isclose(float(rows[1][4]), second, rel_tol=0.05), (rows[1], second)
    # the weights' ratio, in its own column (R14: a headline over dead units that stop the signal quotes it too)
    assert math.isclose(float(rows[0][3].rstrip("*")), weights, rel_tol=0.05), (rows[0], weights)
    assert signal < 1e-3 < weights  # the two columns tell different things: the headline's is the signal's
    out = next(line for line in text.splitlines() if line.startswith("│  out │")).split("│")
    assert math.isclose(float(out[3]), np.linalg.norm(grads.dW[-1]), rel_tol=5e-3)  # what the ratios are over
    assert [out[4].strip(), out[5].strip()] == ["1", "1"]


def test_the_table_still_fits_80_columns_with_the_signal_column():
    text = cli(SPIRAL, columns=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "activation" in text and "saturated" in text and "…" not in text


def test_a_nan_run_prints_nan_for_its_loss_and_its_gradients_and_says_what_it_keeps():
    text = cli(NAN_RUN)
    trainer, frames = engine(NAN_RUN)
    grads = direct_grads(trainer)
    assert math.isnan(grads.loss) and np.isfinite(trainer.net.flat_parameters()).all()  # finite weights, NaN loss
    loss_row = next(line for line in text.splitlines() if line.strip("│ ").startswith("loss"))
    assert loss_row.split("│")[2].strip() == loss_row.split("│")[3].strip() == "NaN", loss_row  # was "—"
    assert all(r[2] == "NaN" for r in layer_rows(text))  # ‖dW‖ said the same way ("nan" before)
    assert not any(math.isfinite(np.linalg.norm(g)) for g in grads.dW[:-1])
    flat = " ".join(text.split())
    step = frames[-1].diverged_at_step
    assert (f"Diverged at step {step}: the tables show the weights the network keeps, its last finite ones. Their "
            "loss: train NaN, test NaN (NaN is not a number: the network's outputs overflowed)") in flat
    # it diverged inside its first epoch: no whole-set loss was ever a number, and the printout says so
    assert not any(math.isfinite(f.train_loss) for f in frames) and step < trainer.updates_per_epoch
    assert "No whole-set loss was taken before it" in flat


def test_an_overflowed_run_says_its_loss_overflowed_and_its_last_loss_that_is_a_number():
    text = cli(INF_RUN)
    trainer, frames = engine(INF_RUN)
    assert math.isinf(direct_grads(trainer).loss)  # the kept weights' loss on the training set, computed here
    last = [f for f in frames if math.isfinite(f.train_loss)][-1]
    flat = " ".join(text.split())
    assert "Their loss: train inf, test inf (inf: it overflowed past 1.8e308, the largest float64)" in flat
    said = re.search(r"The last loss that is a number \(one is taken at the end of each epoch\): epoch (\d+) "
                     r"\(step (\d+)\), train (\S+), test (\S+)\.", flat)
    assert said, flat
    assert (int(said.group(1)), int(said.group(2))) == (last.epoch, last.step)
    assert math.isclose(float(said.group(3).rstrip(",")), last.train_loss, rel_tol=1e-3)
    assert math.isclose(float(said.group(4)), last.test_loss, rel_tol=1e-3)
