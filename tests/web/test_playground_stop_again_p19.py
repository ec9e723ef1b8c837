# ruff: noqa: F811  (lab: the fixture imported from test_class_playground, named by the class test)
"""A Play on a run whose stop rule already holds (at or past its stop epoch, or its loss at or below the target loss)
trains nothing and says so, naming the setting to change; before P19 it trained one more epoch per press and stopped
again with "Stopped at epoch 21.", which never said that the stop epoch was what stopped it. Through the real app's
WebSocket; the losses compared are the run's own frames'."""

from __future__ import annotations

import json

from actlab.playground import frame_header
from web.test_class_playground import joined, lab, teacher_for  # noqa: F401  (lab: a fixture)
from web.test_playground_ws import init, play_until_stopped


def _send(ws, **msg) -> None:
    ws.send_text(json.dumps(msg))


def _next_text(ws) -> tuple[list[dict], dict]:
    """(the frames' headers that came first, the next text message)."""
    frames = []
    while True:
        msg = ws.receive()
        if msg.get("text"):
            return frames, json.loads(msg["text"])
        frames.append(frame_header(msg["bytes"]))


def test_play_at_the_stop_epoch_trains_nothing_and_names_the_setting(client):
    with client.websocket_connect("/ws/playground") as ws:
        init(ws, n_points=100)
        _send(ws, type="set", epochs_per_frame=4, stop_epoch=10)
        _send(ws, type="play")
        last, stopped = play_until_stopped(ws)
        assert last["epoch"] == 10 and stopped["reason"] == "epochs" and stopped["again"] is False
        # the first stop says what holds the run there and what to change
        assert stopped["message"] == ("Stopped at epoch 10. To train on, raise the stop epoch or clear it, then press "
                                      "Play.")
        for _ in range(2):  # each press: no frame, the same answer
            _send(ws, type="play")
            frames, again = _next_text(ws)
            assert frames == [] and again["type"] == "stopped" and again["again"] is True
            assert again["message"] == ("Nothing trained: the run is at epoch 10, at its stop epoch (10). To train on, "
                                        "raise the stop epoch or clear it, then press Play.")
        _send(ws, type="step")  # the run is still at epoch 10: one minibatch (of 5 an epoch) after its 50
        assert frame_header(ws.receive_bytes())["step"] == 51
        _send(ws, type="set", stop_epoch=20)  # raised: Play trains on, to the new stop epoch
        _send(ws, type="play")
        last, stopped = play_until_stopped(ws)
        assert last["epoch"] == 20 and stopped["again"] is False


def test_a_stop_epoch_lowered_below_the_run_says_past(client):
    with client.websocket_connect("/ws/playground") as ws:
        init(ws, n_points=100)
        _send(ws, type="set", epochs_per_frame=5, stop_epoch=10)
        _send(ws, type="play")
        play_until_stopped(ws)
        _send(ws, type="set", stop_epoch=3)
        _send(ws, type="play")
        frames, again = _next_text(ws)
        assert frames == [] and "at epoch 10, past its stop epoch (3)" in again["message"]
        _send(ws, type="set", stop_epoch=None)  # cleared: no rule, Play trains
        _send(ws, type="play")
        assert frame_header(ws.receive_bytes())["epoch"] == 15
        _send(ws, type="pause")


def test_play_with_the_target_loss_already_met_trains_nothing(client):
    with client.websocket_connect("/ws/playground") as ws:
        _, first = init(ws, n_points=100)
        # a target above the untrained run's test loss: met before any training
        target = round(first["test_loss"] + 0.05, 2)
        _send(ws, type="set", target_loss=target)
        _send(ws, type="play")
        frames, again = _next_text(ws)
        assert frames == [] and again["reason"] == "target" and again["again"] is True
        assert again["message"] == (f"Nothing trained: the test loss, {first['test_loss']:.4f}, is at or below the "
                                    f"target loss ({target:g}). To train on, lower the target loss or clear it, then "
                                    "press Play.")
        _send(ws, type="step")
        assert frame_header(ws.receive_bytes())["step"] == 1  # nothing had trained before the step
        _send(ws, type="set", target_loss=0.0)  # a target no run reaches here: Play trains
        _send(ws, type="play")
        assert frame_header(ws.receive_bytes())["epoch"] == 1
        _send(ws, type="pause")


def test_a_target_met_while_playing_says_what_to_change(client):
    with client.websocket_connect("/ws/playground") as ws:
        _, first = init(ws, n_points=100, lr=0.3)
        target = round(first["test_loss"] - 0.02, 3)  # a little below the start: met after a few epochs
        _send(ws, type="set", target_loss=target)
        _send(ws, type="play")
        last, stopped = play_until_stopped(ws)
        assert stopped["reason"] == "target" and stopped["again"] is False and last["test_loss"] <= target
        assert stopped["message"].endswith(" To train on, lower the target loss or clear it, then press Play.")
        assert f"Test loss {last['test_loss']:.4f} reached the target {target:g}" in stopped["message"]


def test_a_diverged_run_refuses_play_with_its_own_remedy(client):
    with client.websocket_connect("/ws/playground") as ws:  # a linear net at lr 10 overflows in its first epochs
        init(ws, dataset="circle", activations=["linear"], loss="cross-entropy", lr=10, layers=[8, 8], n_points=100)
        _send(ws, type="set", epochs_per_frame=10)
        _send(ws, type="play")
        last, stopped = play_until_stopped(ws)
        assert stopped["reason"] == "diverged" and last["status"] == "diverged"
        assert "Lower the learning rate" in stopped["message"]
        for kind in ("play", "step"):  # a Step sent the same frame again and said nothing
            _send(ws, type=kind)
            frames, again = _next_text(ws)
            assert frames == [] and again["reason"] == "diverged" and again["again"] is True
            assert again["message"] == (f"Nothing trained: this run diverged at step {last['diverged_at_step']:,} (its "
                                        "loss became NaN or infinite) and cannot train on. Lower the learning rate, "
                                        "then press Reset for a new run.")


def test_a_pinned_stop_epoch_says_that_the_run_ends_there(lab):
    location, klass, token = lab
    teacher = teacher_for(location, token)
    res = teacher.put("/api/class/teacher/playground", json={"config": {"stop_epoch": 4, "n_points": 100},
                                                             "pinned": ["stop_epoch"]})
    assert res.status_code == 200, res.text
    ana = joined(location, klass.code, "Ana")
    with ana.websocket_connect("/ws/playground") as ws:
        init(ws, n_points=100)
        _send(ws, type="play")
        last, stopped = play_until_stopped(ws)
        assert last["epoch"] == 4
        assert stopped["message"] == ("Stopped at epoch 4. Your teacher pinned the stop epoch for the class, so this "
                                      "run ends here; Reset starts a new one.")
        _send(ws, type="play")
        frames, again = _next_text(ws)
        assert frames == [] and again["message"].startswith("Nothing trained: the run is at epoch 4, at its stop")


def test_a_stop_epoch_lowered_below_a_playing_run_stops_it_where_it_is(client):
    with client.websocket_connect("/ws/playground") as ws:
        init(ws, n_points=100)
        _send(ws, type="set", epochs_per_frame=5)
        _send(ws, type="play")
        for _ in range(3):
            ws.receive_bytes()
        _send(ws, type="set", epochs_per_frame=5, stop_epoch=2)  # below the run: it stops at the next frame
        last, stopped = play_until_stopped(ws)
        # every frame is 5 epochs: an epoch count off the fives is an epoch trained past the rule (it trained one)
        assert last["epoch"] % 5 == 0 and last["epoch"] >= 15, last["epoch"]
        assert stopped["message"] == (f"Stopped at epoch {last['epoch']}. To train on, raise the stop epoch or clear "
                                      "it, then press Play.")


def test_play_after_a_refused_first_run_is_answered_and_the_socket_lives(client):
    """The training process refused the first run (too many updates an epoch): there is no run. A Play then reached
    the run's loop and closed the socket (a KeyError on 3b5cd28, an AttributeError on 1a19ae8)."""
    with client.websocket_connect("/ws/playground") as ws:
        ws.send_text(json.dumps({"type": "init", "config": {"n_points": 20000, "batch_size": 1,
                                                            "train_fraction": 0.9}}))
        refused = json.loads(ws.receive_text())
        assert refused["field"] == "batch_size" and "18,000 updates per epoch" in refused["message"]
        for kind in ("play", "step", "export"):
            _send(ws, type=kind)
            frames, err = _next_text(ws)
            words = f"send 'init' with a config first: there is no run to {kind} yet"
            assert frames == [] and err == {"type": "error", "field": "type", "message": words}
        init(ws, n_points=100)  # the socket still takes a run
