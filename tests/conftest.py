"""Shared fixtures: a seeded rng, and the rules for optional references (torch, Chromium)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (CI included): a failure is reproducible, and
# a new one appears when the code changes, not by the luck of a seed.
settings.register_profile("actlab", derandomize=True, deadline=None)
settings.load_profile("actlab")

sys.path.insert(0, str(Path(__file__).parent))  # reference_mp and helpers


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


def require_torch():
    """Import torch or skip; in CI (ACTLAB_REQUIRE_TORCH=1) a missing torch is a failure."""
    if os.environ.get("ACTLAB_REQUIRE_TORCH") == "1":
        import torch  # noqa: F401  (fails loudly)

        return torch
    return pytest.importorskip("torch", reason="PyTorch is an optional reference: pip install torch==2.13.0")
