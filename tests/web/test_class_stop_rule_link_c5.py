# ruff: noqa: F811  (lab: the fixture imported from test_class_playground, named by each test)
"""A stop rule the teacher saves without pinning it reaches the learners' playground link, as the other unpinned
settings do: it fills in a link that has none and leaves a learner's own value alone (issue 16, walkthrough W4
item 4: the redirect dropped it, and a learner's run went past epoch 1,270). Both store backends."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from web.test_class_playground import joined, lab, teacher_for  # noqa: F401  (lab: a fixture)


def _sent_to(client, path: str) -> dict:
    res = client.get(path, follow_redirects=False)
    assert res.status_code == 303, res.text
    return {k: v[0] for k, v in parse_qs(urlsplit(res.headers["location"]).query).items()}


def test_an_unpinned_stop_rule_fills_in_the_learners_link(lab):
    location, klass, token = lab
    teacher = teacher_for(location, token)
    res = teacher.put("/api/class/teacher/playground", json={
        "config": {"stop_epoch": 40, "target_loss": 0.05, "lr": 0.1}, "pinned": []})
    assert res.status_code == 200, res.text
    assert "stop_epoch=40" in res.json()["learner_link"] and "target_loss=0.05" in res.json()["learner_link"]
    ana = joined(location, klass.code, "Ana")
    link = _sent_to(ana, "/playground")
    assert link["stop_epoch"] == "40" and link["target_loss"] == "0.05" and link["lr"] == "0.1", link
    assert "hide" not in link  # not pinned: the learner may change them
    own = _sent_to(ana, "/playground?stop_epoch=10&dataset=xor")
    assert own["stop_epoch"] == "10" and own["target_loss"] == "0.05", own  # the learner's own value stays


def test_a_pinned_stop_rule_is_in_the_link_and_hidden(lab):
    location, klass, token = lab
    teacher_for(location, token).put("/api/class/teacher/playground", json={
        "config": {"stop_epoch": 40}, "pinned": ["stop_epoch"]})
    link = _sent_to(joined(location, klass.code, "Ana"), "/playground?stop_epoch=500")
    assert link["stop_epoch"] == "40" and "stop" in link["hide"].split(",")
    assert link["pinned_overrides"] == "stop_epoch"
