"""A class learner's /playground link written with the run's own names (batch_size=5, train_fraction=0.6, as a
class link may be written; read_link reads both): the server's redirect treats them as the page's keys (batch=5,
train=60): the pins replace them and pinned_overrides names them, an unpinned one is not overwritten by the class's
starting value, and a value the pins replaced travels in pinned_own (the page's key and text) so the page can offer
it back when the teacher unpins."""

from __future__ import annotations

import itertools

from web.test_class_pin_combine import redirect
from web.test_class_playground import joined, lab, teacher_for  # noqa: F401  (lab: a fixture)

_names = itertools.count(1)


def saved_class(lab, playground: dict):  # noqa: F811
    """A new learner of a class whose teacher saved ``playground`` (a name of its own, so a test may ask twice)."""
    location, klass, token = lab
    res = teacher_for(location, token).put("/api/class/teacher/playground", json=playground)
    assert res.status_code == 200, res.text
    return joined(location, klass.code, f"learner {next(_names)}")


def test_a_pinned_batch_size_written_under_the_runs_name_is_replaced_and_named(lab):  # noqa: F811
    ana = saved_class(lab, {"config": {"batch_size": 10}, "pinned": ["batch_size"]})
    q = redirect(ana, "/playground?batch_size=5")
    assert q["batch"] == "10" and "batch_size" not in q
    assert q["pinned_overrides"] == "batch_size"
    assert q["pinned_own"] == "batch:5"  # the learner's own value, under the page's key
    # the pinned value itself under the run's name: nothing replaced, nothing to carry
    q = redirect(ana, "/playground?batch_size=10")
    assert q["batch"] == "10" and "batch_size" not in q and "pinned_overrides" not in q and "pinned_own" not in q


def test_a_training_share_is_compared_in_the_pages_percent(lab):  # noqa: F811
    ana = saved_class(lab, {"config": {"train_fraction": 0.6}, "pinned": ["train_fraction"]})
    q = redirect(ana, "/playground?train_fraction=0.6&seed=3")
    assert q["train"] == "60" and "train_fraction" not in q and "pinned_overrides" not in q
    q = redirect(ana, "/playground?train_fraction=0.8")
    assert (q["train"], q["pinned_overrides"], q["pinned_own"]) == ("60", "train_fraction", "train:80")


def test_an_unpinned_setting_under_the_runs_name_keeps_the_learners_value(lab):  # noqa: F811
    # the class starts batches at 10 without pinning them: the learner's batch_size=5 wins, as batch=5 does
    ana = saved_class(lab, {"config": {"batch_size": 10, "lr": 0.1}, "pinned": ["lr"]})
    q = redirect(ana, "/playground?batch_size=5")
    assert q["batch"] == "5" and "batch_size" not in q and "pinned_overrides" not in q
    assert redirect(ana, "/playground?batch=5")["batch"] == "5"


def test_both_names_with_different_values_are_left_for_the_page_to_name(lab):  # noqa: F811
    ana = saved_class(lab, {"config": {"batch_size": 10, "lr": 0.1}, "pinned": ["lr"]})
    q = redirect(ana, "/playground?batch=20&batch_size=5")
    assert (q["batch"], q["batch_size"]) == ("20", "5")  # the page says the address gives batch twice
    q = redirect(ana, "/playground?batch=5&batch_size=5")
    assert q["batch"] == "5" and "batch_size" not in q  # the same value twice: one is enough
    # pinned, both are replaced by the pin, and the page's own key's value is the one carried
    ana = saved_class(lab, {"config": {"batch_size": 10}, "pinned": ["batch_size"]})
    q = redirect(ana, "/playground?batch=20&batch_size=5")
    assert q["batch"] == "10" and "batch_size" not in q and q["pinned_own"] == "batch:20"


def test_a_run_name_whose_value_is_not_a_number_stays_for_the_page_to_name(lab):  # noqa: F811
    ana = saved_class(lab, {"config": {"batch_size": 10, "lr": 0.1}, "pinned": ["lr"]})
    q = redirect(ana, "/playground?batch_size=many")
    assert q["batch_size"] == "many" and "batch" not in q  # not the class's 10 beside it: one setting, given once
    ana = saved_class(lab, {"config": {"batch_size": 10}, "pinned": ["batch_size"]})
    q = redirect(ana, "/playground?batch_size=many")
    assert q["batch"] == "10" and "batch_size" not in q and q["pinned_overrides"] == "batch_size"
    assert "pinned_own" not in q  # nothing usable to give back


def test_values_the_pins_replaced_travel_with_the_link(lab):  # noqa: F811
    pins = {"config": {"activations": ["relu", "tanh"], "lr": 0.1}, "pinned": ["activations", "lr"]}
    q = redirect(saved_class(lab, pins), "/playground?layers=8,8,8&activations=leaky_relu(negative_slope=0.2)&lr=0.03")
    assert (q["layers"], q["activations"], q["lr"]) == ("8,8", "relu,tanh", "0.1")
    own = dict(part.split(":", 1) for part in q["pinned_own"].split(";"))
    assert own == {"layers": "8,8,8", "activations": "leaky_relu(negative_slope=0.2)", "lr": "0.03"}
    # nothing of the learner's replaced: nothing carried
    q = redirect(saved_class(lab, pins), "/playground?layers=8,8&seed=2")
    assert "pinned_own" not in q and "pinned_overrides" not in q


def test_a_run_name_with_nan_or_inf_does_not_break_the_redirect(lab):  # noqa: F811
    ana = saved_class(lab, {"config": {"train_fraction": 0.6}, "pinned": ["train_fraction"]})
    for text in ("nan", "inf"):
        q = redirect(ana, f"/playground?train_fraction={text}")
        assert q["train"] == "60" and q["pinned_overrides"] == "train_fraction" and "pinned_own" not in q


def test_a_link_copied_with_the_learners_replaced_values_is_read_without_them():
    """A teacher may copy a learner's address while it still holds pinned_own (the values the pins replaced, kept
    for the page only): the link is read, and that key is named as the page's, not saved for the class."""
    from actlab.classroom import read_link

    read = read_link("/playground?batch=5&pinned_overrides=layers&pinned_own=layers:8,8,8")
    assert read.config == {"batch_size": 5}
    assert any(note.startswith("pinned_own=layers:8,8,8: how the page looks") for note in read.notes)
