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
    print(f"actlab: compiled kernels ready ({', '.join(warmed)}) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
