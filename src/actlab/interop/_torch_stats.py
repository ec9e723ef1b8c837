"""Whether the torch monitor's compiled passes (numba) are used, and loading them.

On a CPU tensor of float32 or float64, (rows, units) or (batch, sequence, units) and contiguous, the monitor's sums
for one place are made by one compiled pass over the tensor (``_torch_stats_numba``) instead of several torch calls;
every other tensor (on an accelerator, in half precision, non-contiguous, an image's (N, C, H, W)) takes the torch
path, as does every tensor when numba is not installed. Nothing here imports numba: ``import actlab.torch`` does not
either; a Monitor on a CPU model loads the kernels when it is made (numba's import and the cached machine code,
about a second the first time in a process; compiling afresh, once per machine, a few seconds), so that no sampled
step, timed by every="auto", pays for it.
"""

from __future__ import annotations

import importlib.util
import threading

import torch

ENABLED = True  # False: the torch path everywhere (the tests compare the two)
_module = None
_failure: str | None = None
_lock = threading.Lock()


def load():
    """The kernels' module, imported once; None where numba is missing or the import failed (_failure says why)."""
    global _module, _failure
    if _module is not None or _failure is not None:
        return _module
    with _lock:
        if _module is None and _failure is None:
            if importlib.util.find_spec("numba") is None:
                _failure = "numba is not installed (pip install 'actlab[fast]')"
            else:
                try:
                    from . import _torch_stats_numba
                except Exception as exc:  # an incompatible numba/NumPy pair, no writable cache directory, ...
                    _failure = f"importing the numba kernels failed: {type(exc).__name__}: {exc}"
                else:
                    _module = _torch_stats_numba
    return _module


def kernels():
    """The loaded kernels' module, or None (not enabled, not loaded yet, or unavailable). Never imports numba: the
    Monitor calls load() when it is made."""
    return _module if ENABLED else None


def rows_view(t: torch.Tensor):
    """t as a C-contiguous (rows, units) NumPy array sharing its memory, where the compiled passes can read it: a
    CPU tensor of float32 or float64, 2-D or 3-D (units last), contiguous. None otherwise (the torch path)."""
    if t.device.type != "cpu" or t.dtype not in (torch.float32, torch.float64) or not t.is_contiguous():
        return None
    dim = t.dim()
    if dim == 2:
        return t.numpy()
    if dim == 3:
        return t.numpy().reshape(-1, t.shape[2])
    return None
