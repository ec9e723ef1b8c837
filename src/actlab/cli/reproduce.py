"""`actlab reproduce [NAME...]`: the papers' claims, each measured beside the paper's number, with a verdict."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..experiments import figures
from ..experiments import papers as core
from ..experiments.reproduction import NOT_REPRODUCED, PARTLY, REPRODUCED, SEEDS, UNDECIDED, Finding, Reproduction
from ..experiments.rerun import QUICK, STORED, Rerun
from ._app import app, console, fail

_STYLE = {REPRODUCED: "green", PARTLY: "yellow", UNDECIDED: "magenta", NOT_REPRODUCED: "red", "shown": "dim"}


@app.command()
def reproduce(
    names: Annotated[list[str] | None, typer.Argument(
        metavar="NAME", help=f"Claims to run (all when none): {', '.join(core.names())}.")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="The reduced runs (about 30 s of CPU time for all; longer "
                                                         "on a busy machine), each beside the stored full run. A "
                                                         "claim that needs the full run shows its stored "
                                                         "record.")] = False,
    # text, not int: typer's own refusal of "1.5" speaks of parsing; _whole_number says what is allowed
    seeds: Annotated[str | None, typer.Option(metavar="N", help="Seeds per part, a whole number from 1 to 20 "
                                                                "(each claim's default when not given). lu2019 "
                                                                "counts random nets and takes none.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
    plot: Annotated[str | None, typer.Option(metavar="FOLDER", help="Write one figure per claim into this folder "
                                                                    "(needs matplotlib).")] = None,
    # 1 by default: on the 2-core machine two workers cost 40-50% more CPU time (each claim's own CPU time rose
    # about 1.4x beside the other) and did not shorten the quick set (bench/reproduce.py --versus-jobs, 4 rounds)
    jobs: Annotated[str, typer.Option(metavar="N", help="Claims run side by side in this many processes, a whole "
                                                        "number from 1 to 8 (1: one after another here).")] = "1",
) -> None:
    """Re-measure the papers' claims, each with a verdict.

    Each claim's number from the paper stands beside actlab's measurement, with the verdict and, if it fails, why.
    """
    for name in names or []:  # the argument by its own name (the core calls its field "name")
        if name not in core.CLAIMS:
            fail(f"NAME: {core.unknown_claim_text(name)}")
    chosen = core.check_names(names)
    n_seeds = None if seeds is None else _whole_number("--seeds", seeds, 1, 20)
    n_jobs = _whole_number("--jobs", jobs, 1, 8)
    out = Console(stderr=True) if json_out else console.real  # with --json, stdout carries JSON alone
    if n_seeds is not None:
        for name in chosen:
            why = core.seeds_unused(name, quick)
            if why:
                out.print(f"[yellow]note:[/yellow] --seeds {n_seeds} does not change {name}: {escape(why)}.")
    if plot is not None:
        if not plot.strip():  # Path("") is the current folder: an empty name is a slip, not a choice
            fail("--plot: the folder name is empty; name a folder for the figures (a dot for the current one)")
        plot = Path(plot)
        if plot.exists() and not plot.is_dir():
            fail(f"--plot: {plot} is a file, not a folder; give a folder for the figures")
        try:
            plot.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            fail(f"--plot: cannot create the folder {plot}: {err.strerror or err}")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            fail("--plot needs matplotlib: pip install 'actlab[plot]'")
    records, reruns, start = [], [], time.perf_counter()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[step]}"),
                  TimeElapsedColumn(), console=out, transient=json_out) as progress:
        # one bar per claim from the start (with several processes the claims advance side by side), each clock
        # started by the claim's first step, so that a bar times its own claim and not the wait before it
        tasks = {name: progress.add_task(name, total=1, step="waiting", start=False) for name in chosen}

        def on_step(name: str, done: int, total: int, message: str) -> None:
            progress.start_task(tasks[name])  # no effect once started
            progress.update(tasks[name], completed=done, total=max(total, 1), step=escape(message))

        for record, _ in core.run_claims(chosen, quick=quick, seeds=n_seeds, on_step=on_step, workers=n_jobs):
            progress.start_task(tasks[record.name])  # a stored record reports no step
            task = next(t for t in progress.tasks if t.id == tasks[record.name])
            # completed, not a new total: a new total restarts the bar's clock, which stopped at its last step
            records.append(record)
            if quick:  # a quick run is shown beside the stored full run, whose findings it does not all measure
                reruns.append(core.beside_stored(record))
            progress.update(task.id, completed=task.total, step=(reruns[-1] if quick else record).verdict)
            if not json_out:
                progress.console.print(rerun_table(reruns[-1]) if quick else claim_table(record))
    elapsed = time.perf_counter() - start
    if plot is not None:
        for i, record in enumerate(records):  # a quick figure is drawn under the stored full run's, both named
            path = plot_claim(reruns[i] if quick else record, plot / f"{record.name}.png")
            out.print(f"figure: {path}")
    if json_out:
        claims = [r.to_dict() for r in (reruns if quick else records)]
        typer.echo(json.dumps({"quick": quick, "seconds": elapsed, "claims": claims}, allow_nan=False))
        return
    console.print(summary_table(reruns if quick else records, elapsed))


def _whole_number(option: str, text: str, low: int, high: int) -> int:
    """``text`` as a whole number from ``low`` to ``high``, or a one-line refusal that says so."""
    if not re.fullmatch(r"\s*[0-9]+\s*", text) or not low <= int(text) <= high:
        fail(f"{option}: a whole number from {low} to {high}; got {text!r}")
    return int(text)


def claim_table(r: Reproduction) -> Table:
    """One claim: each finding beside the paper's number, then the verdict, what did not reproduce, and why."""
    mark = escape(" [stored full run]" if r.stored else (" [quick]" if r.quick else ""))
    # ratios share the width out (rich reads them only with expand=True): the claim gets half of what is left after
    # the number columns, so at 80 columns it no longer wraps a word or two a line; a rule between rows keeps one
    # claim's detail line from running into the next claim
    table = Table(title=f"{r.name}: {escape(r.paper)}{mark}", title_justify="left", caption_justify="left",
                  show_lines=True, expand=True, width=min(console.width, 140))
    for col, kw in (("what is claimed", {"ratio": 8}), ("paper", {"ratio": 3}),
                    ("actlab", {"justify": "right", "no_wrap": True}), ("n", {"justify": "right", "no_wrap": True}),
                    ("criterion", {"ratio": 6, "min_width": len("criterion")}), ("verdict", {"no_wrap": True})):
        table.add_column(col, overflow="fold", **kw)
    for f in r.findings:
        what = escape(f.what) + _n_line([("", f)]) + (f"\n[dim]↳ {escape(f.note)}[/dim]" if f.note else "")
        table.add_row(what, escape(f.paper) or "—", f.measured_text, _n_cell(f), escape(f.criterion) or "—",
                      f"[{_STYLE[f.verdict]}]{f.verdict}[/]")
    lines = [f"[bold]verdict: [{_STYLE[r.verdict]}]{r.verdict}[/][/bold]  ({escape(r.claim)})"]
    if not all(_counts_seeds(f) for f in r.findings):
        lines.append(_N_KEY)
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


def _finding_lines(r: Rerun) -> tuple[list, list[str]]:
    """The findings the verdict counts that did not reproduce and that the seeds left open, each marked where it was
    measured when the claim shows two runs."""
    both = r.quick is not None and r.stored is not None
    failed, open_ = [], []
    for row in r.rows():
        f = row.latest
        text = escape(f.what) + (" (stored full run)" if both and row.quick is None else "")
        (failed if f.verdict == NOT_REPRODUCED else open_ if f.verdict == UNDECIDED else []).append(text)
    return failed, open_


_N_KEY = "[dim]n: the seeds a figure is the mean of; where it reads —, the row's ↳ n: line says what it counts[/dim]"
_RUN_NAME = {"quick": QUICK, "stored": STORED}  # a rerun table's runs as their notes name them


def _counts_seeds(f: Finding) -> bool:
    """Whether the n column's bare number says it all: a mean over that many seeds."""
    return f.n_of == SEEDS and not f.n_words


def _n_cell(f: Finding) -> str:
    """The n column: the seed count, or "—" where n counts something else (said in the row's ↳ n: line). The column
    stays a number wide, so that at 80 columns the claim keeps its room."""
    return str(f.n) if _counts_seeds(f) else "—"


def _n_line(runs: list[tuple[str, Finding | None]]) -> str:
    """A row's "↳ n: 56 cells x 40,000 nets" line where its n is not a count of seeds: one line where the runs say
    the same, else one per run, named."""
    said = [(label, f.n_text) for label, f in runs if f is not None and not _counts_seeds(f)]
    if not said:
        return ""
    if len({text for _, text in said}) == 1 and len(said) == len([f for _, f in runs if f is not None]):
        return f"\n[dim]↳ n: {escape(said[0][1])}[/dim]"
    return "".join(f"\n[dim]↳ n, {escape(label)}: {escape(text)}[/dim]" for label, text in said)


def _cell(f: Finding | None) -> tuple[str, str, str]:
    """One run's measurement, seed count and verdict for a finding, or what stands in for a finding it lacks."""
    if f is None:
        return "—", "—", "[dim]not measured[/dim]"
    return f.measured_text, _n_cell(f), f"[{_STYLE[f.verdict]}]{f.verdict}[/]"


def _criteria(row, runs: list[tuple[str, str]]) -> str:
    """The criterion of each run's figure: one where both runs' figures are judged alike, else each named by its run
    (a one-seed quick figure reads "(one seed)" where the stored mean of five reads "in every seed")."""
    found = [(label, getattr(row, attr).criterion) for label, attr in runs if getattr(row, attr) is not None]
    texts = {text for _, text in found}
    if len(texts) <= 1:
        return escape(next(iter(texts), "")) or "—"
    return "\n".join(f"{label}: {escape(text) or '—'}" for label, text in found)


def rerun_table(r: Rerun) -> Table:
    """A quick run beside the stored full run: each finding's two measurements, the quick one above the stored one
    (the column headers say which), each with its seeds and verdict; the claim's verdict counts every finding
    (rerun.Rerun), so none drops out of it."""
    base = r.record
    if r.quick is None:
        mark, runs = "[stored full run]", [("stored", "stored")]
    elif r.stored is None:
        mark, runs = "[quick, no stored full run]", [("quick", "quick")]
    else:
        mark = f"[quick run beside the stored full run of {r.stored_when or 'an earlier day'}]"
        runs = [("quick", "quick"), ("stored", "stored")]
    table = Table(title=f"{r.name}: {escape(base.paper)} {escape(mark)}", title_justify="left",
                  caption_justify="left", show_lines=True, expand=True, width=min(console.width, 140))
    heads = "\n".join(label for label, _ in runs)
    for col, kw in (("what is claimed", {"ratio": 8}), ("paper", {"ratio": 3}),
                    (heads, {"justify": "right", "no_wrap": True}), ("n", {"justify": "right", "no_wrap": True}),
                    ("criterion", {"ratio": 6, "min_width": len("criterion")}), ("verdict", {"no_wrap": True})):
        table.add_column(col, overflow="fold", **kw)
    for row in r.rows():
        f = row.latest
        cells = [_cell(getattr(row, attr)) for _, attr in runs]
        # each run's own note named by its run (rerun.Row.notes): the quick run's is not the stored run's
        what = escape(f.what) + _n_line([(_RUN_NAME[attr], getattr(row, attr)) for _, attr in runs]) + "".join(
            f"\n[dim]↳ {escape(f'{run}: ' if run else '')}{escape(note)}[/dim]" for run, note in row.notes())
        table.add_row(what, escape(f.paper) or "—", *("\n".join(c[i] for c in cells) for i in (0, 1)),
                      _criteria(row, runs), "\n".join(c[2] for c in cells))
    lines = [f"[bold]verdict: [{_STYLE[r.verdict]}]{r.verdict}[/][/bold]  (counts {escape(r.basis)})"]
    if not all(_counts_seeds(f) for row in r.rows() for f in (row.quick, row.stored) if f is not None):
        lines.append(_N_KEY)
    if r.quick is not None and r.stored is not None:
        lines.append("each finding: the quick run's figure, seeds and verdict above, the stored full run's below")
        lines.append(f"the quick run's own findings: {r.quick.verdict}; the stored full run: {r.stored.verdict}")
    failed, open_ = _finding_lines(r)
    if failed:
        lines.append("[red]did not reproduce here:[/red] " + "; ".join(failed))
    if open_:
        lines.append("[magenta]not decided by the seeds run:[/magenta] " + "; ".join(open_))
    lines.append(f"[dim]{escape(base.claim)}[/dim]")
    if base.explanation:
        lines.append(escape(base.explanation))
    if r.quick is not None:
        lines.append(f"[dim]quick run: {escape(r.quick.run_matrix)} ({r.quick.seconds:.1f} s)[/dim]")
    if r.stored is not None:
        lines.append(f"[dim]stored full run: {escape(r.stored.run_matrix)}[/dim]")
    table.caption = "\n".join(lines)
    return table


def summary_table(records: list[Reproduction] | list[Rerun], elapsed: float) -> Table:
    table = Table(title=f"claims from the papers, measured here ({elapsed:.1f} s)", title_justify="left")
    for col in ("claim", "verdict", "run", "seconds"):
        table.add_column(col)
    for r in records:
        if isinstance(r, Rerun):
            kind = ("stored full run" if r.quick is None else "quick" if r.stored is None
                    else "quick + stored full run")
            seconds = "—" if r.quick is None else f"{r.quick.seconds:.1f}"
        else:
            kind = "stored full run" if r.stored else ("quick" if r.quick else "full")
            seconds = "—" if r.stored else f"{r.seconds:.1f}"
        table.add_row(r.name, f"[{_STYLE[r.verdict]}]{r.verdict}[/]", kind, seconds)
    return table


def _figure_rows(r: Reproduction | Rerun) -> tuple[str, list[tuple[str, list]]]:
    """The suptitle and, per run drawn, its row title and panels: a rerun draws the stored full run's figure above the
    quick run's (each row named), a single record its own figure."""
    if not isinstance(r, Rerun):
        return f"{r.name}: {r.verdict}" + (" (stored full run)" if r.stored else ""), [("", figures.figure(r))]
    if r.quick is None:
        return f"{r.name}: {r.verdict} (stored full run; no quick version)", [("", figures.figure(r.stored))]
    if r.stored is None:
        return f"{r.name}: {r.verdict} (quick run; no stored full run)", [("", figures.figure(r.quick))]
    stored = f"stored full run{f' of {r.stored_when}' if r.stored_when else ''}"
    return (f"{r.name}: {r.verdict} (quick run beside the stored full run)",
            [(stored, figures.figure(r.stored)), ("quick run, just now", figures.figure(r.quick))])


def draw_claim(r: Reproduction | Rerun):
    """The claim's figure (experiments.figures) as a matplotlib Figure: a panel per series group, each axis titled
    with its unit, measured points with standard errors as markers with error bars over thin lines. A quick rerun
    (rerun.Rerun) draws both runs: the stored full run's panels in the top row, the quick run's below, each panel
    titled with its run on a line of its own, and a panel of both runs on one y range, so the two read alike."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    suptitle, rows = _figure_rows(r)
    cols = max(max(len(panels) for _, panels in rows), 1)
    long = any(_legend_size(p) > 6 for _, panels in rows for p in panels)
    legend_room = 3.2 if long else 0.0  # see _draw_panel
    fig, axes = plt.subplots(len(rows), cols, figsize=(4.4 * cols + legend_room, 3.8 * len(rows)), squeeze=False)
    by_title: dict[str, list] = {}
    for row_axes, (run, panels) in zip(axes, rows, strict=True):
        for ax in row_axes[len(panels):]:
            ax.set_visible(False)
        for ax, panel in zip(row_axes, panels, strict=False):
            _draw_panel(ax, panel, run)
            by_title.setdefault(panel.title, []).append(ax)
    for shared in by_title.values():  # the stored and the quick panel of one title: one y range for the pair
        if len(shared) > 1:
            lows, highs = zip(*(ax.get_ylim() for ax in shared), strict=True)
            for ax in shared:
                ax.set_ylim(min(lows), max(highs))
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    _unclash_titles(fig)
    return fig


def _unclash_titles(fig) -> None:
    """Break a "run: panel" title after the run where it runs into a neighbour's title or past the figure's edge
    (side by side, shazeer2020's two stored titles read "...1,000 stepsull run...")."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    boxes = {ax: ax.title.get_window_extent(renderer) for ax in axes}
    page = fig.bbox
    clashing = [ax for ax in axes if boxes[ax].x0 < page.x0 or boxes[ax].x1 > page.x1
                or any(boxes[ax].overlaps(boxes[other]) for other in axes if other is not ax)]
    for ax in clashing:
        run, sep, title = ax.get_title().partition(": ")
        if sep and "\n" not in run:
            ax.set_title(f"{run}:\n{title}", fontsize=9)
    if clashing:
        fig.tight_layout()


def _legend_size(panel: figures.Panel) -> int:
    """The entries of a panel's legend: the seeds of one configuration share one."""
    return len({t.legend or t.label for t in panel.traces})


def _wrapped(text: str, width_in: float, points: float) -> str:
    """``text`` broken at spaces into lines that fit ``width_in`` inches at ``points`` (about 0.55 em a letter)."""
    import textwrap

    return textwrap.fill(text, max(20, int(width_in * 72 / (0.55 * points))), break_long_words=False)


def _draw_panel(ax, panel: figures.Panel, run: str = "") -> None:
    colours: dict[str, str] = {}
    named: set[str] = set()
    for t in panel.traces:
        entry = t.legend or t.label
        label = "_nolegend_" if entry in named else entry  # the seeds of a configuration: one entry
        named.add(entry)
        if t.style == figures.REFERENCE:  # a level across the panel, in grey: not one of the measured groups
            ax.plot(t.x, t.y, ":", color="0.35", label=label, linewidth=1.2)
            continue
        colour = colours.setdefault(t.group, f"C{len(colours) % 10}")
        if t.style == figures.MARKERS:
            ax.errorbar(t.x, t.y, yerr=t.y_err, fmt="o", markersize=3.5, capsize=2, elinewidth=1,
                        color=colour, label=label, zorder=3)
        elif t.style == figures.POINTS:  # with error bars where the points are means with standard errors
            ax.errorbar(t.x, t.y, yerr=t.y_err, fmt="o", capsize=3, elinewidth=1, color=colour, label=label)
        elif t.style == figures.PREDICTION:  # a second prediction of the same group dotted (figures.Trace.dash)
            ax.plot(t.x, t.y, ":" if t.dash == "dot" else "--", color=colour, label=label, linewidth=1.1, alpha=0.8)
        else:
            ax.plot(t.x, t.y, color=colour, label=label, linewidth=0.9)
    if panel.x_labels:  # named categories (e.g. the feed-forward units): points over their names
        ax.set_xticks(range(len(panel.x_labels)), panel.x_labels, fontsize=7, rotation=30)
        ax.set_xlim(-0.5, len(panel.x_labels) - 0.5)
    elif panel.x_whole:  # layers and epochs are whole numbers: no tick at 1.5
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    if panel.log_y:
        ax.set_yscale("log")
    # a title longer than the panel is wide wraps at spaces (draw_claim breaks a "run: panel" title that still
    # runs into its neighbour's after the run)
    width = ax.get_position().width * ax.figure.get_figwidth()
    title = _wrapped(panel.title, width, 9)
    ax.set_title(f"{run}: {title}" if run else title, fontsize=9)
    ax.set_xlabel(panel.x_title, fontsize=8)
    ax.set_ylabel(panel.y_title, fontsize=8)
    if _legend_size(panel) > 6:  # a long legend beside the plot (bbox_inches="tight" keeps it), not over it
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    else:
        ax.legend(fontsize=6)


def plot_claim(r: Reproduction | Rerun, path: Path) -> Path:
    """Write the claim's figure (draw_claim) to ``path``."""
    import matplotlib.pyplot as plt

    fig = draw_claim(r)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
