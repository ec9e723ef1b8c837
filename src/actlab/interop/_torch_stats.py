"""Whether the torch monitor's compiled passes (numba) are used, and loading them.

On a CPU tensor of float32 or float64, (rows, units) or (batch, sequence, units) and contiguous, the monitor's sums
for one place are made by one compiled pass over the tensor (``_torch_stats_numba``) instead of several torch calls;
every other tensor (on an accelerator, in half precision, non-contiguous, an image's (N, C, H, W)) takes the torch
path, as does every tensor when numba is not installed. Nothing here imports numba: ``import actlab.torch`` does not
either; a Monitor on a CPU model starts loading them in a background thread when it is made (numba's import and
the cached machine code: about a second the first time in a process, 3.7-6.5 s on a loaded machine; compiling
afresh, once per machine, a few seconds more), so that Monitor() returns at once, and its sampled steps take the
torch path until they are loaded (the figures agree to 1e-5 relative in float32, the counts exactly).
"""

from __future__ import annotations

import torch

from .._kernel_loader import KernelLoader

ENABLED = True  # False: the torch path everywhere (the tests compare the two)
# the loader's state (_kernel_loader): _torch_stats_numba once imported, why it could not be, preload()'s thread
_module = None
_failure: str | None = None
_preloading = None
_loader = KernelLoader(__name__, "actlab.interop._torch_stats_numba", "actlab-torch-kernels-preload")


def load():
    """The kernels' module, imported once; None where numba is missing or the import failed (_failure says why)."""
    return _loader.load()


def preload() -> None:
    """Load the kernels in a background thread (once per process): a Monitor on a CPU model calls this when it is
    made, and kernels() answers None, so the torch path, until the thread is done. A no-op once they are loaded,
    failed or loading."""
    _loader.preload(lambda: load())  # load looked up when the thread runs: a test holds it back


def wait(timeout: float | None = None):
    """Waits for preload()'s thread, if one is at work, for up to ``timeout`` seconds, and returns the kernels'
    module (None: unavailable, or still loading when the time is up). A benchmark calls this before timing, so that
    it times the compiled passes, not the torch path that answers meanwhile."""
    return _loader.wait(timeout)


def kernels():
    """The loaded kernels' module, or None (not enabled, not loaded yet, or unavailable). Never imports numba nor
    waits for it: the Monitor starts preload() when it is made."""
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
