"""Fill numba's on-disk cache with the compiled activation kernels, so that no later process compiles them.

Usage: python -m actlab.activations.warm_kernels   (make lab and make test run it after installing)

Compiling the kernels takes seconds, once per machine (and again after an upgrade of actlab or numba); a
process that finds them in the cache loads them in a fraction of a second. Without numba this says that the
NumPy kernels will be used, and exits 0: numba is optional.
"""

from __future__ import annotations

import time

from actlab.activations import _compiled


def main() -> int:
    start = time.perf_counter()
    try:
        warmed = _compiled.warm()
    except RuntimeError as exc:
        print(f"actlab: {exc}; the NumPy kernels will be used")
        return 0
    # the torch monitor's sums (actlab.torch on a CPU model): compiled for float32 and float64 when the module is
    # imported, which needs numba and NumPy only, not torch
    try:
        from actlab.interop import _torch_stats_numba  # noqa: F401
    except Exception as exc:  # the activation kernels loaded, so this is unexpected: say so, the torch path serves
        print(f"actlab: the torch monitor's compiled sums failed to compile ({type(exc).__name__}: {exc}); "
              "its torch path will be used")
    else:
        warmed.append("torch monitor sums float32 and float64")
    print(f"actlab: compiled kernels ready ({', '.join(warmed)}) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
