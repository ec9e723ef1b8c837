"""The reproductions' data need scikit-learn (the actlab[reproduce] extra)."""

from __future__ import annotations

import os

import pytest


def require_reproduce():
    """Import scikit-learn or skip; in CI (ACTLAB_REQUIRE_REPRODUCE=1) a missing one is a failure."""
    if os.environ.get("ACTLAB_REQUIRE_REPRODUCE") == "1":
        import sklearn  # noqa: F401  (fails loudly)

        return sklearn
    return pytest.importorskip("sklearn", reason="the digits claims need the extra: pip install 'actlab[reproduce]'")
