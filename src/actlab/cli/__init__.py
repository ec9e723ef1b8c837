"""The actlab command line: a thin typer layer that calls the core and renders with rich.

One module per command group, each registering its commands on the root app of `_app` when imported:
registry (list, show, eval), train (train, demo), exercises (exercise ..., progress), the class commands,
lab, watch, llm and reproduce. A command imports what it needs (the web server, torch, matplotlib) when it
runs, so `actlab --help` loads none of it."""
# ruff: noqa: I001, E402  (the modules are imported in the order their commands are listed)

from __future__ import annotations

from . import registry, train, exercises
from .. import cli_class
from ._app import app, console, fail

cli_class.register(app, console, fail)

from . import lab, watch, llm, reproduce

__all__ = ["app", "console", "exercises", "fail", "lab", "llm", "registry", "reproduce", "train", "watch"]
