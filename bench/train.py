"""Training speed of the engine against PyTorch on the same network, in the same run.

Usage: python bench/train.py [--runs 3] [--seconds 1] [--dtypes float64 float32] [--frames] [--split]
                             [--gemm auto|mkl|numpy]

One thread for both (BLAS and PyTorch's pools are pinned to one thread before they load). For each
network (the playground's default 2-4-2-1 and 6 x 8 at batch 10, then 10 x 64 at batch 64 and 10 x 256
at batch 256; tanh, MSE on a tanh output, plain SGD), actlab's Trainer.step and a PyTorch loop doing
the same work (the same initial weights, a minibatch drawn from the same shuffled order, forward,
backward, SGD) run in alternating slices of ``--seconds`` / 5 each. Per run the ratio of examples/s
(actlab / PyTorch; above 1: actlab is faster) is taken by wall time and by this thread's CPU time;
the table gives the median and range over ``--runs`` runs. On a machine shared with other work, the
CPU-time ratio is the one to read. ``--frames`` adds the playground's live-frame cost for its two
reference networks. ``--split`` adds, per network, how much of each side's step is its matrix products (the engine's
library against PyTorch's on the same shapes) and how much is the rest of its work. The engine's products come from
Intel MKL where actlab[mkl] is installed, else from NumPy's matmul (the first line printed says which); ``--gemm numpy``
times the NumPy path with MKL installed.

TensorFlow Playground is not run here, so no ratio against it is printed; bench/playground.py
measures it side by side when given its checkout.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from actlab import _gemm  # noqa: E402
from actlab.network import NetworkConfig  # noqa: E402
from actlab.optim import OptimConfig  # noqa: E402
from actlab.training import Trainer  # noqa: E402

NETS = {  # name: (hidden widths, batch size)
    "2-4-2-1, batch 10": ((4, 2), 10),
    "6 x 8, batch 10": ((8,) * 6, 10),
    "10 x 64, batch 64": ((64,) * 10, 64),
    "10 x 256, batch 256": ((256,) * 10, 256),
}
N_POINTS = 1024
LR = 0.03


def make_trainer(hidden: tuple[int, ...], batch: int, dtype: str) -> Trainer:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(N_POINTS, 2))
    labels = (np.hypot(x[:, 0], x[:, 1]) < 0.6).astype(np.int64)  # a circle
    cfg = NetworkConfig(2, hidden, ("tanh",), "tanh_mse", init="xavier_uniform", dtype=dtype)
    return Trainer(cfg, OptimConfig("sgd", LR), x, labels, batch_size=batch, seed=1, sample_every=10**9)


def make_torch_step(trainer: Trainer):
    """A PyTorch step doing what Trainer.step does, from the trainer's own initial weights and data."""
    import torch

    dtype = torch.float64 if trainer.net.weights[0].dtype == np.float64 else torch.float32
    layers = []
    for l, (w, b) in enumerate(zip(trainer.net.weights, trainer.net.biases, strict=True)):
        lin = torch.nn.Linear(*w.shape, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
        if l < len(trainer.net.weights) - 1:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x = torch.from_numpy(trainer.x_train.copy())
    t = torch.from_numpy(np.asarray(trainer.t_train, dtype=trainer.x_train.dtype).copy())
    rng = np.random.default_rng(1)
    state = {"order": torch.from_numpy(rng.permutation(len(x))), "cursor": 0}
    batch = trainer.batch_size

    def step() -> None:
        if state["cursor"] >= len(x):
            state["order"], state["cursor"] = torch.from_numpy(rng.permutation(len(x))), 0
        idx = state["order"][state["cursor"]:state["cursor"] + batch]
        state["cursor"] += batch
        out = torch.tanh(model(x[idx]))
        loss = 0.5 * torch.mean((out - t[idx]) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def timed(fn, seconds: float) -> tuple[int, float, float]:
    """Calls, wall seconds and this thread's CPU seconds of calling fn for about ``seconds``."""
    n, w0, c0 = 0, time.perf_counter(), time.thread_time()
    while time.perf_counter() - w0 < seconds:
        fn()
        n += 1
    return n, time.perf_counter() - w0, time.thread_time() - c0


def compare(hidden, batch, dtype, seconds: float) -> dict:
    """One run: alternating slices of actlab and PyTorch; examples/s of each by wall and CPU time."""
    trainer = make_trainer(hidden, batch, dtype)
    torch_step = make_torch_step(trainer)
    trainer.step()
    torch_step()  # warm-up
    tot = {"a": [0, 0.0, 0.0], "t": [0, 0.0, 0.0]}
    for i in range(10):
        pair = (("a", trainer.step), ("t", torch_step))
        for key, fn in (pair if i % 2 == 0 else pair[::-1]):
            n, wall, cpu = timed(fn, seconds / 10)
            tot[key][0] += n
            tot[key][1] += wall
            tot[key][2] += cpu
    (na, wa, ca), (nt, wt, ct) = tot["a"], tot["t"]
    return {"wall": (na / wa) / (nt / wt), "cpu": (na / ca) / (nt / ct), "actlab_ex_s": na * batch / ca,
            "torch_ex_s": nt * batch / ct}


def gemm_split(hidden, batch, dtype, seconds: float) -> dict:
    """Per step, ms of CPU time: each side's whole step, and the matrix products alone that its step makes (forward
    a @ W, backward a.T @ dz and dz @ W.T for every layer, on distinct arrays of the network's shapes) by the engine's
    library (actlab._gemm) and by PyTorch's, all four interleaved. A step less its products is the rest of its work
    (activations, bias, sums, update, Python)."""
    import torch

    trainer = make_trainer(hidden, batch, dtype)
    torch_step = make_torch_step(trainer)
    rng = np.random.default_rng(0)
    np_dtype = trainer.net.weights[0].dtype
    shapes = [w.shape for w in trainer.net.weights]
    a = [rng.normal(size=(batch, i)).astype(np_dtype) for i, _ in shapes]
    w = [rng.normal(size=s).astype(np_dtype) for s in shapes]
    dz = [rng.normal(size=(batch, o)).astype(np_dtype) for _, o in shapes]
    z, dw, da = [np.empty_like(d) for d in dz], [np.empty_like(x) for x in w], [np.empty_like(x) for x in a]
    t_arrays = [[torch.from_numpy(x) for x in group] for group in (a, w, dz, z, dw, da)]

    def actlab_products() -> None:
        for l in range(len(shapes)):
            _gemm.matmul(a[l], w[l], z[l])
            _gemm.matmul(a[l].T, dz[l], dw[l])
            if l > 0:
                _gemm.matmul(dz[l], w[l].T, da[l])

    def torch_products() -> None:
        ta, tw, tdz, tz, tdw, tda = t_arrays
        for l in range(len(shapes)):
            torch.mm(ta[l], tw[l], out=tz[l])
            torch.mm(ta[l].T, tdz[l], out=tdw[l])
            if l > 0:
                torch.mm(tdz[l], tw[l].T, out=tda[l])

    calls = {"actlab step": trainer.step, "PyTorch step": torch_step, "actlab products": actlab_products,
             "PyTorch products": torch_products}
    for fn in calls.values():
        fn()
    per_call = {k: [] for k in calls}
    for i in range(10):
        for key in (list(calls) if i % 2 == 0 else list(calls)[::-1]):
            n, _, cpu = timed(calls[key], seconds / 10)
            per_call[key].append(cpu / n * 1e3)
    return {k: statistics.median(v) for k, v in per_call.items()}


def frame_costs(seconds: float) -> Table:
    """The playground's live frame for its two reference networks."""
    from actlab.playground import PlaygroundSession
    from actlab.session import RunConfig

    table = Table(title="playground frame (one epoch + surfaces + instruments + encoding), wall ms")
    for col in ("network", "frame ms", "surfaces + instruments ms"):
        table.add_column(col, justify="right")
    for name, cfg in {"default 4-2": RunConfig(), "6 x 8": RunConfig(layers=(8,) * 6)}.items():
        session = PlaygroundSession(cfg)
        nf, wf, _ = timed(lambda s=session: (s.advance(1), s.frame_data().encode()), seconds)
        ns, ws, _ = timed(lambda s=session: s.frame_data().encode(), seconds)
        table.add_row(name, f"{wf / nf * 1000:.2f}", f"{ws / ns * 1000:.2f}")
    return table


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=1.0, help="per network and run, shared by both")
    ap.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    ap.add_argument("--nets", nargs="+", default=list(NETS), choices=list(NETS), metavar="NET")
    ap.add_argument("--frames", action="store_true", help="also time the playground's live frame")
    ap.add_argument("--split", action="store_true",
                    help="also split each step into its matrix products (the engine's library against PyTorch's) "
                         "and the rest")
    ap.add_argument("--gemm", choices=["auto", "mkl", "numpy"], default="auto",
                    help="the engine's matrix products: MKL where installed (auto), MKL or NumPy's matmul")
    args = ap.parse_args()
    _gemm.use(args.gemm)
    import torch

    torch.set_num_threads(1)
    console = Console(width=150)
    console.print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (a shared machine "
                  "makes wall-time ratios noisy; read the CPU-time ratio)")
    console.print(f"actlab's {_gemm.status()}")
    table = Table(title=f"actlab examples/s over PyTorch {torch.__version__}'s, same network and step, one thread, "
                        f"median \\[range] of {args.runs} interleaved runs")
    for col in ("network", "dtype", "ratio (CPU time)", "ratio (wall time)", "actlab examples/s (CPU)",
                "PyTorch examples/s (CPU)"):
        table.add_column(col, justify="right")
    for name in args.nets:
        hidden, batch = NETS[name]
        for dtype in args.dtypes:
            runs = [compare(hidden, batch, dtype, args.seconds) for _ in range(args.runs)]
            table.add_row(name, dtype, spread([r["cpu"] for r in runs]), spread([r["wall"] for r in runs]),
                          f"{statistics.median(r['actlab_ex_s'] for r in runs):,.0f}",
                          f"{statistics.median(r['torch_ex_s'] for r in runs):,.0f}")
    console.print(table)
    if args.split:
        split = Table(title="ms of CPU time per step: the whole step, its matrix products alone (the same shapes, "
                            f"actlab's {_gemm.library()} and PyTorch's), and the rest; median of 10 interleaved "
                            "slices of --seconds / 10")
        for col in ("network", "dtype", "actlab step", "actlab products", "actlab rest", "PyTorch step",
                    "PyTorch products", "PyTorch rest"):
            split.add_column(col, justify="right")
        for name in args.nets:
            hidden, batch = NETS[name]
            for dtype in args.dtypes:
                r = gemm_split(hidden, batch, dtype, args.seconds)
                split.add_row(name, dtype, *(f"{v:.2f}" for v in (
                    r["actlab step"], r["actlab products"], r["actlab step"] - r["actlab products"], r["PyTorch step"],
                    r["PyTorch products"], r["PyTorch step"] - r["PyTorch products"])))
        console.print(split)
    if args.frames:
        console.print(frame_costs(args.seconds))
    console.print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
