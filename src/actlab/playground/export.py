"""A trained playground network out of the lab: its JSON (versioned) and a runnable PyTorch script.

Each activation is written from its registry record's recipe (activations.torch_code) and the output from the
head's record (heads.py), so a new activation or head exports with no change here.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ..activations.torch_code import torch_source
from ..errors import ConfigError
from ..heads import head as head_record
from .session import PlaygroundSession

# The exported network's JSON: {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, ...}. Version 1 said
# {"format": "actlab-network/1"} with the same fields; read_export() takes both.
EXPORT_FORMAT, EXPORT_VERSION = "actlab-playground", 2
_EXPORT_V1 = "actlab-network/1"


def export_json(session: PlaygroundSession) -> dict:
    net = session.trainer.net
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "config": session.config.to_dict(),
            "network": {"layer_sizes": [net.weights[0].shape[0], *net.config.hidden, net.config.output_dim],
                        "activations": [{"name": a.name, "params": dict(a.params)} for a in net.activations],
                        "head": net.config.head,
                        # the playground features of a 2-D point, or None: a CSV's columns feed the net as they are
                        "features": list(session.config.features) if session.is_2d else None,
                        "inputs": list(session.train_data.columns),
                        "weights": [w.tolist() for w in net.weights], "biases": [b.tolist() for b in net.biases]},
            "epoch": session.trainer.epoch_count}


def read_export(data: object) -> dict:
    """An exported network of any version this actlab wrote, in the current version's form.

    Raises ConfigError("format") for what is not an actlab playground export or is newer than this actlab."""
    if not isinstance(data, dict):
        raise ConfigError("format", f"an exported network is a JSON object; got {type(data).__name__}")
    fmt, version = data.get("format"), data.get("version")
    if fmt == _EXPORT_V1:
        version = 1
    elif fmt != EXPORT_FORMAT:
        raise ConfigError("format", f"{EXPORT_FORMAT!r} (or version 1's {_EXPORT_V1!r}); got {fmt!r}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError("version", f"a whole number from 1 to {EXPORT_VERSION}; got {version!r}")
    if version > EXPORT_VERSION:
        raise ConfigError("version", f"{version} is newer than this actlab reads (up to {EXPORT_VERSION}): "
                                     "upgrade actlab")
    if not isinstance(data.get("network"), dict):
        raise ConfigError("network", "the exported network's layers, weights and biases; missing")
    return {**data, "format": EXPORT_FORMAT, "version": EXPORT_VERSION}


def export_torch(session: PlaygroundSession) -> str:
    """A runnable PyTorch script that rebuilds the trained network with its weights."""
    return torch_script(export_json(session))


def torch_script(exported: dict) -> str:
    """The PyTorch script for an exported network (export_json's dict, any version read_export takes); each
    activation is written from its record's recipe (activations.torch_code)."""
    data = read_export(exported)["network"]
    layers, definitions = [], []
    for l in range(len(data["weights"])):
        fan_in, fan_out = np.asarray(data["weights"][l]).shape
        layers.append(f"nn.Linear({fan_in}, {fan_out})")
        if l < len(data["activations"]):
            a = data["activations"][l]
            source = torch_source(activations.get(a["name"], **a["params"]))
            if source.definition and source.definition not in definitions:
                definitions.append(source.definition)
            layers.append(source.call)
    head = head_record(data["head"]).torch_output  # the head's own recipe (heads.py)
    lines = [
        '"""A network trained in actlab, rebuilt in PyTorch with its weights. Run: python this_file.py"""',
        "import torch", "from torch import nn", "",
        "",
        *[line for d in definitions for line in (*d.rstrip("\n").split("\n"), "", "")],
        f"FEATURES = {data['features']!r}  # from the 2-D point (x1, x2); None: the inputs are used as they are",
        f"INPUTS = {data['inputs']!r}",
        f"WEIGHTS = {data['weights']!r}  # (fan_in, fan_out) per layer: actlab computes x @ W + b",
        f"BIASES = {data['biases']!r}",
        "",
        "model = nn.Sequential(",
        *[f"    {layer}," for layer in layers],
        ").double()",
        "with torch.no_grad():",
        "    linears = [m for m in model if isinstance(m, nn.Linear)]",
        "    for lin, w, b in zip(linears, WEIGHTS, BIASES):",
        "        lin.weight.copy_(torch.tensor(w, dtype=torch.float64).T)",
        "        lin.bias.copy_(torch.tensor(b, dtype=torch.float64))",
        "",
        "",
        "def features(x1, x2):",
        "    table = {'x1': x1, 'x2': x2, 'x1^2': x1 * x1, 'x2^2': x2 * x2, 'x1x2': x1 * x2,",
        "             'sin_x1': torch.sin(x1), 'sin_x2': torch.sin(x2)}",
        "    return torch.stack([table[f] for f in FEATURES], dim=1)",
        "",
        "",
        "def predict(points):",
        '    """points: (N, len(INPUTS)) tensor of raw inputs; returns the network output as actlab shows it."""',
        "    logits = model(points if FEATURES is None else features(points[:, 0], points[:, 1]))",
        f"    return {head}",
        "",
        "",
        'if __name__ == "__main__":',
        "    grid = torch.cartesian_prod(*[torch.tensor([-4.0, 0.0, 4.0], dtype=torch.float64)] * len(INPUTS))",
        "    print(predict(grid).detach().numpy().round(4))",
    ]
    return "\n".join(lines) + "\n"
