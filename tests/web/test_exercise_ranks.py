"""The exercises API carries each verdict's rank and each part's `explained` flag, and progress its best rank:
the page compares these numbers and keeps no order of its own."""

from __future__ import annotations

from actlab.exercises import STATUSES


def test_a_verdict_and_its_parts_carry_rank_and_explained(client):
    body = client.post("/api/exercises/ex2/check", json={"answers": ["0.2^19", "42"], "learner": "ana"}).json()
    assert body["status"] == "incorrect" and body["rank"] == STATUSES.index("incorrect")
    assert [(p["rank"], p["explained"]) for p in body["parts"]] == [(2, True), (2, False)]


def test_progress_carries_the_best_rank(client):
    for answers in (["0.2^19", "9.54e-7"], ["banana", "x"]):
        client.post("/api/exercises/ex2/check", json={"answers": answers, "learner": "ana"}).raise_for_status()
    (row,) = client.get("/api/progress", params={"learner": "ana"}).json()
    assert row["best_status"] == "partly_correct" and row["best_rank"] == STATUSES.index("partly_correct")
    assert row["last_status"] == "unreadable"
