"""Results from the papers, reproduced: ``reproduce(name)`` runs one claim and returns its Reproduction.

Every claim has a quick version, a reduced run whose verdict a short run already decides, and a full one. A claim
whose verdict needs the full run (the GELU paper's advantage appears only late in training) has no quick version:
asked for quickly, it returns the stored record of the last full run, marked ``stored``.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import hashlib
import json
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ._threads import one_blas_thread
from .glorot2010 import reproduce_glorot2010
from .he2015 import reproduce_he2015
from .hendrycks2016 import reproduce_hendrycks2016
from .lu2019 import reproduce_lu2019
from .poole2016 import reproduce_poole2016
from .reproduction import Progress, Reproduction, judged_against, no_progress
from .rerun import Rerun
from .shazeer2020 import reproduce_shazeer2020

Runner = Callable[..., Reproduction]

# name -> (runner, has a quick version); in the order the lesson meets them
CLAIMS: dict[str, tuple[Runner, bool]] = {
    "glorot2010": (reproduce_glorot2010, True),
    "he2015": (reproduce_he2015, True),
    "hendrycks2016": (reproduce_hendrycks2016, False),  # GELU's advantage appears only late: no quick version
    "lu2019": (reproduce_lu2019, True),
    "poole2016": (reproduce_poole2016, True),
    "shazeer2020": (reproduce_shazeer2020, True),
}

# the dearest claims first, so that two workers end close together (quick: shazeer2020 about 60% of the CPU time,
# he2015 about 20%; full: shazeer2020 and hendrycks2016 about 70%)
DEAREST_FIRST = ("shazeer2020", "hendrycks2016", "he2015", "glorot2010", "poole2016", "lu2019")

STORED_TABLE = "reproduce.json"  # in actlab/data: the last full run, written by bench/reproduce.py --write-table
# the experiment modules a claim's numbers may also depend on, each counted for the claims that import it
# (the engine's own tests hold network.py and optim.py, and dying_relu.py's hold the dead-net formula)
_SHARED_SOURCES = ("reproduction.py", "_fit.py", "digits.py", "_residual.py", "_threads.py")
_ALWAYS = ("reproduction.py", "_threads.py")  # every record's form, and the one BLAS thread every claim runs on


# claims whose run the number of seeds does not change, and why (an interface says so rather than ignore it)
NO_SEEDS = {"lu2019": "it counts random nets, not seeds: 40,000 a cell (10,000 in the quick run), drawn from one "
                      "fixed stream"}


def names() -> list[str]:
    return list(CLAIMS)


def nearest(name: str) -> list[str]:
    """The claims a mistyped name most likely meant: those it is the start of, or that its letters begin
    ("glorot", "glorot2011" -> glorot2010), then the closest by spelling; at most three."""
    typed = name.strip().lower()
    starts = [n for n in CLAIMS if typed and (n.startswith(typed) or typed.startswith(n.rstrip("0123456789")))]
    return list(dict.fromkeys(starts + difflib.get_close_matches(typed, list(CLAIMS), n=3, cutoff=0.7)))[:3]


def unknown_claim_text(name: str) -> str:
    """What is wrong with an unknown claim name, with the nearest names and every valid one."""
    near = nearest(name)
    if near:
        return f"no claim {name!r}; did you mean {' or '.join(near)}? The claims are {', '.join(CLAIMS)}."
    return f"no claim {name!r}; the claims are {', '.join(CLAIMS)}."


def check_names(requested: list[str] | None) -> list[str]:
    """The claims asked for (all when none), each checked; an unknown name gives the nearest and the valid ones."""
    if not requested:
        return names()
    for n in requested:
        if n not in CLAIMS:
            raise ConfigError("name", unknown_claim_text(n))
    return list(dict.fromkeys(requested))


def seeds_unused(name: str, quick: bool) -> str | None:
    """Why a given number of seeds does not change this claim's run, or None when it does."""
    if name in NO_SEEDS:
        return NO_SEEDS[name]
    if quick and not CLAIMS[name][1]:
        return "it has no quick version, so the quick run shows its stored full run as it was made"
    return None


def reproduce(name: str, quick: bool = False, seeds: int | None = None,
              on_step: Progress = no_progress) -> Reproduction:
    """Run one claim (see CLAIMS); ``seeds`` overrides each part's default number of seeds."""
    (name,) = check_names([name])
    _check_seeds(seeds)
    runner, has_quick = CLAIMS[name]
    if quick and not has_quick:
        on_step(1, 1, "stored: this claim's verdict needs the full run")
        return stored(name)
    start = time.perf_counter()
    with one_blas_thread():
        record = runner(quick=quick, seeds=seeds, on_step=on_step)
    return _worded_for_one_seed(_judge_one_seed(record)).with_time(time.perf_counter() - start)


def _check_seeds(seeds: int | None) -> None:
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= 20):
        raise ConfigError("seeds", f"a whole number from 1 to 20; got {seeds!r}")


def _judge_one_seed(record: Reproduction) -> Reproduction:
    """A finding measured on one seed has no spread of its own; judge it by the seed spread of the same finding in
    the claim's stored full run (reproduction.judged_against), when there is one."""
    if not any(f.n == 1 and f.bounds is not None for f in record.findings):
        return record
    try:
        reference = {f.key: f for f in stored(record.name).findings}
    except ConfigError:  # no stored full run: a one-seed finding stays undecided
        return record
    findings = [judged_against(f, reference[f.key]) if f.key in reference else f for f in record.findings]
    return dataclasses.replace(record, findings=findings)


# a criterion is written for several seeds; on a figure from one seed (or one run) it says so instead
_ONE_SEED = ((" in every seed", " (one seed)"), (" in every run", " (one run)"))


def _worded_for_one_seed(record: Reproduction) -> Reproduction:
    """``record`` with "above 0 in every seed" read as "above 0 (one seed)" wherever a finding has one seed."""
    def worded(criterion: str) -> str:
        for many, one in _ONE_SEED:
            criterion = criterion.replace(many, one)
        return criterion

    findings = [dataclasses.replace(f, criterion=worded(f.criterion)) if f.n == 1 else f for f in record.findings]
    return dataclasses.replace(record, findings=findings)


ClaimProgress = Callable[[str, int, int, str], None]  # on_step(claim, done, total, message)


def run_claims(requested: list[str] | None, quick: bool = False, seeds: int | None = None,
               on_step: ClaimProgress | None = None, workers: int = 1) -> Iterator[tuple[Reproduction, float]]:
    """Run claims (all when none), yielding (record, CPU seconds) in the order asked for as each is ready.

    With ``workers`` above 1 the claims that need a run go to that many worker processes, the dearest first
    (DEAREST_FIRST), and their progress comes back through a queue; stored records are read here. The records
    are the same as reproduce() gives one at a time: every claim draws its own seeds.
    """
    chosen = check_names(requested)
    report = on_step or (lambda name, done, total, message: None)
    to_run = [n for n in chosen if not quick or CLAIMS[n][1]]
    if workers <= 1 or len(to_run) < 2:
        for name in chosen:
            cpu = time.process_time()
            record = reproduce(name, quick, seeds, lambda d, t, m, name=name: report(name, d, t, m))
            yield record, time.process_time() - cpu
        return
    _check_seeds(seeds)  # here, before any worker starts
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads (the lab's)
    queue = context.Queue()
    listener = threading.Thread(target=_relay, args=(queue, report), daemon=True)
    listener.start()
    try:
        with ProcessPoolExecutor(min(workers, len(to_run)), mp_context=context, initializer=_worker_start,
                                 initargs=(queue,)) as pool:
            order = sorted(to_run, key=lambda n: DEAREST_FIRST.index(n) if n in DEAREST_FIRST else len(CLAIMS))
            futures = {name: pool.submit(_worker_run, name, quick, seeds) for name in order}
            for name in chosen:
                if name in futures:
                    yield futures[name].result()
                else:
                    yield reproduce(name, quick, seeds, lambda d, t, m, name=name: report(name, d, t, m)), 0.0
    finally:
        queue.put(None)
        listener.join(timeout=5)


_QUEUE = None  # a worker process's line back to run_claims


def _worker_start(queue) -> None:
    global _QUEUE
    _QUEUE = queue


def _worker_run(name: str, quick: bool, seeds: int | None) -> tuple[Reproduction, float]:
    cpu = time.process_time()
    record = reproduce(name, quick, seeds, lambda done, total, message: _QUEUE.put((name, done, total, message)))
    return record, time.process_time() - cpu


def _relay(queue, report: ClaimProgress) -> None:
    while (item := queue.get()) is not None:
        report(*item)


def claim_sources(name: str) -> list[str]:
    """The files whose code makes a claim's numbers: its module, then the shared experiment modules it imports
    (directly or through another of them) and _ALWAYS, in _SHARED_SOURCES order."""
    here = Path(__file__).parent
    module = Path(sys.modules[CLAIMS[name][0].__module__].__file__).name
    found, todo = set(_ALWAYS), [module]
    while todo:
        for node in ast.walk(ast.parse((here / todo.pop()).read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and f"{node.module}.py" in _SHARED_SOURCES:
                if f"{node.module}.py" not in found:
                    found.add(f"{node.module}.py")
                    todo.append(f"{node.module}.py")
    return [module, *(f for f in _SHARED_SOURCES if f in found)]


def source_fingerprint(name: str) -> str:
    """A hash of the code that makes a claim's numbers (claim_sources).

    The stored table records it for each claim; a test compares it with today's, so editing a claim, or a module
    it imports, without rerunning it in full fails the test.
    """
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for file in claim_sources(name):
        digest.update(file.encode())
        digest.update((here / file).read_bytes())
    return digest.hexdigest()[:16]


def table_entry(record: Reproduction) -> dict:
    """A full run's record as the stored table keeps it: the record, its code's fingerprint, when and on what."""
    return {**record.to_dict(), "fingerprint": source_fingerprint(record.name),
            "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "numpy": np.__version__}


def stored_table() -> dict:
    """The shipped table of the last full run: {"generated": ..., "claims": [record dicts]}."""
    path = resources.files("actlab") / "data" / STORED_TABLE
    if not path.is_file():
        return {"claims": []}
    return json.loads(path.read_text(encoding="utf-8"))


def stored(name: str) -> Reproduction:
    for data in stored_table()["claims"]:
        if data["name"] == name:
            known = {f.name for f in dataclasses.fields(Reproduction)} | {"verdict"}
            fields = {k: v for k, v in data.items() if k in known}  # the table also keeps when, on what, CPU time
            return Reproduction.from_dict({**fields, "stored": True})
    raise ConfigError("name", f"no stored full run of {name!r}; run it in full once (bench/reproduce.py "
                              "--write-table)")


def beside_stored(record: Reproduction) -> Rerun:
    """A quick run's record beside the claim's stored full run (rerun.Rerun), or a stored record on its own."""
    if record.stored:
        return Rerun(record.name, None, record, _stored_when(record.name))
    try:
        full = stored(record.name)
    except ConfigError:  # nothing stored yet: the quick run stands alone, and the Rerun says so
        return Rerun(record.name, record, None)
    return Rerun(record.name, record, full, _stored_when(record.name))


def _stored_when(name: str) -> str:
    return next((c.get("generated", "") for c in stored_table()["claims"] if c["name"] == name), "")
