"""The monitor log's format: what each of its three records holds, the check a line passes before any reader keeps
it (check_record), and the small helpers the writer and the readers share.

A Monitor log is JSON lines: a header naming the layers ({"format": "actlab-monitor/1", "layers": [...]}), one report
per sampled step, and an end line ({"event": "end", "steps_run": n}). Any record may carry "run", a string the
monitor that wrote it chose: readers tell two monitors' lines apart by it (log_runs). Split from monitor_log, which
re-exports the public names; log_tail follows a log as it grows and log_read reads one whole.
"""

from __future__ import annotations

import json
from pathlib import Path

from .run_history import number

LOG_FORMAT = "actlab-monitor/1"
HEADER_EXAMPLE = f'{{"format": "{LOG_FORMAT}", "layers": [...]}}'

# A report's fields and the JSON types each may have (checked when present; step, layers and reading must be).
_NUMBER = "number"  # a number, null (NaN: no value), or "inf" / "-inf"
# "auto" (S23): whether "every" is every="auto"'s latest choice (true) or the interval the script gave (false); logs
# written before it have none, and a reader then cannot tell the two apart
_REPORT_FIELDS = {"step": int, "steps_run": (int, None), "sampled_steps": int, "every": (int, None), "auto": bool,
                  "layers": list, "output_grad_norm": _NUMBER, "loss": _NUMBER, "non_finite": bool,
                  "first_non_finite": (dict, None), "reading": dict, "notes": list, "losses_between": list,
                  "held_out": list, "held_out_given": list, "parts": dict, "rates": dict, "chance_loss": _NUMBER}
# the end line's fields beside "event": where held-out losses were given after the last report, those losses and
# the reading that takes them in (Monitor._end_extras), as a report holds them
_END_FIELDS = {"steps_run": int, "exception": str, "held_out_given": list, "held_out": list, "reading": dict,
               "rates": dict, "losses_between": list,
               "during_step": int}
_LAYER_FIELDS = {"name": str, "activation": str, "module_type": str, "width": (int, None),
                 "act_grad_norm": _NUMBER, "act_grad_ratio_to_last": _NUMBER, "weight_grad_norm": _NUMBER,
                 "mean": _NUMBER, "std": _NUMBER, "zero_derivative_fraction": _NUMBER, "saturated": _NUMBER,
                 "dead": _NUMBER, "dormant": _NUMBER, "window": (int, None), "non_finite": bool, "words": str,
                 "weight_grad_ratio_to_output": _NUMBER, "weights": str, "weights_frozen": bool, "low_word": str,
                 "silent": int, "dead_from": int, "dead_units": list, "saturated_units": list,
                 "silent_units": list}
_READING_FIELDS = {"status": str, "words": str, "remedy": str, "evidence": dict, "is_failure": bool,
                   "findings": list}
_TYPE_WORDS = {int: "a whole number", str: "a string", list: "a list", dict: "an object", bool: "true or false",
               None: "null", _NUMBER: "a number, null, \"inf\" or \"-inf\""}


def missing_folder(path: Path) -> tuple[Path | None, Path]:
    """The first folder on the way to the log ``path`` that does not exist yet (None where its folder exists), and
    the nearest one above it that does exist. Monitor(model, log=...) creates missing folders, so a reader may wait
    for them; the folder that exists says whether anything could."""
    missing, folder = None, Path(path).parent
    while not folder.exists() and folder != folder.parent:
        missing, folder = folder, folder.parent
    return missing, folder


def end_line(steps: int, run: str | None = None, extras: dict | None = None) -> str:
    """The log's last line: the run ended after ``steps`` steps (Monitor.close(), or the monitor's end); ``run`` is
    the writer's run id, where it writes one on its lines (log_runs); ``extras``: the held-out losses given after the
    last report line, and the reading that takes them in (END_FIELDS)."""
    record = {"event": "end", "steps_run": steps, **(extras or {})}
    return json.dumps(record if run is None else {**record, "run": run}, allow_nan=False) + "\n"


def crash_of(end: dict | None) -> str | None:
    """The exception that stopped the run, as the end line names it ("RuntimeError: message"), or None where the run
    ended normally or has not ended (a log with no end line may be a run going on, or one killed outright)."""
    exception = (end or {}).get("exception")
    return exception if isinstance(exception, str) and exception else None


def count(n: int) -> str:
    """A whole number as the page writes it, with thousands separated: 30,000."""
    return f"{n:,}"


def plural(n: int, noun: str) -> str:
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def _json_type(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _fits(value, kind) -> bool:
    if isinstance(kind, tuple):
        return any(_fits(value, k) for k in kind)
    if kind is None:
        return value is None
    if kind == _NUMBER:
        return value is None or value in ("inf", "-inf") or (isinstance(value, (int, float))
                                                             and not isinstance(value, bool))
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _expected(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_TYPE_WORDS[k] for k in kinds)


def _exact_types(kind) -> frozenset:
    """The Python types json.loads gives for a value that fits ``kind`` (True is a bool, never an int)."""
    out: set = set()
    for k in kind if isinstance(kind, tuple) else (kind,):
        out |= {int, float, type(None)} if k == _NUMBER else {type(None)} if k is None else {k}
    return frozenset(out)


# per field of each table, (the exact types that fit it, whether "inf" and "-inf" do too): one set lookup a field,
# where _fits walks the kinds (reading a 107 MB log spent 1.9 s of its 3.4 s in the checks)
_FAST = {id(table): {key: (_exact_types(kind), kind == _NUMBER or (isinstance(kind, tuple) and _NUMBER in kind))
                     for key, kind in table.items()}
         for table in (_REPORT_FIELDS, _LAYER_FIELDS, _READING_FIELDS, _END_FIELDS)}
_INF_WORDS = ("inf", "-inf")


def _check_fields(obj: dict, fields: dict, where: str) -> str | None:
    fast = _FAST[id(fields)]
    for key, value in obj.items():
        types = fast.get(key)
        if types is not None and type(value) not in types[0] and not (types[1] and value in _INF_WORDS):
            break
    else:
        return None  # every field fits: the common case, checked without the words
    for key, kind in fields.items():  # the first field, in the table's order, that does not fit, in words
        if key in obj and not _fits(obj[key], kind):
            shown = json.dumps(obj[key])
            shown = shown if len(shown) <= 30 else shown[:27] + "..."
            return f"{where}{key} is {_json_type(obj[key])} ({shown}), expected {_expected(kind)}"
    return None


def _check_reading(reading: dict) -> str | None:
    if "status" not in reading:
        return "reading has no \"status\""
    problem = _check_fields(reading, _READING_FIELDS, "reading.")
    if problem:
        return problem
    for k, finding in enumerate(reading.get("findings", [])):
        if not isinstance(finding, dict) or not isinstance(finding.get("words", ""), str):
            return f"reading.findings[{k}] is not an object with \"words\" as a string"
    return None


def check_report(obj: dict) -> str | None:
    """Why ``obj`` is not a well-formed report (the first wrong field, in words), or None when it is one."""
    for key in ("step", "layers", "reading"):
        if key not in obj:
            return f"a report needs \"{key}\" and this record has none"
    problem = _check_fields(obj, _REPORT_FIELDS, "")
    if problem:
        return problem
    for k, layer in enumerate(obj["layers"]):
        if not isinstance(layer, dict):
            return f"layers[{k}] is {_json_type(layer)}, expected an object (one layer's statistics)"
        if "name" not in layer:
            return f"layers[{k}] has no \"name\""
        problem = _check_fields(layer, _LAYER_FIELDS, f"layers[{k}].")
        if problem:
            return problem
    problem = _check_reading(obj["reading"])
    if problem:
        return problem
    if not all(isinstance(n, str) for n in obj.get("notes", [])):
        return "notes holds something other than strings"
    first = obj.get("first_non_finite")
    if first is not None and not (_fits(first.get("step"), int) and isinstance(first.get("place"), str)):
        return "first_non_finite is not {\"step\": a whole number, \"place\": a string}"
    return None


def check_record(obj) -> tuple[str | None, str | None]:
    """(kind, problem): kind is "header", "end" or "report" for a well-formed record of the log; otherwise kind is
    None and problem says what the line is instead (a JSON value that is none of the three, in words)."""
    if not isinstance(obj, dict):
        return None, f"it is JSON but {_json_type(obj)}, not an object"
    if "format" in obj:
        if obj["format"] != LOG_FORMAT:
            return None, f"it names the format {json.dumps(obj['format'])[:40]}, not \"{LOG_FORMAT}\""
        layers = obj.get("layers")
        if not isinstance(layers, list) or not all(isinstance(n, str) for n in layers):
            return None, "its \"layers\" is not a list of names"
        return "header", None
    if "event" in obj:
        if obj["event"] != "end" or not _fits(obj.get("steps_run"), int):
            return None, "it is an event other than {\"event\": \"end\", \"steps_run\": a whole number}"
        if not isinstance(obj.get("exception", ""), str):
            return None, f"its \"exception\" is {_json_type(obj['exception'])}, expected a string (the exception " \
                         "that stopped the run, as \"RuntimeError: message\")"
        problem = _check_fields(obj, _END_FIELDS, "its ")
        if problem is None and "reading" in obj:
            problem = _check_reading(obj["reading"])
        return ("end", None) if problem is None else (None, problem)
    if "layers" not in obj and "reading" not in obj and "step" not in obj:
        keys = ", ".join(json.dumps(k) for k in list(obj)[:4]) or "no keys"
        return None, f"it is an object with {keys}: neither a header, a report nor the end line"
    problem = check_report(obj)
    return ("report", None) if problem is None else (None, problem)


# NaN and Infinity (which Python's json writes, and a Monitor never does) are read as the log's own spellings
_CONSTANTS = {"NaN": None, "Infinity": "inf", "-Infinity": "-inf"}
_DECODER = json.JSONDecoder(parse_constant=_CONSTANTS.__getitem__)  # one decoder for every line, not one a line


# why a line is given up: the kinds of a bad line (decode()'s, and "too_long": a line the reader would not hold)
BAD_KINDS = ("not_text", "not_json", "not_a_record", "too_long")


def decode(raw: bytes) -> tuple[str, object, str | None]:
    """One line of a log (without its newline): (kind, the JSON value, why). For a record of the log kind is "header",
    "report" or "end" and why is None; for a line that is not one, kind is one of BAD_KINDS ("not_text": bytes that
    are not UTF-8; "not_json"; "not_a_record": JSON that is none of the three records) and why says so in words."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not_text", None, "it is not text (bytes that are not UTF-8, as in a binary file)"
    # a byte-order mark, as an editor saving "UTF-8 with BOM" puts before the first line, is no part of the record (W51
    # walkthrough: such a log read 'not a Monitor log: line 1: it is not JSON (it begins '\ufeff{"format": ...')
    text = text.removeprefix("\ufeff")
    try:
        obj = _DECODER.decode(text)
    except (json.JSONDecodeError, RecursionError):
        shown = text.strip()
        return "not_json", None, f"it is not JSON (it begins {shown[:30]!r}{'...' if len(shown) > 30 else ''})"
    kind, why = check_record(obj)
    return (kind, obj, None) if kind is not None else ("not_a_record", obj, why)


def strict(obj):
    """``obj`` with every float that is not finite (a 1e999 in the file reads as one) in the log's own spelling, so
    it can be sent on as strict JSON."""
    if isinstance(obj, float):
        return number(obj)
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [strict(v) for v in obj]
    return obj
