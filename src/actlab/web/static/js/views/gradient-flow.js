// The gradient-flow panel: per-layer gradient norm (log scale) beside the analytic bound, and the reading.
import { draw, fmt } from "../charts.js";

export function mount(root, { chart, reading, historyChart }) {
  let lastDraw = 0, trailing = null;
  let steps = [], history = [];  // history[k]: layer k's sampled norms (the output layer last)
  function keep(row) {
    if (!history.length) history = row.slice(1).map(() => []);
    steps.push(row[0]);
    row.slice(1).forEach((v, k) => history[k]?.push(v && v > 0 ? v : null));
    if (steps.length > 1500) {  // thin the oldest half so the chart stays light on long runs
      const thin = (a) => a.filter((_, i) => i % 2 === 0 || i >= a.length / 2);
      steps = thin(steps); history = history.map(thin);
    }
  }
  return {
    reset() { steps = []; history = []; },
    update(header, force = false) {
      clearTimeout(trailing);
      for (const row of header.grad_history || []) keep(row);
      const layers = header.layers;
      reading.textContent = header.reading === "healthy" ? "Healthy: gradients reach every layer." :
        `${header.reading[0].toUpperCase()}${header.reading.slice(1)}.`;
      reading.className = `reading ${header.reading === "healthy" ? "healthy" : "vanishing"}`;
      const now = performance.now();
      if (!force && now - lastDraw < 400) {  // the chart redraws at ~2.5 Hz; the reading every frame
        trailing = setTimeout(() => this.update(header, true), 450);  // and the last frame is always drawn
        return;
      }
      lastDraw = now;
      const names = layers.map((l, i) => `layer ${i + 1} (${l.activation})`).concat(["output"]);
      const norms = layers.map((l) => l.grad_norm).concat([header.last_grad_norm]);
      const bound = header.bound_norms.concat([header.last_grad_norm]);
      const pos = (a) => a.map((v) => (v && v > 0 ? v : null));
      draw(chart, [
        { type: "bar", x: names, y: pos(norms), name: "‖dL/dW‖ measured", marker: { color: "#0072B2" },
          text: norms.map((v) => fmt(v, 2)), textposition: "outside", cliponaxis: false },
        { type: "scatter", mode: "lines+markers", x: names, y: pos(bound), name: "bound × output's", line: { dash: "dash", color: "#E69F00" } },
      ], { yaxis: { type: "log", exponentformat: "power" }, margin: { l: 45, r: 10, t: 10, b: 60 }, hovermode: "closest",
           showlegend: true, legend: { orientation: "h", y: -0.35 }, height: 230 });
      root.dataset.layers = String(layers.length);
      if (historyChart && steps.length) {
        const label = (k) => (k < layers.length ? `layer ${k + 1}` : "output");
        // copies: Plotly.react sees an array it already holds as unchanged, even after pushes
        draw(historyChart, history.map((ys, k) => ({ x: steps.slice(), y: ys.slice(), name: label(k), mode: "lines" })),
             { yaxis: { type: "log", exponentformat: "power" }, xaxis: { title: { text: "step" } }, height: 230,
               margin: { l: 45, r: 10, t: 10, b: 60 }, hovermode: "x unified", legend: { orientation: "h", y: -0.35 } });
      }
    },
    destroy() {},
  };
}
