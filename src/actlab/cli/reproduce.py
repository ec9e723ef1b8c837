"""`actlab reproduce [NAME...]`: the papers' claims, each measured beside the paper's number, with a verdict."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..experiments import papers as core
from ..experiments.reproduction import NOT_REPRODUCED, PARTLY, REPRODUCED, UNDECIDED, Reproduction
from ._app import app, console, fail

_STYLE = {REPRODUCED: "green", PARTLY: "yellow", UNDECIDED: "magenta", NOT_REPRODUCED: "red", "shown": "dim"}


@app.command()
def reproduce(
    names: Annotated[list[str] | None, typer.Argument(
        help=f"Claims to run (all when none): {', '.join(core.names())}")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="The reduced runs (under a minute for all); claims "
                                                         "that need the full run show its stored record")] = False,
    seeds: Annotated[int | None, typer.Option(help="Seeds per part (each claim's default when not given)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the records as JSON")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write one figure per claim into this folder (needs "
                                                   "matplotlib)")] = None,
    # 1 by default: on the 2-core machine two workers cost 40-50% more CPU time (each claim's own CPU time rose
    # about 1.4x beside the other) and did not shorten the quick set (bench/reproduce.py --versus-jobs, 4 rounds)
    jobs: Annotated[int, typer.Option(help="Claims run side by side in this many processes (1: one after "
                                           "another here)")] = 1,
) -> None:
    """Re-measure the papers' claims, each with a verdict.

    Each claim's number from the paper stands beside actlab's measurement, then the verdict and, where a claim
    does not reproduce, why."""
    chosen = core.check_names(names)
    if seeds is not None and not 1 <= seeds <= 20:
        fail(f"--seeds must be 1-20; got {seeds}")
    if not 1 <= jobs <= 8:
        fail(f"--jobs must be 1-8; got {jobs}")
    if plot is not None:
        if not plot.is_dir():
            fail(f"--plot: {plot} is not a folder; create it first")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            fail("--plot needs matplotlib: pip install 'actlab[plot]'")
    out = Console(stderr=True) if json_out else console.real  # with --json, stdout carries JSON alone
    records, start = [], time.perf_counter()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[step]}"),
                  TimeElapsedColumn(), console=out, transient=json_out) as progress:
        # one bar per claim from the start (with several processes the claims advance side by side), each clock
        # started by the claim's first step, so that a bar times its own claim and not the wait before it
        tasks = {name: progress.add_task(name, total=1, step="waiting", start=False) for name in chosen}

        def on_step(name: str, done: int, total: int, message: str) -> None:
            progress.start_task(tasks[name])  # no effect once started
            progress.update(tasks[name], completed=done, total=max(total, 1), step=escape(message))

        for record, _ in core.run_claims(chosen, quick=quick, seeds=seeds, on_step=on_step, workers=jobs):
            progress.start_task(tasks[record.name])  # a stored record reports no step
            task = next(t for t in progress.tasks if t.id == tasks[record.name])
            # completed, not a new total: a new total restarts the bar's clock, which stopped at its last step
            progress.update(task.id, completed=task.total, step=record.verdict)
            records.append(record)
            if not json_out:
                progress.console.print(claim_table(record))
    elapsed = time.perf_counter() - start
    if plot is not None:
        for record in records:
            path = plot_claim(record, plot / f"{record.name}.png")
            out.print(f"figure: {path}")
    if json_out:
        typer.echo(json.dumps({"quick": quick, "seconds": elapsed, "claims": [r.to_dict() for r in records]},
                              allow_nan=False))
        return
    console.print(summary_table(records, elapsed))


def claim_table(r: Reproduction) -> Table:
    """One claim: each finding beside the paper's number, then the verdict, what did not reproduce, and why."""
    mark = escape(" [stored full run]" if r.stored else (" [quick]" if r.quick else ""))
    # ratios share the width out (rich reads them only with expand=True): the claim gets half of what is left after
    # the number columns, so at 80 columns it no longer wraps a word or two a line; a rule between rows keeps one
    # claim's detail line from running into the next claim
    table = Table(title=f"{r.name}: {escape(r.paper)}{mark}", title_justify="left", caption_justify="left",
                  show_lines=True, expand=True, width=min(console.width, 140))
    for col, kw in (("what is claimed", {"ratio": 4}), ("paper", {"ratio": 2}),
                    ("actlab", {"justify": "right", "no_wrap": True}), ("n", {"justify": "right", "no_wrap": True}),
                    ("criterion", {"ratio": 2}), ("verdict", {"no_wrap": True})):
        table.add_column(col, overflow="fold", **kw)
    for f in r.findings:
        what = escape(f.what) + (f"\n[dim]↳ {escape(f.note)}[/dim]" if f.note else "")
        table.add_row(what, escape(f.paper) or "—", f.measured_text, str(f.n), escape(f.criterion) or "—",
                      f"[{_STYLE[f.verdict]}]{f.verdict}[/]")
    lines = [f"[bold]verdict: [{_STYLE[r.verdict]}]{r.verdict}[/][/bold]  ({escape(r.claim)})"]
    missing = r.not_reproduced()
    if missing:
        lines.append("[red]did not reproduce here:[/red] " + "; ".join(escape(f.what) for f in missing))
    open_ = [f for f in r.findings if f.verdict == UNDECIDED]
    if open_:
        lines.append("[magenta]not decided by the seeds run:[/magenta] " + "; ".join(escape(f.what) for f in open_))
    if r.explanation:
        lines.append(escape(r.explanation))
    timing = "stored" if r.stored else f"{r.seconds:.1f} s"
    lines.append(f"[dim]run: {escape(r.run_matrix)} ({timing})[/dim]")
    table.caption = "\n".join(lines)
    return table


def summary_table(records: list[Reproduction], elapsed: float) -> Table:
    table = Table(title=f"papers reproduced ({elapsed:.1f} s)", title_justify="left")
    for col in ("claim", "verdict", "run", "seconds"):
        table.add_column(col)
    for r in records:
        kind = "stored full run" if r.stored else ("quick" if r.quick else "full")
        table.add_row(r.name, f"[{_STYLE[r.verdict]}]{r.verdict}[/]", kind, "—" if r.stored else f"{r.seconds:.1f}")
    return table


def plot_claim(r: Reproduction, path: Path) -> Path:
    """One figure per claim, a panel per series group, drawn from the numbers the run measured."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    panels = list(dict.fromkeys(s.panel for s in r.series))
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(4.2 * max(len(panels), 1), 3.6), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=False):
        for s in (s for s in r.series if s.panel == panel):
            if s.x_labels:  # named categories (e.g. the feed-forward units): points over their names
                ax.plot(s.x, s.y, "o", label=s.label)
                ax.set_xticks(s.x, s.x_labels, fontsize=7, rotation=30)
            else:
                ax.plot(s.x, s.y, label=s.label, linewidth=1.2)
            if s.log_y:
                ax.set_yscale("log")
        ax.set_title(panel, fontsize=9)
        ax.legend(fontsize=6)
    fig.suptitle(f"{r.name}: {r.verdict}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
