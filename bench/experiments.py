"""Time of each demonstration, and the full vanishing-gradient sweep (goal: under 10 s).

Usage: python bench/experiments.py
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from actlab import experiments as ex

RUNS = {
    "vanishing sweep (all activations, depths 1..50, width 64, 5 seeds)": lambda: ex.sweep(max_depth=50, width=64,
                                                                                         seeds=5),
    "linear-collapse": ex.linear_collapse,
    "vanishing (lesson view)": ex.vanishing,
    "dying-relu": ex.dying_relu,
    "gelu-approx": ex.gelu_approx,
    "census": ex.census,
}


def main() -> None:
    table = Table(title="demonstrations")
    table.add_column("demonstration")
    table.add_column("seconds", justify="right")
    for name, fn in RUNS.items():
        t0 = time.perf_counter()
        fn()
        table.add_row(name, f"{time.perf_counter() - t0:.2f}")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
