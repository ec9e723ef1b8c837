"""A learner's CSV: odd files are read or refused with a reason, never with a crash."""

from __future__ import annotations

import pytest

from actlab.datasets import load_csv, read_csv_file
from actlab.errors import ConfigError


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_every_line_ending_reads_the_same(ending):
    text = ending.join(["x1,x2,label", "0,1,a", "1,0,b", "0.5,0.5,a"]) + ending
    data = load_csv(text.encode())
    assert data.points.tolist() == [[0, 1], [1, 0], [0.5, 0.5]] and data.class_names == ("a", "b")


@pytest.mark.parametrize(("text", "field", "needle"), [
    ("x1,label\n" + "1" * 140_000 + ",a\n2,b\n", "csv: line 2", "characters long"),
    ('x1,label\n"' + "1\n" * 70_000 + '",a\n', "csv: line", "longer than 131,072 characters"),
    ("a," * 100 + "\n", "csv: line 1", "the limit is 64 columns"),
    ("0,0,0\n" * 60_000, "csv", "more than 50,000 rows"),
])
def test_oversized_parts_are_refused_by_name(text, field, needle):
    with pytest.raises(ConfigError) as err:
        load_csv(text)
    assert err.value.field.startswith(field) and needle in err.value.message


def test_a_file_is_read_up_to_the_limit_and_one_byte():
    with pytest.raises(ConfigError, match="larger than the limit"):
        read_csv_file("/dev/zero")  # endless: stops after MAX_CSV_BYTES + 1 bytes


def test_an_unreadable_path_names_the_cause(tmp_path):
    with pytest.raises(ConfigError, match="Is a directory"):
        read_csv_file(tmp_path)
    assert len(read_csv_file(_write(tmp_path / "ok.csv", b"0,1\n" * 10))) == 40


def _write(path, data: bytes):
    path.write_bytes(data)
    return path
