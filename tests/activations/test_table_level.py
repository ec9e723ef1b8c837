"""The accuracy table's fixed NumPy level (table_level.py): what happens where it cannot be reached, and the check
that the child process really ran at it."""

from __future__ import annotations

import pytest

from . import table_level as T
from . import test_accuracy


def _cpu_with(features: dict[str, bool], dispatch=("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR")):
    return lambda: (["X86_V2"], list(dispatch), features)


def test_this_machine_can_run_the_table_level_or_says_why():
    reason = T.why_table_level_unavailable()
    assert reason is None or T.TABLE_LEVEL in reason or "x86-64" in reason


def test_not_x86_is_named_as_the_reason(monkeypatch):
    monkeypatch.setattr(T.platform, "machine", lambda: "arm64")
    reason = T.why_table_level_unavailable()
    assert "arm64" in reason and "x86-64" in reason and "X86_V3" in reason


def test_a_cpu_without_avx2_is_named_as_the_reason(monkeypatch):
    monkeypatch.setattr(T.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(T, "_cpu", _cpu_with({"X86_V2": True, "X86_V3": False}))
    assert "lacks AVX2" in T.why_table_level_unavailable()


def test_a_numpy_without_the_target_is_named_as_the_reason(monkeypatch):
    monkeypatch.setattr(T.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(T, "_cpu", _cpu_with({"AVX2": True}, dispatch=("AVX2", "FMA3", "AVX512F")))
    reason = T.why_table_level_unavailable()
    assert "cannot be held to X86_V3" in reason and "AVX2 FMA3 AVX512F" in reason


@pytest.mark.parametrize("ci", [True, False])
def test_the_staleness_tests_fail_in_ci_and_skip_elsewhere_when_the_level_is_out_of_reach(monkeypatch, ci):
    def unreachable(with_torch=False):
        raise T.TableLevelError("this is a riscv64 machine")

    monkeypatch.setattr(test_accuracy, "outputs_at_table_level", unreachable)
    if ci:
        monkeypatch.setenv("ACTLAB_REQUIRE_COMPILED", "1")
    else:
        monkeypatch.delenv("ACTLAB_REQUIRE_COMPILED", raising=False)
    outcome = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(outcome, match="riscv64"):
        test_accuracy.test_shipped_accuracy_table_numpy_columns_are_current()


def test_a_child_that_ran_another_level_is_an_error_not_a_comparison(monkeypatch):
    """If the environment did not hold NumPy to X86_V3 (here it disables X86_V3 instead), the child reports the
    level it ran and the measurement is refused."""
    if T.why_table_level_unavailable():
        pytest.skip(T.why_table_level_unavailable())
    monkeypatch.setattr(T, "TABLE_ENV", {"NPY_DISABLE_CPU_FEATURES": "X86_V3"})
    with pytest.raises(RuntimeError, match="not X86_V3"):
        T.outputs_at_table_level.__wrapped__()


def test_the_child_runs_at_the_table_level_and_reports_its_libraries():
    if T.why_table_level_unavailable():
        pytest.skip(T.why_table_level_unavailable())
    got, env = T.outputs_at_table_level()
    assert env["numpy_simd"] == T.TABLE_LEVEL
    assert {"numpy", "scipy", "libc", "machine"} <= set(env)
    assert "gelu/float64/numpy/value" in got and "gelu/float64/numpy/pair_deriv" in got
