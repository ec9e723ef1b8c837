"""The dead-unit panel's endpoint: a fresh count per request, repeatable by its seed."""

from __future__ import annotations


def test_each_request_counts_new_networks_and_returns_its_seed(client):
    rows = [client.get("/api/demos/dead-probability", params={"width": 3, "depth": 5, "trials": 300}).json()
            for _ in range(3)]
    assert len({r["seed"] for r in rows}) == 3


def test_a_seed_passed_back_repeats_the_count(client):
    first = client.get("/api/demos/dead-probability", params={"width": 3, "depth": 5, "trials": 300}).json()
    again = client.get("/api/demos/dead-probability",
                       params={"width": 3, "depth": 5, "trials": 300, "seed": first["seed"]}).json()
    assert again == first


def test_one_unit_and_sixty_layers_is_inside_the_interval(client):
    r = client.get("/api/demos/dead-probability", params={"width": 1, "depth": 60}).json()
    assert r["ci_high"] == 1.0 and r["agrees"] is True


def test_a_seed_out_of_range_is_refused_by_name(client):
    res = client.get("/api/demos/dead-probability", params={"seed": -1})
    assert res.status_code == 422 and "seed" in res.text
