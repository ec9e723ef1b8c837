"""read_log on a file that holds no report (W14 item 10): an empty file, blank lines, a header alone, a header cut
short. Each returns reports == [] and says, in a LogWarning, what the file holds (strict=True: a ValueError)."""

import json
import warnings

import pytest

from actlab.monitor_log import LogWarning, read_log

HEADER = {"format": "actlab-monitor/1", "layers": ["1", "3"], "activations": ["relu", "gelu"]}
REPORT = {"step": 1, "sampled_steps": 1, "layers": [{"name": "1"}], "loss": 1.0, "reading": {"status": "healthy"}}

CASES = {
    "empty": (b"", "holds nothing: it is empty"),
    "blank": (b"\n\n  \n", "holds only 3 blank lines, no record"),
    "header_only": (json.dumps(HEADER).encode() + b"\n", "holds a header and no report yet"),
    "half_header": (json.dumps(HEADER).encode()[:40], "holds only the start of a line (40 bytes, no complete "
                                                      "record): line 1 is unfinished"),
    "header_and_half_report": (json.dumps(HEADER).encode() + b"\n" + json.dumps(REPORT).encode()[:30],
                               "holds a header and no report yet"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_log_with_no_report_is_said(tmp_path, name):
    data, words = CASES[name]
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = read_log(path)
    assert got.reports == [] and got.runs == []
    said = [str(w.message) for w in caught if issubclass(w.category, LogWarning)]
    assert len(said) == 1, said
    assert f"read_log({str(path)!r}) returns no report" in said[0]  # the path as given (W21 finding 6)
    assert words in said[0] and "reports is []" in said[0]
    assert got.warnings and words in got.warnings[0]
    if name == "half_header":
        assert got.cut == 1
    with pytest.raises(ValueError, match="reports is"):
        read_log(path, strict=True)


def test_a_log_with_reports_gives_no_such_warning(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(HEADER) + "\n" + json.dumps(REPORT) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = read_log(path)
    assert [r["step"] for r in got.reports] == [1] and got.warnings == []
