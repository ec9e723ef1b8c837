"""One BLAS thread while a reproduction runs.

On a loaded two-core machine a multi-threaded BLAS spins its threads against everyone else's work: a 1,000 x
1,000 product took 24 times longer with two OpenBLAS threads than with one at a load of 12. threadpoolctl comes
with scikit-learn (the ``actlab[reproduce]`` extra); without it the limit is left as the environment sets it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
