"""Figures of the demonstrations as files, for people who want a PNG (`actlab demo NAME --plot out.png`).

matplotlib is an optional extra (pip install 'actlab[plot]'); it is imported only here, so the core
and the web lab never need it. Each figure draws numbers the demonstration already computed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ConfigError


def check_path(path: str | Path) -> None:
    """Refuse a figure path before any work is done: its folder must exist and matplotlib must write its type."""
    from matplotlib.backend_bases import FigureCanvasBase

    path = Path(path)
    kinds = sorted(FigureCanvasBase.get_supported_filetypes())
    kind = path.suffix.lstrip(".").lower()
    if kind not in kinds:
        raise ConfigError("plot", f"{str(path)!r} ends in {path.suffix or 'no extension'}; use one of "
                                  f"{', '.join('.' + k for k in kinds)}")
    if not path.parent.is_dir():
        raise ConfigError("plot", f"the folder {str(path.parent)!r} does not exist; create it first or write the "
                                  "figure elsewhere")


def plot_demo(name: str, result, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]
    if name == "linear-collapse":
        fig, axes = plt.subplots(1, len(result.fits), figsize=(3.2 * len(result.fits), 3.4))
        for ax, f in zip(axes, result.fits, strict=True):
            ax.imshow(np.asarray(f.surface), extent=(-6, 6, -6, 6), cmap="PuOr", vmin=-1, vmax=1)
            pts, lab = np.asarray(f.points), np.asarray(f.labels)
            ax.scatter(pts[:, 0], pts[:, 1], c=[colours[0] if v else colours[1] for v in lab], s=6)
            ax.set_title(f"{f.dataset}, {f.activation}: {f.test_accuracy:.0%}")
            ax.set_xticks([])
            ax.set_yticks([])
    elif name == "vanishing":
        fig, ax = plt.subplots(figsize=(7, 4))
        for c, f in zip(colours, result.flows, strict=False):
            layers = np.arange(1, f.depth + 1)
            ax.semilogy(layers, f.ratio_to_last, "o-", color=c, label=f"{f.activation} measured")
            ax.semilogy(layers, f.deriv_product_to_last, ":", color=c, alpha=0.6)
        ax.set_xlabel("hidden layer (1 = nearest the input)")
        # the label fits the axis's height; what the dotted lines are goes in the legend
        from .reading_record import GRAD_NORM

        ax.set_ylabel(f"{GRAD_NORM} / output layer's")
        ax.plot([], [], ":", color="grey", label="dotted: (max |f'|)^n, not a bound")
        ax.legend(fontsize="small")
    elif name == "dying-relu":
        fig, ax = plt.subplots(figsize=(6, 4))
        rows = result.monte_carlo
        x = np.arange(len(rows))
        ax.bar(x - 0.2, [r.formula for r in rows], 0.4, label="1 - (1 - 2^-N)^L", color=colours[0])
        ax.bar(x + 0.2, [r.estimate for r in rows], 0.4, label=f"Monte Carlo ({rows[0].level:.0%} interval)",
               color=colours[1], yerr=[[r.estimate - r.ci_low for r in rows], [r.ci_high - r.estimate for r in rows]])
        ax.set_xticks(x, [f"N={r.width}, L={r.depth}" for r in rows])
        ax.set_ylabel("P(net dead at an input)")
        ax.legend()
    elif name == "gelu-approx":
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(result.x, result.error_tanh, color=colours[0], label="gelu_tanh - gelu")
        ax.plot(result.x, result.error_quick, color=colours[1], label="quick_gelu - gelu")
        ax.set_yscale("symlog", linthresh=1e-4)
        ax.set_xlabel("x")
        ax.legend()
    elif name == "census":
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(result) + 1))
        ax.axis("off")
        ax.table(cellText=[[r.family, r.year, r.activation, r.block] for r in result],
                 colLabels=["family", "year", "activation", "block"], loc="center")
    else:
        raise ValueError(f"no figure for {name!r}")
    fig.tight_layout()
    path = Path(path)
    # the file is cut to what was drawn plus a margin: tight_layout alone left the linear-collapse titles half off
    # the top edge, since four square panels cannot shrink to make room
    fig.savefig(path, dpi=120, bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)
    return path
