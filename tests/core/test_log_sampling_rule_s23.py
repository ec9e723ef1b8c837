"""S23 item 3: a Monitor log's report line says its sampling rule: "every" (the interval) and "auto" (true where
every="auto" chose it, false where the script gave it). monitor_log's checks take "auto" as true or false, and a log
written before it existed, with no "auto", still reads whole. (The writer and the watch page are checked in
tests/interop/test_monitor_sampling_rule_s23.py and tests/web/test_watch_sampling_rule_s23.py.)"""

from __future__ import annotations

import json

import pytest

from actlab.monitor_log import check_record, read_log

HEADER = {"format": "actlab-monitor/1", "layers": ["0"]}


def _report(step: int, **extra) -> dict:
    return {"step": step, "sampled_steps": step, "layers": [{"name": "0", "activation": "relu"}], "loss": 0.5,
            "reading": {"status": "flowing", "words": "gradients flow"}, "notes": [], **extra}


@pytest.mark.parametrize("fields", [{"every": 5, "auto": True}, {"every": 5, "auto": False},
                                    {"every": None, "auto": True}, {"every": 5}, {}])
def test_a_report_with_or_without_its_sampling_rule_is_a_report(fields):
    assert check_record(_report(3, **fields)) == ("report", None)


@pytest.mark.parametrize(("auto", "said"), [("yes", 'auto is a string ("yes"), expected true or false'),
                                            (1, "auto is a number (1), expected true or false"),
                                            (None, "auto is null (null), expected true or false")])
def test_a_sampling_rule_that_is_not_true_or_false_is_named(auto, said):
    kind, problem = check_record(_report(3, every=5, auto=auto))
    assert kind is None and problem == said


def test_an_old_log_without_the_rule_and_a_new_one_read_alike(tmp_path):
    for name, extra in (("old", {"every": 5}), ("fixed", {"every": 5, "auto": False}),
                        ("auto", {"every": 7, "auto": True})):
        log = tmp_path / f"{name}.jsonl"
        log.write_text("".join(json.dumps(r) + "\n" for r in [HEADER, *(_report(s, **extra) for s in (1, 6, 11))]))
        read = read_log(log, strict=True)
        assert [r["step"] for r in read.reports] == [1, 6, 11]
        assert [r.get("auto") for r in read.reports] == [extra.get("auto")] * 3
