"""Facts the registry states in words: who introduced what and when, and no cost ranking typed into prose."""

from __future__ import annotations

import re

import pytest

from actlab import activations
from actlab.activations import ALIASES, REGISTRY

# A ranking by speed belongs to a measurement (the lesson shows one); the registry's words may say what a
# function computes (an erf, an exponential), not that it is faster or slower than another.
RANKING = re.compile(r"\b(cheaper|cheapest|costlier|costliest|faster|fastest|slower|slowest|costs? more|"
                     r"more expensive)\b", re.IGNORECASE)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_no_cost_ranking_in_the_registrys_words(name):
    act = REGISTRY[name]
    for text in (act.strength, act.weakness, act.note, act.title):
        assert not RANKING.search(text), (name, text)


def test_silu_was_introduced_in_the_gelu_paper_and_named_swish_later():
    silu = activations.get("silu")
    assert silu.year == 2016 and silu.paper.startswith("Hendrycks & Gimpel, 2016")
    assert "Elfwing" in silu.paper and "2017" in silu.paper
    assert re.search(r"named Swish by Ramachandran[^;]*2017", silu.paper)


def test_tanhs_1998_paper_recommended_it_and_did_not_introduce_it():
    tanh = activations.get("tanh")
    assert tanh.year == 1998 and "recommended tanh" in tanh.paper


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_year_is_the_first_cited_works(name):
    act = REGISTRY[name]
    first = re.search(r"\b(1[89]\d\d|20\d\d)\b", act.paper)
    assert first is not None and int(first.group()) == act.year, (name, act.paper)


def test_geglu_is_exact_gelu_and_no_tanh_gelu_name_points_at_it():
    """T5 v1.1 and Gemma gate with the tanh GELU (gelu_new, gelu_pytorch_tanh); the geglu entry uses exact GELU."""
    geglu = activations.get("geglu")
    assert not any("T5" in u or "Gemma" in u for u in geglu.used_in)
    assert not [a for a, key in ALIASES.items() if key == "geglu" and "tanh" in a]
    assert any("T5 v1.1" in u for u in activations.get("gelu_tanh").used_in)
