"""Nothing in a demo's saved figure is cut off at the picture's edge: a clipped label or title touches the
border, so the file must have a blank (white) margin on all four sides."""

from __future__ import annotations

import pytest

from actlab import experiments as ex

pytest.importorskip("matplotlib")

RESULTS = {
    "vanishing": ex.vanishing,
    "dying-relu": lambda: ex.dying_relu(trials=200, seed=0),
    "gelu-approx": ex.gelu_approx,
    "census": ex.census,
    "linear-collapse": ex.linear_collapse,
}
MARGIN = 4  # pixels


@pytest.mark.parametrize("name", list(RESULTS))
def test_the_saved_figure_has_a_blank_margin(name, tmp_path):
    import matplotlib.image as mpimg

    from actlab.plots import plot_demo

    path = plot_demo(name, RESULTS[name](), tmp_path / "f.png")
    rgb = mpimg.imread(path)[..., :3]  # floats in [0, 1]
    inked = rgb.min(axis=2) < 0.9  # anything but white (and the palest greys)
    edges = {"top": inked[:MARGIN], "bottom": inked[-MARGIN:], "left": inked[:, :MARGIN],
             "right": inked[:, -MARGIN:]}
    touched = {side: int(px.sum()) for side, px in edges.items() if px.any()}
    assert not touched, f"drawing reaches the picture's edge (inked pixels per side): {touched}"
    assert inked.mean() > 0.005  # the check looked at a real figure
