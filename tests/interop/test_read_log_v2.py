"""read_log (actlab.monitor_log, re-exported by actlab.torch) says why a file cannot be read as a Monitor log instead
of returning ({}, []): a missing file, a folder, a CSV, a binary file and a header of another format each raise an
error that names the file and says what a log begins with. A half-written last line is still skipped silently (a
log being written). Standard library only: no torch needed."""

from __future__ import annotations

import json

import pytest

from actlab.monitor_log import LOG_FORMAT, read_log

HEADER = json.dumps({"format": LOG_FORMAT, "layers": ["0"]}) + "\n"
REPORT = json.dumps({"step": 1, "layers": [{"name": "0"}], "reading": {"status": "healthy"}}) + "\n"
SAYS_WHAT_A_LOG_IS = '{"format": "actlab-monitor/1", "layers": [...]}'


def test_a_missing_file_raises_file_not_found_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        read_log(tmp_path / "runs" / "exp1.jsonl")
    said = str(err.value)
    assert said.startswith(f"{tmp_path / 'runs' / 'exp1.jsonl'} does not exist")
    assert SAYS_WHAT_A_LOG_IS in said


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        read_log(tmp_path)


@pytest.mark.parametrize(("content", "why"), [
    (b"a,b,c\n1,2,3\n", "line 1: it is not JSON (it begins 'a,b,c')"),
    (bytes(range(256)) * 4, "line 1: it is not JSON (it begins '\\x00\\x01"),
    (bytes(range(128, 256)) + b"\n", "line 1: it is not text (bytes that are not UTF-8"),
    (b"\x89PNG\r\x1a\x00", "line 1 does not begin a JSON object"),  # binary, and no line ends yet
    ((json.dumps({"format": "actlab-monitor/9", "layers": []}) + "\n").encode() + REPORT.encode(),
     'line 1: it names the format "actlab-monitor/9", not "actlab-monitor/1"'),
    (b'{"step": 1}\n', "line 1: a report needs \"layers\""),
])
def test_a_file_that_is_not_a_monitor_log_raises_value_error_saying_why(tmp_path, content, why):
    path = tmp_path / "not-a-log.jsonl"
    path.write_bytes(content)
    with pytest.raises(ValueError) as err:
        read_log(path)
    said = str(err.value)
    assert said.startswith("not-a-log.jsonl is not a Monitor log: ")
    assert why in said and SAYS_WHAT_A_LOG_IS in said and str(path) in said


def test_a_half_written_last_line_is_skipped_silently(tmp_path):
    path = tmp_path / "live.jsonl"
    path.write_text(HEADER + REPORT + REPORT[:25])  # the writer is in the middle of its second report
    header, reports = read_log(path)
    assert header["layers"] == ["0"] and [r["step"] for r in reports] == [1]


def test_an_empty_file_is_a_log_not_begun(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    with pytest.warns(UserWarning, match="empty.jsonl holds nothing: it is empty"):  # V10: said, not silent
        assert read_log(path) == ({}, [])


def test_actlab_torch_reexports_the_same_reader():
    pytest.importorskip("torch")
    import actlab.torch

    assert actlab.torch.read_log is read_log
