"""How many BLAS threads a model run uses.

On a loaded two-core machine a second OpenBLAS thread made a (10, 576) x (576, 1536) product 12 times slower
(29 ms against 2.4 ms): the threads spin against other work. So runs default to one thread. threadpoolctl is
in actlab[models]; without it the environment's setting (OPENBLAS_NUM_THREADS) stands.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def blas_threads(threads: int = 1) -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield
