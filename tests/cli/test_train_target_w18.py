"""Issue 17 (W18 finding 8): `actlab train --target-loss` says why a run ended before its epochs.

`actlab train --target-loss 0.05` stopped at epoch 46 of 300 and printed nothing about why. The reference: the same
run's --json frame (its epoch and test loss), and a run whose target is never reached, which says nothing."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from actlab.cli import app

runner = CliRunner()


def _run(*args: str) -> str:
    res = runner.invoke(app, ["train", *args], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.output


def test_an_early_stop_at_the_target_says_so_with_the_epoch_and_the_loss():
    frame = json.loads(_run("--target-loss", "0.05", "--epochs", "300", "--json"))
    assert frame["epoch"] < 300 and frame["test_loss"] <= 0.05  # the premise: it stopped early, at the target
    text = _run("--target-loss", "0.05", "--epochs", "300")
    assert (f"Test loss {frame['test_loss']:.4f} reached the target 0.05 at epoch {frame['epoch']}, before the 300 "
            "epochs asked for (--target-loss).") in text


def test_a_target_not_reached_adds_no_line():
    frame = json.loads(_run("--target-loss", "1e-9", "--epochs", "3", "--json"))
    assert frame["epoch"] == 3 and frame["test_loss"] > 1e-9
    assert "reached the target" not in _run("--target-loss", "1e-9", "--epochs", "3")


def test_the_unscaled_inputs_remedy_says_where_a_command_line_run_scales_them(tmp_path):
    # W18 finding 5: the remedy named 'the data file for the lab' and 'a script', not `actlab train --csv`
    rng = __import__("numpy").random.default_rng(0)
    x = rng.normal(size=(200, 3)) * 1000.0
    rows = ["a,b,c,label", *(f"{p:.5f},{q:.5f},{r:.5f},{int(p + q > 0)}" for p, q, r in x)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    frame = json.loads(_run("--csv", str(path), "--layers", "8,8", "--epochs", "2", "--json"))
    rms = float((x ** 2).mean() ** 0.5)
    assert rms > 100  # the premise: the reading's limit on the inputs' root mean square
    d = frame["diagnosis"]
    assert d["status"] == "unscaled_inputs"
    assert "in the CSV file itself for the lab and for `actlab train --csv`" in d["remedy"]
