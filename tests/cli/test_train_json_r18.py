"""R18 finding 4 (the part in actlab train's own words): `actlab train --json` writes a top-level "status" ("ok", or
"diverged" where the engine stopped at a NaN) beside diagnosis.status, the verdict; a reader took the first for the
verdict. The help says which is which, as the README does; the reference is the JSON of a run blown up to a finite
loss far above chance, whose two fields differ."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from actlab.cli import app

runner = CliRunner()


def test_the_json_help_names_the_verdict_and_what_the_top_level_status_says():
    res = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    text = re.sub(r"[│\s]+", " ", res.stdout)
    assert ("the verdict is diagnosis.status; the top-level status says only whether the run stopped at a NaN "
            "(diverged) or its loss is a number (finite)") in text


def test_a_finite_blow_up_has_the_two_fields_the_help_describes():
    res = runner.invoke(app, ["train", "--activation", "elu", "--lr", "10", "--optimizer", "momentum", "--loss",
                              "cross-entropy", "--epochs", "30", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["train_loss"] > 1e3 * out["chance_loss"] and out["diverged_at_step"] is None
    assert out["status"] == "finite" and out["diagnosis"]["status"] == "diverged"
