"""The tests' own date of where a climb began, written from the rule's statement in docs/monitor.md and
reading_loss.climb's docstring, not from its code: in the last ``window`` losses (those a reading looks at), the
lowest of the earlier half (cut before a loss past twice its median where the 4 or more before it hold a level);
where that half (4 losses or more) holds a level, the medians of its own halves within a
factor of 2, and the losses jump past twice its highest and stay above it, the loss just before the jump; and where the
start is the window's first loss and above twice the median of the losses before it, back to the latest of those at
most half of it, and on, until one is within twice the median of the losses before it or none is that low."""

from __future__ import annotations

import statistics


def _level(half: list[float]) -> bool:
    n = len(half) // 2
    return statistics.median(half[n:]) <= 2 * statistics.median(half[:n]) or half[-1] <= 2 * statistics.median(half[:n])


def climb_start(values: list[float], window: int = 10, kept: int = 50) -> int:
    """The index in ``values`` (every loss up to the NaN, oldest first) where the climb began; only the last ``window``
    + ``kept`` are looked at, as a reading keeps no more."""
    offset = max(0, len(values) - window - kept)
    return offset + _start(values[offset:], window)


def _start(values: list[float], window: int) -> int:
    first = max(0, len(values) - window)
    recent = values[first:]
    half = recent[:max(1, len(recent) // 2)]
    if len(half) >= 4:  # a loss past twice the half's median, after 4 or more that hold a level, began the climb
        outside = [i for i, v in enumerate(half) if v > 2 * statistics.median(half)]
        if outside and outside[0] >= 4 and _level(half[:outside[0]]):
            half = half[:outside[0]]
    k = min(range(len(half)), key=lambda i: half[i])
    if len(half) >= 4 and _level(half):
        top = max(half)
        jumps = [j for j in range(k + 1, len(recent)) if recent[j] > 2 * top]
        if jumps and recent[jumps[0] - 1] <= top and min(recent[jumps[0]:]) > top:
            k = jumps[0] - 1
    k += first
    if k == first:
        while k > 0 and values[k] > 2 * statistics.median(values[:k]):
            lower = [i for i in range(k) if 0 <= values[i] <= values[k] / 2]
            if not lower:
                break
            k = lower[-1]
    return k
