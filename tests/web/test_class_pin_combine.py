"""A class's pins combined with a learner's own settings: the link a learner's /playground is sent to fits the pins
(one pinned activation serves any layer count; activations pinned one per layer cut or extend the learner's
layers, and say so), a refusal by the pins carries the values they require so a page can take them, the refusal's
words show values as a person writes them, and run controls may come before the first run."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from actlab.classroom import PinnedError, Pins, merge_playground, read_link, shown_value
from actlab.errors import ConfigError
from web.test_class_playground import error, joined, lab, ready, send, teacher_for  # noqa: F401  (lab: a fixture)


def saved_class(lab, playground: dict):  # noqa: F811
    """A learner of a class whose teacher saved ``playground``."""
    location, klass, token = lab
    res = teacher_for(location, token).put("/api/class/teacher/playground", json=playground)
    assert res.status_code == 200, res.text
    return joined(location, klass.code, "Ana")


def redirect(learner, path: str) -> dict:
    res = learner.get(path, follow_redirects=False)
    assert res.status_code == 303, res.text
    return {k: v[0] for k, v in parse_qs(urlsplit(res.headers["location"]).query).items()}


SAME = {"config": {"activations": ["relu", "relu"]}, "pinned": ["activations"]}
PER_LAYER = {"config": {"activations": ["relu", "tanh"]}, "pinned": ["activations"]}


def test_one_activation_pinned_for_every_layer_keeps_the_learners_three_layers(lab):  # noqa: F811
    q = redirect(saved_class(lab, SAME), "/playground?layers=8,8,8")
    assert (q["layers"], q["activations"]) == ("8,8,8", "relu")
    assert "pinned_overrides" not in q  # nothing of the learner's was replaced


def test_activations_pinned_per_layer_fit_the_learners_layers_to_their_count_and_say_so(lab):  # noqa: F811
    ana = saved_class(lab, PER_LAYER)
    q = redirect(ana, "/playground?layers=8,6,4")
    assert (q["layers"], q["activations"], q["pinned_overrides"]) == ("8,6", "relu,tanh", "layers")
    q = redirect(ana, "/playground?layers=5")
    assert q["layers"] == "5,5"  # too few: the last width repeated


def test_a_learners_run_with_one_pinned_activation_and_three_layers_starts(lab):  # noqa: F811
    ana = saved_class(lab, SAME)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"layers": [8, 8, 8], "activations": ["relu"]}})
        cfg = ready(ws)["config"]
    assert cfg["layers"] == [8, 8, 8] and cfg["activations"] == ["relu"]


def test_a_refusal_by_the_pins_carries_the_value_they_require_in_plain_words(lab):  # noqa: F811
    ana = saved_class(lab, {"config": {"features": ["x1", "x2", "x1x2"], "lr": 0.1}, "pinned": ["features", "lr"]})
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"features": ["x1", "sin_x1"]}})
        err = error(ws)
        assert err["field"] == "features" and err["fix"] == {"features": ["x1", "x2", "x1x2"]}
        assert "pinned by your teacher at x1, x2, x1x2 for this class; x1, sin_x1 was refused" in err["message"]
        send(ws, {"type": "init", "config": err["fix"]})  # what a page does with it: the run starts
        assert ready(ws)["pins"] == {"features": ["x1", "x2", "x1x2"], "lr": 0.1}


def test_a_layer_count_the_per_layer_pins_refuse_carries_the_fitted_layers(lab):  # noqa: F811
    ana = saved_class(lab, PER_LAYER)
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "init", "config": {"layers": [8, 6, 4], "activations": ["relu", "tanh"]}})
        err = error(ws)
        assert err["field"] == "layers" and err["fix"] == {"layers": [8, 6]}
        send(ws, {"type": "init", "config": {"layers": [8, 6], "activations": ["relu", "tanh"]}})
        assert ready(ws)["config"]["layers"] == [8, 6]


def test_run_controls_may_come_before_the_first_run_and_play_before_it_is_refused_by_name(lab):  # noqa: F811
    ana = saved_class(lab, {"config": {"lr": 0.1}, "pinned": ["lr"]})
    with ana.websocket_connect("/ws/playground") as ws:
        send(ws, {"type": "play"})
        err = error(ws)
        assert err["field"] == "type"
        assert err["message"] == "send 'init' with a config first: there is no run to play yet"
        send(ws, {"type": "set", "epochs_per_frame": 3, "stop_epoch": None})  # a page sends these with its init
        send(ws, {"type": "init", "config": {}})
        ready(ws)  # no error came before it: the 'set' was taken
        send(ws, {"type": "bogus"})
        assert "unknown message type" in error(ws)["message"]


@pytest.mark.parametrize(("value", "words"), [
    (["relu", {"name": "leaky_relu", "params": {"negative_slope": 0.1}}], "relu, leaky_relu(negative_slope=0.1)"),
    ([4, 2], "4, 2"), (0.1, "0.1"), (None, "none"), ("xor", "xor"), ([], "none"), (True, "on")])
def test_a_value_is_shown_as_a_person_writes_it(value, words):
    assert shown_value(value) == words


def test_the_teachers_change_lines_show_values_in_plain_words():
    _, changes = merge_playground({"config": {"layers": [4, 2]}, "pinned": []}, {"layers": [8, 8, 8]}, ["layers"])
    assert changes == ["layers: 4, 2 -> 8, 8, 8", "pinned: layers"]


def test_a_pinned_control_refusal_carries_its_value():
    with pytest.raises(PinnedError) as caught:
        Pins({"epochs_per_frame": 5}).check_controls({"epochs_per_frame": 1})
    assert caught.value.fix == {"epochs_per_frame": 5} and caught.value.field == "epochs_per_frame"


# -- a link's setting names: the page's and the run's both read, nothing dropped silently -----------------------

@pytest.mark.parametrize(("query", "config"), [
    ("speed=5&batch=20&train=80", {"epochs_per_frame": 5, "batch_size": 20, "train_fraction": 0.8}),
    ("epochs_per_frame=5&batch_size=20&train_fraction=0.8", {"epochs_per_frame": 5, "batch_size": 20,
                                                               "train_fraction": 0.8}),
    ("stop_epoch=50&target_loss=0.05", {"stop_epoch": 50, "target_loss": 0.05}),
    ("n_points=200&weight_seed=3", {"n_points": 200, "weight_seed": 3}),
])
def test_a_link_is_read_under_the_pages_names_and_the_runs_own(query, config):
    assert read_link("/playground?" + query).config == config


def test_a_key_read_under_the_runs_name_or_not_saved_is_said():
    read = read_link("http://127.0.0.1:8000/playground?epochs_per_frame=5&hide=lr&lr=0.1")
    assert read.config == {"epochs_per_frame": 5, "lr": 0.1}
    assert read.notes == ("epochs_per_frame=5: read as epochs_per_frame (the page's link calls it speed)",
                          "hide=lr: how the page looks, not a run setting; not saved for the class")


@pytest.mark.parametrize(("query", "field", "words"), [
    ("epoch_per_frame=5", "epoch_per_frame", "is not a playground setting"),
    ("speed=2&epochs_per_frame=5", "epochs_per_frame", "gives epochs_per_frame twice (speed and epochs_per_frame)"),
    ("train=0.8", "train_fraction", "is not a value the playground writes"),
])
def test_a_link_key_that_cannot_be_read_is_refused_by_name(query, field, words):
    with pytest.raises(ConfigError) as caught:
        read_link(query)
    assert caught.value.field == field and words in caught.value.message


def test_the_teacher_saves_a_link_with_the_runs_names_and_is_told_how_it_was_read(lab):  # noqa: F811
    location, _, token = lab
    res = teacher_for(location, token).put("/api/class/teacher/playground", json={
        "link": "/playground?epochs_per_frame=5&batch_size=20&train_fraction=0.8", "pinned": ["epochs_per_frame"]})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["config"] == {"epochs_per_frame": 5, "batch_size": 20, "train_fraction": 0.8}
    assert len(body["link_notes"]) == 3 and "the page's link calls it speed" in body["link_notes"][0]
    bad = teacher_for(location, token).put("/api/class/teacher/playground", json={"link": "/playground?sped=5"})
    assert bad.status_code == 422 and "sped" in bad.text


def test_a_class_speed_the_learners_page_cannot_show_is_refused_at_save(lab):  # noqa: F811
    """A walkthrough saved epochs_per_frame=3 from a link: the save passed, every learner's page then called it
    "beyond the playground's control" and fell back to 1, which the pin refused."""
    location, _, token = lab
    res = teacher_for(location, token).put("/api/class/teacher/playground", json={
        "link": "/playground?epochs_per_frame=3", "pinned": ["epochs_per_frame"]})
    assert res.status_code == 422 and "epochs_per_frame" in res.text and "allowed: 1, 2, 5, 10, 25, 50" in res.text
