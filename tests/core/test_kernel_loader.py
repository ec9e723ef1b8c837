"""The one lazy loader of numba kernels (actlab._kernel_loader): load once, preload in a background thread, wait()
for it; the activation functions' kernels (activations._compiled) and the torch monitor's (interop._torch_stats)
both load through it, and bench/torch_monitor.py waits through its public wait()."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from actlab._kernel_loader import KernelLoader

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def owner(monkeypatch):
    """A module of the owner's kind, holding the loader's state under the owners' names."""
    module = types.ModuleType("actlab_test_loader_owner")
    module._module = module._failure = module._preloading = None
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def _numba_found(monkeypatch, found: bool) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (real("json") if found else None) if name == "numba" else real(name, *a))


def test_load_imports_once_and_keeps_it_in_the_owner(owner, monkeypatch):
    _numba_found(monkeypatch, True)
    loader = KernelLoader(owner.__name__, "json", "test-preload")
    import json

    assert loader.load() is json and owner._module is json and loader.module is json and owner._failure is None
    owner._module = None  # as a test of an owner does: the owner's state is the loader's
    owner._failure = "numba is not installed (set by hand)"
    assert loader.load() is None and loader.failure == "numba is not installed (set by hand)"


def test_a_missing_numba_or_a_failed_import_is_said(owner, monkeypatch):
    _numba_found(monkeypatch, False)
    loader = KernelLoader(owner.__name__, "json", "test-preload")
    assert loader.load() is None and owner._failure == "numba is not installed (pip install 'actlab[fast]')"
    owner._failure = None
    _numba_found(monkeypatch, True)
    broken = KernelLoader(owner.__name__, "actlab_no_such_module_here", "test-preload")
    assert broken.load() is None
    assert owner._failure.startswith("importing the numba kernels failed: ModuleNotFoundError")
    assert broken.wait(1) is None  # nothing loading: answers at once


def test_preload_runs_in_the_background_and_wait_waits_for_it(owner, monkeypatch):
    _numba_found(monkeypatch, True)
    loader = KernelLoader(owner.__name__, "json", "test-preload")
    gate = threading.Event()

    def slow():
        gate.wait(10)
        return loader.load()

    loader.preload(slow)
    thread = owner._preloading
    assert thread is not None and thread.name == "test-preload" and thread.daemon
    assert loader.loading() and loader.module is None
    t0 = time.perf_counter()
    assert loader.wait(0.2) is None  # still loading when the time is up
    assert time.perf_counter() - t0 >= 0.19 and loader.loading()
    loader.preload(slow)
    assert owner._preloading is thread  # one thread per process, however often preload() is called
    gate.set()
    import json

    assert loader.wait() is json and not loader.loading() and not thread.is_alive()
    loader.preload(slow)
    assert owner._preloading is thread  # loaded: a no-op


def test_wait_without_a_preload_starts_nothing(owner, monkeypatch):
    _numba_found(monkeypatch, True)
    loader = KernelLoader(owner.__name__, "json", "test-preload")
    assert loader.wait(5) is None and owner._preloading is None and owner._module is None


def test_the_two_owners_load_through_the_one_loader_and_the_bench_waits_through_wait():
    pytest.importorskip("torch")
    from actlab.activations import _compiled
    from actlab.interop import _torch_stats  # needs torch, like the monitor

    for owner in (_compiled, _torch_stats):
        assert isinstance(owner._loader, KernelLoader) and owner._loader.owner == owner.__name__
        assert owner.wait is not None
        source = Path(owner.__file__).read_text()
        assert "threading" not in source and "import_module" not in source and "_lock" not in source
    bench = (ROOT / "bench" / "torch_monitor.py").read_text()
    assert "_preloading" not in bench and bench.count("_torch_stats.wait(120)") == 2


def test_the_loader_imports_neither_numba_nor_torch():
    code = ("import sys, actlab._kernel_loader, actlab.activations._compiled; "
            "print(sorted(m for m in ('numba', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_preload_records_the_cpu_time_its_thread_took(owner, monkeypatch):
    """W83 walkthrough: the first Monitor of a process cost 0.84 s of CPU loading its kernels, which no note said. The
    loader keeps its thread's CPU time (time.thread_time, the thread's own): here a load that spins for 0.2 s of CPU,
    against the thread's own clock read by the work itself."""
    _numba_found(monkeypatch, True)
    loader = KernelLoader(owner.__name__, "json", "test-preload")
    spent = {}

    def work():
        start = time.thread_time()
        while time.thread_time() - start < 0.2:
            pass
        spent["cpu"] = time.thread_time() - start
        return loader.load()

    assert loader.preload_cpu() is None  # no thread yet
    loader.preload(work)
    loader.wait(30)
    assert loader.preload_cpu() == pytest.approx(spent["cpu"], abs=0.05) and loader.preload_cpu() >= 0.2
