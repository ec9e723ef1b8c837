"""actlab: the activation-functions lab.

The core (activations, network, instruments, training, datasets, experiments, exercises, store)
needs only NumPy, SciPy and the standard library. The CLI, web app and PyTorch bridge sit on top.
"""

from . import activations
from .activations import get, names

__version__ = "0.1.0"
__all__ = ["activations", "get", "names", "__version__"]
