"""The noise bound's pivot below its table's first spread: losses nearly equal (a plateau, or the same batch again)
had the quantile computed directly, 0.6 ms of every sampled step of the benchmark's MLP. It is read from the line
through the table's first two entries now. The reference: the direct computation (_quantile), at spreads from 1e-9
up to the table's first."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actlab.reading_loss import _SPREADS, _log_margin, _quantile


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 50), st.floats(-9, math.log10(_SPREADS[0]), exclude_max=True))
def test_the_margin_below_the_table_matches_the_direct_quantile(n, exponent):
    s = 10.0 ** exponent
    direct = float(_quantile(n, [s])[0])
    assert _log_margin(n, s) == pytest.approx(direct, rel=1e-4), (n, s)


def test_no_spread_has_no_margin():
    assert _log_margin(7, 0.0) == 0.0
