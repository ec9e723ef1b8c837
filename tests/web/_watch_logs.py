"""Monitor logs written by hand for the watch tests: every field a real report has (monitor_log's format), so
the page draws them as it draws a Monitor's, without torch. Imported, not collected."""

from __future__ import annotations

import json
from pathlib import Path

from actlab.monitor_log import LOG_FORMAT


def layer(name: str, k: int, step: int, scale: float = 1.0) -> dict:
    g = scale * 0.5 ** k / (1 + 0.01 * step)
    return {"name": name, "activation": "gelu", "module_type": "GELU", "width": 32, "act_grad_norm": g,
            "act_grad_ratio_to_last": 2.0, "weight_grad_norm": 3 * g, "mean": 0.1, "std": 0.3,
            "zero_derivative_fraction": 0.0, "saturated": 0, "dead": 0, "dormant": 0, "window": 1,
            "non_finite": False, "words": "", "weight_grad_ratio_to_output": 0.5, "weights": f"{name}.weight",
            "weights_frozen": False, "low_word": "saturated"}


def report(step: int, names: list[str], loss: float | None = 1.0, *, scale: float = 1.0, status: str = "flowing",
           non_finite: bool = False) -> dict:
    layers = [layer(n, k, step, scale) for k, n in enumerate(names)]
    if non_finite:
        layers[0].update(non_finite=True, act_grad_norm=None, weight_grad_norm=None)
    return {"step": step, "steps_run": None, "sampled_steps": step, "every": 1, "layers": layers,
            "output_grad_norm": 1.0, "loss": loss, "non_finite": non_finite,
            "first_non_finite": {"step": step, "place": f"module '{names[0]}'"} if non_finite else None,
            "reading": {"status": status, "words": f"gradients flow ({status} at step {step})", "remedy": "",
                        "evidence": {}, "is_failure": False, "findings": []}, "notes": []}


def header(names: list[str]) -> dict:
    return {"format": LOG_FORMAT, "layers": names, "activations": ["gelu"] * len(names)}


def lines(*objs) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs)


def write_run(path: Path, names: list[str], steps, loss=lambda s: 1.0, mode: str = "w", **kw) -> None:
    with path.open(mode) as fh:
        fh.write(lines(header(names), *[report(s, names, loss(s), **kw) for s in steps]))
