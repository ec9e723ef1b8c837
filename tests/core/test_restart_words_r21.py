"""R21 item 4: the core's divergence message said "press reset" on every face; the lab's button is "Reset", and a
notebook and a terminal have none. Each face's stop message says what its user can do (StopRule.restart): the
Python API builds a new trainer, `actlab train` runs again, the playground presses Reset. The reference is the run
itself: a linear 8,8 net under cross-entropy at lr 3 overflows (the engine's diverged_at_step says so first).
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from actlab.cli import app
from actlab.cli.train import RESTART as CLI_RESTART
from actlab.reading_record import PLAYGROUND_RESTART
from actlab.session import RunConfig, build_trainer
from actlab.training import RESTART, StopRule

runner = CliRunner()
# a linear 8,8 net under cross-entropy at lr 3 overflows within its first epochs (tests/core/test_restart_words...)
BLOW_UP = RunConfig(layers=(8, 8), activations=("linear",), loss="cross-entropy", lr=3.0, weight_seed=5)


def _diverged_frame(restart: str | None = None):
    t = build_trainer(BLOW_UP)
    if restart is not None:
        t.restart = restart
    frames = list(t.frames(50))
    assert t.diverged_at_step is not None and frames[-1].diverged_at_step == t.diverged_at_step
    return t, frames[-1]


# --- item 4: what a diverged run tells its user to do -----------------------------------------------------------

def test_the_python_api_stop_message_names_no_button():
    t, last = _diverged_frame()
    stop = StopRule(restart=t.restart).check(last)
    assert stop.reason == "diverged" and f"Diverged at step {t.diverged_at_step:,}" in stop.message
    assert stop.message.endswith(f"Lower the learning rate, then {RESTART}.") and "reset" not in stop.message.lower()


def test_the_trainers_own_rule_says_its_faces_words():
    t, last = _diverged_frame(CLI_RESTART)
    rule_words = StopRule(restart=t.restart).check(last).message
    assert CLI_RESTART in rule_words and "reset" not in rule_words.lower()
    assert CLI_RESTART in last.diagnosis.remedy  # the remedy and the stop message agree


def test_the_playground_names_its_button_as_it_is_labelled(tmp_path):
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app

    assert PLAYGROUND_RESTART == "press Reset"
    app_ = create_app(db_path=tmp_path / "p.sqlite3", max_sessions=2, allow_hosts=("testserver",))
    with TestClient(app_) as client, client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"dataset": "circle", "activations": ["linear"],
                                                            "loss": "cross-entropy", "lr": 10, "layers": [8, 8],
                                                            "n_points": 100}}))
        assert json.loads(ws.receive_text())["type"] == "ready"
        ws.receive_bytes()
        ws.send_text(json.dumps({"type": "set", "epochs_per_frame": 10}))
        ws.send_text(json.dumps({"type": "play"}))
        while True:
            msg = ws.receive()
            if msg.get("text"):
                stopped = json.loads(msg["text"])
                break
        assert stopped["reason"] == "diverged"
        assert stopped["message"].endswith("Lower the learning rate, then press Reset."), stopped["message"]
        assert "press reset" not in stopped["message"]


def test_the_cli_says_to_run_the_command_again():
    res = runner.invoke(app, ["train", "--layers", "8,8", "--activation", "linear", "--loss", "cross-entropy",
                              "--lr", "3", "--epochs", "50", "--n-points", "200"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "Diverged at step" in text and "run actlab train again" in text and "reset" not in text.lower()
