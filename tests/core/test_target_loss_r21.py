"""R21 item 5: a negative target loss was accepted and could never be met (every loss here, mean squared error or
cross-entropy, is 0 or more). The core refuses it, naming the field and what is allowed; the API, the CLI and the
page's checks and socket all take its words. The reference: the field each refusal names and the step count (none).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actlab.cli import app
from actlab.errors import ConfigError
from actlab.options import check_control, check_settings
from actlab.session import RunConfig, build_trainer
from actlab.training import StopRule

runner = CliRunner()


# --- item 5: a target loss below 0 ------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [-1, -1e-9, -1.0])
def test_the_core_refuses_a_negative_target_naming_the_field_and_what_is_allowed(target):
    with pytest.raises(ConfigError) as err:
        StopRule(target_loss=target)
    assert err.value.field == "target_loss"
    assert "a number from 0 up, or none" in err.value.message and "never below 0" in err.value.message


def test_a_target_of_zero_is_still_allowed_and_a_trainer_refuses_a_negative_one_at_the_call():
    assert StopRule(target_loss=0).target_loss == 0 and check_control("target_loss", 0.0) == 0.0
    t = build_trainer(RunConfig(n_points=100))
    with pytest.raises(ConfigError, match="target_loss"):
        t.frames(5, target_loss=-1)
    assert t.step_count == 0  # refused before any update


def test_the_page_checks_refuse_it_under_target_loss():
    problems = check_settings({"target_loss": -1})["problems"]
    assert [p["field"] for p in problems] == ["target_loss"] and "never below 0" in problems[0]["message"]


def test_the_socket_refuses_it_and_keeps_the_old_target(tmp_path):
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app

    app_ = create_app(db_path=tmp_path / "p.sqlite3", max_sessions=2, allow_hosts=("testserver",))
    with TestClient(app_) as client, client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"n_points": 100}}))
        assert json.loads(ws.receive_text())["type"] == "ready"
        ws.receive_bytes()
        ws.send_text(json.dumps({"type": "set", "target_loss": -1}))
        reply = json.loads(ws.receive_text())
        assert reply["type"] == "error" and reply["field"] == "target_loss" and "never below 0" in reply["message"]


def test_the_cli_refuses_it_as_its_option():
    res = runner.invoke(app, ["train", "--epochs", "2", "--n-points", "100", "--target-loss", "-1"])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "--target-loss: a number from 0 up, or none" in text and "Remedy" not in text


@pytest.mark.browser
def test_the_page_says_which_field_and_what_is_allowed(page):
    from _browser import open_playground, shot

    open_playground(page)
    field = page.get_by_label("Target test loss", exact=True)
    field.fill("-1")
    field.dispatch_event("change")
    page.wait_for_function("document.getElementById('status').textContent.includes('never below 0')", timeout=30_000)
    status = page.locator("#status").text_content()
    # the field as the page labels it, what is allowed, and what the run keeps
    assert status.startswith("Target test loss: a number from 0 up, or none") and "It stays at none" in status
    shot(page, "r21-target-loss-refused", page.locator("header"))
    page.get_by_role("button", name="Step").click()  # the session goes on: one update, its old rule kept
    page.wait_for_function("document.getElementById('step').textContent.trim() !== '0'", timeout=30_000)
