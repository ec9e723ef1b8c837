"""The exercise API as the lab's page uses it: what a learner's verdict shows, and what the teacher sees."""

from __future__ import annotations

import pytest

from tests.exercises.battery_counts import REVEALING

ATTEMPTS = ["asdf", "I don't know", "GELU is smooth everywhere.", "ReLU is simpler, but GELU is preferred.",
            "smooth probabilistic dip bert cost", "GELU does not suffer from dead neurons, and it costs a bit more."]


@pytest.mark.parametrize("answer", ATTEMPTS)
def test_a_free_text_verdict_names_no_missing_key_point(client, answer):
    body = client.post("/api/exercises/ex3/check", json={"answers": [answer]}).json()
    (part,) = body["parts"]
    assert set(part) == {"label", "status", "rank", "feedback", "explained", "covered", "remaining"}
    shown = str(body).lower()
    covered_words = " ".join(part["covered"]).lower()
    for words in REVEALING.values():
        for w in words:
            assert w not in shown or w in covered_words or w in answer.lower(), (w, shown)


def test_the_count_of_remaining_key_points_comes_with_the_covered_ones(client):
    (part,) = client.post("/api/exercises/ex3/check", json={"answers": ["GELU is smooth everywhere."]}).json()["parts"]
    assert part["covered"] == ["smooth everywhere (no kink)"] and part["remaining"] == 5


def test_the_teacher_sees_each_key_point_covered_and_missed(client):
    for who, answer in (("a", "GELU is smooth everywhere."), ("b", "GELU isn't monotonic: it dips below zero.")):
        client.post("/api/exercises/ex3/check", json={"answers": [answer], "learner": who}).raise_for_status()
    (row,) = client.get("/api/class-summary").json()
    points = {p["key"]: p for p in row["key_points"]}
    assert (points["smooth"]["covered"], points["smooth"]["missed"]) == (1, 1)
    assert points["cost"]["missed"] == 2 and "cost" in points["cost"]["title"]
    assert row["common_feedback"] == []


def test_a_realistic_notation_is_read_over_the_api(client):
    body = client.post("/api/exercises/ex2/check", json={"answers": ["≈ 1.05e-14", "0.5^20 = 9.54e-7"]}).json()
    assert body["status"] == "correct"


def test_swapped_parts_are_named_over_the_api(client):
    body = client.post("/api/exercises/ex2/check", json={"answers": ["9.54e-7", "1.05e-14"]}).json()
    assert all(p["feedback"].startswith("Swapped") for p in body["parts"])
