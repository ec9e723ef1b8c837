// The watch page's charts: the playground's light log-scale canvas charts, with what a practitioner's run needs
// besides: a zero drawn as a marked stub at the foot of a log axis (it has no place on one), steps that held a NaN
// or an inf marked where they fall, lone finite points drawn as dots, and the loss on a linear axis.
import { PALETTE, fmt } from "./charts.js";
import { logAxis, power10, sized } from "./livechart.js";

const M = { l: 48, r: 10, t: 20, b: 34 };
const NAN_COLOUR = "#b3261e";

// One row of named keys along the top (wrapping is not needed: the watch charts have a few names each).
function keys(ctx, items) {
  let x = M.l;
  ctx.textAlign = "left"; ctx.textBaseline = "middle";
  for (const { name, color, dash } of items) {
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash(dash ? [4, 3] : []);
    ctx.beginPath(); ctx.moveTo(x, 9); ctx.lineTo(x + 14, 9); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#333"; ctx.fillText(name, x + 18, 9);
    x += 18 + ctx.measureText(name).width + 14;
  }
}

function yAxis(ctx, w, top, bottom, ticks) {
  ctx.strokeStyle = "#eee"; ctx.fillStyle = "#5b6570"; ctx.lineWidth = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const { y, label } of ticks) {
    const py = Math.round(y) + 0.5;
    ctx.beginPath(); ctx.moveTo(M.l, py); ctx.lineTo(w - M.r, py); ctx.stroke();
    ctx.fillText(label, M.l - 4, py);
  }
  ctx.strokeStyle = "#bbb";
  ctx.beginPath(); ctx.moveTo(M.l + 0.5, top); ctx.lineTo(M.l + 0.5, bottom); ctx.stroke();
}

const positive = (v) => Number.isFinite(v) && v > 0;

// Bars per layer on a log axis with a dashed line of markers. A bar of exactly 0 is a short hatched stub at the
// foot of the axis labelled "0"; a value the log does not hold (NaN, frozen) gets its label in words.
export function watchBars(canvas, { categories, bars, line, labels, barName, lineName, caption }) {
  canvas.drawn = { categories, bars, line, labels };
  canvas.redraw = () => watchBars(canvas, { categories, bars, line, labels, barName, lineName, caption });
  const { ctx, w, h } = sized(canvas);
  keys(ctx, [{ name: barName, color: PALETTE[0] }, { name: lineName, color: PALETTE[1], dash: true }]);
  const top = M.t + 12, base = h - M.b;
  const axis = logAxis([...bars, ...line], top, base - 12);  // 12 px under the lowest decade: where zeros go
  yAxis(ctx, w, top, base, [...axis.ticks.map((k) => ({ y: axis.y(10 ** k), label: power10(k) })),
    { y: base, label: "0" }]);
  if (caption) { ctx.fillStyle = "#5b6570"; ctx.textAlign = "right"; ctx.textBaseline = "middle"; ctx.fillText(caption, w - M.r, 9 + 14); }
  const n = categories.length, slot = (w - M.l - M.r) / Math.max(n, 1);
  const cx = (i) => M.l + slot * (i + 0.5);
  canvas.zeroBars = [];
  bars.forEach((v, i) => {
    ctx.fillStyle = "#5b6570"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText(categories[i], cx(i), base + 4, slot - 2);
    ctx.textBaseline = "bottom";
    if (positive(v)) {
      const y = axis.y(v);
      ctx.fillStyle = PALETTE[0];
      ctx.fillRect(cx(i) - slot * 0.3, y, slot * 0.6, base - y);
      ctx.fillStyle = "#333"; ctx.fillText(fmt(v, 2), cx(i), y - 1);
    } else if (v === 0) {
      canvas.zeroBars.push(i);
      ctx.strokeStyle = PALETTE[0]; ctx.lineWidth = 2;
      ctx.strokeRect(cx(i) - slot * 0.3, base - 6, slot * 0.6, 6);
      ctx.fillStyle = "#333"; ctx.fillText(labels?.[i] || "0: no gradient", cx(i), base - 8);
    } else {
      ctx.fillStyle = NAN_COLOUR; ctx.fillText(labels?.[i] || "no number", cx(i), base - 8);
    }
  });
  ctx.strokeStyle = PALETTE[1]; ctx.fillStyle = PALETTE[1]; ctx.lineWidth = 2; ctx.setLineDash([5, 4]);
  const ly = (v) => (positive(v) ? axis.y(v) : v === 0 ? base : null);
  ctx.beginPath();
  let drawing = false;
  line.forEach((v, i) => {
    const y = ly(v);
    if (y === null) { drawing = false; return; }
    if (drawing) ctx.lineTo(cx(i), y); else ctx.moveTo(cx(i), y);
    drawing = true;
  });
  ctx.stroke(); ctx.setLineDash([]);
  line.forEach((v, i) => { const y = ly(v); if (y !== null) { ctx.beginPath(); ctx.arc(cx(i), y, 3, 0, 2 * Math.PI); ctx.fill(); } });
}

// Lines against the training step, on a log axis (log: true; a 0 sits on a "0" row under it) or a linear one.
// Steps in `marks` (a NaN or an inf) are red vertical lines labelled "NaN"; a finite point with no finite
// neighbour is a dot, so a run that alternates finite and NaN steps still shows its numbers.
export function stepLines(canvas, { x, series, log, marks = [], xName = "step", empty = "" }) {
  canvas.drawn = { x, series, marks };
  canvas.redraw = () => stepLines(canvas, { x, series, log, marks, xName, empty });
  const { ctx, w, h } = sized(canvas);
  const style = (k) => ({ color: series[k].color || PALETTE[k % PALETTE.length], dash: k >= PALETTE.length });
  keys(ctx, [...series.map((s, k) => ({ name: s.name, ...style(k) })),
    ...(marks.length ? [{ name: "NaN or inf", color: NAN_COLOUR, dash: true }] : [])]);
  const top = M.t + 8, bottom = h - M.b;
  const ok = Number.isFinite;
  const all = series.flatMap((s) => s.y.filter(ok));
  let py, ticks;
  if (log) {  // a zero has no place on a log axis: it goes on a "0" row 12 px under the lowest decade
    const zero = all.some((v) => v === 0);
    const axis = logAxis(all, top, zero ? bottom - 12 : bottom);
    py = (v) => (v > 0 ? axis.y(v) : bottom);
    ticks = axis.ticks.map((k) => ({ y: axis.y(10 ** k), label: power10(k) }));
    if (zero) ticks.push({ y: bottom, label: "0" });
  } else {
    const max = all.length ? Math.max(...all, 0) : 1, min = all.length ? Math.min(...all, 0) : 0;
    const span = max - min || 1;
    py = (v) => bottom - ((v - min) / span) * (bottom - top);
    ticks = [min, (min + max) / 2, max].map((v) => ({ y: py(v), label: fmt(v, 2) }));
  }
  yAxis(ctx, w, top, bottom, ticks);
  const x0 = x[0] ?? 0, x1 = Math.max(x[x.length - 1] ?? 1, x0 + 1);
  const px = (v) => M.l + ((v - x0) / (x1 - x0)) * (w - M.l - M.r);
  ctx.fillStyle = "#5b6570"; ctx.textBaseline = "top";
  ctx.textAlign = "left"; ctx.fillText(x0.toLocaleString("en-US"), M.l, bottom + 4);
  ctx.textAlign = "right"; ctx.fillText(x1.toLocaleString("en-US"), w - M.r, bottom + 4);
  ctx.textAlign = "center"; ctx.fillText(xName, (M.l + w - M.r) / 2, bottom + 16);
  ctx.strokeStyle = NAN_COLOUR; ctx.lineWidth = 1; ctx.setLineDash([2, 2]);
  for (const step of marks) {
    const mx = Math.round(px(step)) + 0.5;
    ctx.beginPath(); ctx.moveTo(mx, top); ctx.lineTo(mx, bottom); ctx.stroke();
  }
  ctx.setLineDash([]);
  series.forEach((s, k) => {
    const { color, dash } = style(k);
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 1.5; ctx.setLineDash(dash ? [4, 3] : []);
    ctx.beginPath();
    let drawing = false;
    s.y.forEach((v, i) => {
      if (!ok(v)) { drawing = false; return; }
      if (drawing) ctx.lineTo(px(x[i]), py(v)); else ctx.moveTo(px(x[i]), py(v));
      drawing = true;
    });
    ctx.stroke(); ctx.setLineDash([]);
    s.y.forEach((v, i) => {
      if (ok(v) && !ok(s.y[i - 1]) && !ok(s.y[i + 1])) { ctx.beginPath(); ctx.arc(px(x[i]), py(v), 2.5, 0, 2 * Math.PI); ctx.fill(); }
    });
  });
  const note = all.length ? null : empty || null;
  if (note) {
    ctx.fillStyle = "#5b6570"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(note, (M.l + w - M.r) / 2, (top + bottom) / 2);
  }
  canvas.emptyNote = note;
  canvas.legendNames = series.map((s) => s.name).concat(marks.length ? ["NaN or inf"] : []);
}
