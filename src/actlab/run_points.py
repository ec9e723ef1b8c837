"""What one checked report becomes on the watch page's charts: its point (step, loss, per layer the gradient and the
unit counts, the loss's parts, the held-out losses given). Split from run_history, which keeps a run's points in
bounded memory."""

from __future__ import annotations

import math

from ._json import jsonable

# the loss's named parts a step may give (s.parts), and the longest name kept: the monitor's own caps
# (interop/_monitor_parts reads them from here), and a point's for a log written by other means
PARTS_MOST = 8
NAME_MOST = 40
RATE_GROUPS_MOST = 8  # the parameter groups whose learning rates a point keeps (Monitor's "rates")
RATE_CHANGES_MOST = 64  # and their changes per point: the monitor's own cap too (_monitor_cut.RATE_LINE_MOST)


def evenly(n: int, most: int) -> set[int]:
    """The indices of ``most`` of ``n`` items spread evenly from the first to the last, both kept (all of them where
    ``n`` is ``most`` or fewer): how a log line thins what it carries (the rates' changes, the held-out losses)."""
    if n <= most:
        return set(range(n))
    return {round(k * (n - 1) / (most - 1)) for k in range(most)}


def number(value):
    """A number of the log as JSON can carry it, in the package's one convention (actlab._json: a float that is
    not finite becomes "inf", "-inf" or None for NaN); anything else as it is."""
    return jsonable(value) if isinstance(value, float) else value


def _count(value) -> int | None:
    """A count of units as the log holds it, or None where it holds none (a step with a NaN, a width not known)."""
    return value if type(value) is int and value >= 0 else None  # True is a bool, not a count


def point_of(index: int, report: dict, slots: list[int] | None = None, size: int = 0) -> dict:
    """What the history charts draw of one report: its step, its loss as the log holds it, whether it held a NaN or
    an inf, the gradient reaching each layer's activation (None where that layer has no finite one), and each
    layer's unit health as the log counts it: dead, saturated (or rarely active) and dormant units of ``units``
    (None where the log holds no count), and, where some layer has any, ``silent``: of the saturated, those gone
    silent. With ``slots`` (per report layer, its place's index among ``size``), each
    list is by place: a place that did not run on this step (an MoE expert given no token) holds None, and the
    layers after it keep their own series (W21 finding 3: by position, expert 1's numbers went on expert 0's line)."""
    layers = report["layers"]
    if slots is None:
        slots, size = range(len(layers)), max(size, len(layers))
    grads, dead, saturated, dormant, units, silent = ([None] * size for _ in range(6))
    for k, layer in zip(slots, layers, strict=True):  # one pass (a big log's reading spent a third of its time here)
        if k is None:  # a place past MAX_PLACES: no series
            continue
        g = layer.get("act_grad_norm")
        is_drawn = (type(g) in (int, float) and not layer.get("non_finite") and math.isfinite(g) and g >= 0)
        grads[k] = g if is_drawn else None
        dead[k] = _count(layer.get("dead"))
        saturated[k] = _count(layer.get("saturated"))
        dormant[k] = _count(layer.get("dormant"))
        units[k] = _count(layer.get("width"))
        silent[k] = _count(layer.get("silent"))
    point = {"index": index, "step": report["step"], "loss": number(report.get("loss")),
             "non_finite": bool(report.get("non_finite")), "grads": grads, "dead": dead, "saturated": saturated,
             "dormant": dormant, "units": units}
    between = _between(report.get("losses_between"))
    if between is not None:  # the range of the losses of the training steps since the report before (W32)
        point["between"], point["between_from"] = between
    held = report.get("held_out")  # the held-out loss the reading took in: [the step it was given after, the loss]
    if (isinstance(held, list) and len(held) == 2 and type(held[0]) is int and type(held[1]) in (int, float)
            and math.isfinite(held[1])):
        point["held_out"] = held
    given = _pairs(report.get("held_out_given"))
    if given:  # every held-out loss given since the report before (the chart draws each where it was given)
        point["held_out_given"] = given
    parts = _parts(report.get("parts"))
    if parts:  # the loss's named parts on this step (s.parts), for the loss chart's lines
        point["parts"] = parts
    rates = rates_of(report.get("rates"))
    if rates:  # the learning rate's changes read since the report before, per parameter group
        point["rates"] = rates
    chance = report.get("chance_loss")
    if type(chance) in (int, float) and math.isfinite(chance) and chance > 0:  # the level the reading judged against
        point["chance"] = chance
    if any(silent):  # of the saturated units, those gone silent (the page's readout says them apart); most points
        # have none, and carry no list for it
        point["silent"] = silent
    return point


def rates_of(given) -> dict:
    """The learning rate's changes as a point keeps them ({group: [[training step, rate], ...]}): at most
    RATE_GROUPS_MOST groups, each name cut to NAME_MOST characters, RATE_CHANGES_MOST changes each, of an int step and
    a finite rate of 0 or more (a log written by other means may hold anything)."""
    if not isinstance(given, dict):
        return {}
    out = {}
    for name, changes in list(given.items())[:RATE_GROUPS_MOST]:
        kept = [[t, v] for t, v in (c for c in changes[:RATE_CHANGES_MOST] if isinstance(c, list) and len(c) == 2)
                if type(t) is int and type(v) in (int, float) and math.isfinite(v) and v >= 0] \
            if isinstance(changes, list) else []
        if kept:
            out[str(name)[:NAME_MOST]] = kept
    return out


def _parts(given) -> dict:
    """The loss's named parts as a point keeps them: at most PARTS_MOST, each name cut to NAME_MOST characters, each
    value a finite number or None (a log written by other means may hold anything)."""
    if not isinstance(given, dict):
        return {}
    return {str(name)[:NAME_MOST]: v if type(v) in (int, float) and math.isfinite(v) else None
            for name, v in list(given.items())[:PARTS_MOST]}


def _between(held) -> tuple[list[float], int] | None:
    """[lowest, highest] of the finite losses a report's ``losses_between`` holds ([[step, loss], ...]: the training
    steps since the sampled step before, where the script gave a loss each step), and the first step they are of, or
    None where it holds none. The monitor holds the latest 100 losses: under every=1000 they are the last 100 of the
    999 steps between two samples, and the page says so from that first step."""
    if not isinstance(held, list):
        return None
    pairs = [pair for pair in held if isinstance(pair, list) and len(pair) == 2 and type(pair[1]) in (int, float)
             and math.isfinite(pair[1]) and type(pair[0]) is int]
    values = [pair[1] for pair in pairs]
    return ([min(values), max(values)], min(pair[0] for pair in pairs)) if values else None


def tail_of(end: dict, last_step: int | None) -> dict | None:
    """What the watch page draws of the steps after the last sampled one, from the run's end line (its
    ``losses_between``, the steps' losses the monitor held since that step): {"range": [lowest, highest] of the finite
    ones, or None, "from": the first step held, "to": the last, "after": the last sampled step, "count": the losses,
    "non_finite": how many were NaN or infinite, "non_finite_at": [the first, the last] of those, or None}; None where
    the end line holds none after ``last_step``."""
    held = end.get("losses_between")
    if not isinstance(held, list):
        return None
    pairs = [p for p in held if isinstance(p, list) and len(p) == 2 and type(p[0]) is int
             and (last_step is None or p[0] > last_step)]
    if not pairs:
        return None
    values = [p[1] for p in pairs if type(p[1]) in (int, float) and math.isfinite(p[1])]
    bad = [p[0] for p in pairs if not (type(p[1]) in (int, float) and math.isfinite(p[1]))]
    return {"range": [min(values), max(values)] if values else None, "from": min(p[0] for p in pairs),
            "to": max(p[0] for p in pairs), "after": last_step, "count": len(pairs),
            "non_finite": len(bad), "non_finite_at": [min(bad), max(bad)] if bad else None}


def _pairs(held) -> list[list]:
    """The [step, loss] pairs of a list as the log holds it, each a whole step and a finite loss (others left out)."""
    if not isinstance(held, list):
        return []
    return [pair for pair in held if isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int
            and type(pair[1]) in (int, float) and math.isfinite(pair[1])]
