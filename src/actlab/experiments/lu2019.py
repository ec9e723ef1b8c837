"""Dying ReLU has a probability (Lu, Shin, Su & Karniadakis, 2019, "Dying ReLU and Initialization").

With weights and biases drawn symmetrically around 0 (or biases 0), each unit of a width-N layer is off at a given
input with probability 1/2, independently given the layer's input, so the layer is all zero with probability
2^-N and a depth-L net has an all-zero layer at that input (so its output no longer depends on the input there)
with probability
1 - (1 - 2^-N)^L. Monte Carlo counts that event for N 2-5 and L up to 50, with zero and with symmetric biases (56
cells), and compares each count with the formula in binomial standard errors. A net is "born dead" when it has an
all-zero layer at every input of the domain (here: at each of 32 inputs drawn for it); that probability rises with
depth, falls with width and can never exceed the pointwise one.

Run matrix (each count is cumulative over depth, so one draw of 50 layers gives all seven depths):
  pointwise  4 widths x 2 bias kinds x 40,000 nets (quick: 10,000) x 50 layers, 2-d Gaussian inputs
  born dead  4 widths x 4,000 nets (quick: 1,000) x 32 inputs x 50 layers, biases N(0, 1)
Budget: about 0.3 s per 10,000 nets and width for the pointwise counts (float32; only signs matter), and as
much for 1,000 born-dead nets: about 5 s quick and 20 s full on a loaded 2-core machine.
"""

from __future__ import annotations

import math

import numpy as np

from .dying_relu import dead_probability
from .figures import error_label
from .reproduction import NETS, Progress, Reproduction, Series, asserted, no_progress, shown

WIDTHS = (2, 3, 4, 5)
DEPTHS = (1, 2, 5, 10, 20, 30, 50)
BIASES = ("zero", "symmetric")
INPUT_DIM = 2
DOMAIN_POINTS = 32
MAX_Z = 3.5  # the largest |z| allowed in any of the 56 cells (the issue measured 2.4 at 40,000 nets)


def _steps() -> list[tuple[int, int]]:
    """Each width with the next one up: (2, 3), (3, 4), (4, 5)."""
    return list(zip(WIDTHS[:-1], WIDTHS[1:], strict=True))


def dead_by_depth(width: int, trials: int, bias: str, rng: np.random.Generator, points: int = 1,
                  depth: int = max(DEPTHS)) -> np.ndarray:
    """For each depth 1..depth, how many of ``trials`` random nets have a zero layer at every one of ``points`` inputs.

    Weights N(0, 2/fan_in), biases N(0, 1) ("symmetric") or 0 ("zero"); inputs N(0, I), drawn per net.
    """
    a = rng.standard_normal((trials, points, INPUT_DIM), dtype=np.float32)  # float32: signs are all that count
    dead = np.zeros((trials, points), dtype=bool)
    counts = np.empty(depth, dtype=np.int64)
    fan_in = INPUT_DIM
    for l in range(depth):
        W = rng.standard_normal((trials, fan_in, width), dtype=np.float32) * np.float32(math.sqrt(2 / fan_in))
        z = np.einsum("tpi,tin->tpn", a, W)  # (trials, points, N); np.matmul loops over tiny matrices
        if bias == "symmetric":
            z += rng.standard_normal((trials, 1, width), dtype=np.float32)
        a = np.maximum(z, 0.0)
        dead |= ~np.any(z > 0, axis=2)
        counts[l] = int(np.all(dead, axis=1).sum())
        fan_in = width
    return counts


def reproduce_lu2019(quick: bool = False, seeds: int | None = None, on_step: Progress = no_progress) -> Reproduction:
    """The formula against Monte Carlo in 56 cells, and the born-dead probability's shape."""
    trials = 10_000 if quick else 40_000
    born_trials = 1_000 if quick else 4_000
    rng = np.random.default_rng(2019)
    total = len(WIDTHS) * 3
    z_scores, cells = [], []
    pointwise = {}
    born = {}
    for i, n in enumerate(WIDTHS):
        for j, bias in enumerate(BIASES):
            on_step(3 * i + j, total, f"counting dead nets, width {n}, {bias} biases")
            counts = dead_by_depth(n, trials, bias, rng)
            for L in DEPTHS:
                p = dead_probability(n, L)
                est = counts[L - 1] / trials
                z_scores.append((est - p) / math.sqrt(p * (1 - p) / trials))
                cells.append((n, L, bias))
            pointwise[n, bias] = counts / trials
        on_step(3 * i + 2, total, f"born-dead nets, width {n}")
        born[n] = dead_by_depth(n, born_trials, "symmetric", rng, points=DOMAIN_POINTS) / born_trials
    z = np.abs(np.asarray(z_scores))
    worst = cells[int(np.argmax(z))]
    se = {n: np.sqrt(np.maximum(born[n], 1 / born_trials) / born_trials) for n in WIDTHS}
    idx = np.asarray(DEPTHS) - 1
    rises = all(born[n][idx[-1]] - born[n][idx[0]] > 3 * se[n][idx[-1]] for n in WIDTHS)
    mid = [L for L in DEPTHS if 5 <= L <= 30]  # below 5 the wider nets are almost never born dead, past 30 all are
    falls = all(born[n][L - 1] > born[m][L - 1] for n, m in _steps() for L in mid)
    excess = max(float(born[n][L - 1] - dead_probability(n, L)) / float(se[n][L - 1])
                 for n in WIDTHS for L in DEPTHS)
    cells_n = f"{len(z)} cells x {trials:,} nets"  # what each figure is over: nets, not seeds
    born_n = f"{len(WIDTHS)} widths x {born_trials:,} nets"
    findings = [
        asserted("cells_within", "1 − (1 − 2^−N)^L matches Monte Carlo in every cell (N 2–5, L 1–50, zero or "
                 "symmetric biases)", "formula (Lu et al. 2019)", int(np.sum(z <= MAX_Z)),
                 f"all {len(z)} cells within {MAX_Z} SE", bool(np.all(z <= MAX_Z)), fmt=".0f",
                 note="the figure: how many cells lie within that distance", n_of=NETS, n_words=cells_n),
        shown("max_z", "largest distance from the formula, in binomial standard errors", "", float(z.max()),
              note=f"at N = {worst[0]}, L = {worst[1]}, {worst[2]} biases", fmt=".2f", n_of=NETS, n_words=cells_n),
        asserted("born_rises", "born-dead probability rises with depth (L 1 → 50, every width)", "",
                 min(float(born[n][idx[-1]] - born[n][idx[0]]) for n in WIDTHS), "rise > 3 SE at every width",
                 rises, note="smallest rise over the four widths", n_of=NETS, n_words=born_n),
        asserted("born_falls", "born-dead probability falls with width (N → N + 1, L 5–30)", "",
                 min(float(born[n][L - 1] - born[m][L - 1]) for n, m in _steps() for L in mid),
                 "every step down > 0", falls, note="smallest drop", n_of=NETS, n_words=born_n),
        asserted("born_below", "born dead is at most dead at one input", "", excess,
                 "excess < 2 SE in every cell", excess < 2.0, fmt=".2f",
                 note="largest (born dead − formula) over its standard error; negative means below", n_of=NETS,
                 n_words=born_n),
    ]
    # the formula as a line over every depth; Monte Carlo at the seven depths compared, each with the binomial
    # standard error its z-score used (the figure draws them as markers with error bars: figures.error_label)
    series = [Series(f"{bias} biases", f"N = {n}: formula", list(range(1, max(DEPTHS) + 1)),
                     [dead_probability(n, L) for L in range(1, max(DEPTHS) + 1)]) for bias in BIASES for n in WIDTHS]
    for bias in BIASES:
        for n in WIDTHS:
            label = f"N = {n}: Monte Carlo, {trials:,} nets"
            series.append(Series(f"{bias} biases", label, list(DEPTHS),
                                 [float(pointwise[n, bias][L - 1]) for L in DEPTHS]))
            series.append(Series(f"{bias} biases", error_label(label), list(DEPTHS),
                                 [math.sqrt(dead_probability(n, L) * (1 - dead_probability(n, L)) / trials)
                                  for L in DEPTHS]))
    series += [Series("born dead (whole domain)", f"N = {n}", list(range(1, max(DEPTHS) + 1)), born[n].tolist())
               for n in WIDTHS]
    on_step(total, total, "done")
    return Reproduction(
        "lu2019", "Lu, Shin, Su & Karniadakis, 2019, Dying ReLU and Initialization",
        "A width-N, depth-L ReLU net with symmetric random parameters has an all-zero layer at a given input, so "
        "that its output no longer depends on the input there, with probability 1 − (1 − 2^−N)^L.", findings, quick, 1,
        f"4 widths x 2 bias kinds x {trials:,} nets x 50 layers; born dead: 4 widths x {born_trials:,} nets x "
        f"{DOMAIN_POINTS} inputs", explanation=(
            "Each unit is off with probability 1/2 at a given input, independently of the others given the layer's "
            "input, so a layer is all zero with probability 2^−N; once a layer is zero, the output no longer "
            "depends on the input. Being dead everywhere needs a zero layer at every input at once, which is "
            "rarer than at one input, and wider layers make any all-zero layer rarer."),
        series=series)
