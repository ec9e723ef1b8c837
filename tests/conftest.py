"""Shared fixtures: a seeded rng, and the rules for optional references (torch, Chromium)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

# Each xdist worker computes on one thread (`make test` runs two workers on a two-core machine): torch's and the BLAS
# libraries' default of a thread per core put four spinning threads on two cores, and a real-clock test of the
# monitor's every='auto' read unsampled steps of a 0.3 ms model at a median of 42 ms under that load (the test of the
# one-off search step failed twice so). Set before numpy or torch is first imported, which read these at import.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
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


# --- the browser: one Playwright instance for the whole test process ----------------------------
# (a second instance in the same process, or an asyncio.run while one is alive, fails: Playwright's sync API keeps
# its event loop running in the main thread; tests that need asyncio run it in a worker thread)

from _browser import ARGS, CHROMIUM, serving  # noqa: E402


@pytest.fixture(scope="session")
def _live_lab(tmp_path_factory):
    """The lab served by uvicorn on 127.0.0.1 in a background thread, once per test process: (its URL, the app)."""
    from actlab.web.app import create_app

    app = create_app(db_path=tmp_path_factory.mktemp("db") / "progress.sqlite3")
    with serving(app) as url:
        yield url, app


def fresh_jobs(app) -> None:
    """The shared lab's jobs begin afresh for the next test: the runner an earlier test used is shut down (its queued
    jobs cancelled, its running one told to stop at its next step) and a new one, with nothing queued, running or
    kept, takes its place. The runner works one job at a time, so a job an earlier test left running (the dead-unit
    demo, 128 s at load 9, after its test gave up waiting at 60 s) queued the next test's job behind it; and it keeps
    a result for the same request, which a test that swaps in its own claim must not get from an earlier test."""
    from actlab.web.jobs import JobRunner

    earlier = app.state.jobs
    earlier.shutdown()
    app.state.jobs = JobRunner(earlier.kinds, max_queued=earlier.max_queued, per_owner=earlier.per_owner)


@pytest.fixture
def live_server(_live_lab):
    """The shared lab's URL, with a job runner of the test's own (fresh_jobs)."""
    url, app = _live_lab
    fresh_jobs(app)
    return url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("ACTLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing but ACTLAB_REQUIRE_BROWSER=1 (CI installs Debian's chromium)")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@contextlib.contextmanager
def recording_page(browser, base: str, **context_args):
    """A page in a context of its own that records console errors and aborts, and records, any request that
    leaves ``base`` (the lab's WebSocket on 127.0.0.1 goes through); closed on leaving."""
    context = browser.new_context(**context_args)
    pg = context.new_page()
    pg.console_errors = []
    pg.outside_requests = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(base) or r.request.url.startswith("ws://127.0.0.1"):
            r.continue_()
        else:
            pg.outside_requests.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.base = base
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server):
    """A page that records console errors and any request that leaves 127.0.0.1."""
    with recording_page(browser, live_server, viewport={"width": 1280, "height": 900}) as pg:
        yield pg
