"""The census's facts: one family and one year per row, and the gate each family really uses."""

from __future__ import annotations

import pytest

from actlab.experiments import census
from actlab.experiments.census import load_fixtures

# Release years from the families' own papers and model cards.
YEARS = {"GPT-NeoX-20B": 2022, "Pythia": 2023, "T5 v1.1": 2020, "Flan-T5": 2022, "Phi-1.5": 2023, "Phi-2": 2023,
         "BERT": 2018, "GPT-2": 2019, "T5": 2019}


def test_each_fixture_names_one_family():
    """A row with two families ("T5 v1.1 / Flan-T5") had one year for both; they were released two years apart."""
    for fx in load_fixtures():
        assert "/" not in fx["family"] and " and " not in fx["family"], fx["family"]
        assert isinstance(fx["year"], int)


@pytest.mark.parametrize(("family", "year"), YEARS.items())
def test_release_years(family, year):
    assert {r.family: r.year for r in census()}[family] == year


@pytest.mark.parametrize("family", ["T5 v1.1", "Flan-T5", "Gemma"])
def test_gated_tanh_gelu_families_are_not_the_exact_gelu_geglu(family):
    """feed_forward_proj='gated-gelu' maps to gelu_new in transformers: the tanh form, not the registry's geglu."""
    row = {r.family: r for r in census()}[family]
    assert row.gated and row.activation == "gelu_tanh"
    assert row.block == "GeGLU with the tanh GELU"


def test_rows_are_in_year_order():
    years = [r.year for r in census()]
    assert years == sorted(years)


def test_gpt_neox_20b_uses_the_tanh_gelu_its_own_config_names():
    """The library default hidden_act is 'gelu'; the 20B model's config.json says 'gelu_fast'."""
    row = {r.family: r for r in census()}["GPT-NeoX-20B"]
    assert (row.config_value, row.activation) == ("gelu_fast", "gelu_tanh")


def test_a_family_a_record_names_in_used_in_is_in_that_records_census_row():
    """A record's "used in" list and the census must not disagree about a family both name."""
    from actlab import activations

    for row in census():
        for name in activations.names():
            record = activations.get(name)
            if any(u.split(" (")[0] == row.family for u in record.used_in) and not record.is_gated:
                assert row.activation == name, (row.family, name, row.activation)
