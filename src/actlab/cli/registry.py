"""`actlab list`, `actlab show` and `actlab eval`: the activation registry, read from the command line."""

from __future__ import annotations

import re
from typing import Annotated

import numpy as np
import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from .. import activations
from .._json import dumps
from ._app import app, console, fail


def _parse_params(raw: list[str]) -> dict[str, float | None]:
    params: dict[str, float | None] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--param must look like name=value (e.g. negative_slope=0.1); got {item!r}")
        text = value.strip()
        if text.lower() == "none":
            params[key.strip()] = None
            continue
        try:
            params[key.strip()] = float(text)
        except ValueError:
            fail(f"--param {key.strip()}: {text!r} is not a number")
    return params


def _get(name: str, params: dict | None = None) -> activations.Activation:
    try:
        return activations.get(name, **(params or {}))
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable; keeps type checkers quiet


WIDE = 150  # columns the full list needs; below it the list drops "max f′" and rounds its intervals


def _short_interval(text: str) -> str:
    """An interval with its numbers to 3 significant digits: "[-0.128904, 1.1289]" -> "[-0.129, 1.13]"."""
    return re.sub(r"-?\d+\.\d+", lambda m: f"{float(m.group()):.3g}", text)


@app.command("list")
def list_(json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False) -> None:
    """One row per activation: range, derivative range, maximal derivative, zero-centred, smooth, where it is used."""
    records = [activations.get(n) for n in activations.names()]
    if json_out:
        typer.echo(dumps([r.describe() for r in records], indent=1))
        return
    wide = console.width >= WIDE
    # short cells never wrap; the prose columns fold at word boundaries and take the width that is left
    table = Table(title="actlab activation registry", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                  caption=None if wide else f"max f′ and where f′ peaks: actlab show NAME (or {WIDE}+ columns)")
    table.add_column("name", no_wrap=True)
    table.add_column("range", no_wrap=True)
    table.add_column("f′ range", no_wrap=True)
    if wide:
        table.add_column("max f′", ratio=1, overflow="fold")
    table.add_column("centred", no_wrap=True)
    table.add_column("smooth", no_wrap=True)
    table.add_column("used in" if wide else "used first in", ratio=1, min_width=14, overflow="fold")
    for r in records:
        ranges = [r.output_interval, r.deriv_interval]
        if not wide:
            ranges = [_short_interval(t) for t in ranges]
        uses = ", ".join(r.used_in[:2 if wide else 1])
        table.add_row(r.name, *map(escape, ranges), *([r.deriv_max_text] if wide else []),
                      "yes" if r.zero_centred else "no", "C∞" if r.is_smooth else r.smoothness, uses)
    console.print(table)


def _torch_words(act: activations.Activation) -> str:
    """How PyTorch computes it, from the record's recipe: the module, or the expression actlab exports."""
    recipe = act.torch_recipe
    if recipe is None:
        return "—"
    if recipe.uses_module(act.params):
        return f"torch.nn.{act.torch_name}"
    lacks = "no torch.nn module" if recipe.module is None else f"torch.nn.{recipe.module} cannot take these parameters"
    return f"{lacks}; exported as {recipe.expression}"


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="Registry key or alias (swish, gelu_new, ...).")],
    param: Annotated[list[str], typer.Option("--param", "-p", help="name=value, e.g. negative_slope=0.1")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every property of one activation, its formula, and values at a few points."""
    act = _get(name, _parse_params(param or []))
    xs = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    if act.is_gated:
        xs2 = np.stack([np.ones_like(xs), xs], axis=-1)  # a = 1, b = x: the gate itself
        values, derivs = act(xs2)[:, 0], act.derivative(xs2)[:, 1]
    else:
        values, derivs = act(xs), act.derivative(xs)
    info = act.describe()
    info["samples"] = {"x": xs, "value": values, "derivative": derivs}
    if json_out:
        typer.echo(dumps(info, indent=1))
        return
    table = Table(title=f"{act.title} — {act.name}", show_header=False)
    table.add_column("property", style="bold")
    table.add_column("value")
    rows = [
        ("formula", act.formula), ("derivative", act.deriv_formula),
        ("aliases", ", ".join(act.aliases) or "—"),
        ("parameters", ", ".join(f"{k}={'none (off)' if v is None else v}" for k, v in act.params.items()) or "—"),
        ("output range", act.output_interval),
        ("derivative range", act.deriv_interval + (" (where f is differentiable)" if act.kinks else "")),
        ("max derivative", act.deriv_max_text),
        ("zero-centred", str(act.zero_centred)), ("monotonic", str(act.monotonic)),
        ("smoothness", act.smoothness), ("bounded above / below", f"{act.bounded_above} / {act.bounded_below}"),
        ("self-gated", str(act.self_gated)), ("paper", act.paper),
        ("used in", ", ".join(act.used_in)), ("PyTorch", _torch_words(act)),
        ("group", act.group), ("saturates", act.saturation_text),
        ("Hugging Face", ", ".join(act.hf_names) or "—"), ("strength", act.strength), ("weakness", act.weakness),
    ]
    if act.kinks:
        rows.append(("not differentiable at", ", ".join(f"x = {k:g}" for k in act.kinks)))
    if act.deriv_at_zero_text:
        rows.append(("f′(0)", act.deriv_at_zero_text))
    if act.note:
        rows.append(("note", act.note))
    for k, v in rows:
        table.add_row(k, escape(v))  # registry text is not rich markup: "[a, b] = x" must print as written
    console.print(table)
    samples = Table(title="samples" + (" (gate: a = 1, b = x)" if act.is_gated else ""))
    for col in ("x", "f(x)", "f′(x)"):
        samples.add_column(col, justify="right")
    for x, v, d in zip(xs, values, derivs, strict=True):
        samples.add_row(f"{x:g}", f"{v:.10g}", f"{d:.10g}")
    console.print(samples)


@app.command("eval", context_settings={"ignore_unknown_options": True})
def eval_(
    name: Annotated[str, typer.Argument(help="Registry key or alias.")],
    x: Annotated[list[str], typer.Argument(help="Input values (numbers, inf, nan).")],
    param: Annotated[list[str], typer.Option("--param", "-p", help="name=value")] = None,
    dtype: Annotated[str, typer.Option(help="float64 or float32")] = "float64",
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Values and derivatives of one activation at the given points."""
    if dtype not in ("float64", "float32"):
        fail(f"--dtype must be float64 or float32; got {dtype!r}")
    values = []
    for v in x:
        try:
            values.append(float(v))
        except ValueError:
            fail(f"x: {v!r} is not a number (use digits, inf or nan)")
    xs = np.array(values, dtype=dtype)
    params = _parse_params(param or [])
    act = _get(name, params)
    try:
        values, derivs = act(xs), act.derivative(xs)
    except ValueError as exc:
        fail(str(exc))
    if act.is_gated:  # x = [a_1..a_d, b_1..b_d]: output i is f(a_i, b_i), with df/da_i and df/db_i
        d = xs.size // 2
        a, b, d_da, d_db = xs[:d], xs[d:], derivs[:d], derivs[d:]
    if json_out:
        out = {"name": act.name, "params": dict(act.params), "dtype": dtype, "x": xs.ravel(),
               "value": values.ravel(), "derivative": derivs.ravel()}
        if act.is_gated:
            out.update({"a": a, "b": b, "d_da": d_da, "d_db": d_db})
        typer.echo(dumps(out))
        return
    gated_words = ": the first half of x is the value half a, the second the gate half b" if act.is_gated else ""
    table = Table(title=escape(f"{act.name} {dict(act.params) or ''} ({dtype}){gated_words}"))
    if act.is_gated:
        for col in ("a", "b", "f(a, b)", "∂f/∂a", "∂f/∂b"):
            table.add_column(col, justify="right")
        for row in zip(a, b, values, d_da, d_db, strict=True):
            table.add_row(*(str(v) for v in row))  # numpy scalars print their shortest round-trip form
    else:
        for col in ("x", "f(x)", "f′(x)"):
            table.add_column(col, justify="right")
        for xi, v, d in zip(xs, values, derivs, strict=True):
            table.add_row(str(xi), str(v), str(d))
    console.print(table)
