"""Whether the torch monitor's compiled passes (numba) are used, and loading them.

On a CPU tensor of float32 or float64, (rows, units) or (batch, sequence, units) and contiguous, the monitor's sums
for one place are made by one compiled pass over the tensor (``_torch_stats_numba``) instead of several torch calls;
every other tensor (on an accelerator, in half precision, non-contiguous, an image's (N, C, H, W)) takes the torch
path, as does every tensor when numba is not installed. Nothing here imports numba: ``import actlab.torch`` does not
either; a Monitor on a CPU model starts loading them in a background thread when it is made (numba's import and
the cached machine code: about a second the first time in a process, 3.7-6.5 s on a loaded machine; compiling
afresh, once per machine, a few seconds more), so that Monitor() returns at once, and its sampled steps take the
torch path until they are loaded (the figures agree to 1e-5 relative in float32, the counts exactly).
An activation whose f' is taken from its input after the forward (GELU, SiLU, ELU, ...) has f' and its output
summed in one pass (layer_sums); nn.GELU on float32 has no f' written at all: its input and output are read once
(gelu_sums, with the zeros of torch's own f' measured by gelu_zeros()), which on the benchmark's transformer takes
a sampled step from about 1.9 to 1.5 ms per GELU layer.
"""

from __future__ import annotations

import math

import torch

from .._kernel_loader import KernelLoader

ENABLED = True  # False: the torch path everywhere (the tests compare the two)
# the weights of the inputs' mark (_monitor_inputs._spread, _torch_stats_numba.input_spread): 1 + frac(k x step)
# down the columns and down the rows (the golden ratio's fraction and sqrt(2)'s)
SPREAD_COLUMN_STEP = 0.6180339887498949
SPREAD_ROW_STEP = 0.41421356237309515
# the loader's state (_kernel_loader): _torch_stats_numba once imported, why it could not be, preload()'s thread
_module = None
_failure: str | None = None
_preloading = None
_loader = KernelLoader(__name__, "actlab.interop._torch_stats_numba", "actlab-torch-kernels-preload")


def load():
    """The kernels' module, imported once; None where numba is missing or the import failed (_failure says why)."""
    return _loader.load()


def _load_and_measure():
    module = load()  # looked up when the thread runs: a test holds it back
    if module is not None:
        gelu_zeros()
    return module


def preload() -> None:
    """Load the kernels in a background thread (once per process), and measure gelu_zeros() there: a Monitor on a
    CPU model calls this when it is made, and kernels() answers None, so the torch path, until the thread is done. A
    no-op once they are loaded, failed or loading."""
    _loader.preload(_load_and_measure)


# gelu_zeros(): not measured yet (None), or the answer ((tail, points) or False: no fast path)
_gelu_zeros = None
_GELU_POINTS = 4


def _floats_between(lo: float, hi: float) -> torch.Tensor:
    """Every float32 in [lo, hi] (both negative, lo < hi), in increasing order."""
    ends = torch.tensor([hi, lo], dtype=torch.float32).view(torch.int32).tolist()
    return torch.arange(ends[0], ends[1] + 1, dtype=torch.int32).view(torch.float32).flip(0)


def _torch_gelu_derivative(z: torch.Tensor) -> torch.Tensor:
    return torch.ops.aten.gelu_backward(torch.ones_like(z), z, approximate="none")


def gelu_zeros():
    """Where torch's own float32 gelu_backward (erf form) gives exactly 0 on this machine, as (tail, points): every z
    <= tail and each of points (4, NaN-padded), the compiled GELU pass's nonzero count (_torch_stats_numba.gelu_sums)
    needing to match torch's. Elsewhere true f' is far from 0, except in a tail where it is under float32's rounding
    of its terms (the zeros begin near z = -6.15 here: below -6.5 true f' is under a tenth of that rounding, above
    -5.5 over ten times it) and at the few floats next to its sign change near z = -0.7518. Measured once per process
    by evaluating torch's kernel on every float32 in [-6.5, -5.5] (the tail's end must lie there, with every float
    below it 0 and none above it) and in [-0.7519, -0.7517] (at most 4 zeros), and checked on a grid of 2^20 points
    over [-64, 64] and at -inf, inf and NaN (f' NaN there): 0.1-0.4 s, in preload()'s thread where a Monitor started
    one. False where torch's zeros are not of that form: the monitor then keeps torch's gelu_backward. (Every float32
    was checked once on the development machine, torch 2.13: zero exactly at z <= -6.1513515 and at -0.7517914 and
    -0.75179136.)"""
    global _gelu_zeros
    if _gelu_zeros is None:
        _gelu_zeros = _measure_gelu_zeros()
    return _gelu_zeros


def _measure_gelu_zeros():
    # torch function modes off (first: no_grad itself is a torch call), then no_grad: measured inside a sampled
    # step's hook (where no preload() thread did it first), the monitor's own function watch would see each call
    with torch._C.DisableTorchFunction(), torch.no_grad():
        tail_range = _floats_between(-6.5, -5.5)
        zero = _torch_gelu_derivative(tail_range) == 0
        k = int(zero.sum())
        if not (0 < k < zero.numel()) or not bool(zero[:k].all()):
            return False
        tail = float(tail_range[k - 1])
        near = _floats_between(-0.7519, -0.7517)
        points = near[_torch_gelu_derivative(near) == 0].tolist()
        if len(points) > _GELU_POINTS:
            return False
        points = torch.tensor(points + [math.nan] * (_GELU_POINTS - len(points)), dtype=torch.float32)
        grid = torch.linspace(-64.0, 64.0, 1 << 20)
        d = _torch_gelu_derivative(grid)
        expect = (grid <= tail) | torch.isin(grid, points)
        if not torch.equal(d == 0, expect):
            return False
        ends = _torch_gelu_derivative(torch.tensor([-math.inf, math.inf, math.nan]))
        if not bool(ends.isnan().all()):
            return False
        return tail, points.numpy()


def preload_cpu() -> float | None:
    """The CPU seconds preload()'s thread took in this process (loading the kernels and measuring gelu_zeros), once
    it is done; None before, or where no thread was started."""
    return _loader.preload_cpu()


def loading() -> bool:
    """Whether preload()'s thread is still at work."""
    return _loader.loading()


def wait(timeout: float | None = None):
    """Waits for preload()'s thread, if one is at work, for up to ``timeout`` seconds, and returns the kernels'
    module (None: unavailable, or still loading when the time is up). A benchmark calls this before timing, so that
    it times the compiled passes, not the torch path that answers meanwhile."""
    return _loader.wait(timeout)


def kernels():
    """The loaded kernels' module, or None (not enabled, not loaded yet, or unavailable). Never imports numba nor
    waits for it: the Monitor starts preload() when it is made."""
    return _module if ENABLED else None


def readable(t: torch.Tensor) -> bool:
    """Whether the compiled passes can read t (rows_view gives a view): a contiguous CPU tensor of float32 or
    float64, 2-D or 3-D (units last). t.is_cpu, not t.device.type: the latter makes a device object, which cost 7 us
    inside a backward hook on the benchmark's MLP."""
    return t.is_cpu and t.dtype in _ROWS_DTYPES and t.is_contiguous() and 2 <= t.dim() <= 3


_ROWS_DTYPES = (torch.float32, torch.float64)


def rows_view(t: torch.Tensor):
    """t as a C-contiguous (rows, units) NumPy array sharing its memory, where the compiled passes can read it: a
    CPU tensor of float32 or float64, 2-D or 3-D (units last), contiguous. None otherwise (the torch path)."""
    if not readable(t):
        return None
    return t.numpy() if t.dim() == 2 else t.numpy().reshape(-1, t.shape[2])
