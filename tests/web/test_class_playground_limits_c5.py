# ruff: noqa: F811  (lab: the fixture imported from test_class_playground, named by each test)
"""The teacher's PUT /api/class/teacher/playground refuses what the learners' playground would refuse, with the
setting, the value and the allowed range (POST /api/options/check's one check), and a setting sent beside "config"
instead of inside it (it was dropped, and the save answered 200 with nothing saved). Issue 16, walkthrough W4
item 2. Both store backends."""

from __future__ import annotations

import pytest

from web.test_class_playground import lab, teacher_for  # noqa: F401  (lab: a fixture)


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"config": {"lr": 500}, "pinned": ["lr"]}, "lr", "got 500"),
    ({"config": {"lr": 1e308}, "pinned": ["lr"]}, "lr", "got 1e+308"),
    ({"config": {"lr": 50}, "pinned": []}, "lr", "50 is beyond the playground's control; allowed: 0 to 10"),
    ({"config": {"batch_size": 100}, "pinned": ["batch_size"]}, "batch_size", "allowed: 1 to 30"),
    ({"config": {"noise": 0.9}, "pinned": []}, "noise", "0.9"),
    ({"config": {"epochs_per_frame": 3}, "pinned": []}, "epochs_per_frame", "allowed: 1, 2, 5, 10, 25, 50"),
    ({"link": "/playground?lr=50&batch=20"}, "lr", "allowed: 0 to 10"),
    ({"lr": 500}, "lr", 'a setting goes inside "config"'),
])
def test_a_setting_the_playground_refuses_is_not_saved(lab, body, field, words):
    location, _, token = lab
    teacher = teacher_for(location, token)
    res = teacher.put("/api/class/teacher/playground", json=body)
    assert res.status_code == 422 and res.json()["field"] == field, res.text
    assert words in res.json()["detail"], res.text
    assert teacher.get("/api/class/playground").json()["config"] == {}


def test_the_playgrounds_own_ends_are_saved(lab):
    location, _, token = lab
    res = teacher_for(location, token).put("/api/class/teacher/playground", json={
        "config": {"lr": 10, "batch_size": 30, "noise": 0.5, "epochs_per_frame": 50}, "pinned": ["lr"]})
    assert res.status_code == 200, res.text
    assert res.json()["config"]["lr"] == 10
