// The gradient-flow panel: per-layer gradient norm (log scale) beside (max |f'|)^n times the output layer's (the
// activations' share of the shrinkage, not a bound), its history over training, and the engine's reading. Numbers are taken from every frame; the charts redraw at most 10 times a second.
import { fmt } from "../charts.js";
import { logBars, logLines } from "../livechart.js";
import { showReading } from "../reading.js";

const REDRAW_MS = 100;

// the columns, in the core's notation (GET /api/options "notation"); a finding's "quotes" (Finding.quotes: "dW",
// "dz") name the ratio of layer 1's row its words quote
const columns = (n) => ["Layer", n.grad_norm, `${n.grad_norm} vs output`, `${n.signal_norm} vs output: the gradient passed back`];

// Each layer's ratios to the output layer's, as the reading writes them: the server sends them written
// (readings.ratio_texts, the reading's "ratios", the output's own last), so no copy of its number format lives here;
// the one a finding quotes is marked with *.
function ratioTable(el, notation) {
  const table = Object.assign(document.createElement("table"), { className: "data grad-ratios" });
  table.setAttribute("aria-label", "Each layer's gradients against the output layer's");
  const head = table.createTHead().insertRow();
  // a phone's tables wrap anywhere (lab.css); these break at spaces only, so no norm or ‖dL/dW‖ is cut in two
  const cell = (tag, props) => Object.assign(document.createElement(tag), props, { style: "overflow-wrap: normal" });
  for (const name of columns(notation)) head.append(cell("th", { scope: "col", textContent: name }));
  const body = table.createTBody();
  const about = `${notation.description} Both on the training set, over the output layer's.`;
  // the notation is said from the start, not only once the first reading has come (a page read before it saw none)
  const note = Object.assign(document.createElement("p"), { className: "muted small", textContent: about });
  el.replaceChildren(table, note);
  let shown = "";
  return (h) => {
    const quoted = new Set();
    for (const f of h.diagnosis?.findings || []) for (const q of f.quotes || []) quoted.add(q);
    const mark = (i, key, text) => (i === 0 && quoted.has(key) ? `${text}*` : text);
    el.hidden = !h.layers.length;  // no hidden layer, no ratio to the output layer's
    const norm = (v) => (v === null ? "NaN" : fmt(v, 3));  // JSON's null is a NaN norm (a diverged run's)
    const ratios = h.diagnosis?.ratios || [];
    const written = (i, key) => ratios[i]?.[key] ?? "—";  // no reading, no number to show
    const rows = h.layers.map((l, i) => [`layer ${i + 1} (${l.activation})`, norm(l.grad_norm),
      mark(i, "dW", written(i, "dW")), mark(i, "dz", written(i, "dz"))])
      .concat([["output", norm(h.last_grad_norm), written(h.layers.length, "dW"), written(h.layers.length, "dz")]]);
    const text = JSON.stringify(rows);
    if (text === shown) return;  // redrawn ten times a second: the DOM changes only when a number does
    shown = text;
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      cells.forEach((c, j) => tr.append(cell(j ? "td" : "th", j ? { className: "num", textContent: c }
                                                             : { scope: "row", textContent: c })));
      return tr;
    }));
    note.textContent = about + (quoted.size ? " *: the number the reading above quotes." : "");
  };
}

export function mount(root, { chart, reading, historyChart, readout, ratios, notation }) {
  const showRatios = ratios ? ratioTable(ratios, notation) : null;
  let steps = [], history = [];  // history[k]: layer k's sampled norms (the output layer last)
  let header = null, lastDraw = -Infinity, trailing = null;

  function keep(row) {
    if (!history.length) history = row.slice(1).map(() => []);
    steps.push(row[0]);
    // a 0 is kept (the chart draws it on its "0" row); a NaN (JSON's null) or an "inf" is a gap
    row.slice(1).forEach((v, k) => history[k]?.push(typeof v === "number" && v >= 0 ? v : null));
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
  // the latest samples all 0: since which step, in words for the chart (a log scale has no 0, so the lines lie on
  // its "0" row); "" otherwise
  function allZeroNote() {
    const zeroAt = (i) => history.every((y) => y[i] === 0);
    let i = steps.length - 1;
    if (i < 0 || !zeroAt(i)) return "";
    while (i > 0 && zeroAt(i - 1)) i--;
    return `Every sampled gradient has been exactly 0 since step ${steps[i].toLocaleString("en-US")}: the lines lie `
      + "on the 0 row (a log scale has no 0)";
  }
  let activations = [];  // each hidden layer's activation, for the read-out

  function drawNow() {
    clearTimeout(trailing); trailing = null;
    lastDraw = performance.now();
    const h = header;
    showReading(reading, h.diagnosis);
    showRatios?.(h);
    activations = h.layers.map((l) => l.activation);
    const norms = h.layers.map((l) => l.grad_norm).concat([h.last_grad_norm]);
    const share = h.share_norms.concat([h.last_grad_norm]);
    logBars(chart, { categories: names(h), bars: norms, line: share, barName: `${notation.grad_norm} measured`,
                     lineName: "(max|f′|)ⁿ × output's: activations' share", empty: nothingToDraw(norms) });
    chart.setAttribute("aria-label", `Gradient norm per layer: ${names(h).map((n, i) => `${n} ${fmt(norms[i], 2)}`).join(", ")}. `
      + `${h.diagnosis ? h.diagnosis.words : ""}`);
    if (historyChart && !steps.length) {  // an empty panel says why, as the bars' does
      const why = h.status === "diverged"
        ? `The run diverged at step ${h.diverged_at_step.toLocaleString("en-US")}, before its first sampled step: no sampled gradient to draw`
        : "No sampled step yet: the gradients are sampled from the minibatches as the run trains";
      logLines(historyChart, { x: [], series: names(h).map((name) => ({ name, y: [] })), xName: "step", empty: why });
      historyChart.setAttribute("aria-label", `Gradient norm per layer over training: ${why}.`);
    } else if (historyChart) {
      const label = (k) => (k < h.layers.length ? `layer ${k + 1}` : "output");
      logLines(historyChart, { x: steps, series: history.map((y, k) => ({ name: label(k), y })), xName: "step",
                               empty: "No sampled gradient is a finite number (the run overflowed): nothing to draw",
                               zeroNote: allZeroNote() });
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
