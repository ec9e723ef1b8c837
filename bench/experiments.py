"""Time of each demonstration, and the full vanishing-gradient sweep (goal: under 10 s).

Usage: python bench/experiments.py [--only sweep-256 ...]

Wall time and this process's CPU time of each; on a shared machine the CPU time is the one to read.
"""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.table import Table

from actlab import experiments as ex

RUNS = {  # name: (what it runs, how)
    "sweep-64": ("vanishing sweep: all activations, depths 1..50, width 64, 5 seeds",
                 lambda: ex.sweep(max_depth=50, width=64, seeds=5)),
    "sweep-256": ("vanishing sweep: all activations, depths 1..50, width 256, 5 seeds (goal: under 10 s)",
                  lambda: ex.sweep(max_depth=50, width=256, seeds=5)),
    "linear-collapse": ("linear collapse", ex.linear_collapse),
    "vanishing": ("vanishing (lesson view)", ex.vanishing),
    "dying-relu": ("dying ReLU", ex.dying_relu),
    "gelu-approx": ("GELU approximations", ex.gelu_approx),
    "census": ("census", ex.census),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="+", choices=list(RUNS), metavar="NAME", help="time only these")
    args = ap.parse_args()  # --help prints and exits here, before anything runs
    table = Table(title="demonstrations")
    for col in ("name", "demonstration", "wall s", "CPU s"):
        table.add_column(col, justify="right" if col.endswith(" s") else "left")
    for name, (what, fn) in RUNS.items():
        if args.only and name not in args.only:
            continue
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        table.add_row(name, what, f"{time.perf_counter() - w0:.2f}", f"{time.process_time() - c0:.2f}")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
