"""Measurements on the real models: where each activation's inputs fall, and what swapping it does.

Each model has an adapter (``ADAPTERS``) with the activation it uses, how to load it and how to run it on a
text. A run returns a score (perplexity for SmolLM2, bits per character for the LSTM, sentence embeddings
for MiniLM), and fills a Recorder with the activation's inputs layer by layer. ``inspect`` is one run with the
model's own activation; ``swap`` is one run per replacement, compared against that baseline.

One model is held in memory at a time, shared by every caller in the process (the CLI, the web lab's job).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .. import activations
from ..errors import ConfigError
from . import llama
from ._packages import model_file
from .lstm import WHITE_SPACE
from .stats import DIP, Recorder, dip_outputs

Step = Callable[[int, int, str], None]  # step(done, total, message): progress, and where a job is cancelled
MAX_TOKENS = 2048  # SmolLM2's forward is quadratic in length in memory; 2,048 tokens is 0.3 GB of scores


def eval_text() -> str:
    """The evaluation text shipped with actlab: about 400 tokens of plain English prose written for it."""
    return (resources.files("actlab") / "data" / "llm" / "eval.txt").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Adapter:
    model: str
    title: str
    activation: str  # the activation the model was trained with
    where: str  # which inputs are recorded, in words
    score: str  # "perplexity", "bits_per_char" or "embedding"
    load: Callable[[], object]
    run: Callable[..., dict]  # run(model, text, activation=, recorder=, backend=, step=) -> score fields
    default_swaps: tuple[str, ...]
    backends: tuple[str, ...] = ("numpy", "torch")
    # what "auto" picks when torch is installed: the LSTM's 40 small steps per window ran slower through torch
    # (5.5-5.8 s against 3.3-3.6 s for the evaluation text, measured here), so it stays on NumPy
    auto: str = "torch"


def _backend(ad: Adapter, backend: str) -> str:
    chosen = llama.resolve_backend(backend)
    if backend == "auto" and chosen == "torch":
        chosen = ad.auto
    if chosen not in ad.backends:
        if backend == "auto":
            return "numpy"
        raise ConfigError("backend", f"{ad.model} runs on {', '.join(ad.backends)} only; got {backend!r}")
    return chosen


def _smollm2_load():
    from .gguf_file import read_llama

    return read_llama(model_file("smollm2"))


def _smollm2_run(model, text: str, *, activation: str, recorder, backend: str, step: Step, label: str) -> dict:
    ids = model.encode(text)
    if len(ids) < 2:
        raise ConfigError("text", "needs at least two tokens for a perplexity")
    if len(ids) > MAX_TOKENS:
        raise ConfigError("text", f"is {len(ids)} tokens long; at most {MAX_TOKENS} are allowed")
    logits = llama.forward(model, ids, activation=activation, recorder=recorder, backend=backend,
                           on_layer=lambda done, total: step(done, total, label))
    nll = llama.token_nll(logits, ids)
    return {"tokens": len(ids), "mean_nll": float(nll.mean()), "perplexity": float(math.exp(nll.mean()))}


def _minilm_load():
    from .minilm import read_minilm

    return read_minilm()


def _minilm_run(model, text: str, **kw) -> dict:
    from .minilm import run

    return run(model, text, **kw)


def _lstm_load():
    from .lstm import read_lstm

    return read_lstm()


def _lstm_run(model, text: str, **kw) -> dict:
    from .lstm import run

    return run(model, text, **kw)


ADAPTERS: dict[str, Adapter] = {
    "smollm2": Adapter("smollm2", "SmolLM2-135M-Instruct (Q4_1 GGUF), a Llama-style decoder", "silu",
                       "the SwiGLU gate input W_gate h in each of the 30 blocks", "perplexity", _smollm2_load,
                       _smollm2_run, ("silu", "gelu", "gelu_tanh", "relu", "identity"), ("numpy", "torch")),
    "minilm": Adapter("minilm", "all-MiniLM-L6-v2, a BERT-style sentence encoder", "gelu",
                      "the feed-forward input W1 x + b1 in each of the 6 layers", "embedding", _minilm_load,
                      _minilm_run, ("gelu", "gelu_tanh", "quick_gelu", "silu", "relu"), ("numpy", "torch")),
    "lstm": Adapter("lstm", "textgenrnn's character LSTM (2 x 128 cells)", "sigmoid",
                    "the input, forget and output gates' pre-activations in both layers, each unit at each of the "
                    "40 steps of every character's window", "bits_per_char",
                    _lstm_load, _lstm_run, ("sigmoid", "hardsigmoid", "tanh"), auto="numpy"),
}


class _Held:
    """The one model held in memory, by name, behind a lock (loads are slow; two at once would double RAM)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.name: str | None = None
        self.model: object = None
        self.load_seconds = 0.0

    def get(self, name: str):
        with self.lock:
            if self.name != name:
                self.name, self.model = None, None  # let the old one go before the new one loads
                start = time.perf_counter()
                self.model = ADAPTERS[name].load()
                self.name, self.load_seconds = name, time.perf_counter() - start
            return self.model


HELD = _Held()


def adapter(name: str) -> Adapter:
    if name not in ADAPTERS:
        raise ConfigError("model", f"unknown model {name!r}; allowed: {', '.join(ADAPTERS)}")
    return ADAPTERS[name]


def _no_step(done: int, total: int, message: str = "") -> None:
    pass


def inspect(name: str = "smollm2", text: str | None = None, *, backend: str = "auto",
            step: Step = _no_step, histogram: dict | None = None) -> dict:
    """One run with the model's own activation: its score and each layer's input statistics.

    ``histogram`` ({"low", "high", "width"}) adds each layer's histogram of inputs, as shares, under "histograms".
    """
    ad = adapter(name)
    text = eval_text() if text is None else text
    step(0, 1, f"loading {name}")
    model = HELD.get(name)
    rec = Recorder(compare_to="gelu_tanh" if ad.activation == "gelu" else None)
    backend = _backend(ad, backend)
    start = time.perf_counter()
    score = ad.run(model, text, activation=ad.activation, recorder=rec, backend=backend, step=step,
                   label=f"{ad.activation}, the model's own")
    seconds = time.perf_counter() - start
    out = {"model": name, "title": ad.title, "activation": ad.activation, "where": ad.where, "backend": backend,
           "load_seconds": HELD.load_seconds, "run_seconds": seconds, **_public(score), **rec.to_dict()}
    out["dip"] = {"interval": list(DIP), "outputs_at_ends": list(dip_outputs(ad.activation)[:2]),
                  "minimum": dip_outputs(ad.activation)[2]} if ad.activation in ("silu", "gelu") else None
    out["reading"] = reading(out)
    if histogram is not None:
        out["histograms"] = {k: stats.histogram(**histogram) for k, stats in rec.layers.items()}
    return out


def swap(name: str = "smollm2", text: str | None = None, to: tuple[str, ...] | list[str] | None = None, *,
         backend: str = "auto", step: Step = _no_step) -> dict:
    """One run per replacement activation: the score each gives, against the model's own."""
    ad = adapter(name)
    text = eval_text() if text is None else text
    names = [ad.activation] + [n for n in (to or ad.default_swaps) if n != ad.activation]
    for n in names:
        llama.elementwise(n)  # refuse a bad name before the slow part
    names = list(dict.fromkeys(activations.resolve(n) for n in names))
    step(0, len(names), f"loading {name}")
    backend = _backend(ad, backend)
    model = HELD.get(name)
    rows, base = [], None
    for i, act in enumerate(names):
        def inner(done: int, total: int, message: str, i=i) -> None:
            step(i * total + done, len(names) * total, message)

        start = time.perf_counter()
        score = ad.run(model, text, activation=act, recorder=None, backend=backend, step=inner, label=act)
        unknown = score.pop("out_of_vocabulary", None)  # the same for every row: said once, below
        row = {"activation": act, "seconds": time.perf_counter() - start, **_public(score)}
        if base is None:
            base = score
        if ad.score == "embedding":
            row["embedding_change"] = _embedding_change(base["embeddings"], score["embeddings"])
        rows.append(row)
    out = {"model": name, "title": ad.title, "activation": ad.activation, "score": ad.score, "backend": backend,
           "rows": rows, "ranking": [r["activation"] for r in sorted(rows, key=_rank_key(ad.score))],
           "reading": swap_reading(ad, rows)}
    if unknown is not None:
        out["out_of_vocabulary"] = unknown
        if unknown["count"]:
            out["reading"] += " " + unknown_reading(unknown)
    return out


def _public(score: dict) -> dict:
    return {k: v for k, v in score.items() if not isinstance(v, np.ndarray)}


def _embedding_change(base: np.ndarray, other: np.ndarray) -> dict:
    """1 - cosine between each sentence's embedding before and after: the largest and the mean."""
    cos = np.sum(base * other, axis=1) / (np.linalg.norm(base, axis=1) * np.linalg.norm(other, axis=1))
    change = 1.0 - cos
    return {"max": float(change.max()), "mean": float(change.mean())}


def _rank_key(score: str):
    if score == "embedding":
        return lambda r: r["embedding_change"]["max"]
    return lambda r: r[score]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


SPELLING = {"silu": "SiLU", "gelu": "GELU", "gelu_tanh": "tanh GELU", "quick_gelu": "quick GELU", "relu": "ReLU"}


def spelled(name: str) -> str:
    """How prose writes a registry key (the key itself where it is already a word: sigmoid, tanh, identity)."""
    return SPELLING.get(name, name)


def reading(result: dict) -> str:
    """The inspection in a sentence or two, from the measured numbers."""
    total, act = result["total"], spelled(result["activation"])
    layers = result["layers"]
    parts = []
    if result["activation"] in ("silu", "gelu"):
        neg = [s["share_negative"] for s in layers]
        lo, hi = int(np.argmin(neg)), int(np.argmax(neg))
        parts.append(f"{_pct(total['share_negative'])} of {act}'s inputs are negative (from {_pct(neg[lo])} in layer "
                     f"{layers[lo]['layer']} to {_pct(neg[hi])} in layer {layers[hi]['layer']}). There ReLU would "
                     f"output exactly 0; {act} passes a small negative value and a gradient that is not 0.")
        if result["activation"] == "silu":
            low_at = activations.get("silu").output_min_at
            parts.append(f"{_pct(total['share_in_dip'])} fall in SiLU's dip ({DIP[0]:g} < x < {DIP[1]:g}), around "
                         f"its minimum at x = {low_at:.2f}, where the curve turns back up.")
    if total.get("share_saturated") is not None:
        parts.append(f"{_pct(total['share_saturated'])} of the {act} inputs are saturated (output within 1% of "
                     f"either end of its range); the mean derivative is {total['mean_derivative']:.3f} against a "
                     f"maximum of {activations.get(result['activation']).deriv_max:g}.")
    if result.get("out_of_vocabulary"):
        parts.append(unknown_reading(result["out_of_vocabulary"]))
    if total.get("max_gap"):
        gap = total["max_gap"]
        parts.append(f"Over these inputs the largest |{act} - {spelled(gap['to'])}| is {gap['value']:.3g}, at x = "
                     f"{gap['at']:.2f}.")
    return " ".join(parts)


def unknown_reading(unknown: dict) -> str:
    """What the text held that the model's vocabulary lacks, in a sentence ("" when nothing)."""
    if not unknown["count"]:
        return ""

    def many(n: int, one: str, more: str) -> str:
        return f"{n:,} {one if n == 1 else more}"

    parts = []
    if unknown["read_as_space"]:
        parts.append(f"{many(unknown['read_as_space'], 'line break or tab', 'line breaks or tabs')} read as spaces "
                     f"(a run of white space holding them as one space)")
    if unknown["not_scored"]:
        listed = ", ".join(f"{ch!r} x{n}" for ch, n in unknown["characters"].items() if ch not in WHITE_SPACE)
        parts.append(f"{many(unknown['not_scored'], 'other character', 'other characters')} ({listed}) fed as the "
                     f"model's placeholder and not scored")
    return (f"{many(unknown['count'], 'character', 'characters')} of the text "
            f"{'is' if unknown['count'] == 1 else 'are'} not in the model's vocabulary: {'; '.join(parts)}.")


def swap_reading(ad: Adapter, rows: list[dict]) -> str:
    base = rows[0]
    if ad.score == "embedding":
        others = ", ".join(f"{spelled(r['activation'])} {r['embedding_change']['max']:.2g}" for r in rows[1:])
        return (f"Largest change of a sentence embedding (1 - cosine) when {spelled(ad.activation)} is replaced: "
                f"{others}.")
    key = ad.score
    worse = ", ".join(f"{spelled(r['activation'])} {r[key]:,.3g} ({r[key] / base[key]:,.3g} times)" for r in rows[1:])
    unit = "perplexity" if key == "perplexity" else "bits per character"
    return f"With its own {spelled(ad.activation)} the model's {unit} is {base[key]:.3g}; swapped: {worse}."

