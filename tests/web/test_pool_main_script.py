"""A training process does not run the lab's main script again. The spawn start method re-imports `__main__` in
every child; under `actlab lab` that is the console script, which imports the whole CLI (about 50 MB a process,
and a second of CPU at normal priority before the process lowers itself). The training target lives in
web/pool.py, so the child needs nothing from the main script."""

from __future__ import annotations

import sys
import time
import types

from actlab.session import RunConfig
from actlab.web.pool import TrainingPool
from tests.web.test_training_pool import run_async


def test_a_training_process_does_not_import_the_parents_main_script(tmp_path, monkeypatch):
    marker = tmp_path / "main-ran"
    script = tmp_path / "lab_main.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)

    pool = TrainingPool(1, "process")
    try:
        async def run():
            s = pool.open()
            started = await s.call("start", RunConfig(dataset="xor", n_points=40, layers=(3,), seed=1), None)
            frame, _ = await s.call("advance", 1)
            s.close()
            return started, frame

        started, frame = run_async(run())
    finally:
        pool.shutdown()
    assert started["frame"].epoch == 0 and frame.epoch == 1  # the process trained
    assert sys.modules["__main__"] is main  # the parent's main module is back where it was
    time.sleep(0.2)
    assert not marker.exists(), "the training process ran the parent's main script"
