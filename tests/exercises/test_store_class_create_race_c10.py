"""Two teachers creating "Physics" and "physics" at the same moment (issue 16, brief C10 item 2): one class is made,
the other creation is refused with the usual words. Class names are told apart ignoring case, but by a look before
the insert, not by a unique index (stores made before may hold such pairs), so two creations at once both passed
the look and both classes were made; creation now holds a lock from the look to the insert. Two processes started
together, on SQLite and PostgreSQL, several rounds (the previous store let both through in most rounds)."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from actlab.errors import ConfigError
from actlab.store import Store
from databases import BACKENDS, database

ROUNDS = 6


def _create(location: str, name: str, start, results) -> None:
    store = Store(location)  # opened (and migrated) before the start, so both reach create_class together
    start.wait(60)
    try:
        klass, _ = store.create_class(name)
        results.put(("made", klass.name))
    except ConfigError as exc:
        results.put(("refused", str(exc)))


def _race(location: str) -> list[tuple[str, str]]:
    Store(location)  # the schema, made once before the two start
    ctx = mp.get_context("spawn")
    start, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_create, args=(location, name, start, results)) for name in ("Physics", "physics")]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    return sorted(got)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_creations_at_once_of_one_name_in_two_cases_make_one_class(tmp_path, backend):
    for i in range(ROUNDS):
        with database(backend, tmp_path / str(i)) as location:
            got = _race(str(location))
            made = [name for what, name in got if what == "made"]
            refused = [text for what, text in got if what == "refused"]
            assert len(made) == 1 and len(refused) == 1, f"round {i}: {got}"
            assert refused[0] == (f"name: a class named {made[0]!r} exists already (class names are told apart "
                                  "ignoring case and spacing, as learners' names are); choose another name")
            assert [c.name for c in Store(location).classes()] == made
