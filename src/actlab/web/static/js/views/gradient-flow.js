// The gradient-flow panel: per-layer gradient norm (log scale) beside (max |f'|)^n times the output layer's (the
// activations' share of the shrinkage, not a bound), its history over training, and the engine's reading. Numbers are taken from every frame; the charts redraw at most 10 times a second.
import { fmt } from "../charts.js";
import { logBars, logLines } from "../livechart.js";
import { showReading } from "../reading.js";

const REDRAW_MS = 100;

export function mount(root, { chart, reading, historyChart, readout }) {
  let steps = [], history = [];  // history[k]: layer k's sampled norms (the output layer last)
  let header = null, lastDraw = -Infinity, trailing = null;

  function keep(row) {
    if (!history.length) history = row.slice(1).map(() => []);
    steps.push(row[0]);
    row.slice(1).forEach((v, k) => history[k]?.push(v && v > 0 ? v : null));
    if (steps.length > 1500) {  // thin the oldest half so the chart stays light on long runs
      const thin = (a) => a.filter((_, i) => i % 2 === 0 || i >= a.length / 2);
      steps = thin(steps); history = history.map(thin);
    }
  }

  // why no bar can stand on the log axis (the reading above says what it means for training)
  function nothingToDraw(norms) {
    const finite = norms.filter((v) => typeof v === "number" && Number.isFinite(v));
    if (finite.length === norms.length && finite.every((v) => v === 0)) {
      return "Every gradient is exactly 0: no bar to draw on a log scale";
    }
    return "No gradient is a finite number (the run overflowed): no bar to draw";
  }

  const names = (h) => h.layers.map((_, i) => `layer ${i + 1}`).concat(["output"]);
  let activations = [];  // each hidden layer's activation, for the read-out

  function drawNow() {
    clearTimeout(trailing); trailing = null;
    lastDraw = performance.now();
    const h = header;
    showReading(reading, h.diagnosis);
    activations = h.layers.map((l) => l.activation);
    const norms = h.layers.map((l) => l.grad_norm).concat([h.last_grad_norm]);
    const share = h.share_norms.concat([h.last_grad_norm]);
    logBars(chart, { categories: names(h), bars: norms, line: share, barName: "‖dL/dW‖ measured",
                     lineName: "(max|f′|)ⁿ × output's: activations' share", empty: nothingToDraw(norms) });
    chart.setAttribute("aria-label", `Gradient norm per layer: ${names(h).map((n, i) => `${n} ${fmt(norms[i], 2)}`).join(", ")}. `
      + `${h.diagnosis ? h.diagnosis.words : ""}`);
    if (historyChart && steps.length) {
      const label = (k) => (k < h.layers.length ? `layer ${k + 1}` : "output");
      logLines(historyChart, { x: steps, series: history.map((y, k) => ({ name: label(k), y })), xName: "step",
                               empty: "No sampled gradient is a positive finite number: nothing to draw on a log scale" });
      const last = history.map((y, k) => `${label(k)} ${fmt(y[y.length - 1], 2)}`).join(", ");
      historyChart.setAttribute("aria-label", `Gradient norm per layer over ${steps[steps.length - 1].toLocaleString("en-US")} `
        + `steps; at the latest sample: ${last}. ${h.diagnosis ? h.diagnosis.words : ""}`);
    }
  }

  // hovering a chart reads its numbers out below it
  function hover(canvas, text) {
    canvas.addEventListener("mousemove", (ev) => {
      const d = canvas.drawn;
      if (!d || !readout) return;
      const box = canvas.getBoundingClientRect();
      readout.textContent = text(d, (ev.clientX - box.left) / box.width);
    });
    canvas.addEventListener("mouseleave", () => { if (readout) readout.textContent = ""; });
  }
  hover(chart, (d, f) => {
    const i = Math.min(d.categories.length - 1, Math.max(0, Math.floor(f * d.categories.length)));
    const act = activations[i] ? ` (${activations[i]})` : "";
    return `${d.categories[i]}${act}: measured ${fmt(d.bars[i], 3)}, activations' share ${fmt(d.line[i], 3)}`;
  });
  if (historyChart) {
    hover(historyChart, (d, f) => {
      if (!d.x.length) return "";
      const target = d.x[0] + f * (d.x[d.x.length - 1] - d.x[0]);
      let i = 0;
      while (i < d.x.length - 1 && d.x[i + 1] <= target) i++;
      return `step ${d.x[i].toLocaleString("en-US")}: ${d.series.map((s) => `${s.name} ${fmt(s.y[i], 2)}`).join(", ")}`;
    });
  }

  return {
    reset() { steps = []; history = []; header = null; clearTimeout(trailing); trailing = null; },
    // every frame's numbers, drawn or not
    record(h) {
      for (const row of h.grad_history || []) keep(row);
      header = h;
    },
    draw(force = false) {
      if (!header) return;
      const wait = REDRAW_MS - (performance.now() - lastDraw);
      if (force || wait <= 0) drawNow();
      else if (!trailing) trailing = setTimeout(drawNow, wait);  // the last frame is always drawn
    },
    destroy() { clearTimeout(trailing); },
  };
}
