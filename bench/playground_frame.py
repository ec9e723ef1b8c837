"""Cost and size of one playground frame on the server, phase by phase (goal: < 25 ms at 8 x 32, < 100 ms at 32 x 256).

Usage: python bench/playground_frame.py [--frames 30] [--runs 3] [--sizes 8x32 32x256] [--activation tanh]

A frame is what the lab's training process does for one session at one epoch per frame (web/pool.py): train
(PlaygroundSession.train: one epoch, or TRAIN_BUDGET's updates when an epoch is bigger), a slice of the full
evaluation (finish_frame: the losses and instruments, a layer at a time for a big network), draw the output
surface and the neuron thumbnails in one forward pass (the live frame's share of them, THUMB_BYTES) and build the
header with the drawn links (frame_data), and pack it (FrameData.encode). Each phase's wall time and this thread's
CPU time are recorded per frame (the first frame is a warm-up and is dropped); each run is a fresh session, and the
table gives the median over all frames and the range of the runs' medians [min-max], with the largest single frame
beside it. Bytes are the encoded message. One BLAS thread, as one of the lab's sessions gets on a shared machine;
the load average is printed before and after each size. On a loaded machine read CPU time.
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

from actlab.playground import PlaygroundSession, frame_header  # noqa: E402
from actlab.playground.evaluation import Evaluation  # noqa: E402
from actlab.session import RunConfig  # noqa: E402

GOALS_MS = {"8x32": 25.0, "32x256": 100.0}
PHASES = ("train", "evaluate", "draw", "encode", "frame")


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
    mark("evaluate")
    data = session.frame_data(rolling=True)  # as the live loop (web/pool.py) asks for it
    mark("draw")
    data.encode()
    mark("encode")
    out["frame"] = (marks[-1][0] - marks[0][0], marks[-1][1] - marks[0][1])
    return out


def spread(values: list[float], runs: list[list[float]], scale: float = 1e3, digits: int = 1) -> str:
    """median over all frames [min-max of the runs' medians], max single frame."""
    meds = [statistics.median(r) for r in runs]
    f = f"{{:.{digits}f}}"
    return (f"{f.format(scale * statistics.median(values))} [{f.format(scale * min(meds))}–"
            f"{f.format(scale * max(meds))}], max {f.format(scale * max(values))}")


def load() -> str:
    return f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def calibrate(console: Console, sizes: list[str], activation: str, runs: int) -> None:
    """CPU time per multiply-add of the two budgeted phases (TRAIN_BUDGET, EVAL_BUDGET) at each size: the frame's
    budget counts multiply-adds, which stands for time only as far as these agree across sizes."""
    table = Table(title=f"ns of CPU per budgeted multiply-add, {activation}, batch 10: median [range of {runs} runs]")
    for col in ("size", "train: MACs an update", "train ns/MAC", "evaluation: MACs", "evaluation ns/MAC"):
        table.add_column(col, justify="right")
    for size in sizes:
        train_ns, eval_ns = [], []
        for _ in range(runs):
            session = PlaygroundSession(RunConfig(layers=parse_size(size), activations=(activation,)))
            t = session.trainer
            per_update = 3 * (t.batch_size + 1) * session.n_weights  # session.py's count
            n = max(1, min(25, int(2e8 // per_update)))
            t.run_updates(1)  # warm-up
            start = time.thread_time()
            t.run_updates(n)
            train_ns.append(1e9 * (time.thread_time() - start) / (n * per_update))
            ev = Evaluation(t, snapshot=False)
            work = ev.work()
            start = time.thread_time()
            ev.run()
            eval_ns.append(1e9 * (time.thread_time() - start) / work)
        table.add_row(size, f"{per_update:,.0f}", f"{statistics.median(train_ns):.3f} [{min(train_ns):.3f}–"
                      f"{max(train_ns):.3f}]", f"{work:,.0f}", f"{statistics.median(eval_ns):.3f} "
                      f"[{min(eval_ns):.3f}–{max(eval_ns):.3f}]")
    console.print(table)
    console.print(f"load average {load()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", nargs="+", default=list(GOALS_MS))
    ap.add_argument("--activation", default="tanh")
    ap.add_argument("--calibrate", action="store_true", help="CPU ns per budgeted multiply-add at each size, then exit")
    args = ap.parse_args()
    console = Console(width=150)
    if args.calibrate:
        calibrate(console, args.sizes, args.activation, args.runs)
        return
    for size in args.sizes:
        before = load()
        runs, sizes, evaluations = [], [], []
        for _ in range(args.runs):
            session = PlaygroundSession(RunConfig(layers=parse_size(size), activations=(args.activation,)))
            session.last_frame = session.trainer.frame()  # the first frame, as the training process makes it
            one_frame(session)  # warm-up
            frames = []
            for _ in range(args.frames):
                frames.append(one_frame(session))
                sizes.append(len(session.frame_data(rolling=True).encode()))
            runs.append(frames)
            evaluations.append(frame_header(session.frame_data().encode())["evaluated_step"])
        goal = GOALS_MS.get(size)
        table = Table(title=f"one frame, {size} {args.activation}, circle 500 points, batch 10, "
                            f"{session.updates_per_frame} updates a frame at most ({session.updates_per_epoch} an "
                            f"epoch), surface {session.grid}x{session.grid}, thumbnails "
                            f"{session.thumb_size}x{session.thumb_size}: ms, median \\[range of {args.runs} runs' "
                            f"medians] over {args.frames} frames a run"
                            + (f" (goal: frame < {goal:g} ms)" if goal else ""))
        for col in ("phase", "CPU ms", "wall ms"):
            table.add_column(col, justify="right")
        for phase in PHASES:
            cpu, wall = ([[f[phase][k] for f in r] for r in runs] for k in (1, 0))
            table.add_row(phase, spread([v for r in cpu for v in r], cpu), spread([v for r in wall for v in r], wall))
        console.print(table)
        console.print(f"bytes per frame: median {statistics.median(sizes):,.0f}, range {min(sizes):,}–{max(sizes):,}; "
                      f"numbers of the last frame evaluated at step {evaluations} (the runs reached step "
                      f"{session.trainer.step_count}); load average {before} before, {load()} after")


if __name__ == "__main__":
    main()
