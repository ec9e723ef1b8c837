"""GET /api/progress without a name: a learner who joined a class reads their own (walkthrough W4 got 422
"learner: Field required"); outside a class the answer says whose progress is missing and how to name it."""

from __future__ import annotations

from web.test_classroom import joined, lab  # noqa: F401  (lab: a fixture, a class on each backend)


def test_a_joined_learner_reads_their_own_progress_without_a_name(lab):  # noqa: F811
    location, klass, _ = lab
    ana, bob = joined(location, klass.code, "Ana"), joined(location, klass.code, "Bob")
    assert ana.post("/api/exercises/ex5/check", json={"answers": ["0.25"]}).status_code == 200
    res = ana.get("/api/progress")
    assert res.status_code == 200, res.text
    (row,) = res.json()
    assert row["exercise"] == "ex5" and row["best_status"] == "correct"
    assert bob.get("/api/progress").json() == []  # Bob's own: nothing yet


def test_outside_a_class_a_missing_name_is_explained(client):
    res = client.get("/api/progress")
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert detail.startswith("learner: whose progress? add ?learner=NAME"), detail
