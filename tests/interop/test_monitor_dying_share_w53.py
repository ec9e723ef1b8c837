"""A layer that read dying and came back under half the dying share reads dying again only at the full share (issue
17, W53 walkthrough finding 4): a layer whose stopped units fell from 67 to 31 of 128 over 1,000 steps then went
between 31 and 32 (the half share, where a layer once dying stays so) with one unit going silent and back, and the
status went between 'dying layer' and 'not generalising' 18 times in 67 steps. Reference: the two thresholds as the
docstring of _stopping_layers states them, applied to the sequence by the test itself."""

from __future__ import annotations

from conftest import require_torch

require_torch()

from actlab.interop._monitor_words import DYING_SHARE, Stopping, _stopping_layers  # noqa: E402


def _layer(stopped: int, width: int = 128) -> Stopping:
    return Stopping("module '3' (ReLU)", width, dead=stopped, died=stopped, silent=0, window=100, silent_for=0,
                    need=5, bulk=stopped, bulk_from=401, bulk_on=400, first_from=401, last_from=401, most=100)


def test_a_layer_back_under_half_the_share_needs_the_full_share_again():
    counts = [70, 40, 33, 32, 31, 32, 31, 33, 40, 63, 64, 40, 32, 31, 32]
    seen: set[str] = set()
    was = False
    changes = 0
    for stopped in counts:
        dying = _stopping_layers([_layer(stopped)], lambda when, step=None: f"restart {when}", seen) is not None
        # the reference: in at the full share, out under half of it, and in again only at the full share
        want = stopped >= DYING_SHARE * 128 * (0.5 if was else 1.0)
        assert dying == want, (stopped, dying, seen)
        changes += dying != was
        was = dying
    assert changes == 4  # in at 70, out at 31, in at 64, out at 31: no flip on each 31 and 32 between


def test_a_layer_whose_units_all_come_back_leaves_seen():
    seen: set[str] = set()
    assert _stopping_layers([_layer(70)], lambda when, step=None: when, seen) is not None
    # no unit stopped any more: not in the list at all
    assert _stopping_layers([], lambda when, step=None: when, seen) is None
    assert not seen
    assert _stopping_layers([_layer(40)], lambda when, step=None: when, seen) is None  # 40 is under the full share
