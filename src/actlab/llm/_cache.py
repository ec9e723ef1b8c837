"""Where dequantised weights are kept between runs: one folder per model file and reader version.

The folder is a parameter: use_folder(path) sets it once for the process (the CLI's --cache-dir and the lab's
llm_cache setting do, through web.settings.llm_cache_location, which is where $ACTLAB_CACHE and $XDG_CACHE_HOME
are read); use_folder(None) turns the disk cache off. Unset, it is ~/.cache/actlab. Nothing here reads the
environment. A key mixes the model file's path, size and modification time with the reader's version, so a new
file or a changed reader gets a fresh folder and a stale one is never read.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

READER_VERSION = "1"  # bump when the cached layout or the dequantisation changes


_UNSET = object()
_root: Path | None | object = _UNSET


def default_folder() -> Path:
    """Where the cache goes when no folder was given: ~/.cache/actlab."""
    return Path.home() / ".cache" / "actlab"


def use_folder(folder: str | Path | None) -> None:
    """Keep the cache under ``folder`` from now on (None: keep none, so every load reads the model file again)."""
    global _root
    _root = None if folder is None else Path(folder).expanduser()


def cache_root() -> Path | None:
    """The folder in use; None when the cache is off."""
    return default_folder() if _root is _UNSET else _root  # type: ignore[return-value]


def file_key(path: Path, kind: str) -> str:
    st = path.stat()
    raw = f"{kind}|{READER_VERSION}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def folder(path: Path, kind: str) -> Path | None:
    """The cache folder of this model file, or None when the cache is off."""
    root = cache_root()
    return None if root is None else root / "llm" / f"{kind}-{file_key(path, kind)}"


def load(where: Path | None) -> tuple[dict, dict[str, np.ndarray]] | None:
    """(meta, arrays) from a complete cache folder, or None when there is none (or no cache)."""
    if where is None:
        return None
    meta_file = where / "meta.json"
    if not meta_file.is_file():
        return None
    meta = json.loads(meta_file.read_text())
    arrays = {name: np.load(where / f"{name}.npy") for name in meta["arrays"]}
    return meta, arrays


def save(where: Path | None, meta: dict, arrays: dict[str, np.ndarray]) -> bool:
    """Write the folder atomically (into a temporary sibling, renamed into place when complete); False when the
    cache is off or cannot be written (a read-only home): the model is still usable, only the next load is slow."""
    if where is None:
        return False
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
