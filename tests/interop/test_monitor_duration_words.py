"""A time in the cost note's words has no exponent at any value (CI on be2cda5's tree: a preload of 99.6 ms read
'1e+02 ms', since two figures round it to 100). The reference: the value itself, read back from the words."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from conftest import require_torch

require_torch()
from actlab.interop._monitor_cost import _duration  # noqa: E402


@given(st.floats(1e-7, 1e3))
@example(0.0996)  # the CI's figure
@example(99.7e-6)
@example(0.09951)
def test_a_duration_has_no_exponent_and_reads_back_within_its_rounding(seconds):
    words = _duration(seconds)
    assert "e" not in words.replace(" ", "").rstrip("smu"), words
    number, unit = words.split()
    back = float(number) * {"s": 1.0, "ms": 1e-3, "us": 1e-6}[unit]
    assert abs(back - seconds) <= 0.05 * seconds + 0.5e-6, (seconds, words)  # two figures, or the whole number
