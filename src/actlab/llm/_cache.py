"""Where dequantised weights are kept between runs: one folder per model file and reader version.

The folder is ``$ACTLAB_CACHE`` or ``$XDG_CACHE_HOME/actlab`` (``~/.cache/actlab``). A key mixes the model
file's path, size and modification time with the reader's version, so a new file or a changed reader gets a
fresh folder and a stale one is never read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

READER_VERSION = "1"  # bump when the cached layout or the dequantisation changes


def cache_root() -> Path:
    if os.environ.get("ACTLAB_CACHE"):
        return Path(os.environ["ACTLAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "actlab"


def file_key(path: Path, kind: str) -> str:
    st = path.stat()
    raw = f"{kind}|{READER_VERSION}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def folder(path: Path, kind: str) -> Path:
    return cache_root() / "llm" / f"{kind}-{file_key(path, kind)}"


def load(where: Path) -> tuple[dict, dict[str, np.ndarray]] | None:
    """(meta, arrays) from a complete cache folder, or None when there is none."""
    meta_file = where / "meta.json"
    if not meta_file.is_file():
        return None
    meta = json.loads(meta_file.read_text())
    arrays = {name: np.load(where / f"{name}.npy") for name in meta["arrays"]}
    return meta, arrays


def save(where: Path, meta: dict, arrays: dict[str, np.ndarray]) -> bool:
    """Write the folder atomically (into a temporary sibling, renamed into place when complete); False when the
    cache cannot be written (a read-only home): the model is still usable, only the next load is slow again."""
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=where.name + ".", dir=where.parent))
    except OSError:
        return False
    try:
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr))
        (tmp / "meta.json").write_text(json.dumps({**meta, "arrays": list(arrays)}))
        try:
            tmp.rename(where)
        except OSError:  # another process finished first: its copy is as good as ours
            shutil.rmtree(tmp, ignore_errors=True)
        return True
    except OSError:  # the disk filled up or the folder went away: no cache this time
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
