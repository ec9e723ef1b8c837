"""R21 item 3: `actlab train --json` had a top-level "status": "ok" beside diagnosis.status, the verdict; "ok" on a
dead run read as one. Its value says what it measures now: "finite" (the loss is a number) or "diverged" (NaN or
inf: the engine stopped); the page's views test for "diverged", so they read old and new frames alike. The
reference: the loss the frame carries (math.isfinite) and the engine's diverged_at_step.
"""

from __future__ import annotations

import json
import math

from typer.testing import CliRunner

from actlab.cli import app
from actlab.session import RunConfig, build_trainer

runner = CliRunner()
# a linear 8,8 net under cross-entropy at lr 3 overflows within its first epochs (tests/core/test_restart_words...)
BLOW_UP = RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=3.0, weight_seed=5)


# --- item 3: the top-level status ----------------------------------------------------------------------------------

def test_the_json_status_says_finite_on_a_run_whose_verdict_is_not_healthy():
    """A finite blow-up: the loss is a number far above chance, so status is "finite" and the verdict diverged."""
    res = runner.invoke(app, ["train", "--activation", "elu", "--lr", "10", "--optimizer", "momentum", "--loss",
                              "cross-entropy", "--epochs", "30", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert math.isfinite(out["train_loss"]) and out["train_loss"] > 1e3 * out["chance_loss"]
    assert out["status"] == "finite" and out["diagnosis"]["status"] == "diverged"
    assert "ok" not in {out["status"], out["diagnosis"]["status"]}


def test_a_nan_run_is_diverged_at_both_levels_and_every_frame_before_it_finite():
    t = build_trainer(BLOW_UP)
    frames = list(t.frames(50))
    assert [f.status for f in frames[:-1]] == ["finite"] * (len(frames) - 1)
    assert all(math.isfinite(f.train_loss) for f in frames[:-1])
    assert frames[-1].status == "diverged" and not math.isfinite(frames[-1].train_loss)
    assert frames[-1].to_dict()["status"] == "diverged"
    healthy = list(build_trainer(RunConfig(n_points=100)).frames(2))  # a run that never blows up: finite throughout
    assert [f.to_dict()["status"] for f in healthy] == ["finite", "finite"]
