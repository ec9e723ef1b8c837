"""Training speed of the engine against TensorFlow Playground's measured rates.

Usage: python bench/train.py [--seconds 3]

Single process, single thread. For the reference's default network (circle, x1 x2, 4-2 tanh,
batch 10, 250 training points: one epoch = 25 steps) and its 6 x 8 network, prints steps/s and
examples/s (training only), the cost of one live frame (one epoch, the output over a 100 x 100 grid,
every neuron over 10 x 10, and the instruments), and the instruments' overhead when read every
10 steps. Reference figures (headless Chromium, this machine, from the issue): default 15,000
examples/s vsync-bound (about 28,000/s unthrottled); 6 x 8 about 6,560 examples/s.
"""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.table import Table

from actlab import instruments
from actlab.playground import PlaygroundSession
from actlab.session import RunConfig, build_trainer

REFERENCE = {"default 4-2": 15_000, "6 x 8": 6_560}
CONFIGS = {"default 4-2": RunConfig(), "6 x 8": RunConfig(layers=(8,) * 6)}


def rate(fn, seconds: float) -> tuple[int, float]:
    fn()  # warm-up
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return n, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    table = Table(title="actlab engine vs TensorFlow Playground (single thread)")
    for col in ("network", "steps/s", "examples/s", "reference examples/s", "ratio", "frame ms (epoch + surfaces + "
                "instruments)", "surfaces + instruments ms", "instrument overhead (every 10 steps)"):
        table.add_column(col, justify="right")
    for name, cfg in CONFIGS.items():
        bare = build_trainer(cfg, sample_every=10**9)  # no sampling: the bare training rate
        sampled = build_trainer(cfg, sample_every=10)
        bare_s, sampled_s = [], []
        for _ in range(5):  # interleaved rounds, best of each: the machine's noise hits both alike
            n, dt = rate(bare.step, args.seconds / 5)
            bare_s.append(dt / n)
            n2, dt2 = rate(sampled.step, args.seconds / 5)
            sampled_s.append(dt2 / n2)
        steps = 1 / min(bare_s)
        # the instrument read itself, timed on its own: the interleaved difference above is within noise
        out, trace = bare.net.forward(bare.x_train[:cfg.batch_size])
        grads = bare.net.backward(trace, bare.t_train[:cfg.batch_size])
        nr, dtr = rate(lambda g=grads: instruments.grad_norms(g), 0.5)
        overhead = (dtr / nr) / 10 / min(bare_s)
        interleaved = min(sampled_s) / min(bare_s) - 1
        session = PlaygroundSession(cfg)
        nf, dtf = rate(lambda s=session: (s.advance(1), s.frame_data().encode()), args.seconds)
        frame_ms = dtf / nf * 1000
        ns, dts = rate(lambda s=session: s.frame_data().encode(), args.seconds)
        extra_ms = dts / ns * 1000
        ex = steps * cfg.batch_size
        table.add_row(name, f"{steps:,.0f}", f"{ex:,.0f}", f"{REFERENCE[name]:,}", f"{ex / REFERENCE[name]:.1f}x",
                      f"{frame_ms:.2f}", f"{extra_ms:.2f}", f"{overhead:.1%} (interleaved: {interleaved:+.1%})")
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
