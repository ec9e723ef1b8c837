"""Speed of every registry activation against PyTorch CPU and the memory-copy floor.

Usage: python bench/activations.py [--sizes 100000 10000000] [--names sigmoid tanh ...] [--repeats 5]

Single-threaded (torch.set_num_threads(1); NumPy ufuncs are single-threaded). Prints ns per element
for actlab's forward, derivative and both together, PyTorch's forward and forward+backward, and the
ratio of actlab's forward+derivative to PyTorch's forward+backward (below 1: actlab is faster).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from actlab import activations

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the benchmark still runs, without the PyTorch columns
    torch = None

TORCH_FN = {}
if torch is not None:
    F = torch.nn.functional
    TORCH_FN = {
        "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "leaky_relu": F.leaky_relu,
        "gelu": F.gelu, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"), "silu": F.silu,
        "elu": F.elu, "selu": F.selu, "celu": F.celu, "softplus": F.softplus, "mish": F.mish,
        "softsign": F.softsign, "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish,
        "hardtanh": F.hardtanh, "relu6": F.relu6, "glu": lambda t: F.glu(t, dim=-1),
    }


def best_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(name: str, n: int, dtype, repeats: int, rng) -> dict:
    act = activations.get(name)
    shape = (n // 2, 2) if act.is_gated else (n,)
    x = rng.normal(0, 3, size=shape).astype(dtype)
    out = np.empty_like(x)
    row = {
        "copy": best_time(lambda: np.copyto(out, x), repeats) / n * 1e9,
        "fwd": best_time(lambda: act(x), repeats) / n * 1e9,
        "deriv": best_time(lambda: act.derivative(x), repeats) / n * 1e9,
        "both": best_time(lambda: (act(x), act.derivative(x)), repeats) / n * 1e9,
    }
    if name in TORCH_FN:
        fn = TORCH_FN[name]
        t = torch.from_numpy(x)
        tg = t.clone().requires_grad_(True)

        def fwd_bwd():
            y = fn(tg)
            y.backward(torch.ones_like(y))
            tg.grad = None

        row["torch_fwd"] = best_time(lambda: fn(t), repeats) / n * 1e9
        row["torch_both"] = best_time(fwd_bwd, repeats) / n * 1e9
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 10_000_000])
    ap.add_argument("--names", nargs="+", default=activations.names())
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    console = Console(width=140)
    for n in args.sizes:
        for dtype in args.dtypes:
            table = Table(title=f"ns per element, n = {n:,}, {dtype} (single thread)")
            for col in ("activation", "copy floor", "fwd", "deriv", "fwd+deriv", "torch fwd", "torch fwd+bwd",
                        "fwd+deriv / torch fwd+bwd"):
                table.add_column(col, justify="right")
            for name in args.names:
                r = measure(name, n, np.dtype(dtype), args.repeats, rng)
                tb = r.get("torch_both")
                ratio = f"{r['both'] / tb:.2f}x" if tb else "—"
                table.add_row(name, f"{r['copy']:.2f}", f"{r['fwd']:.2f}", f"{r['deriv']:.2f}", f"{r['both']:.2f}",
                              f"{r['torch_fwd']:.2f}" if tb else "—", f"{tb:.2f}" if tb else "—", ratio)
            console.print(table)


if __name__ == "__main__":
    main()
