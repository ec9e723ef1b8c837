"""Monitor() on a CPU model does not wait for numba: the compiled sums' kernels load in a background thread (they
took 3.7-6.5 s under load, all of it inside Monitor()), and the steps sampled before they are ready take the torch
path and report the same figures as steps made with the kernels."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from conftest import require_torch

require_torch()

_CODE = r"""
import json, sys, threading, time, torch, torch.nn as nn, torch.nn.functional as F
from actlab.interop import _torch_stats
from actlab.torch import Monitor

def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 1))

# numba's import stands still until the gate opens (it took 3.7-6.5 s under load; here it takes as long as the
# first monitor's steps need), so that what runs before the kernels are ready is known
gate, real_load = threading.Event(), _torch_stats.load
def slow_load():
    gate.wait(8)
    return real_load()
_torch_stats.load = slow_load

torch.manual_seed(1)
batches = [torch.randn(32, 6) for _ in range(3)]

def run(net):
    mon = Monitor(net, every=1, window=3)
    took = time.perf_counter() - start[0]
    loaded = []
    for x in batches:
        loaded.append(_torch_stats.kernels() is not None)
        with mon.step():
            net(x).pow(2).mean().backward()
        net.zero_grad()
    return mon.report(), took, loaded

start = [time.perf_counter()]
before, took, loaded_before = run(model())
alive = _torch_stats._loader.loading()  # the thread Monitor() started is still at work
gate.set()
_torch_stats.wait(300)
start = [time.perf_counter()]
after, _, loaded_after = run(model())
fields = ("mean", "std", "act_grad_norm", "weight_grad_norm", "zero_derivative_fraction", "saturated", "dead",
          "dormant", "non_finite", "width")
rows = lambda r: [[l.name] + [getattr(l, f) for f in fields] for l in r.layers]
print(json.dumps({"took": took, "alive": alive, "numba_loaded": "numba" in sys.modules,
                  "loaded_before": loaded_before, "loaded_after": loaded_after, "failure": _torch_stats._failure,
                  "before": rows(before), "after": rows(after), "status": [before.reading.status.value,
                                                                           after.reading.status.value]}))
"""


def test_monitor_returns_while_the_kernels_load_and_the_torch_path_reports_the_same():
    pytest.importorskip("numba")
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, check=True, timeout=300)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["failure"] is None
    # Monitor() returned at once (it waited the 8 s of the gate before), and three sampled steps ran, while the
    # loading thread was still at work
    assert got["took"] < 7, got["took"]  # under the gate's 8 s: a Monitor() that waited for the load takes more
    assert got["alive"] is True
    assert got["loaded_before"] == [False, False, False]
    # then the kernels are there, and a second monitor's steps use them
    assert got["numba_loaded"] is True and got["loaded_after"] == [True, True, True]
    assert got["status"][0] == got["status"][1]
    assert len(got["before"]) == len(got["after"]) == 3
    for b, a in zip(got["before"], got["after"], strict=True):
        assert b[0] == a[0]
        for x, y in zip(b[1:5], a[1:5], strict=True):  # the real-valued figures: float32's agreement
            assert x == pytest.approx(y, rel=1e-5, abs=1e-6) or (math.isnan(x) and math.isnan(y)), (b[0], x, y)
        assert b[5:] == a[5:], b[0]  # counts and fractions of counts: equal


def test_warm_kernels_compiles_the_monitor_sums_into_numbas_cache(tmp_path):
    """`python -m actlab.activations.warm_kernels` (make lab and make test run it) also compiles the monitor's two
    passes, both dtypes, into numba's cache, so that a training process loads them instead of compiling them."""
    pytest.importorskip("numba")
    import os

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "actlab.activations.warm_kernels"], capture_output=True, text=True,
                         check=True, timeout=300, env=env).stdout
    assert "torch monitor sums float32 and float64" in out, out
    cached = sorted(p.name for p in tmp_path.rglob("_torch_stats_numba.*.nbc"))
    for kernel in ("derivative_sums", "output_sums"):
        assert len([n for n in cached if n.startswith(f"_torch_stats_numba.{kernel}-")]) == 2, cached
