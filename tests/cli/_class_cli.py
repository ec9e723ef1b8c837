"""The class CLI tests' shared pieces: the command line as a script runs it, and a class on a store backend with one
learner who joined from the browser."""

from __future__ import annotations

import contextlib

from typer.testing import CliRunner

from actlab.store import Store
from databases import database

runner = CliRunner()


def run(*args: str, columns: int = 200):
    """`actlab ARGS...` in a terminal ``columns`` wide."""
    from actlab.cli import app

    return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})


@contextlib.contextmanager
def class_with(backend: str, tmp_path, class_name: str, learner: str):
    """(store location, class) on ``backend``, where ``learner`` joined as the browser's join form does."""
    with database(backend, tmp_path) as db:
        store = Store(db)
        klass, _ = store.create_class(class_name)
        store.join(klass.id, learner)
        yield db, klass
