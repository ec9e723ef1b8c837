"""actlab lab --max-sessions: the playground's session cap from the command line, checked there, carried to every
worker in the one settings record (ACTLAB_SETTINGS), and explained in --help (issue 16, brief C item 1)."""

from __future__ import annotations

import json

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from actlab.cli import app
from actlab.errors import ConfigError
from actlab.web.sessions import MAX_SESSIONS, MAX_SESSIONS_LIMIT
from actlab.web.settings import ENV_SETTINGS, LabSettings

runner = CliRunner()
# the lab's own page, at the address `actlab lab` serves by default
ORIGIN = {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:8765"}


@pytest.fixture
def served(monkeypatch):
    """The uvicorn configs `actlab lab` would serve, instead of serving them."""
    configs = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: configs.append(self.config))
    monkeypatch.setattr("actlab.cli.lab._one_blas_thread", lambda: None)  # process-wide: not in the test process
    return configs


def lab(tmp_path, *args: str):
    return runner.invoke(app, ["lab", "--no-browser", "--db", str(tmp_path / "p.sqlite3"), *args],
                         env={"COLUMNS": "200"})


def test_help_says_what_each_learner_gets_as_sessions_are_added():
    res = runner.invoke(app, ["lab", "--help"], env={"COLUMNS": "200"})
    text = " ".join(res.stdout.replace("│", " ").split())
    assert res.exit_code == 0 and "--max-sessions" in text
    for words in ("refused with 'The lab is full'", "up to 64 frames a second", "falls evenly",
                  "10 sessions about 60 frames/s each, 30 about 20, 60 about 10", "learner's own speed setting",
                  f"[default: {MAX_SESSIONS}]"):
        assert words in text, words


@pytest.mark.parametrize("value", ["0", "-3", str(MAX_SESSIONS_LIMIT + 1)])
def test_a_cap_out_of_range_is_refused_with_the_range(served, tmp_path, value):
    res = lab(tmp_path, "--max-sessions", value)
    assert res.exit_code == 2 and not served
    assert f"--max-sessions must be 1-{MAX_SESSIONS_LIMIT}" in res.stderr and f"got {value}" in res.stderr


def test_a_cap_that_is_not_a_number_is_refused(served, tmp_path):
    res = lab(tmp_path, "--max-sessions", "thirty")
    assert res.exit_code == 2 and not served and "valid integer" in res.stderr


def test_the_settings_record_refuses_a_cap_past_the_limit():
    with pytest.raises(ConfigError) as err:
        LabSettings.from_json(json.dumps({"max_sessions": MAX_SESSIONS_LIMIT + 1}))
    assert err.value.field == "max_sessions" and f"from 1 to {MAX_SESSIONS_LIMIT}" in err.value.message


def test_the_cap_holds_in_the_served_lab(served, tmp_path):
    res = lab(tmp_path, "--max-sessions", "1")
    assert res.exit_code == 0, res.stdout + res.stderr
    (config,) = served
    assert config.app.state.settings.max_sessions == 1 and config.app.state.sessions.max_sessions == 1
    with TestClient(config.app, base_url="http://127.0.0.1:8765") as client:
        with client.websocket_connect("/ws/playground", headers=ORIGIN) as first:
            first.send_text(json.dumps({"type": "ping"}))
            with client.websocket_connect("/ws/playground", headers=ORIGIN) as second:
                reply = json.loads(second.receive_text())
    assert reply["type"] == "error"
    assert reply["message"].startswith("The lab is full: 1 playground session is running.")


def test_workers_get_the_cap_through_the_settings_record(served, tmp_path, monkeypatch):
    handed = []
    monkeypatch.setattr("actlab.web.serve.run_workers", lambda workers, settings: handed.append((workers, settings)))
    res = lab(tmp_path, "--workers", "2", "--max-sessions", "7")
    assert res.exit_code == 0, res.stdout + res.stderr
    ((workers, settings),) = handed
    monkeypatch.setenv(ENV_SETTINGS, settings.to_json())  # what run_workers hands each worker
    from actlab.web.serve import app_from_env

    worker = app_from_env()
    assert workers == 2 and worker.state.sessions.max_sessions == 7
