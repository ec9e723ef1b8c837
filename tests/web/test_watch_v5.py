"""actlab watch (issue 17, V5), the API and the command: the first report that held a NaN comes with the sampled
step before it (so a page can date a NaN on a sparsely sampled run by what the log shows); a log in a folder that does
not exist yet is waited for and the folder named, since Monitor creates missing folders, while a path no monitor
could write (a file stands in the way) is refused with exit 2. The page's tests are in test_watch_page_v5.py and use
the log writers here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from actlab.web.app import create_app

WIDTH = 32


def _report(step: int, names: list[str], *, bad: bool = False, first_bad: int | None = None, every: int = 1,
            grads: list[float] | None = None, words: str = "") -> dict:
    grads = grads or [0.5 ** k / step for k in range(len(names))]
    layers = [{"name": n, "activation": "sigmoid", "width": WIDTH, "act_grad_norm": None if bad else g,
               "weight_grad_norm": None if bad else g * 1.5, "non_finite": bad, "dead": None if bad else 0,
               "saturated": None if bad else 0, "dormant": None if bad else 0, "words": words}
              for n, g in zip(names, grads, strict=True)]
    return {"step": step, "sampled_steps": step, "every": every, "loss": None if bad else 1.0 / step,
            "non_finite": bad, "layers": layers,
            "first_non_finite": {"step": first_bad, "place": "module 'b'"} if first_bad is not None else None,
            "reading": {"status": "flowing", "words": f"gradients flow at step {step}"}, "notes": []}


def _write(path, names, reports, *, end: int | None = None) -> None:
    with path.open("w") as fh:
        fh.write(json.dumps({"format": "actlab-monitor/1", "layers": names}) + "\n")
        fh.write("".join(json.dumps(r) + "\n" for r in reports))
        if end is not None:
            fh.write(json.dumps({"event": "end", "steps_run": end}) + "\n")


def _sparse_nan_log(path, every: int = 5) -> None:
    """Sampled every ``every`` steps from step 1; the run went bad between steps 401 and 406 (seen at 406)."""
    steps = list(range(1, 412, every))  # 1, 6, ..., 401, 406, 411
    _write(path, ["a", "b"], [_report(s, ["a", "b"], bad=s >= 406, first_bad=406 if s >= 406 else None, every=every)
                              for s in steps])


def _app(tmp_path, log=None):
    return create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",))


# -- the API -------------------------------------------------------------------------------------------------------


def test_the_first_report_with_a_nan_comes_with_the_sampled_step_before_it(tmp_path):
    log = tmp_path / "run.jsonl"
    _sparse_nan_log(log)
    data = TestClient(_app(tmp_path, log)).get("/api/watch").json()
    assert data["first_seen"] == {"step": 406, "previous": 401, "place": "module 'b'"}


def test_a_run_that_never_held_a_nan_has_no_first_seen(tmp_path):
    log = tmp_path / "run.jsonl"
    _write(log, ["a"], [_report(s, ["a"]) for s in range(1, 20)])
    assert TestClient(_app(tmp_path, log)).get("/api/watch").json()["first_seen"] is None


def test_the_api_names_the_first_folder_of_the_path_that_does_not_exist_yet(tmp_path):
    log = tmp_path / "new" / "sub" / "run.jsonl"
    data = TestClient(_app(tmp_path, log)).get("/api/watch").json()
    assert data["exists"] is False and data["folder_missing"] == str(tmp_path / "new")
    (tmp_path / "new" / "sub").mkdir(parents=True)
    assert TestClient(_app(tmp_path, log)).get("/api/watch").json()["folder_missing"] is None


# -- the command ---------------------------------------------------------------------------------------------------


def test_a_log_in_a_folder_that_does_not_exist_is_waited_for_and_the_folder_named(tmp_path):
    from web.test_watch_cli_v2 import _serve_once

    log = tmp_path / "nodir" / "x.jsonl"
    out, err = _serve_once(log)
    said = " ".join(out.split())  # rich wraps the line
    assert said.startswith(f"watching {log} (the folder {tmp_path / 'nodir'} does not exist yet: the page waits for a "
                           "monitor to create it and write x.jsonl; Monitor(model, log=...) creates missing folders.")
    assert "error" not in err


@pytest.mark.parametrize("under", ["x.jsonl", "a/x.jsonl"])
def test_a_log_under_a_file_is_refused_with_exit_2_naming_the_file(tmp_path, under):
    from web.test_watch_cli_v2 import ENV

    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n")
    res = subprocess.run([sys.executable, "-m", "actlab.cli", "watch", str(blocker / under), "--no-browser",
                          "--port", "1"], capture_output=True, text=True, env=ENV, timeout=60)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.strip() == (f"error: LOG: {blocker} is a file, not a folder, so no monitor can write "
                                  f"{blocker / under}; give the path of the log itself")
