"""Fixtures shared by the store tests in this folder."""

from __future__ import annotations

import pytest

from databases import BACKENDS, database


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path):
    """An empty database on each backend: a file path or a postgresql:// URL."""
    with database(request.param, tmp_path) as where:
        yield where
