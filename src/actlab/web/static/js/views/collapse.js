// Section 1: the composed map equals the deep linear net; linear vs tanh decision surfaces; ReLU pieces.
import { draw, fmt, paintPoints, paintSurface } from "../charts.js";

export function mount(root, deps) {
  const check = root.querySelector("#collapse-check");
  const grid = root.querySelector("#collapse-surfaces");
  const pieces = root.querySelector("#pieces-chart");
  return {
    async update(data) {
      const c = data.check;
      check.innerHTML = `A depth-${c.depth} linear network (widths ${c.widths.join("→")}) and the single affine map
        composed from its weights give the same outputs: the largest difference over 1,000 inputs is
        <strong>${fmt(c.max_abs_diff)}</strong> (${fmt(c.max_rel_diff)} relative), which is floating-point round-off.`;
      grid.replaceChildren(...data.fits.map((f) => {
        const fig = document.createElement("figure");
        const canvas = document.createElement("canvas");
        const g = f.surface.length;
        const flat = f.surface.flat();
        paintSurface(canvas, flat, g);
        const big = document.createElement("canvas");
        big.width = big.height = 240;
        const ctx = big.getContext("2d");
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(canvas, 0, 0, 240, 240);
        paintPoints(big, f.points, f.labels, 6, 3);
        big.setAttribute("role", "img");
        const act = f.activation === "identity" ? "linear (no activation)" : f.activation;
        big.setAttribute("aria-label", `${f.dataset}, ${act}: test accuracy ${fmt(f.test_accuracy)}`);
        const cap = document.createElement("figcaption");
        cap.innerHTML = `<strong>${f.dataset}</strong>, ${act}<br>test accuracy ${(100 * f.test_accuracy).toFixed(0)}%`;
        fig.append(big, cap);
        return fig;
      }));
      const p = data.pieces;
      await draw(pieces, [
        { x: p.x, y: p.y, name: "network output", mode: "lines" },
        { x: p.kinks, y: p.kink_y, mode: "markers",
          name: "kinks (a unit switches)", marker: { size: 7, color: "#D55E00" } },
      ], { title: { text: `${p.n_pieces} linear pieces from a 1 → ${p.widths.join(" → ")} → 1 ReLU network`, font: { size: 13 } },
           xaxis: { title: { text: "input x" } }, yaxis: { title: { text: "output" } } });
    },
    destroy() { grid.replaceChildren(); },
  };
}
