"""`actlab train` and `actlab demo`: thin renderers over the core's training loop and experiments."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..datasets import read_csv_file
from ..errors import ConfigError
from ..reading_record import GRAD_NORM, NOTATION, SATURATED, SIGNAL_NORM
from ..readings import sci
from ..training import StopRule
from ._app import app, console, fail

DEMOS = ("linear-collapse", "vanishing", "dying-relu", "gelu-approx", "census")
# how the readings' remedies end here ("...; then <this>."): a terminal has no Reset button, and a run starts again
# as a new command
RESTART = ("run actlab train again with the changed options (--lr, --activation, --init, --loss; actlab train --help "
           "lists them all)")


@app.command()
def train(
    dataset: Annotated[str, typer.Option(help="circle, xor, gauss, spiral, moons, plane, multi_gauss")] = "circle",
    csv: Annotated[Path | None, typer.Option("--csv", help="Your own data: features, then a label column")] = None,
    layers: Annotated[str, typer.Option(help="Hidden widths, e.g. 4,2; any number and size the machine's memory "
                                             "holds (the lab's playground has its own limits)")] = "4,2",
    activation: Annotated[str, typer.Option(help=(
        "One for all layers, or one per layer, each a name with any of its parameters: tanh, relu,tanh, "
        "\"leaky_relu(negative_slope=0.1),silu(beta=2)\", softplus(beta=3), elu(alpha=0.5) (see actlab list "
        "and actlab show NAME for each one's parameters)"))] = "tanh",
    init: Annotated[str, typer.Option(help="playground, xavier_uniform, he_normal, ...")] = "playground",
    optimizer: Annotated[str, typer.Option(help="sgd, momentum, adam")] = "sgd",
    loss: Annotated[str, typer.Option(help="mse (tanh output, as the playground) or cross-entropy")] = "mse",
    lr: Annotated[float, typer.Option(help="Learning rate")] = 0.03,
    batch_size: Annotated[int, typer.Option(help="Minibatch size")] = 10,
    epochs: Annotated[int, typer.Option(help="Passes over the training set")] = 300,
    reg: Annotated[str, typer.Option(help="none, l1, l2")] = "none",
    reg_rate: Annotated[float, typer.Option(help="Regularisation rate")] = 0.0,
    noise: Annotated[float, typer.Option(help="0 to 0.5 (the playground's 0-50%)")] = 0.0,
    n_points: Annotated[int, typer.Option(help="Points in the data set")] = 500,
    train_fraction: Annotated[float, typer.Option(help="Share used for training")] = 0.5,
    features: Annotated[str, typer.Option(help="x1,x2,x1^2,x2^2,x1x2,sin_x1,sin_x2")] = "x1,x2",
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same run)")] = 1,
    target_loss: Annotated[float | None, typer.Option(help="Stop when the test loss reaches this")] = None,
    json_out: Annotated[bool, typer.Option("--json", help=(
        "Print the last frame as one JSON object: the verdict is diagnosis.status; the top-level status says only "
        "whether the run stopped at a NaN (diverged) or its loss is a number (finite)"))] = False,
) -> None:
    """Train a network with live progress; end with losses and each layer's instruments.

    Any size the machine can hold trains here, e.g. the lesson's 20-layer sigmoid net:
    actlab train --layers 8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8 --activation sigmoid
    """
    from ..session import RunConfig, build_trainer

    _check_lists(layers=layers, activation=activation, features=features)
    if not 0 <= epochs <= 1_000_000:  # checked before the progress bar starts (the loop checks it too)
        fail(f"--epochs: a whole number from 0 to 1,000,000; got {epochs}")
    try:
        cfg = RunConfig.from_cli(dataset=dataset, layers=layers, activation=activation, init=init,
                                 optimizer=optimizer, loss=loss, lr=lr, batch_size=batch_size, reg=reg,
                                 reg_rate=reg_rate, noise=noise, n_points=n_points,
                                 train_fraction=train_fraction, features=features, seed=seed)
        csv_bytes = read_csv_file(csv) if csv is not None else None  # at most the limit + 1 byte
        trainer = build_trainer(cfg, csv_bytes)
        trainer.restart, trainer.rate_fixed = RESTART, True
        frames = trainer.frames(epochs, target_loss=target_loss)
    except (ConfigError, OSError) as exc:
        fail(_option_error(exc) if isinstance(exc, ConfigError) else str(exc))
    last = finite = None  # finite: the last frame whose training loss is a number
    if json_out:
        for frame in frames:
            last = frame
    else:
        with Progress(TextColumn("[bold]epoch {task.completed}/{task.total}"), BarColumn(),
                      TextColumn("train {task.fields[train]}  test {task.fields[test]}"), TimeRemainingColumn(),
                      console=console.real) as progress:
            task = progress.add_task("train", total=epochs, train="-", test="-")
            for last in frames:
                finite = last if math.isfinite(last.train_loss) else finite
                progress.update(task, completed=last.epoch, train=_loss(last.train_loss),
                                test=_loss(last.test_loss))
    if last is None:
        last = trainer.frame()
    if json_out:
        typer.echo(json.dumps(last.to_dict()))  # the one JSON form of a frame, as the lab streams it
        return
    _render_frame(console, csv.name if csv is not None else cfg.dataset, last,
                  [_spec_text(a) for a in trainer.net.activations], last_finite=finite)
    if target_loss is not None and last.epoch < epochs:  # W18: a run that ended early said nothing of why
        stop = StopRule(target_loss=target_loss).check(last)
        if stop is not None and stop.reason == "target":
            console.print(f"{stop.message[:-1]}, before the {epochs:,} epochs asked for (--target-loss).")


@app.command()
def demo(
    name: Annotated[str, typer.Argument(help=", ".join(DEMOS))],
    json_out: Annotated[bool, typer.Option("--json")] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a figure (needs matplotlib)")] = None,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Run one of the lesson's demonstrations and print its table."""
    from .. import experiments as ex

    if name not in DEMOS:
        fail(f"unknown demo {name!r}; choose one of {', '.join(DEMOS)}")
    if plot is not None:  # a path that cannot be written is refused before the demo runs, not after
        from ..plots import check_path

        try:
            check_path(plot)
        except ImportError:
            fail("--plot needs matplotlib: pip install 'actlab[plot]'")
    runners = {
        "linear-collapse": lambda: ex.linear_collapse(seed=seed),
        "vanishing": lambda: ex.vanishing(),
        "dying-relu": lambda: ex.dying_relu(seed=seed),
        "gelu-approx": lambda: ex.gelu_approx(),
        "census": lambda: ex.census(),
    }
    with console.status(f"running {name}..."):
        result = runners[name]()
    if json_out:
        data = [r.to_dict() for r in result] if isinstance(result, list) else result.to_dict()
        typer.echo(json.dumps(data))
    else:
        _render_demo(console, name, result)
    if plot is not None:
        from ..plots import plot_demo

        try:
            plot_demo(name, result, plot)
        except ImportError:
            fail("--plot needs matplotlib: pip install 'actlab[plot]'")
        console.print(f"wrote {plot}")


_LIST_ALLOWED = {
    "layers": "hidden widths separated by commas, e.g. 4,2 (empty for no hidden layer)",
    "activation": "one activation for every layer, or one per layer separated by commas, e.g. relu,tanh",
    "features": "feature names separated by commas, e.g. x1,x2,sin_x1",
}


def _check_lists(**lists: str) -> None:
    """A stray comma ('4,,2', 'relu,') is refused here: the core's parsers skip empty items, so '4,,2' trained 4,2."""
    for option, text in lists.items():
        if not text.strip():
            continue
        items, depth, start = [], 0, 0
        for i, ch in enumerate(text):  # commas inside a spec's parentheses separate its parameters, not items
            depth += (ch == "(") - (ch == ")")
            if ch == "," and depth == 0:
                items.append(text[start:i])
                start = i + 1
        items.append(text[start:])
        if any(not item.strip() for item in items):
            fail(f"--{option}: an empty item (a stray comma) in {text!r}; allowed: {_LIST_ALLOWED[option]}")


def _option_error(exc: ConfigError) -> ConfigError | str:
    """A layer's activation error names the option and the layer: --activation (layer 2): silu: ..."""
    if exc.field.startswith("activations (layer "):  # the core counts layers from 1 too
        return f"--activation{exc.field[len('activations'):]}: {exc.message}"
    python_only = "; use fewer or narrower layers, or dtype float32"  # dtype: a NetworkConfig field, no train option
    if exc.field == "layers" and exc.message.endswith(python_only):
        return (f"--layers: {exc.message.removesuffix(python_only)}; use fewer or narrower hidden layers in --layers "
                "(actlab train trains in float64; from Python, NetworkConfig(dtype='float32') needs half)")
    return exc


def _f(v, spec: str = "{:.4f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return spec.format(v) if isinstance(v, float) and math.isfinite(v) else str(v)


def _loss(v, spec: str = "{:.4f}") -> str:
    """A loss or a gradient's norm: "—" where there is none (no test set), NaN and inf as what they are. A diverged
    run's loss was a dash beside a ‖dL/dW‖ of "nan" (W15), two spellings of one thing."""
    if v is None:
        return "—"
    if math.isnan(v):
        return "NaN"
    return spec.format(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf")


_STATUS_STYLE = {True: "bold red", False: "bold green"}
_LAYER_NOTE = (f"{NOTATION} out: the output layer. vs output: a layer's {GRAD_NORM} over the output layer's; "
               f"{SIGNAL_NORM} vs output: its {SIGNAL_NORM} over the output layer's. (max |f′|)ⁿ is the activations' "
               f"share of the shrinkage, not a bound: the weights and the layer inputs enter {GRAD_NORM} too. "
               f"{SATURATED} — for ReLU, which cannot saturate (f′ is 0 or 1): its "
               "units under that mark are rarely active, as the lines under the table and the playground say.")


def _norm(v: float) -> str:
    """A gradient's norm to 3 significant digits, small and large ones as 4.29e-4 (no exponent's leading zero: the
    layer table, with both ratio columns, leaves a long activation's name 20 columns at a terminal's 80)."""
    if not math.isfinite(v) or v == 0 or 1e-3 <= abs(v) < 1e4:
        return _loss(v, "{:.3g}")
    return f"{v:.2e}".replace("e-0", "e-").replace("e+0", "e+")


def _spec_text(act) -> str:
    """An activation as --activation reads it, parameters included: leaky_relu (negative_slope=0.1)."""
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in act.params.items())
    return f"{act.name} ({params})" if params else act.name  # --activation takes the space; a cell may break there


def _ratio(v: float) -> str:
    """A ratio as the readings write it (readings.sci), so that the number a reading quotes is found in the table;
    "—" where there is no ratio (no output gradient to divide by, or a norm that is not a number)."""
    return "—" if v is None or math.isnan(v) else sci(v)


def _quoted(diagnosis) -> set[str]:
    """The layer-1 cells ("dW", "dz") whose ratio the reading quotes: its headline's and each other finding's."""
    if diagnosis is None:
        return set()
    return {q for f in diagnosis.findings for q in f.quotes}


def _diverged_lines(frame, last_finite) -> list[str]:
    """What a diverged run keeps, what that loss is, and the last loss that is a number (a whole-set loss is taken
    each epoch; the progress bar shows them as the run goes, the page's loss chart draws them)."""
    losses = [(name, v) for name, v in (("train", frame.train_loss), ("test", frame.test_loss)) if v is not None]
    said = ", ".join(f"{name} {_loss(v, '{:.4g}')}" for name, v in losses)
    why = []
    if any(math.isnan(v) for _, v in losses):
        why.append("NaN is not a number: the network's outputs overflowed")
    if any(math.isinf(v) for _, v in losses):
        why.append("inf: it overflowed past 1.8e308, the largest float64")
    kept = (f"Diverged at step {frame.diverged_at_step:,}: the tables show the weights the network keeps, its last "
            f"finite ones. Their loss: {said}{' (' + '; '.join(why) + ')' if why else ''}.")
    if last_finite is None:
        batches = len(frame.diagnosis.evidence.get("recent_losses") or ()) > 1 if frame.diagnosis else False
        end = ("No whole-set loss was taken before it (one is taken at the end of each epoch)"
               + (": the reading below quotes the batch losses." if batches else "."))
    else:
        test = f", test {_loss(last_finite.test_loss, '{:.4g}')}" if last_finite.test_loss is not None else ""
        end = (f"The last loss that is a number (one is taken at the end of each epoch): epoch {last_finite.epoch} "
               f"(step {last_finite.step:,}), train {last_finite.train_loss:.4g}{test}.")
    return [kept, end]


def _render_frame(console, dataset: str, frame, activations: list[str] | None = None, last_finite=None) -> None:
    """A frame as tables: losses, each layer's instruments, then the network's reading with its remedy. A diverged
    frame says what it keeps and its last loss that is a number (``last_finite``: the frame that loss is of)."""
    # the title is one line above a narrow table: rich wraps a title to the table's width, so it is printed apart
    console.print(f"[italic]{escape(dataset)}: after {frame.epoch:,} epochs ({frame.step:,} steps)[/]")
    table = Table()
    for col in ("", "train", "test"):
        table.add_column(col, justify="right")
    table.add_row("loss", _loss(frame.train_loss), _loss(frame.test_loss))
    table.add_row("chance loss", _f(frame.chance_loss), "")
    note = frame.accuracy_note  # why a classifier has no accuracy (its outputs are not numbers)
    if frame.train_accuracy is not None or note:  # both to 4 places, like the losses; "none" where there is none
        table.add_row("accuracy", *("none" if note and v is None else _f(v)
                                    for v in (frame.train_accuracy, frame.test_accuracy)))
    console.print(table)
    if note:
        console.print(f"No accuracy: {note}.")
    if frame.status == "diverged":
        for line in _diverged_lines(frame, last_finite):
            console.print(line, style="bold")
    if frame.reading is not None and frame.reading.layers:
        layers_table = Table(title="hidden layers and the output layer", collapse_padding=True, pad_edge=False)
        # short cells never wrap; a layer's note is a sentence, printed under the table where it has the full width
        # the dW ratio's head is "vs output" beside the ‖dL/dW‖ column: "‖dL/dW‖" over it took the one column that
        # keeps "leaky_relu (negative_slope=0.1)" in two pieces at 80 columns (the legend names it in full)
        for col in ("layer", "activation", GRAD_NORM, "vs\noutput", f"{SIGNAL_NORM}\nvs\noutput", "(max\n|f′|)ⁿ",
                    "dead", "saturated"):
            # the activation with its parameters may be long: the one column that wraps (at the space before "(")
            layers_table.add_column(col, no_wrap=col != "activation", overflow="fold",
                                    justify="left" if col == "activation" else "right")
        names = activations if activations and len(activations) == len(frame.reading.layers) else None
        quoted = _quoted(frame.diagnosis)
        mark = lambda i, key, text: f"{text}*" if i == 0 and key in quoted else text  # noqa: E731
        for i, l in enumerate(frame.reading.layers):
            layers_table.add_row(str(l.layer), names[i] if names else l.activation, _norm(l.grad_norm),
                                 mark(i, "dW", _ratio(l.grad_ratio_to_last)),
                                 mark(i, "dz", _ratio(l.signal_ratio_to_last)),
                                 f"{l.deriv_product_to_last:.3g}", f"{l.dead_fraction:.0%}",
                                 f"{l.saturated_fraction:.0%}" if l.low_word == "saturated" else "—")
        # the layer every ratio is taken against: its own ratio is 1 where the layers' ratios are numbers
        ones = ["1" if any(not math.isnan(getattr(l, k)) for l in frame.reading.layers) else "—"
                for k in ("grad_ratio_to_last", "signal_ratio_to_last")]
        layers_table.add_row("out", "", _norm(frame.reading.last_grad_norm), *ones, "", "", "")
        console.print(layers_table)
        for l in frame.reading.layers:
            if l.reading:
                console.print(f"  layer {l.layer}: {l.reading}")
        star = " *: the number the reading below quotes." if quoted else ""
        console.print(_LAYER_NOTE + star, style="dim")
    d = frame.diagnosis
    if d is None:
        return
    console.print(f"[{_STATUS_STYLE[d.is_failure]}]{d.words[0].upper()}{d.words[1:]}.[/]")
    if d.remedy:
        console.print(f"  Remedy: {d.remedy}")
    for other in d.others:
        console.print(f"  Also {other.words}.")


def _render_demo(console, name: str, result) -> None:
    if name == "linear-collapse":
        c = result.check
        console.print(f"A depth-{c.depth} linear net and its composed {c.composed_shape} map differ by at most "
                      f"{c.max_abs_diff:.2e} ({c.max_rel_diff:.2e} relative): round-off only.")
        t = Table(title="linear vs tanh network")
        for col in ("data set", "activation", "train acc", "test acc"):
            t.add_column(col)
        for f in result.fits:
            t.add_row(f.dataset, f.activation, f"{f.train_accuracy:.3f}", f"{f.test_accuracy:.3f}")
        console.print(t)
        console.print(f"A random 1 -> {result.pieces.widths} -> 1 ReLU net cuts [-4, 4] into "
                      f"{result.pieces.n_pieces} linear pieces.")
    elif name == "vanishing":
        n = result.lesson
        console.print(f"sigma'(0) = {n.sigmoid_max_derivative:g}; 0.25^10 = {n.sigmoid_10_layers:.3e}; "
                      f"0.2^20 = {n.exercise2_sigmoid:.3e}; 0.5^20 = {n.exercise2_relu:.3e} "
                      f"({n.exercise2_ratio:.3g} times larger)")
        t = Table(title="max f' and the activations' share over 10 layers")
        for col in ("activation", "max f'", "where", "(max f')^10"):
            t.add_column(col)
        for m in result.maxima:
            t.add_row(m.name, f"{m.deriv_max:.4g}", m.at, f"{m.product_at_10:.3g}")
        console.print(t)
        t = Table(title=f"measured at initialisation: depth {result.flows[0].depth}, width {result.flows[0].width}",
                  caption="layer 1 over the output layer; each reading follows the table")
        for col in ("activation", f"{GRAD_NORM} ratio", "(max |f′|)ⁿ", "signal ratio", "signal bound"):
            t.add_column(col, no_wrap=True, justify="left" if col == "activation" else "right")
        for f in result.flows:
            t.add_row(f.activation, f"{f.ratio_to_last[0]:.3g}", f"{f.deriv_product_to_last[0]:.3g}",
                      f"{f.signal_ratio_to_last[0]:.3g}", f"{f.signal_bound_to_last[0]:.3g}")
        console.print(t)
        for f in result.flows:
            console.print(f"  {f.activation}: {f.reading.words}")
    elif name == "dying-relu":
        t = Table(title="P(net dead at an input) = 1 - (1 - 2^-N)^L",
                  caption=f"{result.monte_carlo[0].level:.0%} each: all five hold together at least 95% of the time")
        for col in ("N", "L", "formula", "Monte Carlo", f"{result.monte_carlo[0].level:.0%} interval", "agrees"):
            t.add_column(col)
        for r in result.monte_carlo:
            t.add_row(str(r.width), str(r.depth), f"{r.formula:.4f}", f"{r.estimate:.4f}",
                      f"[{r.ci_low:.4f}, {r.ci_high:.4f}]", "yes" if r.agrees else "no")
        console.print(t)
        first = result.trained[0]
        t = Table(title=f"dead units after training ({first.optimizer}, lr {first.lr})")
        for col in ("activation", "dead", "never > 0", "loss (chance)", "reading"):
            t.add_column(col, no_wrap=col != "reading", justify="left" if col in ("activation", "reading") else "right")
        for r in result.trained:
            params = ", ".join(f"{k}={v}" for k, v in r.params.items())
            t.add_row(f"{r.activation}({params})" if params else r.activation, f"{r.dead_fraction:.0%}",
                      f"{r.never_positive_fraction:.0%}", f"{_f(r.final_train_loss, '{:.3f}')} ({r.chance_loss:.3f})",
                      r.status.replace("_", " "))
        console.print(t)
        console.print("Dead: f'(z) = 0 on every training point. GELU and SiLU have no flat side, but a step that "
                      "pushes their input far below zero makes f' underflow to exactly 0: the same failure through a "
                      "tail. A run whose loss ends at chance learned nothing, whatever its dead count.", style="dim")
    elif name == "gelu-approx":
        console.print(f"max |gelu - gelu_tanh| = {result.max_error_tanh:.3e} at x = +-{result.max_error_tanh_at:.4f}")
        console.print(f"max |gelu - quick_gelu| = {result.max_error_quick:.3e} at x = {result.max_error_quick_at:.4f}")
        t = Table(title="time of forward + derivative", caption="float32, 2e5 values")
        t.add_column("activation")
        t.add_column("ns/element", justify="right")
        for k, v in result.ns_per_element.items():
            t.add_row(k, f"{v:.2f}")
        console.print(t)
    elif name == "census":
        t = Table(title="Which activation LLM feed-forward layers use")
        for col in ("model family", "year", "config", "activation", "block"):
            # the two prose columns are capped so that the config, the one to read whole, gets the width
            t.add_column(col, no_wrap=col in ("year", "activation"), overflow="fold",
                         max_width=13 if col in ("model family", "block") else None)
        for r in result:  # "key = value" may wrap after the key; neither half is cut
            t.add_row(r.family, str(r.year), f"{r.config_key} = {r.config_value}", r.activation, r.block)
        console.print(t)
