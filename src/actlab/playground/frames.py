"""The frame codec: one animation frame of the playground as one binary WebSocket message.

[u32 header length][header JSON][output surface int8][neuron thumbnails int8]. The header carries the frame's
own JSON form (Frame.to_dict(), the fields FRAME_FIELDS names) and each hidden layer as LayerReading.to_dict()
writes it; the surfaces are quantised to int8 here.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

import numpy as np

from .._json import dumps

# the fields of Frame.to_dict() a frame header carries unchanged, so the page and `actlab train --json` agree
FRAME_FIELDS = ("epoch", "step", "status", "diverged_at_step", "train_loss", "test_loss", "train_accuracy",
                "test_accuracy", "accuracy_note", "chance_loss", "diagnosis")


@dataclass
class FrameData:
    header: dict
    output: np.ndarray  # (G, G) int8, output scaled to [-127, 127]
    neurons: np.ndarray  # (thumb_count, g * g) int8: the header's run of neurons from thumb_from
    # header keys whose JSON text is already written (the same evaluation's readings, sent with many frames): the
    # text is used as it is instead of walking the values again; ``header`` still holds the values
    encoded: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """[u32 header length][header JSON][output int8][neurons int8]: one binary WebSocket message."""
        rest = {k: v for k, v in self.header.items() if k not in self.encoded}
        text = dumps(rest, separators=(",", ":"))  # strict JSON: the page's JSON.parse reads it
        if self.encoded:
            text = text[:-1] + "".join(f",{json.dumps(k)}:{v}" for k, v in self.encoded.items()) + "}"
        head = text.encode()
        return struct.pack("<I", len(head)) + head + self.output.tobytes() + self.neurons.tobytes()


def frame_header(message: bytes) -> dict:
    """The header of a message FrameData.encode() wrote, read as the page reads it (JSON.parse)."""
    (n,) = struct.unpack("<I", message[:4])
    return json.loads(message[4:4 + n])


CLASS_LEVELS = 12  # a class surface's cell: class index * CLASS_LEVELS + confidence level (10 classes fit in int8)


def _class_codes(probs: np.ndarray) -> np.ndarray:
    """Each cell's most likely class and how sure the network is, in one int8: class * CLASS_LEVELS + level.

    The level runs from 0 (the top probability is 1/k, a toss-up) to CLASS_LEVELS - 1 (certain). A surface of
    one class's probability showed only that class: with three or more, the others looked alike."""
    probs = np.nan_to_num(probs, nan=0.0)  # (cells, k)
    k = probs.shape[1]
    top = probs.max(axis=1)
    level = np.clip(np.rint((CLASS_LEVELS - 1) * (top - 1 / k) / (1 - 1 / k)), 0, CLASS_LEVELS - 1)
    return (np.argmax(probs, axis=1) * CLASS_LEVELS + level).astype(np.int8)


def _quantise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    scaled = (np.nan_to_num(values, nan=0.0, posinf=hi, neginf=lo) - (lo + hi) / 2) / ((hi - lo) / 2)
    return np.clip(np.rint(scaled * 127), -127, 127).astype(np.int8)
