"""The two store backends for tests: a fresh SQLite file, or a fresh schema in the test PostgreSQL database.

PostgreSQL is found at $ACTLAB_TEST_POSTGRES (default: the local cluster's actlab_test database, which .ci/run
creates). Without it the PostgreSQL cases skip; in CI (ACTLAB_REQUIRE_POSTGRES=1) they fail instead.
"""

from __future__ import annotations

import os
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL = os.environ.get("ACTLAB_TEST_POSTGRES", "postgresql://postgres:postgres@127.0.0.1:5432/actlab_test")
BACKENDS = ("sqlite", "postgresql")


def require_postgres():
    """psycopg connected to the test database, or a skip; a failure when ACTLAB_REQUIRE_POSTGRES=1."""
    required = os.environ.get("ACTLAB_REQUIRE_POSTGRES") == "1"
    try:
        import psycopg

        return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except Exception as exc:  # ImportError or a refused connection
        if required:
            raise
        pytest.skip(f"PostgreSQL is not reachable at the test URL ({type(exc).__name__}); .ci/run starts it")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema of the test database; the schema is dropped after."""
    admin = require_postgres()
    schema = f"t_{secrets.token_hex(6)}"
    admin.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options={urllib.parse.quote(f'-csearch_path={schema}')}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@contextmanager
def database(backend: str, tmp_path) -> Iterator[str]:
    """A location for Store(): a file path or a postgresql:// URL, empty."""
    if backend == "sqlite":
        yield str(tmp_path / "progress.sqlite3")
    else:
        with postgres_schema() as url:
            yield url
