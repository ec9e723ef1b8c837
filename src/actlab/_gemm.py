"""The engine's matrix products (network.py): NumPy's matmul, or Intel MKL's gemm where it is installed.

NumPy's OpenBLAS 0.3.31 is the slower half of a wide net's step: one thread, the products of one 10 x 256 batch-256
step took 1.28-1.42x as long as PyTorch's (its MKL), MKL called from here 0.93-0.99x, float64 and float32
(interleaved runs, CPU time, Sapphire Rapids at load 8.5, 2026-12-01). MKL comes from PyPI: ``pip install
'actlab[mkl]'`` installs Intel's mkl wheel and numba, which calls MKL's cblas_dgemm and cblas_sgemm through
_gemm_mkl.py for about as much per call as np.matmul costs, so small products lose nothing.

Which library computes the products:

- ``use("numpy")``: NumPy's matmul (its bundled OpenBLAS);
- ``use("mkl")``: MKL, and an error if it cannot be loaded;
- ``use("auto")``, the default: MKL where the mkl package and numba load, NumPy otherwise;
- ``using(...)``: the same for a block (the tests run both).

The choice is made once, before a process's first product, and kept: every product of a run comes from the same
library, never one chosen per call. MKL runs its sequential layer (one thread), as the rest of actlab pins BLAS to
one thread. Nothing is imported until the first product, so ``import actlab`` costs no more with MKL installed;
that product pays for the loading instead (0.7-0.8 s here at load 10: numba's import, MKL, the cached binding).
Intel's wheel is for x86-64 Linux here (the extra installs it only there); elsewhere the NumPy path runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import importlib.util
import threading

import numpy as np

_CHOICES = ("auto", "mkl", "numpy")
_MKL_THREADING_SEQUENTIAL, _MKL_INTERFACE_LP64 = 1, 0
_LARGEST = 2**31 - 1  # MKL's LP64 interface takes 32-bit dimensions

_forced: str | None = None  # set by use(); None: auto
_kernels: dict[np.dtype, object] = {}  # float64 and float32 -> the compiled gemm, once MKL is loaded
_failure: str | None = None  # why MKL could not be loaded
_lock = threading.Lock()


def _missing() -> list[str]:
    """Which of the mkl package and numba are not installed (nothing is imported or loaded)."""
    missing = []
    try:
        importlib.metadata.distribution("mkl")
    except importlib.metadata.PackageNotFoundError:
        missing.append("mkl")
    if importlib.util.find_spec("numba") is None:
        missing.append("numba")
    return missing


def installed() -> bool:
    """Whether the mkl package and numba are both installed."""
    return not _missing()


def _mkl_library() -> str:
    """The path of the mkl wheel's libmkl_rt (it installs into the environment's lib/, beside site-packages)."""
    files = importlib.metadata.distribution("mkl").files or []
    found = sorted(str(f.locate()) for f in files if f.name.startswith("libmkl_rt.so"))
    if not found:
        raise OSError("the mkl package lists no libmkl_rt.so")
    return found[-1]


def _load_mkl() -> None:
    """Load MKL's one-thread layer and the compiled binding into _kernels; on failure remember why."""
    global _failure
    if _kernels or _failure is not None:
        return
    with _lock:
        if _kernels or _failure is not None:
            return
        missing = _missing()
        if missing:
            packages = f"the {missing[0]} package is" if len(missing) == 1 else "the mkl and numba packages are"
            _failure = f"{packages} not installed (pip install 'actlab[mkl]', for x86-64 Linux)"
            return
        try:
            path = _mkl_library()
            library = ctypes.CDLL(path)
            library.MKL_Set_Threading_Layer.argtypes = [ctypes.c_int]
            library.MKL_Set_Interface_Layer.argtypes = [ctypes.c_int]
            interface = library.MKL_Set_Interface_Layer(_MKL_INTERFACE_LP64)
            threading_layer = library.MKL_Set_Threading_Layer(_MKL_THREADING_SEQUENTIAL)
            if (interface, threading_layer) != (_MKL_INTERFACE_LP64, _MKL_THREADING_SEQUENTIAL):
                # another part of the process loaded MKL first with other settings (a NumPy built on MKL)
                raise OSError(f"MKL is already set up differently in this process (interface {interface}, "
                              f"threading layer {threading_layer}; wanted LP64 and sequential)")
            import llvmlite.binding as llvm

            llvm.load_library_permanently(path)  # numba's compiled code finds cblas_?gemm here, by name
            for name in ("cblas_dgemm", "cblas_sgemm"):
                if llvm.address_of_symbol(name) != ctypes.cast(getattr(library, name), ctypes.c_void_p).value:
                    raise OSError(f"{name} resolves to another library than {path}")
            from . import _gemm_mkl

            kernels = _gemm_mkl.compiled()
        except Exception as exc:  # no loadable library for this CPU or OS, an incompatible numba, ...
            _failure = f"loading MKL failed: {type(exc).__name__}: {exc}"
        else:
            _kernels.update(kernels)


def _mkl_product(a, b, out=None):
    """a @ b by MKL. The common case, 2-D operands of one float dtype that BLAS takes as they are, costs one compiled
    call; anything else goes to _prepared_product."""
    try:
        kernel = _kernels[a.dtype]
        if out is None:
            product = np.empty((a.shape[0], b.shape[1]), a.dtype)
            if kernel(a, b, product):
                return product
        elif kernel(a, b, out):
            return out
    except (AttributeError, IndexError, KeyError, TypeError):  # not arrays, 1-D, no float dtype, dtypes that differ
        pass
    return _prepared_product(a, b, out)


def _prepared_product(a, b, out=None):
    """a @ b by MKL for what the kernels do not take as it is: 1-D operands (as one row or column), mixed dtypes
    (promoted), operands without contiguous rows or columns (copied), empty dimensions, an out that is not the
    product's own array (written as np.matmul writes it) or overlaps an operand (np.matmul buffers such a call; so
    does this). Where BLAS has no routine (integers, stacks of matrices), NumPy's matmul computes it."""
    a, b = np.asarray(a), np.asarray(b)
    dtype = np.result_type(a, b)
    if dtype not in _kernels or not 1 <= a.ndim <= 2 or not 1 <= b.ndim <= 2 or a.shape[-1] != b.shape[0]:
        return np.matmul(a, b, out=out)  # no BLAS routine, or NumPy's own error for mismatched shapes
    if a.ndim == 1 or b.ndim == 1:
        product = _mkl_product(np.atleast_2d(a).astype(dtype, copy=False),
                               (b if b.ndim == 2 else b[:, None]).astype(dtype, copy=False))
        product = product[:, 0] if b.ndim == 1 else product
        product = product[0] if a.ndim == 1 else product
        return product if out is None else _into(out, product)
    shape = (a.shape[0], b.shape[1])
    if out is not None:
        if not isinstance(out, np.ndarray) or not out.flags.writeable:
            return np.matmul(a, b, out=out)  # NumPy's error for an out it cannot write
        if out.dtype != dtype or out.shape != shape or np.may_share_memory(out, a) or np.may_share_memory(out, b):
            return _into(out, _prepared_product(a, b))
    if max(*shape, a.shape[1]) > _LARGEST:
        return np.matmul(a, b, out=out)  # past MKL's 32-bit dimensions
    product = np.empty(shape, dtype)
    if 0 in shape or a.shape[1] == 0:
        product[...] = 0
    elif not _kernels[dtype](np.array(a, dtype, order="C"), np.array(b, dtype, order="C"), product):
        raise RuntimeError("MKL's gemm refused C-ordered operands of matching shapes")  # not expected to happen
    return product if out is None else _into(out, product)


def _into(out: np.ndarray, product: np.ndarray) -> np.ndarray:
    """np.matmul's rules for an out that is not the product's own array: the same shape, a same-kind cast."""
    if out.shape != product.shape:
        raise ValueError(f"matmul: out has shape {out.shape}, the product {product.shape}")
    np.copyto(out, product, casting="same_kind")
    return out


def _numpy_product(a, b, out=None):
    return np.matmul(a, b, out=out)


def _chosen():
    choice = "auto" if _forced is None else _forced
    if choice == "numpy":
        return _numpy_product
    _load_mkl()
    if _kernels:
        return _mkl_product
    if choice == "mkl":
        raise RuntimeError(f"MKL's matrix products were asked for (use('mkl')) but are unavailable: {_failure}")
    return _numpy_product


def _first_product(a, b, out=None):
    global _product
    _product = _chosen()
    return _product(a, b, out)


_product = _first_product  # replaced by the chosen library's function on the first product


def matmul(a, b, out=None):
    """a @ b (into ``out`` when given), by the library chosen for this process."""
    return _product(a, b, out)


def use(choice: str) -> None:
    """Choose the library for the products from now on: 'auto', 'mkl' or 'numpy'."""
    global _forced, _product
    if choice not in _CHOICES:
        raise ValueError(f"use() takes one of {', '.join(map(repr, _CHOICES))}; got {choice!r}")
    _forced = None if choice == "auto" else choice
    _product = _first_product


@contextlib.contextmanager
def using(choice: str):
    """use(choice) for a block, then the previous choice again."""
    before = "auto" if _forced is None else _forced
    use(choice)
    try:
        yield
    finally:
        use(before)


def library() -> str:
    """'mkl' or 'numpy': the library the products come from (choosing it now if no product has been made)."""
    global _product
    if _product is _first_product:
        _product = _chosen()
    return "mkl" if _product is _mkl_product else "numpy"


def status() -> str:
    """One line for people: which library computes the products, and why not MKL where it does not."""
    name = library()
    if name == "mkl":
        return "matrix products: Intel MKL (one thread)"
    if _forced == "numpy":
        return "matrix products: NumPy's matmul (chosen with use('numpy'))"
    return f"matrix products: NumPy's matmul; {_failure}"


if __name__ == "__main__":  # python -m actlab._gemm: load MKL once (compiling the binding into numba's cache)
    print(status())
