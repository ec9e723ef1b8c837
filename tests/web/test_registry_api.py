"""The explorer cards' facts come from the API, written by the registry (the page keeps no copy)."""

from __future__ import annotations

from importlib import resources

import pytest


@pytest.mark.parametrize(("name", "output", "deriv"), [("relu", "[0, ∞)", "[0, 1]"), ("sigmoid", "(0, 1)", "(0, 0.25]"),
                                                      ("gelu", "[-0.169971, ∞)", "[-0.128904, 1.1289]"),
                                                      ("hardsigmoid", "[0, 1]", "[0, 0.166667]")])
def test_the_api_writes_each_interval_with_its_brackets(client, name, output, deriv):
    row = next(r for r in client.get("/api/activations").json() if r["name"] == name)
    assert (row["output_interval"], row["deriv_interval"]) == (output, deriv)


def test_the_silu_card_follows_beta(client):
    card = client.get("/api/activations/silu", params={"beta": 3}).json()
    assert card["output_interval"] == "[-0.0928215, ∞)"
    assert "minimum -0.0928" in card["weakness"] and "-0.278" not in card["weakness"]


def test_the_explorer_builds_no_interval_of_its_own():
    js = (resources.files("actlab") / "web" / "static" / "js" / "views" / "explorer.js").read_text()
    assert "output_range" not in js and "deriv_range" not in js
    assert "r.output_interval" in js and "r.deriv_interval" in js
