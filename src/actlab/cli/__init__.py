"""The actlab command line: a thin typer layer that calls the core and renders with rich.

One module per command group, each registering its commands on the root app of `_app` when imported:
registry (list, show, eval), train (train, demo), exercises (exercise ..., progress), classroom (class ...),
lab, watch, llm and reproduce. A command imports what it needs (the web server, torch, matplotlib) when it runs,
so `actlab --help` loads none of it."""
# ruff: noqa: I001  (the modules are imported in the order their commands are listed)

from __future__ import annotations

from . import registry, train, exercises, classroom, lab, watch, llm, reproduce
from ._app import app, console, fail

__all__ = ["app", "classroom", "console", "exercises", "fail", "lab", "llm", "registry", "reproduce", "train", "watch"]
