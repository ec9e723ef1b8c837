"""Issue 17 (R10, defect 2): `actlab train`'s remedies end with a step its user can take.

They ended "then reset.", the lab's Reset button, which a terminal does not have; now they say to run the command
again with the changed options. The run is the one a learner would try: a linear 8,8 network at lr 3 under
cross-entropy, which turns NaN in its first epoch. References: the frame's own numbers (--json) and the options that
`actlab train --help` lists.
"""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from actlab.cli import app

runner = CliRunner()
BLOW_UP = ["train", "--layers", "8,8", "--activation", "linear", "--lr", "3", "--loss", "cross-entropy",
           "--epochs", "5"]


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_the_remedy_of_a_blow_up_says_to_run_actlab_train_again_with_options_it_has():
    res = run(*BLOW_UP, "--json")
    assert res.exit_code == 0, res.output
    frame = json.loads(res.output)
    remedy = frame["diagnosis"]["remedy"]
    assert frame["status"] == "diverged" and "reset" not in remedy.lower()
    assert "then run actlab train again" in remedy
    options = set(re.findall(r"--[a-z-]+", run("train", "--help").output))
    named = set(re.findall(r"--[a-z-]+", remedy))
    assert named and named <= options, (named, options)


def test_the_printed_reading_names_the_updates_it_saw_and_the_command_to_run():
    res = run(*BLOW_UP)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())  # rich wraps the sentences at the terminal's width
    d = json.loads(run(*BLOW_UP, "--json").output)["diverged_at_step"]
    assert f"Diverged at step {d}:" in text
    assert f"between steps {max(1, d - 10)} and {d - 1} (each update's batch loss)" in text and "sampled" not in text
    assert "Remedy:" in text and "then run actlab train again" in text and "then reset" not in text
