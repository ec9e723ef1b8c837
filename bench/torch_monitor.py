"""What the PyTorch monitor costs a training step, against an A/A baseline in the same run.

Two models, one thread: (a) an 8 x [Linear(256, 256), ReLU] MLP, batch 128; (b) a 4-layer TransformerEncoder with
nn.GELU, d_model 128, batch 16, sequence 64. Each round runs one step of every variant in a rotating order, so a
slow patch of the shared machine lands on all of them alike. Variants: the bare step twice (A and A', whose
difference is the noise floor), the monitor sampling every step (debug), every 10th step, and every="auto".

Per-step cost is the median; amortised cost is the trimmed mean (sampled steps are rare, so a median would hide
them). CPU time (process_time) is printed beside wall time, with the load average before and after, since on a
shared machine wall time also counts waiting for a core. --repeat R runs the whole comparison R times and prints
the median and range of each overhead over the runs. --before REV adds the monitor as committed at git revision REV
(loaded from `git show`, every step sampled) to the same rotation, so a change is measured against its predecessor
in one process, under the same load.
Run: python bench/torch_monitor.py [--steps 100] [--repeat 3] [--models mlp,transformer] [--before HEAD]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from actlab.torch import Monitor


def mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    layers = [m for _ in range(8) for m in (nn.Linear(256, 256), nn.ReLU())]
    return nn.Sequential(*layers, nn.Linear(256, 1)), torch.randn(128, 256), torch.randn(128, 1)


def transformer() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(128, 4, 512, activation=nn.GELU(), batch_first=True, dropout=0.0)
    return nn.TransformerEncoder(layer, 4, enable_nested_tensor=False), torch.randn(16, 64, 128), \
        torch.randn(16, 64, 128)


MODELS = {"mlp": ("MLP 8 x [Linear(256, 256), ReLU], batch 128", mlp),
          "transformer": ("TransformerEncoder 4 layers, nn.GELU, d_model 128, batch 16, seq 64", transformer)}


def monitor_at(rev: str) -> type:
    """The Monitor class of src/actlab/interop/torch.py as committed at ``rev``, loaded beside the current one (as a
    module of the same package, so its relative imports resolve to today's core)."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{rev}:src/actlab/interop/torch.py"], cwd=root, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "torch_before.py"
    path.write_text(source)
    name = "actlab.interop._torch_before"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.Monitor


def _trimmed(v: list[float]) -> float:
    v = sorted(v)
    cut = len(v) // 20
    return statistics.fmean(v[cut:len(v) - cut] if cut else v)


def run(factory, steps: int, before: type | None = None) -> dict:
    """One interleaved comparison; returns each variant's overheads against A and the per-layer sampled cost."""
    model, x, y = factory()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)

    def bare() -> None:
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.zero_grad(set_to_none=True)

    def watched(mon: Monitor):
        def step() -> None:
            with mon.step() as s:
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                s.loss = loss
            opt.zero_grad(set_to_none=True)
        return step

    monitors = {"every=1": Monitor(model, every=1), "every=10": Monitor(model, every=10),
                "auto": Monitor(model, every="auto", budget=0.03)}
    if before is not None:
        monitors["before:1"] = before(model, every=1)
    variants = {"A": bare, "A'": bare, **{k: watched(m) for k, m in monitors.items()}}
    wall = {k: [] for k in variants}
    cpu = {k: [] for k in variants}
    for _ in range(5):  # warm-up: allocator, first-call paths
        for fn in variants.values():
            fn()
    keys = list(variants)
    load = [os.getloadavg()[0]]
    for i in range(steps):
        order = keys[i % len(keys):] + keys[:i % len(keys)]
        for k in order:
            w0, c0 = time.perf_counter(), time.process_time()
            variants[k]()
            wall[k].append(time.perf_counter() - w0)
            cpu[k].append(time.process_time() - c0)
    load.append(os.getloadavg()[0])
    n_layers = len(monitors["every=1"].report().layers)
    out = {"load": load, "layers": n_layers, "auto_every": monitors["auto"].every,
           "bare_wall_ms": statistics.median(wall["A"]) * 1e3, "bare_cpu_ms": statistics.median(cpu["A"]) * 1e3}
    for k in keys:
        out[k] = {"per_step_wall": statistics.median(wall[k]) / statistics.median(wall["A"]) - 1,
                  "per_step_cpu": statistics.median(cpu[k]) / statistics.median(cpu["A"]) - 1,
                  "amortised_wall": _trimmed(wall[k]) / _trimmed(wall["A"]) - 1,
                  "amortised_cpu": _trimmed(cpu[k]) / _trimmed(cpu["A"]) - 1}
    out["sampled_us_per_layer_cpu"] = (statistics.median(cpu["every=1"]) - statistics.median(cpu["A"])) * 1e6 / \
        max(n_layers, 1)
    out["sampled_us_per_layer_wall"] = (statistics.median(wall["every=1"]) - statistics.median(wall["A"])) * 1e6 / \
        max(n_layers, 1)
    if before is not None:
        out["before_us_per_layer_cpu"] = (statistics.median(cpu["before:1"]) - statistics.median(cpu["A"])) * 1e6 / \
            max(n_layers, 1)
        # the change itself: every=1 now against every=1 before, per step
        out["now/before cpu"] = statistics.median(cpu["every=1"]) / statistics.median(cpu["before:1"]) - 1
    return out


def _span(values: list[float], pct: bool = True) -> str:
    fmt = (lambda v: f"{v:+.1%}") if pct else (lambda v: f"{v:.0f}")
    med = statistics.median(values)
    return fmt(med) if len(values) == 1 else f"{fmt(med)} [{fmt(min(values))}, {fmt(max(values))}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="interleaved rounds per model and run (default 200)")
    parser.add_argument("--repeat", type=int, default=1, help="whole comparisons per model (default 1)")
    parser.add_argument("--models", default="mlp,transformer", help="comma-separated: mlp, transformer")
    parser.add_argument("--before", default=None, help="a git revision: its monitor joins the rotation as before:1")
    args = parser.parse_args()
    torch.set_num_threads(1)
    before = monitor_at(args.before) if args.before else None
    for key in args.models.split(","):
        title, factory = MODELS[key]
        runs = [run(factory, args.steps, before) for _ in range(args.repeat)]
        loads = [v for r in runs for v in r["load"]]
        print(f"\n{title}: {args.steps} rounds x {args.repeat} run(s), {runs[0]['layers']} monitored layers, "
              f"bare step median {_span([r['bare_wall_ms'] for r in runs], False)} ms wall / "
              f"{_span([r['bare_cpu_ms'] for r in runs], False)} ms CPU, load average "
              f"{min(loads):.1f}-{max(loads):.1f}, auto chose every={[r['auto_every'] for r in runs]}")
        print("overheads against A: median [range over runs]")
        print(f"{'variant':<9} {'per-step cpu':>26} {'per-step wall':>26} {'amortised cpu':>26} {'amortised wall':>26}")
        for k in ("A'", "every=1", "every=10", "auto") + (("before:1",) if before else ()):
            print(f"{k:<9} " + " ".join(f"{_span([r[k][m] for r in runs]):>26}" for m in
                                        ("per_step_cpu", "per_step_wall", "amortised_cpu", "amortised_wall")))
        print(f"a sampled step adds {_span([r['sampled_us_per_layer_cpu'] for r in runs], False)} us CPU "
              f"({_span([r['sampled_us_per_layer_wall'] for r in runs], False)} us wall) per monitored layer")
        if before:
            print(f"{args.before}'s monitor adds {_span([r['before_us_per_layer_cpu'] for r in runs], False)} us CPU "
                  f"per layer; every=1 now against {args.before}'s, per-step CPU: "
                  f"{_span([r['now/before cpu'] for r in runs])}")


if __name__ == "__main__":
    main()
