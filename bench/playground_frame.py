"""Cost of one playground frame on the server, phase by phase (goal: < 25 ms at 8 x 32, < 100 ms at 32 x 256).

Usage: python bench/playground_frame.py [--frames 15] [--sizes 8x32 32x256] [--activation tanh]

A frame is what the lab's WebSocket loop does for one session at one epoch per frame: train one epoch
(PlaygroundSession.train), evaluate the frame's instruments on the training set (finish_frame), draw
the output surface and every neuron's thumbnail and build the header (frame_data), and pack it
(FrameData.encode). Each phase's wall time and this thread's CPU time are recorded per frame (the
first frame is a warm-up and is dropped); the table gives the median and the range over frames. One
BLAS thread, as one of the lab's sessions gets on a shared machine. On a loaded machine read CPU time.
The issue names no framework for this comparison, so there is no peer column: the goals are absolute.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from actlab.playground import PlaygroundSession  # noqa: E402
from actlab.session import RunConfig  # noqa: E402

GOALS_MS = {"8x32": 25.0, "32x256": 100.0}
PHASES = ("train", "instruments", "draw", "encode", "frame")


def parse_size(text: str) -> tuple[int, ...]:
    depth, width = (int(p) for p in text.lower().split("x"))
    return (width,) * depth


def one_frame(session: PlaygroundSession) -> dict[str, tuple[float, float]]:
    """(wall s, CPU s) of each phase of one frame."""
    out = {}
    marks = [(time.perf_counter(), time.thread_time())]

    def mark(name):
        marks.append((time.perf_counter(), time.thread_time()))
        out[name] = (marks[-1][0] - marks[-2][0], marks[-1][1] - marks[-2][1])

    session.train(1)
    mark("train")
    session.finish_frame()
    mark("instruments")
    data = session.frame_data()
    mark("draw")
    data.encode()
    mark("encode")
    out["frame"] = (marks[-1][0] - marks[0][0], marks[-1][1] - marks[0][1])
    return out


def spread_ms(values: list[float]) -> str:
    return f"{1e3 * statistics.median(values):.1f} [{1e3 * min(values):.1f}–{1e3 * max(values):.1f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=15)
    ap.add_argument("--sizes", nargs="+", default=list(GOALS_MS))
    ap.add_argument("--activation", default="tanh")
    args = ap.parse_args()
    console = Console(width=150)
    console.print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for size in args.sizes:
        cfg = RunConfig(layers=parse_size(size), activations=(args.activation,))
        session = PlaygroundSession(cfg)
        one_frame(session)  # warm-up
        frames = [one_frame(session) for _ in range(args.frames)]
        goal = GOALS_MS.get(size)
        table = Table(title=f"one frame, {size} {args.activation}, circle 500 points, batch 10, thumbnails "
                            f"{session.thumb_size}x{session.thumb_size}: ms, median \\[range] of {args.frames} frames"
                            + (f" (goal: frame < {goal:g} ms)" if goal else ""))
        for col in ("phase", "CPU ms", "wall ms"):
            table.add_column(col, justify="right")
        for phase in PHASES:
            table.add_row(phase, spread_ms([f[phase][1] for f in frames]), spread_ms([f[phase][0] for f in frames]))
        console.print(table)
    console.print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
