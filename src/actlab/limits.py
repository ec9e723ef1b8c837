"""The playground's size limits: a lab's own setting, which the CLI and the Python API do not have."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .errors import ConfigError, given

MAX_EPOCHS_PER_FRAME = 50  # a live frame's most epochs (each of up to MAX_STEPS_PER_EPOCH updates, playground/)


def check_epochs_per_frame(value: object) -> int:
    """The playground's speed, epochs per frame, as every interface takes it (a session's frame, the socket's
    'set' message, a link, a class's saved setup): a whole number from 1 to MAX_EPOCHS_PER_FRAME."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EPOCHS_PER_FRAME:
        raise ConfigError("epochs_per_frame", f"a whole number from 1 to {MAX_EPOCHS_PER_FRAME}; got {given(value)}")
    return value


@dataclass(frozen=True)
class PlaygroundLimits:
    """How big a network one playground session may train: the lab's sessions share a server and each frame must
    keep up (60 a second), so a lab has limits that a teacher sets (actlab lab --max-layers 12 --max-width 64) up
    to the hard ones below. ``actlab train`` and the Python API have none: they train what the machine can hold.
    """

    max_layers: int = 8
    max_width: int = 32
    HARD_MAX_LAYERS: ClassVar[int] = 32  # beyond these a frame can no longer keep up
    HARD_MAX_WIDTH: ClassVar[int] = 256

    def __post_init__(self) -> None:
        for name, high in (("max_layers", self.HARD_MAX_LAYERS), ("max_width", self.HARD_MAX_WIDTH)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= high:
                raise ConfigError(name, f"a whole number from 1 to {high} (a frame must keep up); got {given(v)}")

    def check(self, cfg) -> None:
        """Refuse a run (a session.RunConfig) larger than this lab allows, saying how a teacher lifts the limit."""
        if len(cfg.layers) > self.max_layers or any(w > self.max_width for w in cfg.layers):
            raise ConfigError("layers", f"this lab's playground takes up to {self.max_layers} hidden layers of 1 to "
                                        f"{self.max_width} neurons; got {given(list(cfg.layers))} (the teacher "
                                        "raises it with actlab lab --max-layers / --max-width; actlab train has no "
                                        "such limit)")

    def to_dict(self) -> dict:
        return {"max_layers": self.max_layers, "max_width": self.max_width}
