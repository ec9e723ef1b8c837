"""Data sets: TensorFlow Playground's 2-D sets with its semantics, two moons, features and CSV import.

Every generator takes an rng and returns a Dataset of raw 2-D points; ``features`` turns points
into the network's inputs (x1, x2, x1^2, x2^2, x1x2, sin x1, sin x2, as in the playground).
Classification labels are 0/1 (the playground's -1/+1 map to 0/1); regression targets lie in [-1, 1].
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError

CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "moons")
REGRESSION = ("plane", "multi_gauss")
DATASETS = CLASSIFICATION + REGRESSION
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")
MAX_POINTS = 20_000
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 50_000
MAX_CSV_COLUMNS = 64
MAX_CSV_LINE = 64 * 1024  # characters in one line; a longer one is not a data set's row
# the largest |value| a CSV cell may hold: the features square inputs (x1^2, x1x2) and 1e150 squared is 1e300,
# still a finite float; 1e308 squared overflows to infinity, and a page cannot draw it or read it as JSON
MAX_CSV_MAGNITUDE = 1e150


@dataclass(frozen=True)
class Dataset:
    """Points (N, D) and labels (N,): 0/1 classes, class indices, or regression values."""

    points: np.ndarray
    labels: np.ndarray
    task: str  # "classification" or "regression"
    name: str
    columns: tuple[str, ...] = ("x1", "x2")
    class_names: tuple[str, ...] = ()

    @property
    def n_classes(self) -> int:
        return int(self.labels.max()) + 1 if self.task == "classification" else 0

    def split(self, train_fraction: float, rng: np.random.Generator) -> tuple[Dataset, Dataset]:
        """Shuffle and split, like the playground's percTrainData."""
        if not 0.1 <= train_fraction <= 0.9:
            raise ConfigError("train_fraction", f"must be between 0.1 and 0.9; got {train_fraction!r}")
        order = rng.permutation(len(self.labels))
        cut = max(1, min(len(order) - 1, round(train_fraction * len(order))))
        return self._take(order[:cut]), self._take(order[cut:])

    def _take(self, idx: np.ndarray) -> Dataset:
        return Dataset(self.points[idx], self.labels[idx], self.task, self.name, self.columns, self.class_names)


def make_dataset(name: str, n: int = 500, noise: float = 0.0, *, rng: np.random.Generator) -> Dataset:
    """One of DATASETS with n points; noise in [0, 0.5] as the playground's 0-50% slider."""
    if name not in DATASETS:
        raise ConfigError("dataset", f"unknown data set {name!r}; allowed: {', '.join(DATASETS)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 10 <= n <= MAX_POINTS:
        raise ConfigError("n_points", f"must be a whole number from 10 to {MAX_POINTS}; got {n!r}")
    if not isinstance(noise, (int, float)) or not 0 <= noise <= 0.5 or math.isnan(noise):
        raise ConfigError("noise", f"must be between 0 and 0.5 (0-50%); got {noise!r}")
    points, labels = _GENERATORS[name](n, noise, rng)
    task = "classification" if name in CLASSIFICATION else "regression"
    if task == "classification":
        labels = (labels > 0).astype(np.intp)  # the playground's +1 -> 1, -1 -> 0
    return Dataset(points, labels, task, name)


def _circle(n, noise, rng):
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * math.pi, n)
    pts = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    noisy = pts + rng.uniform(-radius, radius, (n, 2)) * noise  # the label sees the noisy point
    labels = np.where(np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5, 1.0, -1.0)
    return pts, labels


def _xor(n, noise, rng):
    pts = rng.uniform(-5, 5, (n, 2))
    pts += np.where(pts > 0, 0.3, -0.3)  # padding away from the axes
    noisy = pts + rng.uniform(-5, 5, (n, 2)) * noise
    return pts, np.where(noisy[:, 0] * noisy[:, 1] >= 0, 1.0, -1.0)


def _gauss(n, noise, rng):
    variance = 0.5 + noise * (4 - 0.5) / 0.5  # the playground maps noise [0, .5] to variance [0.5, 4]
    half = n // 2
    pos = rng.normal(2, math.sqrt(variance), (half, 2))
    neg = rng.normal(-2, math.sqrt(variance), (n - half, 2))
    return np.concatenate([pos, neg]), np.concatenate([np.ones(half), -np.ones(n - half)])


def _spiral(n, noise, rng):
    half = n // 2
    pts, labels = [], []
    for delta, label, count in ((0.0, 1.0, half), (math.pi, -1.0, n - half)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * math.pi + delta
        xy = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, (count, 2)) * noise
        pts.append(xy)
        labels.append(np.full(count, label))
    return np.concatenate(pts), np.concatenate(labels)


def _moons(n, noise, rng):
    half = n // 2
    t_out, t_in = rng.uniform(0, math.pi, half), rng.uniform(0, math.pi, n - half)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)
    pts = (np.concatenate([outer, inner]) - [0.5, 0.25]) * 3.0  # centred in the playground's square
    pts += rng.normal(0, 1, (n, 2)) * noise * 2
    return pts, np.concatenate([np.ones(half), -np.ones(n - half)])


def _plane(n, noise, rng):
    radius = 6.0
    pts = rng.uniform(-radius, radius, (n, 2))
    noisy = pts + rng.uniform(-radius, radius, (n, 2)) * noise
    return pts, (noisy[:, 0] + noisy[:, 1]) / 10  # the playground's scale [-10, 10] -> [-1, 1]


_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _multi_gauss(n, noise, rng):
    radius = 6.0
    pts = rng.uniform(-radius, radius, (n, 2))
    noisy = pts + rng.uniform(-radius, radius, (n, 2)) * noise
    d = np.hypot(noisy[:, None, 0] - _GAUSSIANS[:, 0], noisy[:, None, 1] - _GAUSSIANS[:, 1])  # (N, 6)
    scaled = _GAUSSIANS[:, 2] * np.clip(1 - d / 2, 0, 1)  # each bump falls from 1 to 0 over distance 2
    pick = np.argmax(np.abs(scaled), axis=1)  # the strongest bump wins, as in the playground
    return pts, scaled[np.arange(n), pick]


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons,
               "plane": _plane, "multi_gauss": _multi_gauss}


def features(points: np.ndarray, names: tuple[str, ...] | list[str] = ("x1", "x2")) -> np.ndarray:
    """The playground's input features of 2-D points, (N, 2) -> (N, len(names))."""
    bad = [f for f in names if f not in FEATURES]
    if bad or not names:
        raise ConfigError("features", f"choose one or more of {', '.join(FEATURES)}; got {list(names)!r}")
    x1, x2 = points[:, 0], points[:, 1]
    table = {"x1": x1, "x2": x2, "x1^2": x1 * x1, "x2^2": x2 * x2, "x1x2": x1 * x2,
             "sin_x1": np.sin(x1), "sin_x2": np.sin(x2)}
    return np.stack([table[f] for f in names], axis=1)


def parse_features(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    features(np.zeros((1, 2)), names)  # validates
    return names


# --- CSV import ----------------------------------------------------------------------------


def read_csv_file(path: str | os.PathLike) -> bytes:
    """A CSV file's bytes, reading at most the size limit plus one byte (so /dev/zero or a huge file stops there)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise ConfigError("csv", f"cannot read {os.fspath(path)!r}: {exc.strerror or 'unreadable'}") from None
    if len(data) > MAX_CSV_BYTES:
        raise ConfigError("csv", f"{os.fspath(path)!r} is larger than the limit of {MAX_CSV_BYTES:,} bytes")
    return data


def load_csv(source: str | bytes, *, label_column: str | None = None, task: str | None = None,
             name: str = "csv") -> Dataset:
    """Read a learner's own data: numeric feature columns and one label column (the last by default).

    Accepts text or bytes (UTF-8, with or without BOM). A header row is detected when its fields are
    not numbers. Labels: two or more distinct text or integer values become classes (sorted); a
    column of non-integer numbers is a regression target. Every problem raises a ConfigError that
    names the row and column.
    """
    if isinstance(source, bytes):
        if len(source) > MAX_CSV_BYTES:
            raise ConfigError("csv", f"file is {len(source):,} bytes; the limit is {MAX_CSV_BYTES:,}")
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError("csv", f"not UTF-8 text (byte {exc.start} is invalid); save the file as UTF-8 "
                                     "CSV") from None
    elif len(source) > MAX_CSV_BYTES:
        raise ConfigError("csv", f"text is {len(source):,} characters; the limit is {MAX_CSV_BYTES:,}")
    if "\x00" in source:
        raise ConfigError("csv", "the file contains NUL bytes: it looks binary, not CSV text")
    rows = _read_rows(source.lstrip("\ufeff"))
    if not rows:
        raise ConfigError("csv", "the file is empty: expected a header (optional) and rows such as 0.5,1.2,1")
    header_given = not all(_is_number(c) for c in rows[0][:-1]) or not _is_number(rows[0][-1]) and not \
        _looks_like_data_label(rows)
    default_names = [f"x{i + 1}" for i in range(len(rows[0]) - 1)] + ["label"]
    header = [c.strip() for c in rows[0]] if header_given else default_names
    data = rows[1:] if header_given else rows
    width = len(header)
    if width < 2:
        raise ConfigError("csv", f"need at least one feature column and one label column; found {width} column")
    if not data:
        raise ConfigError("csv", "the file has a header but no data rows")
    if len(data) > MAX_CSV_ROWS:
        raise ConfigError("csv", f"more than {MAX_CSV_ROWS:,} rows; the limit is {MAX_CSV_ROWS:,}")
    first_line = 2 if header_given else 1
    for i, row in enumerate(data):
        if len(row) != width:
            raise ConfigError(f"csv: row {i + first_line}", f"has {len(row)} fields, expected {width} like the "
                                                           f"{'header' if header_given else 'first row'}")
    if label_column is None:
        label_idx = width - 1
    elif label_column in header:
        label_idx = header.index(label_column)
    else:
        raise ConfigError("label_column", f"{label_column!r} is not a column; columns: {', '.join(header)}")
    feature_idx = [j for j in range(width) if j != label_idx]
    points = _numbers(data, feature_idx)
    if points is None:  # some cell is not a finite number: the slow path finds the first and names it
        points = _numbers_one_by_one(data, feature_idx, header, first_line)
    raw_labels = [row[label_idx].strip() for row in data]
    labels, class_names, kind = _labels(raw_labels, header[label_idx], first_line, task)
    return Dataset(points, labels, kind, name, tuple(header[j] for j in feature_idx), class_names)


def _lines(text: str):
    """The physical lines of text, ended by LF, CRLF or a lone CR (old Mac files), each refused when too long."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_CSV_LINE:
            raise ConfigError(f"csv: line {number}", f"is {len(line):,} characters long; the limit is "
                                                     f"{MAX_CSV_LINE:,} (is this a CSV file?)")
        yield line


def _read_rows(text: str) -> list[list[str]]:
    """The non-blank rows, read until the row limit is passed (one header row allowed): a file of a million short
    rows stops at the limit instead of being read whole first."""
    rows: list[list[str]] = []
    reader = csv.reader(_lines(text))
    try:
        for row in reader:
            if len(row) > MAX_CSV_COLUMNS:
                raise ConfigError(f"csv: line {reader.line_num}", f"has {len(row):,} fields; the limit is "
                                                                 f"{MAX_CSV_COLUMNS} columns")
            if any(c.strip() for c in row):
                rows.append(row)
                if len(rows) > MAX_CSV_ROWS + 1:
                    break
    except csv.Error as exc:
        cause = (f"a field is longer than {csv.field_size_limit():,} characters" if "field limit" in str(exc) else
                 "a quoted field is not closed, or a quote stands inside an unquoted field")
        raise ConfigError(f"csv: line {reader.line_num}", f"cannot be read as CSV: {cause}") from None
    return rows


def _numbers(data: list[list[str]], columns: list[int]) -> np.ndarray | None:
    """The chosen columns as floats, converted by NumPy (about 2.5 times faster than cell by cell); None when a
    cell is not a finite number, so the caller can name it."""
    try:
        points = np.array([[row[j] for j in columns] for row in data], dtype=float)
    except ValueError:
        return None
    return points if np.isfinite(points).all() and np.abs(points).max(initial=0) <= MAX_CSV_MAGNITUDE else None


def _numbers_one_by_one(data: list[list[str]], columns: list[int], header: list[str], first_line: int) -> np.ndarray:
    points = np.empty((len(data), len(columns)))
    for i, row in enumerate(data):
        for k, j in enumerate(columns):
            cell = row[j].strip()
            try:
                value = float(cell)
            except ValueError:
                raise ConfigError(f"csv: row {i + first_line}, column {header[j]}",
                                  f"{cell[:30]!r} is not a number") from None
            if not math.isfinite(value):
                raise ConfigError(f"csv: row {i + first_line}, column {header[j]}",
                                  f"{cell[:30]!r} is not a finite number (NaN and infinity are not allowed)")
            if abs(value) > MAX_CSV_MAGNITUDE:
                raise ConfigError(f"csv: row {i + first_line}, column {header[j]}", _too_large(cell))
            points[i, k] = value
    return points


def _too_large(cell: str) -> str:
    return (f"{cell.strip()[:30]!r} is too large; values from -{MAX_CSV_MAGNITUDE:g} to {MAX_CSV_MAGNITUDE:g} are "
            "allowed (the x1^2 and x1x2 features square them; rescale the column)")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _looks_like_data_label(rows: list[list[str]]) -> bool:
    """A first row with numeric features and a text label is data when later rows look the same."""
    return len(rows) > 1 and all(_is_number(c) for c in rows[1][:-1]) and not _is_number(rows[1][-1])


def _labels(raw: list[str], column: str, first_line: int, task: str | None):
    if task not in (None, "classification", "regression"):
        raise ConfigError("task", f"classification or regression; got {task!r}")
    numeric = all(_is_number(v) for v in raw)
    values = np.array([float(v) for v in raw]) if numeric else None
    if values is not None:
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ConfigError(f"csv: row {bad[0] + first_line}, column {column}", "label is not a finite number")
    is_regression = task == "regression" or (task is None and values is not None and
                                             (not np.all(values == np.round(values)) or len(set(raw)) > 20))
    if is_regression:
        if values is None:
            row = next(i for i, v in enumerate(raw) if not _is_number(v))
            raise ConfigError(f"csv: row {row + first_line}, column {column}", f"{raw[row]!r} is not a number, "
                                                                              "and a regression target must be")
        big = np.flatnonzero(np.abs(values) > MAX_CSV_MAGNITUDE)
        if big.size:
            raise ConfigError(f"csv: row {big[0] + first_line}, column {column}", _too_large(raw[big[0]]))
        return values, (), "regression"
    keys = sorted(set(raw), key=lambda v: (float(v), v) if numeric else (0.0, v))
    if len(keys) < 2:
        raise ConfigError(f"csv: column {column}", f"only one class ({keys[0]!r}); classification needs at "
                                                   "least two")
    if len(keys) > 10:
        raise ConfigError(f"csv: column {column}", f"{len(keys)} classes; at most 10 are supported")
    index = {k: i for i, k in enumerate(keys)}
    return np.array([index[v] for v in raw], dtype=np.intp), tuple(keys), "classification"
