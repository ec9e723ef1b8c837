"""The lab server's settings: one typed record, read in one place (the app factory, web.app.create_app).

`actlab lab` builds a LabSettings from its options. A server of several worker processes (`--workers N`) hands
the same record to each worker in one environment variable, ACTLAB_SETTINGS, holding its JSON (to_json); each
worker's factory (web.serve.app_from_env) reads it back with from_json. Nothing else in the lab reads the
environment for its configuration, and the core takes every setting as a parameter.

    ACTLAB_SETTINGS='{"db": "postgresql://.../actlab", "max_layers": 12, "max_width": 64, "port": 8765}'

Fields (every one optional; the JSON keys are the field names):
  db             the progress store: a file or a postgresql:// URL (None: the store's default location)
  host, port     the address the lab answers on; requests must name it (port None: any, as in-process)
  allow_hosts    other host names the lab answers to (a machine's name on a school network)
  max_layers     the playground's largest network: hidden layers, and neurons per layer (max_width); the CLI
  max_width        and the Python API have no such limit (limits.PlaygroundLimits)
  max_sessions   playground sessions running at once in the whole lab, 1-1000 (None: the session manager's
                   default, 60; `actlab lab --max-sessions` says what each session then gets)
  idle_seconds   how long an idle playground socket is kept (None: the default)
  watch_log      a PyTorch monitor's log that /watch shows (actlab watch FILE)
  exercises_dir  a folder of teacher-written exercises (JSON files)
  training       where playground runs train: "process" (training processes, the default on two or more cores)
                   or "thread" (the worker's own threads); null: the default (web/pool.py)
  training_processes  how many training processes (or threads) each worker keeps; null: the cores, at most 8
  llm_cache      where the lesson's real model keeps its dequantised weights (null: llm_cache_location's default)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..datasets import MAX_POINTS
from ..errors import ConfigError, given
from ..limits import PlaygroundLimits
from ..store import default_location
from .sessions import MAX_SESSIONS_LIMIT

ENV_SETTINGS = "ACTLAB_SETTINGS"
# the variables the command line and the lab read for the store's default location (the core reads none)
ENV_DB = "ACTLAB_DB"
ENV_DATA_HOME = "XDG_DATA_HOME"
# the variables the command line and the lab read for actlab.llm's weights cache (actlab.llm reads none)
ENV_CACHE = "ACTLAB_CACHE"
ENV_CACHE_HOME = "XDG_CACHE_HOME"


def store_location(db: str | Path | None, environ: Mapping[str, str] = os.environ) -> str | Path:
    """The progress store the CLI or the lab opens: ``db`` (--db, LabSettings.db) when given, else $ACTLAB_DB
    (a file or a postgresql:// URL), else $XDG_DATA_HOME/actlab/progress.sqlite3 (~/.local/share when unset)."""
    if db is not None:
        return db
    return default_location(environ.get(ENV_DB) or None, environ.get(ENV_DATA_HOME) or None)


def llm_cache_location(folder: str | Path | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The folder actlab.llm caches dequantised weights in: ``folder`` (--cache-dir, LabSettings.llm_cache) when
    given, else $ACTLAB_CACHE, else $XDG_CACHE_HOME/actlab (~/.cache/actlab when unset)."""
    if folder is not None:
        return Path(folder).expanduser()
    if environ.get(ENV_CACHE):
        return Path(environ[ENV_CACHE]).expanduser()
    return Path(environ.get(ENV_CACHE_HOME) or Path.home() / ".cache") / "actlab"


@dataclass(frozen=True)
class LabSettings:
    db: str | None = None
    host: str = "127.0.0.1"
    port: int | None = None
    allow_hosts: tuple[str, ...] = ()
    max_layers: int = PlaygroundLimits.max_layers
    max_width: int = PlaygroundLimits.max_width
    max_sessions: int | None = None
    idle_seconds: float | None = None
    watch_log: str | None = None
    exercises_dir: str | None = None
    training: str | None = None
    training_processes: int | None = None
    llm_cache: str | None = None

    def __post_init__(self) -> None:
        for name in ("db", "watch_log", "exercises_dir", "llm_cache"):
            v = getattr(self, name)
            if isinstance(v, Path):
                object.__setattr__(self, name, str(v))
            elif v is not None and not isinstance(v, str):
                raise ConfigError(name, f"a path or URL (text), or null; got {given(v)}")
        if not isinstance(self.host, str) or not self.host:
            raise ConfigError("host", f"a host name or address; got {given(self.host)}")
        if isinstance(self.allow_hosts, str) or not all(isinstance(n, str) for n in self.allow_hosts):
            raise ConfigError("allow_hosts", f"a list of host names; got {given(self.allow_hosts)}")
        object.__setattr__(self, "allow_hosts", tuple(self.allow_hosts))
        if self.port is not None and (isinstance(self.port, bool) or not isinstance(self.port, int) or
                                      not 1 <= self.port <= 65535):
            raise ConfigError("port", f"a whole number from 1 to 65535, or null; got {given(self.port)}")
        m = self.max_sessions
        if m is not None and (isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= MAX_SESSIONS_LIMIT):
            raise ConfigError("max_sessions", f"a whole number from 1 to {MAX_SESSIONS_LIMIT}, or null; got {given(m)}")
        s = self.idle_seconds
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) or
                              s <= 0):
            raise ConfigError("idle_seconds", f"a number of seconds above 0, or null; got {given(s)}")
        if self.training is not None and self.training not in ("process", "thread"):
            raise ConfigError("training", f"process or thread, or null; got {given(self.training)}")
        n = self.training_processes
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 64):
            raise ConfigError("training_processes", f"a whole number from 1 to 64, or null; got {given(n)}")
        PlaygroundLimits(self.max_layers, self.max_width)  # checks both against the hard limits

    @property
    def limits(self) -> PlaygroundLimits:
        """The playground's size limits in this lab."""
        return PlaygroundLimits(self.max_layers, self.max_width)

    @property
    def max_points(self) -> int:
        """The most points a generated data set has (the data sets' own limit, not a setting)."""
        return MAX_POINTS

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabSettings:
        if not isinstance(data, dict):
            raise ConfigError(ENV_SETTINGS, f"a JSON object of settings; got {given(data)}")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(unknown[0], f"unknown lab setting; allowed: {', '.join(known)}")
        values = dict(data)
        if isinstance(values.get("allow_hosts"), list):
            values["allow_hosts"] = tuple(values["allow_hosts"])
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> LabSettings:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(ENV_SETTINGS, f"not valid JSON (from character {exc.pos}): {given(text)}") from None
        return cls.from_dict(data)

    def but(self, **changes: Any) -> LabSettings:
        """A copy with ``changes``; a None change keeps the current value."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def settings(app) -> LabSettings:
    """The settings the app was built with (create_app puts them on app.state)."""
    return app.state.settings


def limits(app) -> PlaygroundLimits:
    """The playground's size limits of this lab: what /api/options publishes and the WebSocket enforces."""
    return app.state.settings.limits
