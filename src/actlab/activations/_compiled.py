"""The optional compiled kernels (numba): whether they are used, and loading them on first use.

functions.py computes sigmoid and tanh (float64), leaky ReLU, SiLU / swish / quick GELU, GELU and gelu_tanh
through the compiled kernels of ``_numba_kernels`` when numba is installed (``pip install actlab[fast]``), and
through its NumPy formulas otherwise; both are held to the same ULP bounds. Which one runs:

- ``use("numpy")``: always NumPy;
- ``use("compiled")``: the compiled kernels, and an error if numba cannot be imported;
- ``use("auto")``, the default: compiled when numba imports, NumPy otherwise;
- ``using(...)``: the same for a block (the tests run both paths). The core reads no environment variable
  (tests/core/test_sizes.py); a caller that wants one reads it and calls use().

Nothing here imports numba: ``import actlab`` stays as fast as without it. The first kernel call of a
process imports numba and loads the kernels (compiled machine code from numba's on-disk cache, next to
this file or in the user's cache directory; compiling them afresh, once per machine, takes seconds,
which ``python -m actlab.activations.warm_kernels`` does ahead of time: ``make lab`` and ``make test`` run it).
"""

from __future__ import annotations

import contextlib
import importlib.util

from .._kernel_loader import KernelLoader

_CHOICES = ("auto", "compiled", "numpy")

_forced: str | None = None  # set by use(); None: auto
# the loader's state (_kernel_loader): _numba_kernels once imported, why it could not be, preload()'s thread
_module = None
_failure: str | None = None
_preloading = None
_loader = KernelLoader(__name__, "actlab.activations._numba_kernels", "actlab-kernels-preload")


def _choice() -> str:
    return "auto" if _forced is None else _forced


def installed() -> bool:
    """Whether numba can be found (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def _load():
    """Import _numba_kernels once; on failure remember why and return None."""
    return _loader.load()


def kernels():
    """The compiled kernels' module when they are to be used, else None (NumPy formulas).

    The first call of a process loads them (about a second: numba's import and LLVM's start), unless preload()
    is doing so in the background: then the NumPy formulas answer until it is done ('auto'), or the call waits
    for it ('compiled')."""
    choice = _choice()
    if choice == "numpy":
        return None
    if _module is None and _loader.loading():
        if choice == "auto":
            return None
        _loader.wait()
    module = _load()
    if module is None and choice == "compiled":
        raise RuntimeError(f"the compiled kernels were asked for (use('compiled')) but are unavailable: {_failure}")
    return module


def active() -> bool:
    """Whether activation calls in this process use the compiled kernels (imports numba if they do)."""
    return kernels() is not None


def status() -> str:
    """One line saying which kernels run and why."""
    choice = _choice()
    if choice == "numpy":
        return "NumPy kernels (use('numpy'))"
    if kernels() is not None:
        import numba

        return f"compiled kernels (numba {numba.__version__})"
    return f"NumPy kernels: {_failure}"


def use(choice: str | None) -> None:
    """Choose 'compiled', 'numpy' or 'auto' for this process; None is 'auto'."""
    global _forced
    if choice is not None and choice not in _CHOICES:
        raise ValueError(f"kernel choice must be one of {', '.join(_CHOICES)} or None; got {choice!r}")
    _forced = choice


@contextlib.contextmanager
def using(choice: str):
    """Within the block, force 'compiled', 'numpy' or 'auto' (the tests run both paths this way)."""
    global _forced
    saved = _forced
    use(choice)
    try:
        yield
    finally:
        _forced = saved


def preload() -> None:
    """Load the compiled kernels (and each kernel's compiled code) in a background thread, for a long-lived process
    such as the lab's server or a training process: its first requests then never wait for numba's import. Until
    it is done, calls use the NumPy formulas (see kernels()); a no-op where the NumPy path is chosen or the
    kernels are loaded already."""
    if _choice() == "numpy":
        return

    def run():  # a failure is recorded by _load(); kernels() then says why
        if _load() is not None:
            warm()

    _loader.preload(run)


def wait(timeout: float | None = None):
    """Waits for preload()'s background load, if one is at work, for up to ``timeout`` seconds; returns the kernels'
    module, or None where they are unavailable or still loading. Starts no load."""
    return _loader.wait(timeout)


def warm() -> list[str]:
    """Compile (or load from numba's cache) every kernel for float32 and float64; returns what was warmed."""
    module = _load()
    if module is None:
        raise RuntimeError(f"the compiled kernels are unavailable: {_failure}")
    import numpy as np

    done = []
    for dtype in (np.float32, np.float64):
        x = np.linspace(-3, 3, 8, dtype=dtype)
        v, d = np.empty_like(x), np.empty_like(x)
        module.swish(x, 1.0, 0.0, dtype == np.float64, v, d)
        done.append(f"swish {np.dtype(dtype).name}")
        module.leaky_relu(x, dtype(0.01), dtype(0.99), v, d)
        done.append(f"leaky_relu {np.dtype(dtype).name}")
        for slope in ("times_tanh_slope", "times_sigmoid_slope", "times_relu_slope"):  # the network's backward
            getattr(module, slope)(x.reshape(2, 4), d.reshape(2, 4), np.empty(4, dtype))
            done.append(f"{slope} {np.dtype(dtype).name}")
    x64 = np.linspace(-3, 3, 8)
    v, d = np.empty_like(x64), np.empty_like(x64)
    module.sigmoid(x64, v, d)
    module.sigmoid_value(x64, v)
    module.tanh(x64, v, d)
    module.tanh_value(x64, v)
    z = x64.reshape(2, 4).copy()
    module.add_bias_tanh(z, np.zeros(4), np.empty_like(z))
    module.gelu_tanh_float64(x64, v, d)
    module.gelu_float64(x64, v, d)
    x32 = np.linspace(-3, 3, 8, dtype=np.float32)
    v, d = np.empty_like(x32), np.empty_like(x32)
    module.gelu_float32(x32, v, d)
    module.gelu_tanh_float32(x32, v, d)
    return done + ["sigmoid float64", "tanh float64", "add_bias_tanh float64", "gelu_tanh float64", "gelu float64",
                   "gelu float32", "gelu_tanh float32"]
