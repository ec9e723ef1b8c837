"""The lesson's shipped cost table: current for today's kernels and benchmark method, and stale only then."""

from __future__ import annotations

import dataclasses

import pytest

from actlab.activations import costs
from actlab.experiments import gelu_approx

REGENERATE = "regenerate it: python bench/activations.py --lesson-table (on a quiet machine)"


def test_the_shipped_table_is_current_for_these_kernels_and_this_method():
    table = costs.shipped()
    assert table is not None, f"src/actlab/data/{costs.TABLE_FILE} is missing; {REGENERATE}"
    assert table.is_current, f"{'; '.join(table.stale_reasons)}: {REGENERATE}"


def test_the_shipped_table_is_a_measurement_of_every_lesson_entry():
    table = costs.shipped()
    assert set(table.ns_per_element) == set(costs.NAMES) == set(table.ns_range)
    for name, ns in table.ns_per_element.items():
        low, high = table.ns_range[name]
        assert 0 < low <= ns <= high, name
        if name in table.ratio_range:  # the ratio is actlab over PyTorch, from the same interleaved runs
            median, low_r, high_r = table.ratio_range[name]
            assert 0 < low_r <= median <= high_r, name
    assert table.runs >= 3 and table.dtype == "float32" and table.n > 0
    assert table.cost_order == sorted(table.ns_per_element, key=table.ns_per_element.get)
    assert "bench/activations.py --lesson-table" in table.source() and table.measured_at in table.source()


def test_a_changed_kernel_or_method_makes_the_table_stale_and_says_why():
    table = costs.shipped()
    other_code = dataclasses.replace(table, kernel_hash="0" * 16)
    assert not other_code.is_current and "kernels' code changed" in other_code.stale_reasons[0]
    other_method = dataclasses.replace(table, method_version=costs.METHOD_VERSION + 1)
    assert "method" in other_method.stale_reasons[0]
    # a new measurement that differs is not staleness
    assert dataclasses.replace(table, ns_per_element={k: 2 * v for k, v in table.ns_per_element.items()}).is_current


def test_the_kernel_hash_follows_the_kernel_source(monkeypatch):
    now = costs.kernel_hash()
    assert now == costs.kernel_hash() and len(now) == 16
    monkeypatch.setattr(costs, "KERNEL_FILES", ("functions.py",))
    assert costs.kernel_hash() != now


def test_a_table_missing_a_field_is_refused_naming_it():
    data = costs.shipped().to_dict()
    del data["kernel_hash"]
    with pytest.raises(ValueError, match="missing kernel_hash; regenerate"):
        costs.from_dict(data)


def test_the_lesson_reads_the_shipped_table_and_its_source():
    table = costs.shipped()
    result = gelu_approx(points=11, timing=True)
    assert result.ns_per_element == table.ns_per_element
    assert result.torch_ns_per_element == table.torch_ns_per_element
    assert result.cost_order == table.cost_order and result.cost_source == table.source()
    assert result.cost_stale == []
    assert gelu_approx(points=11, timing=False).ns_per_element == {}
