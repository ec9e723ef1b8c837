"""What the PyTorch monitor costs a training step, against an A/A baseline in the same run.

Two models, one thread: (a) an 8 x [Linear(256, 256), ReLU] MLP, batch 128; (b) a 4-layer TransformerEncoder with
nn.GELU, d_model 128, batch 16, sequence 64. Each round runs one step of every variant in a rotating order, so a
slow patch of the shared machine lands on all of them alike. Variants: the bare step twice (A and A', whose
difference is the noise floor), the monitor sampling every step (debug), every 10th step, and every="auto".

Per-step cost is the median; amortised cost is the trimmed mean (sampled steps are rare, so a median would hide
them). CPU time (process_time) is recorded beside wall time. Run: python bench/torch_monitor.py [--steps 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

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


def run(name: str, factory, steps: int) -> None:
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
    variants = {"A": bare, "A'": bare, **{k: watched(m) for k, m in monitors.items()}}
    wall = {k: [] for k in variants}
    cpu = {k: [] for k in variants}
    for _ in range(5):  # warm-up: allocator, first-call paths
        for fn in variants.values():
            fn()
    keys = list(variants)
    for i in range(steps):
        order = keys[i % len(keys):] + keys[:i % len(keys)]
        for k in order:
            w0, c0 = time.perf_counter(), time.process_time()
            variants[k]()
            wall[k].append(time.perf_counter() - w0)
            cpu[k].append(time.process_time() - c0)

    def trimmed(v: list[float]) -> float:
        v = sorted(v)
        cut = len(v) // 20
        return statistics.fmean(v[cut:len(v) - cut] if cut else v)

    base_med = statistics.median(wall["A"])
    base_mean, base_cpu = trimmed(wall["A"]), trimmed(cpu["A"])
    n_layers = len(monitors["every=1"].report().layers)
    print(f"\n{name}: {steps} rounds, bare step median {base_med * 1e3:.2f} ms, {n_layers} monitored layers, "
          f"auto chose every={monitors['auto'].every}")
    print(f"{'variant':<10} {'median ms':>10} {'per-step':>9} {'amortised wall':>15} {'amortised cpu':>14}")
    for k in keys:
        med = statistics.median(wall[k])
        print(f"{k:<10} {med * 1e3:>10.3f} {med / base_med - 1:>+9.1%} {trimmed(wall[k]) / base_mean - 1:>+15.1%} "
              f"{trimmed(cpu[k]) / base_cpu - 1:>+14.1%}")
    sampled_extra = statistics.median(wall["every=1"]) - base_med
    print(f"a sampled step adds {sampled_extra * 1e6 / max(n_layers, 1):.0f} us per monitored layer "
          f"(A/A spread {abs(statistics.median(wall[chr(65) + chr(39)]) / base_med - 1):.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="interleaved rounds per model (default 200)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    run("MLP 8 x [Linear(256, 256), ReLU], batch 128", mlp, args.steps)
    run("TransformerEncoder 4 layers, nn.GELU, d_model 128, batch 16, seq 64", transformer, args.steps)


if __name__ == "__main__":
    main()
