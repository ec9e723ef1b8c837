"""Speed of every registry activation against PyTorch CPU, timed the way the network engine calls it.

Usage: python bench/activations.py [--sizes 100000 10000000] [--names gelu silu ...] [--dtypes float32 float64]
                                   [--runs 3] [--calls 9] [--kernels auto|compiled|numpy]

One thread for both (BLAS and PyTorch's pools are pinned before they load). actlab's call is the engine's:
value and derivative in one pass (Activation.forward_and_derivative_array, the derivative from the output
where the engine takes it so) times an upstream gradient; PyTorch's is forward and backward with the same
upstream gradient. The two are called alternately, call by call (the order flips each call), and each
call's wall time and this thread's CPU time are recorded. A run gives the ratio of the median times
(actlab / PyTorch: below 1, actlab is faster); the table gives the median and range over ``--runs`` runs,
by CPU time and by wall time. On a machine shared with other work, read the CPU-time ratio. PyTorch's side is
the record's own torch recipe (interop.torch_recipes.module_for): torch's module, or the recipe's expression
where torch has none (quick_gelu's x * sigmoid(1.702 x), what Hugging Face's QuickGELUActivation computes,
relu_squared, the gated units but GLU).

``--lesson-table`` measures the lesson's cost table instead (actlab.activations.costs: ReLU and the GELU family,
float32, 2e5 values, the same interleaved method) and writes src/actlab/data/lesson_costs.json with the machine,
the load average before and after, the date, the method version and the kernels' code hash, which the lab
shows beside the figures. Run it on a quiet machine.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from actlab import activations  # noqa: E402
from actlab.activations import _compiled, costs  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the benchmark still runs, without the PyTorch columns
    torch = None



def torch_module(name: str):
    """PyTorch's computation of a registry activation, from the record's recipe (interop.torch_recipes);
    None without torch or a recipe."""
    record = activations.get(name)
    if torch is None or record.torch_recipe is None:
        return None
    from actlab.interop.torch_recipes import module_for

    return module_for(record)


DEFAULT_NAMES = ["relu", "leaky_relu", "tanh", "sigmoid", "silu", "gelu", "gelu_tanh", "quick_gelu"]


def actlab_call(name: str, x: np.ndarray):
    """The engine's work for one layer: f(z) and f'(z) (one pass), then dz = da * f'(z)."""
    act = activations.get(name)
    da = np.ones(x.shape[:-1] + (x.shape[-1] // 2,) if act.is_gated else x.shape, dtype=x.dtype)
    if act.is_gated:
        da = np.concatenate([da, da], axis=-1)

    def call():
        a, d = act.forward_and_derivative_array(x)
        if d is None:
            d = act.derivative_array(x, a)
        return a, da * d

    return call


def torch_call(fn, x: np.ndarray):
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    grad = torch.ones_like(fn(t.detach()))

    def call():
        y = fn(t)
        y.backward(grad)
        t.grad = None

    return call


def one_run(calls: dict, n_calls: int) -> dict:
    """Each callable n_calls times, alternating call by call; median wall and CPU seconds per callable."""
    keys = list(calls)
    for key in keys:
        calls[key]()  # warm-up
    wall = {k: [] for k in keys}
    cpu = {k: [] for k in keys}
    for i in range(n_calls):
        for key in (keys if i % 2 == 0 else keys[::-1]):
            w0, c0 = time.perf_counter(), time.thread_time()
            calls[key]()
            cpu[key].append(time.thread_time() - c0)
            wall[key].append(time.perf_counter() - w0)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in keys}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}]"


def _processor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def kernels_label() -> str:
    """Which activation kernels this process runs: 'compiled (numba X)' or 'NumPy'."""
    if not _compiled.active():
        return "NumPy"
    import numba

    return f"compiled (numba {numba.__version__})"


def lesson_table(runs: int, calls: int, out: Path, console: Console) -> None:
    """Measure the lesson's cost table (costs.NAMES, float32, 2e5 values) and write it to ``out``."""
    n, dtype = 200_000, "float32"
    load_before = os.getloadavg()[0]
    x = np.random.default_rng(0).normal(0, 3, n).astype(dtype)
    per_name = {}
    for name in costs.NAMES:
        calls_by_side = {"actlab": actlab_call(name, x)}
        module = torch_module(name)
        if module is not None:
            calls_by_side["torch"] = torch_call(module, x)
        per_name[name] = [one_run(calls_by_side, calls) for _ in range(runs)]
    load_after = os.getloadavg()[0]

    def ns(results, side):
        return [r[side][1] / n * 1e9 for r in results]

    table = costs.CostTable(
        ns_per_element={k: round(statistics.median(ns(v, "actlab")), 3) for k, v in per_name.items()},
        ns_range={k: [round(min(ns(v, "actlab")), 3), round(max(ns(v, "actlab")), 3)] for k, v in per_name.items()},
        torch_ns_per_element={k: round(statistics.median(ns(v, "torch")), 3) for k, v in per_name.items()
                              if "torch" in v[0]},
        ratio_range={k: [round(f(r["actlab"][1] / r["torch"][1] for r in v), 3)
                         for f in (statistics.median, min, max)] for k, v in per_name.items() if "torch" in v[0]},
        n=n, dtype=dtype, runs=runs, calls=calls, machine=f"{_processor()}, {os.cpu_count()} CPUs",
        load_before=round(load_before, 2), load_after=round(load_after, 2),
        measured_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        torch_version=None if torch is None else torch.__version__,
        method_version=costs.METHOD_VERSION, kernel_hash=costs.kernel_hash(), kernels=kernels_label())
    out.write_text(json.dumps({k: getattr(table, k) for k in table.__dataclass_fields__}, indent=1) + "\n",
                   encoding="utf-8")
    console.print(f"wrote {out}: " + ", ".join(f"{k} {table.ns_per_element[k]:.2f} ns" for k in table.cost_order))
    console.print(table.source())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 10_000_000])
    ap.add_argument("--names", nargs="+", default=DEFAULT_NAMES, help="registry names, or 'all'")
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--calls", type=int, default=9, help="calls of each side per run")
    ap.add_argument("--kernels", choices=["auto", "compiled", "numpy"], default="auto",
                    help="actlab's kernels: compiled (numba), the NumPy fallback, or auto (compiled when numba is "
                         "installed, as the library chooses); the header says which ran")
    ap.add_argument("--lesson-table", action="store_true",
                    help="measure the lesson's cost table and write src/actlab/data/lesson_costs.json")
    args = ap.parse_args()
    _compiled.use(args.kernels)
    _compiled.active()  # numba's import and the kernels' loading happen here, not inside a timed call
    names = activations.names() if args.names == ["all"] else args.names
    rng = np.random.default_rng(0)
    console = Console(width=150)
    if args.lesson_table:
        out = Path(__file__).resolve().parents[1] / "src" / "actlab" / "data" / costs.TABLE_FILE
        lesson_table(max(args.runs, 3), args.calls, out, console)
        return
    console.print(f"actlab kernels: {kernels_label()}; load average before: {os.getloadavg()[0]:.2f} on "
                  f"{os.cpu_count()} CPUs (a shared machine makes wall-time ratios noisy; read the CPU-time ratio)")
    for n in args.sizes:
        for dtype in args.dtypes:
            table = Table(title=f"value + derivative (engine) over PyTorch forward + backward, n = {n:,}, {dtype}, "
                                f"one thread, median \\[range] of {args.runs} runs")
            for col in ("activation", "actlab ns/element (CPU)", "PyTorch ns/element (CPU)", "ratio (CPU time)",
                        "ratio (wall time)"):
                table.add_column(col, justify="right")
            for name in names:
                act = activations.get(name)
                x = rng.normal(0, 3, size=(n // 2, 2) if act.is_gated else (n,)).astype(dtype)
                calls = {"actlab": actlab_call(name, x)}
                module = torch_module(name)
                if module is not None:
                    calls["torch"] = torch_call(module, x)
                runs = [one_run(calls, args.calls) for _ in range(args.runs)]
                ns = statistics.median(r["actlab"][1] for r in runs) / n * 1e9
                if "torch" not in calls:
                    table.add_row(name, f"{ns:.2f}", "—", "—", "—")
                    continue
                tns = statistics.median(r["torch"][1] for r in runs) / n * 1e9
                table.add_row(name, f"{ns:.2f}", f"{tns:.2f}",
                              spread([r["actlab"][1] / r["torch"][1] for r in runs]),
                              spread([r["actlab"][0] / r["torch"][0] for r in runs]))
            console.print(table)
    console.print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
