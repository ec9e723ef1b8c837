// Light canvas charts on a log-scale y axis for the playground's live gradient panels. A Plotly.js redraw costs
// 20-90 ms on a small machine, and at 60 frames/s every such pause drops frames; these draw in about a millisecond.
import { PALETTE, fmt, power10 } from "./charts.js";

const FONT = "11px system-ui, sans-serif";
export const ZERO_ROW = 18;  // px between a log axis's lowest decade and its "0" row: the two labels do not touch
const MARGIN = { l: 44, r: 8, t: 18, b: 34 };

// Fit the canvas's backing store to its CSS box once per resize, not once per frame (reading the box each frame
// would force a layout while the page is changing). The watch page's charts draw on the same footing.
export function sized(canvas) {
  if (!canvas.sizer) {
    canvas.box = { w: canvas.clientWidth || 300, h: canvas.clientHeight || 200 };
    canvas.sizer = new ResizeObserver(([entry]) => {
      canvas.box = { w: entry.contentRect.width, h: entry.contentRect.height };
      canvas.redraw?.();
    });
    canvas.sizer.observe(canvas);
  }
  const dpr = window.devicePixelRatio || 1, { w, h } = canvas.box;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = FONT;
  return { ctx, w, h };
}

export { power10 };

// The decades that hold every positive finite value (at least one decade), and the map from a value to a pixel row.
export function logAxis(values, top, bottom) {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  let lo = pos.length ? Math.floor(Math.log10(Math.min(...pos))) : -3;
  let hi = pos.length ? Math.ceil(Math.log10(Math.max(...pos))) : 0;
  if (hi <= lo) hi = lo + 1;
  const y = (v) => bottom - ((Math.log10(v) - lo) / (hi - lo)) * (bottom - top);
  const step = Math.max(1, Math.ceil((hi - lo) / 6));  // at most about six labelled decades
  const ticks = [];
  for (let k = lo; k <= hi; k += step) ticks.push(k);
  return { lo, hi, y, ticks };
}

function frame(ctx, axis, w, h, top = MARGIN.t) {
  ctx.strokeStyle = "#eee"; ctx.fillStyle = "#5b6570"; ctx.lineWidth = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const k of axis.ticks) {
    const py = Math.round(axis.y(10 ** k)) + 0.5;
    ctx.beginPath(); ctx.moveTo(MARGIN.l, py); ctx.lineTo(w - MARGIN.r, py); ctx.stroke();
    ctx.fillText(power10(k), MARGIN.l - 4, py);
  }
  ctx.strokeStyle = "#bbb";
  ctx.beginPath(); ctx.moveTo(MARGIN.l + 0.5, top); ctx.lineTo(MARGIN.l + 0.5, h - MARGIN.b); ctx.stroke();
}

// Every line is named: the legend wraps onto as many rows as it needs, and the plot starts below it.
const LEGEND_ROW = 14;
function legendRows(ctx, items, w) {
  const rows = [[]];
  let x = MARGIN.l;
  for (const item of items) {
    const width = 18 + ctx.measureText(item.name).width + 12;
    if (x + width > w - MARGIN.r && rows[rows.length - 1].length) { rows.push([]); x = MARGIN.l; }
    rows[rows.length - 1].push({ ...item, x });
    x += width;
  }
  return rows;
}

function legend(ctx, rows) {
  ctx.textAlign = "left"; ctx.textBaseline = "middle";
  rows.forEach((row, r) => {
    const y = 8 + r * LEGEND_ROW;
    for (const { name, color, dash, x } of row) {
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash(dash ? [4, 3] : []);
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 14, y); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#333"; ctx.fillText(name, x + 18, y);
    }
  });
  return MARGIN.t + (rows.length - 1) * LEGEND_ROW;  // where the plot may start
}

const usable = (v) => Number.isFinite(v) && v > 0;

// A short note over an empty plot: wrapped to the plot's width (x0 to x1), centred between top and bottom, on a
// white ground, so it never runs over the axis labels left of x0. Returns the box it takes, {left, right, top, bottom}.
function plotNote(ctx, text, x0, x1, top, bottom) {
  const room = Math.max(40, x1 - x0 - 8), lines = [""];
  for (const word of text.split(" ")) {
    const longer = lines[lines.length - 1] ? `${lines[lines.length - 1]} ${word}` : word;
    if (lines[lines.length - 1] && ctx.measureText(longer).width > room) lines.push(word);
    else lines[lines.length - 1] = longer;
  }
  const lh = 14, width = Math.max(...lines.map((l) => ctx.measureText(l).width)), cx = (x0 + x1) / 2;
  const y0 = (top + bottom) / 2 - ((lines.length - 1) * lh) / 2;
  const box = { left: cx - width / 2, right: cx + width / 2, top: y0 - lh / 2, bottom: y0 + (lines.length - 0.5) * lh };
  ctx.fillStyle = "rgba(255, 255, 255, 0.92)";
  ctx.fillRect(box.left - 3, box.top - 2, width + 6, box.bottom - box.top + 4);
  ctx.fillStyle = "#5b6570"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
  lines.forEach((line, i) => ctx.fillText(line, cx, y0 + i * lh));
  return box;
}

// One path through (px(i), y(ys[i])), broken wherever a value cannot go on the axis: y(v) is null there (the log
// axis's y holds positive finite values; logLines's also a 0, on its "0" row).
function tracePath(ctx, ys, px, y) {
  ctx.beginPath();
  let drawing = false;
  ys.forEach((v, i) => {
    const py = y(v);
    if (py === null) { drawing = false; return; }
    if (drawing) ctx.lineTo(px(i), py); else ctx.moveTo(px(i), py);
    drawing = true;
  });
  ctx.stroke();
}

// Bars per category (measured) with a dashed line of markers (a reference), both on one log axis.
// ``empty``: a note drawn over the plot when no bar can be drawn (every value 0, or not a finite number).
export function logBars(canvas, { categories, bars, line, barName, lineName, empty = "" }) {
  canvas.drawn = { categories, bars, line };
  canvas.redraw = () => logBars(canvas, { categories, bars, line, barName, lineName, empty });
  const { ctx, w, h } = sized(canvas);
  const rows = legendRows(ctx, [{ name: barName, color: PALETTE[0] }, { name: lineName, color: PALETTE[1], dash: true }], w);
  const top = MARGIN.t + (rows.length - 1) * LEGEND_ROW;
  const axis = logAxis([...bars, ...line], top + 10, h - MARGIN.b);
  frame(ctx, axis, w, h, top);
  const n = categories.length, slot = (w - MARGIN.l - MARGIN.r) / Math.max(n, 1);
  const cx = (i) => MARGIN.l + slot * (i + 0.5);
  const base = h - MARGIN.b;
  ctx.textAlign = "center";
  bars.forEach((v, i) => {
    ctx.fillStyle = "#5b6570"; ctx.textBaseline = "top";
    ctx.fillText(categories[i], cx(i), base + 4, slot - 2);
    if (!usable(v)) return;
    const top = axis.y(v);
    ctx.fillStyle = PALETTE[0];
    ctx.fillRect(cx(i) - slot * 0.3, top, slot * 0.6, base - top);
    ctx.fillStyle = "#333"; ctx.textBaseline = "bottom";
    ctx.fillText(fmt(v, 2), cx(i), top - 1);
  });
  ctx.strokeStyle = PALETTE[1]; ctx.fillStyle = PALETTE[1]; ctx.lineWidth = 2; ctx.setLineDash([5, 4]);
  tracePath(ctx, line, cx, (v) => (usable(v) ? axis.y(v) : null));
  ctx.setLineDash([]);
  line.forEach((v, i) => { if (usable(v)) { ctx.beginPath(); ctx.arc(cx(i), axis.y(v), 3, 0, 2 * Math.PI); ctx.fill(); } });
  const note = empty && !bars.some(usable) ? empty : null;
  canvas.emptyNote = note;
  canvas.noteBox = note ? plotNote(ctx, note, MARGIN.l + 1, w - MARGIN.r, top + 10, base) : null;
  canvas.legendNames = rows.flat().map((item) => item.name);
  legend(ctx, rows);
}

// One line per series against a shared x (training steps), on a log axis. A value of exactly 0 has no place on a
// log axis: it goes on a "0" row ZERO_ROW px under the lowest decade, labelled so, as the watch page's charts draw it
// (a panel of gradients that all became 0, a dead network's, was blank). ``empty``: a note drawn over the plot when
// no series has a value to draw; ``zeroNote``: one drawn when the latest value of every series is 0.
// canvas.tickLabels: the y axis's labels, lowest decade first and "0" last when there is a 0 row.
export function logLines(canvas, { x, series, xName, empty = "", zeroNote = "" }) {
  canvas.drawn = { x, series };
  canvas.redraw = () => logLines(canvas, { x, series, xName, empty, zeroNote });
  const { ctx, w, h } = sized(canvas);
  const all = [];
  let zero = false;
  for (const s of series) for (const v of s.y) if (usable(v)) all.push(v); else if (v === 0) zero = true;
  // past the palette's eight colours, lines repeat a colour dashed, so every series stays distinct
  const style = (k) => ({ color: PALETTE[k % PALETTE.length], dash: k >= PALETTE.length });
  const rows = legendRows(ctx, series.map((s, k) => ({ name: s.name, ...style(k) })), w);
  const top = MARGIN.t + (rows.length - 1) * LEGEND_ROW;
  const bottom = h - MARGIN.b;
  const axis = logAxis(all, top + 4, zero ? bottom - ZERO_ROW : bottom);
  frame(ctx, axis, w, h, top);
  canvas.tickLabels = axis.ticks.map(power10);
  if (zero) {  // the "0" row: a dashed grid line, so it does not read as the next decade down
    const py = Math.round(bottom) + 0.5;
    ctx.strokeStyle = "#ccc"; ctx.setLineDash([2, 3]);
    ctx.beginPath(); ctx.moveTo(MARGIN.l, py); ctx.lineTo(w - MARGIN.r, py); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#5b6570"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    ctx.fillText("0", MARGIN.l - 4, py);
    canvas.tickLabels.push("0");
  }
  const y = (v) => (usable(v) ? axis.y(v) : v === 0 && zero ? bottom : null);
  canvas.zeroRow = zero ? bottom : null;
  const x0 = x[0] ?? 0, x1 = Math.max(x[x.length - 1] ?? 1, x0 + 1);
  const px = (v) => MARGIN.l + ((v - x0) / (x1 - x0)) * (w - MARGIN.l - MARGIN.r);
  ctx.fillStyle = "#5b6570"; ctx.textBaseline = "top";
  ctx.textAlign = "left"; ctx.fillText(x0.toLocaleString("en-US"), MARGIN.l, h - MARGIN.b + 4);
  ctx.textAlign = "right"; ctx.fillText(x1.toLocaleString("en-US"), w - MARGIN.r, h - MARGIN.b + 4);
  ctx.textAlign = "center"; ctx.fillText(xName, (MARGIN.l + w - MARGIN.r) / 2, h - MARGIN.b + 16);
  series.forEach((s, k) => {
    ctx.strokeStyle = style(k).color; ctx.lineWidth = 1.5; ctx.setLineDash(style(k).dash ? [4, 3] : []);
    tracePath(ctx, s.y, (i) => px(x[i]), y);
  });
  ctx.setLineDash([]);
  const allZero = series.length > 0 && x.length > 0 && series.every((s) => s.y[x.length - 1] === 0);
  const note = empty && !all.length && !zero ? empty : zeroNote && allZero ? zeroNote : null;
  canvas.emptyNote = note;
  canvas.noteBox = note ? plotNote(ctx, note, MARGIN.l + 1, w - MARGIN.r, top + 4, zero ? bottom - ZERO_ROW : bottom)
    : null;
  canvas.legendNames = rows.flat().map((item) => item.name);  // what the legend shows, for a reader and a test
  legend(ctx, rows);
}

// Round steps for a linear axis from 0: 1, 2 or 5 times a power of ten, about `count` of them up to max.
export function linearTicks(max, count = 3) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count, unit = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * unit).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

// Lines against a shared x on a linear y axis from 0 (the playground's loss curves), with a named legend on top,
// the y values labelled on the left and the first and last x under the plot.
// Before any series has a line to draw, the axes and legend are drawn all the same, with ``empty`` (a short note)
// in the middle.
export function linearLines(canvas, { x, series, xName, empty = "", mark = null }) {
  canvas.redraw = () => linearLines(canvas, { x, series, xName, empty, mark });
  const { ctx, w, h } = sized(canvas);
  const rows = legendRows(ctx, series.map((s) => ({ name: s.name, color: s.color, dash: s.dash })), w);
  const top = MARGIN.t + (rows.length - 1) * LEGEND_ROW + 4, bottom = h - MARGIN.b;
  const all = series.flatMap((s) => s.y.filter((v) => Number.isFinite(v)));
  const ticks = linearTicks(all.length ? Math.max(...all) : 1);
  const yMax = ticks[ticks.length - 1];
  const py = (v) => bottom - (v / yMax) * (bottom - top);
  // the plot starts right of its widest label: a loss that grew to 3e+287 had its labels cut at the canvas's edge
  const labels = ticks.map((v) => fmt(v, 2));
  const left = Math.max(MARGIN.l, Math.ceil(Math.max(...labels.map((t) => ctx.measureText(t).width))) + 8);
  ctx.strokeStyle = "#eee"; ctx.fillStyle = "#5b6570"; ctx.lineWidth = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  ticks.forEach((v, k) => {
    const y = Math.round(py(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(w - MARGIN.r, y); ctx.stroke();
    ctx.fillText(labels[k], left - 4, y);
  });
  ctx.strokeStyle = "#bbb";
  ctx.beginPath(); ctx.moveTo(left + 0.5, top); ctx.lineTo(left + 0.5, bottom); ctx.stroke();
  const x0 = x[0] ?? 0, x1 = Math.max(x[x.length - 1] ?? 1, x0 + 1);
  const px = (v) => left + ((v - x0) / (x1 - x0)) * (w - left - MARGIN.r);
  ctx.textBaseline = "top";
  ctx.textAlign = "left"; ctx.fillText(x0.toLocaleString("en-US"), left, bottom + 4);
  ctx.textAlign = "right"; ctx.fillText(x1.toLocaleString("en-US"), w - MARGIN.r, bottom + 4);
  ctx.textAlign = "center"; ctx.fillText(xName, (left + w - MARGIN.r) / 2, bottom + 16);
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.setLineDash(s.dash ? [4, 3] : []);
    ctx.beginPath();
    let drawing = false;
    s.y.forEach((v, i) => {
      if (!Number.isFinite(v)) { drawing = false; return; }  // null (NaN) and "inf" leave a gap
      if (drawing) ctx.lineTo(px(x[i]), py(v)); else ctx.moveTo(px(x[i]), py(v));
      drawing = true;
    });
    ctx.stroke();
    // a value with no number on either side (the one loss of a run that diverged next) is a dot, not nothing
    ctx.setLineDash([]); ctx.fillStyle = s.color;
    s.y.forEach((v, i) => {
      if (!Number.isFinite(v) || Number.isFinite(s.y[i - 1]) || Number.isFinite(s.y[i + 1])) return;
      ctx.beginPath(); ctx.arc(px(x[i]), py(v), 2.5, 0, 2 * Math.PI); ctx.fill();
    });
  }
  ctx.setLineDash([]);
  // a single point draws no line (the playground's first frame, at epoch 0): the note stays until a line can show
  const note = series.some((s) => s.y.filter((v) => Number.isFinite(v)).length >= 2) ? null : empty || null;
  if (mark && x1 > x0) {  // a dashed upright line where something ended (a run that diverged), named at its top
    const mx = Math.round(px(Math.min(Math.max(mark.x, x0), x1))) + 0.5;
    ctx.strokeStyle = "#b35900"; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(mx, top); ctx.lineTo(mx, bottom); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#b35900"; ctx.textBaseline = "top"; ctx.textAlign = mx > (left + w - MARGIN.r) / 2 ? "right" : "left";
    ctx.fillText(mark.label, mx + (ctx.textAlign === "right" ? -3 : 3), top + 2);
  }
  canvas.mark = mark;
  canvas.plotLeft = left;
  // wrapped inside the plot: one line as wide as the chart ran over the y axis's labels
  canvas.noteBox = note ? plotNote(ctx, note, left + 1, w - MARGIN.r, top, bottom) : null;
  // what the chart shows in words, for a reader and a test
  canvas.emptyNote = note;
  canvas.legendNames = rows.flat().map((item) => item.name);
  canvas.axisLabels = { y: labels, x: [x0, x1].map((v) => v.toLocaleString("en-US")), xName };
  legend(ctx, rows);
}
