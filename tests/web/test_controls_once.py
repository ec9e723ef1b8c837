"""The playground's run controls (epochs_per_frame, stop_epoch, target_loss) are checked once, by
options.check_control: a page's link (POST /api/options/check's core, check_settings), the socket's 'set' message
and a class's saved setup refuse the same value with the same words, and take the same values."""

from __future__ import annotations

import json

import pytest

from actlab import options
from actlab.classroom import ClassPlayground
from actlab.errors import ConfigError
from tests.web.test_playground_ws import init

BAD = [("epochs_per_frame", 0), ("epochs_per_frame", 51), ("epochs_per_frame", 2.5), ("epochs_per_frame", True),
       ("epochs_per_frame", "5"), ("stop_epoch", -1), ("stop_epoch", 2.5), ("stop_epoch", 1_000_001),
       ("stop_epoch", "10"), ("stop_epoch", True), ("target_loss", "x"), ("target_loss", [1])]


def core_words(name, value) -> str:
    with pytest.raises(ConfigError) as exc:
        options.check_control(name, value)
    assert exc.value.field == name
    return exc.value.message


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_control_gets_the_cores_words_from_every_interface(client, name, value):
    words = core_words(name, value)
    assert "got" in words  # what was sent is named back

    link = options.check_settings({name: value})["problems"]
    assert [(p["field"], p["message"]) for p in link] == [(name, words)]

    with pytest.raises(ConfigError) as exc:
        ClassPlayground.validate({name: value}, [])
    assert (exc.value.field, exc.value.message) == (name, words)

    with client.websocket_connect("/ws/playground") as ws:
        init(ws, n_points=60)
        ws.send_text(json.dumps({"type": "set", name: value}))
        reply = json.loads(ws.receive_text())
    assert (reply["type"], reply["field"], reply["message"]) == ("error", name, words)


@pytest.mark.parametrize(("name", "value", "used"), [
    ("epochs_per_frame", 1, 1), ("epochs_per_frame", 50, 50), ("stop_epoch", 0, None), ("stop_epoch", None, None),
    ("stop_epoch", 1_000_000, 1_000_000), ("target_loss", "", None), ("target_loss", 0, 0.0),
    ("target_loss", 0.25, 0.25)])
def test_a_good_control_is_taken_the_same_way_everywhere(name, value, used):
    assert options.check_control(name, value) == used
    assert ClassPlayground.validate({name: value}, []).config[name] == used


def test_the_link_keeps_to_the_pages_speed_steps_on_top_of_the_core_rule():
    (problem,) = options.check_settings({"epochs_per_frame": 7})["problems"]
    assert problem["field"] == "epochs_per_frame" and "beyond the playground's control" in problem["message"]
    assert options.check_control("epochs_per_frame", 7) == 7  # the socket takes any whole number up to 50
