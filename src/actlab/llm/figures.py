"""The lesson's "inside a real model" figures: measured once by this module, shipped as data/llm/figures.json.

The page draws them with no model loaded. The file records what it was made from: the text's hash, the hash of
actlab.llm's source, the model packages' pinned versions and the model files' hashes. ``inputs_hash`` mixes the
first three; tests/llm checks it against the current tree on every run (so a change to the text or to this
package's code without a regeneration fails), and compares the model files under the real_model marker.

Regenerate with ``python -m actlab.llm.figures`` (about three minutes on two busy cores).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np

from .. import activations
from . import measure
from ._packages import PACKAGES, model_file

FIGURES = Path(str(resources.files("actlab"))) / "data" / "llm" / "figures.json"
HIST = {"low": -6.0, "high": 6.0, "width": 0.25}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_hash() -> str:
    """The hash of actlab.llm's source files (names and bytes, in name order)."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted(here.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def inputs() -> dict:
    """What the figures depend on that every checkout has (the model files are hashed separately)."""
    return {"text_sha256": _sha256(measure.eval_text().encode("utf-8")), "code_sha256": code_hash(),
            "packages": {name: pkg.distribution for name, pkg in sorted(PACKAGES.items())}}


def inputs_hash(record: dict | None = None) -> str:
    return _sha256(json.dumps(record or inputs(), sort_keys=True).encode())


def model_file_hashes() -> dict[str, str]:
    return {name: _sha256(model_file(name).read_bytes()) for name in sorted(PACKAGES)}


def _curve(name: str, centres: np.ndarray) -> list[float]:
    return [float(v) for v in activations.get(name)(centres)]


def _layer_summary(layer: dict) -> dict:
    keep = ("layer", "share_negative", "share_in_dip", "share_saturated", "mean_derivative", "never_active", "units",
            "min", "max")
    out = {k: layer.get(k) for k in keep}
    out["percentiles"] = {q: layer["percentiles"][q] for q in ("1", "50", "99")}
    return out


def _inspect_with_histograms(name: str, step, text: str | None = None) -> dict:
    """measure.inspect, trimmed to what the panel shows, with the histograms a chart draws."""
    result = measure.inspect(name, text, backend="numpy", step=step, histogram=HIST)
    hist = result["histograms"]
    total = np.sum([h["share"] for h in hist.values()], axis=0) / len(hist)  # every layer has the same count
    edges = np.array(next(iter(hist.values()))["edges"])
    centres = (edges[:-1] + edges[1:]) / 2
    return {
        **{k: result[k] for k in ("model", "title", "activation", "where", "reading", "dip", "load_seconds",
                                  "run_seconds") if k in result},
        **{k: result[k] for k in ("perplexity", "tokens", "bits_per_char", "chars", "out_of_vocabulary", "sentences")
           if k in result},
        "total": _layer_summary(result["total"]) | ({"max_gap": result["total"]["max_gap"]}
                                                  if "max_gap" in result["total"] else {}),
        "layers": [_layer_summary(s) for s in result["layers"]],
        "histogram": {"edges": edges.tolist(), "centres": centres.tolist(),
                      "layers": {k: h["share"] for k, h in hist.items()}, "total": total.tolist(),
                      "curve": _curve(result["activation"], centres)},
    }


def compute(step=lambda *a: None) -> dict:
    """Every figure of the panel, measured now (the real models must be installed)."""
    started = time.perf_counter()
    out: dict = {"inputs": inputs()}
    out["inputs_hash"] = inputs_hash(out["inputs"])
    out["model_files_sha256"] = model_file_hashes()
    for name in ("smollm2", "minilm", "lstm"):
        out[name] = _inspect_with_histograms(name, step)
        swapped = measure.swap(name, backend="numpy", step=step)
        out[name]["swap"] = {k: swapped[k] for k in ("score", "rows", "ranking", "reading")}
    out["machine"] = {"python": sys.version.split()[0], "numpy": np.__version__, "platform": platform.platform(),
                      "seconds": time.perf_counter() - started}
    return out


LIVE_MAX_TOKENS = 64
LIVE_MAX_CHARS = 1000  # checked before tokenising; 64 tokens of English are about 300 characters


def sentence(text: str, step=lambda *a: None) -> dict:
    """The learner's own sentence through SmolLM2 (NumPy, at most LIVE_MAX_TOKENS tokens), in the panel's form."""
    from ..errors import ConfigError

    text = text.strip()
    if not text:
        raise ConfigError("text", "is empty; type a sentence")
    if len(text) > LIVE_MAX_CHARS:
        raise ConfigError("text", f"is {len(text)} characters long; at most {LIVE_MAX_CHARS} are allowed")
    model = measure.HELD.get("smollm2")
    n = len(model.encode(text))
    if not 2 <= n <= LIVE_MAX_TOKENS:
        raise ConfigError("text", f"is {n} tokens long; give 2 to {LIVE_MAX_TOKENS}")
    out = _inspect_with_histograms("smollm2", step, text=text)
    out.pop("dip", None)
    return out


def load() -> dict:
    """The shipped figures (no model is loaded)."""
    return json.loads(FIGURES.read_text(encoding="utf-8"))


def main() -> None:  # python -m actlab.llm.figures [--out PATH]
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else FIGURES

    def step(done: int, total: int, message: str = "") -> None:
        print(f"\r{done}/{total} {message[:60]:60}", end="", file=sys.stderr, flush=True)

    figures = compute(step)
    out.write_text(json.dumps(figures, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out} ({figures['machine']['seconds']:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
