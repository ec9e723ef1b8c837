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
