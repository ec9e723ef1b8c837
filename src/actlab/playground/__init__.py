"""The playground's engine side: a session (session.py), the frame codec (frames.py) and the exports
(export.py). The web layer (web/routes/playground.py, web/pool.py) owns the socket and the timing."""

from ..limits import MAX_EPOCHS_PER_FRAME
from .export import EXPORT_FORMAT, EXPORT_VERSION, export_json, export_torch, read_export, torch_script
from .frames import CLASS_LEVELS, FRAME_FIELDS, FrameData, frame_header
from .session import (
    EXTENT,
    MAX_STEPS_PER_EPOCH,
    MIN_SURFACE,
    SURFACE_BUDGET,
    PlaygroundSession,
    surface_size,
)

__all__ = ["CLASS_LEVELS", "EXPORT_FORMAT", "EXPORT_VERSION", "EXTENT", "FRAME_FIELDS", "MAX_EPOCHS_PER_FRAME",
           "MAX_STEPS_PER_EPOCH", "MIN_SURFACE", "SURFACE_BUDGET", "FrameData", "PlaygroundSession", "export_json",
           "export_torch", "frame_header", "read_export", "surface_size", "torch_script"]
