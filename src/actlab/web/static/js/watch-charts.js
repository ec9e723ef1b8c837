// The watch page's charts: the playground's light log-scale canvas charts, with what a practitioner's run needs
// besides: a zero drawn as a marked stub at the foot of a log axis (it has no place on one), steps that held a NaN
// or an inf marked where they fall, lone finite points drawn as dots, and the loss on a log axis when it spans
// decades (a diverging run) or a linear one when it does not, each chart saying under its axis which it has.
// They stay readable from 2 to 100 layers and from 400 px wide (labels that would overlap are thinned; past eight
// lines a ramp of colours). Each chart keeps what it drew and where (canvas.drawn, canvas.geom) for the readout.
import { PALETTE, fmt } from "./charts.js";
import { logAxis, power10, sized } from "./livechart.js";
import { BAND_KEY, M, MANY, NAN_COLOUR, dashOf, distinctNames, keyRoom, keys, lineColour, rampKey, rampRoom,
  wrapText } from "./watch-keys.js";

// the keys' and texts' helpers live in watch-keys.js; the page and the tests import these from here
export { BAND_KEY, MANY, chartNote, distinctNames, lineColour, wrapText } from "./watch-keys.js";

const TEXT_H = 11;  // px: the height of a line of the charts' 11 px text, for the boxes the tests compare
const LINE_CLEAR = 2;  // px kept between a bar's value label and the dashed line or its markers
const LABEL_ROOM = TEXT_H + 3 + LINE_CLEAR + 2;  // px over the highest value: a label over a marker of radius 3 at most
// px at most from a value label's foot to its bar's top: over the bar's marker and the line leaving it, about three
// lines of text. Higher, a label floated at its neighbours' height (V12: 45 px in a zigzag at 420 px); such a bar
// goes unlabelled, and the note under the charts names it.
export const LABEL_NEAR = 2 * TEXT_H + 10;

const leftMargin = (ctx, labels) => Math.max(M.l, Math.ceil(Math.max(0, ...labels.map((s) => ctx.measureText(s).width))) + 10);

function yAxis(ctx, l, w, top, bottom, ticks) {
  ctx.strokeStyle = "#eee"; ctx.fillStyle = "#5b6570"; ctx.lineWidth = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const { y, label } of ticks) {
    const py = Math.round(y) + 0.5;
    ctx.beginPath(); ctx.moveTo(l, py); ctx.lineTo(w - M.r, py); ctx.stroke();
    ctx.fillText(label, l - 4, py);
  }
  ctx.strokeStyle = "#bbb";
  ctx.beginPath(); ctx.moveTo(l + 0.5, top); ctx.lineTo(l + 0.5, bottom); ctx.stroke();
}

const ZERO_ROW = 18;  // px between a log axis's lowest decade and its "0" row: the two labels do not touch
const positive = (v) => Number.isFinite(v) && v > 0;

// Bars per layer on a log axis with a dashed line of markers. A bar of exactly 0 is a short hatched stub at the
// foot of the axis labelled "0"; a value the log does not hold (NaN, frozen) gets its label in words. Where the
// full category names do not fit their slots, the layers' numbers are written instead, every k-th one when even
// those would overlap; bar values are written only where they fit (canvas.written counts what was written).
export function watchBars(canvas, args) {
  const { categories, bars, line, labels, barName, lineName, caption, hover = null } = args;
  canvas.drawn = { categories, bars, line, labels };
  canvas.emptyNote = null;
  canvas.redraw = () => watchBars(canvas, args);
  const { ctx, w, h } = sized(canvas);
  const keyBoxes = [];
  keys(ctx, [{ name: barName, color: PALETTE[0] }, { name: lineName, color: PALETTE[1], dash: true }], w, M.l, keyBoxes);
  // the caption under the keys, wrapped onto as many lines as it needs (the plot starts below its last line)
  const captionLines = caption ? wrapText(ctx, caption, w - M.l - M.r) : [];
  canvas.captionLines = captionLines;
  const top = M.t + 12 + 14 * Math.max(captionLines.length - 1, 0), base = h - M.b;
  // ZERO_ROW px under the lowest decade: where zeros go (its "0" clear of the decade's label); LABEL_ROOM px over the
  // highest: the tallest bar's value label, which would otherwise run into the caption above the plot, and which
  // goes above its marker where the marker stands on the bar (V11: with 14 px a marker at the top left it no room)
  const axis = logAxis([...bars, ...line], top + LABEL_ROOM, base - ZERO_ROW);
  const ticks = [...axis.ticks.map((k) => ({ y: axis.y(10 ** k), label: power10(k) })), { y: base, label: "0" }];
  canvas.tickYs = ticks.map((t) => [t.label, t.y]);
  const l = leftMargin(ctx, ticks.map((t) => t.label));
  yAxis(ctx, l, w, top, base, ticks);
  ctx.fillStyle = "#5b6570"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
  // every text's box [left, top, right, bottom] (for the tests: no two overlap)
  const boxes = keyBoxes.map((k) => ({ text: k.label, box: [k.left, k.y - TEXT_H / 2, k.right, k.y + TEXT_H / 2] }));
  captionLines.forEach((text, k) => {
    const y = 9 + 14 * (k + 1), width = ctx.measureText(text).width;
    ctx.fillText(text, w - M.r, y);
    boxes.push({ text, box: [w - M.r - width, y - TEXT_H / 2, w - M.r, y + TEXT_H / 2] });
  });
  const n = categories.length, slot = (w - l - M.r) / Math.max(n, 1);
  const cx = (i) => l + slot * (i + 0.5);
  canvas.geom = { l, r: w - M.r, slot, n };
  // x labels: the full names if they all fit, else the layers' numbers, every k-th so that none overlap
  const full = categories.every((c) => ctx.measureText(c).width <= slot - 4);
  const short = categories.map((c, i) => (full ? c : String(i + 1)));
  const widest = Math.max(8, ...short.map((s) => ctx.measureText(s).width));
  const every = full ? 1 : Math.max(1, Math.ceil((widest + 6) / slot));
  const written = { x: [], value_boxes: [] };  // [left, right] of each label written, for the tests
  const put = (text, at, y, into) => {
    const half = ctx.measureText(text).width / 2;
    ctx.fillText(text, at, y); into.push([at - half, at + half]);
    const y0 = ctx.textBaseline === "top" ? y : y - TEXT_H;
    boxes.push({ text, box: [at - half, y0, at + half, y0 + TEXT_H] });
  };
  canvas.zeroBars = [];
  const ly = (v) => (positive(v) ? axis.y(v) : v === 0 ? base : null);
  const markerRadius = Math.min(3, Math.max(1.5, slot / 5));
  canvas.markers = line.map((v, i) => (ly(v) === null ? null : [cx(i), ly(v), markerRadius]));
  // A value label stands at the lowest place above its bar where its box keeps clear of the dashed line (its
  // markers and the segments between them) and of the labels written before it; none: the bar goes unlabelled.
  const segments = [];
  canvas.markers.forEach((m, i) => { const b = canvas.markers[i + 1]; if (m && b) segments.push([m[0], m[1], b[0], b[1]]); });
  const valueBoxes = [];
  const clearOf = ([x0, y0, x1, y1]) => {
    const pad = LINE_CLEAR;
    if (canvas.markers.some((m) => m && x0 - pad < m[0] + m[2] && m[0] - m[2] < x1 + pad &&
                                     y0 - pad < m[1] + m[2] && m[1] - m[2] < y1 + pad)) return false;
    for (const [ax, ay, bx, by] of segments) {
      const lo = Math.max(x0 - pad, ax), hi = Math.min(x1 + pad, bx);
      if (lo > hi) continue;
      const at = (x) => ay + ((by - ay) * (x - ax)) / (bx - ax), ya = at(lo), yb = at(hi);
      if (Math.max(ya, yb) + 1 + pad > y0 && Math.min(ya, yb) - 1 - pad < y1) return false;  // the line is 2 px wide
    }
    return !valueBoxes.some((b) => x0 < b[2] + 2 && b[0] < x1 + 2 && y0 < b[3] && b[1] < y1);
  };
  // the baseline ("bottom") of `text` centred at x, from `from` upward, at most LABEL_NEAR px over `foot` (the top of
  // its bar) and never above the plot; null where none is clear
  const placeFor = (text, x, from, foot) => {
    const half = ctx.measureText(text).width / 2;
    for (let y = Math.floor(from); y - TEXT_H >= top && y >= foot - LABEL_NEAR; y--) {
      const box = [x - half, y - TEXT_H, x + half, y];
      if (clearOf(box)) { valueBoxes.push(box); return y; }
    }
    return null;
  };
  const unlabelled = [];  // bars too narrow for their value, or with no clear place: the page says where to read it
  const crowded = [];  // those of them whose value fits the bar's width but meets the line everywhere near it
  // the values with two significant digits where every one fits, else with one (3.5e-9, then 4e-9: the narrow bars
  // of a deep net), so that the bars of one chart are written alike; a bar too narrow even for one goes without
  const digits = bars.every((v) => !positive(v) || ctx.measureText(fmt(v, 2)).width <= slot - 2) ? 2 : 1;
  bars.forEach((v, i) => {
    ctx.fillStyle = "#5b6570"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    // the last layer's number too, where it clears the one written before it (4 px apart at least)
    const clears = () => cx(i) - ctx.measureText(short[i]).width / 2 >= (written.x.at(-1)?.[1] ?? -Infinity) + 4;
    if (i % every === 0 || i === n - 1 && clears()) {
      put(short[i], cx(i), base + 4, written.x);
    }
    ctx.textBaseline = "bottom";
    const fits = (s) => ctx.measureText(s).width <= slot - 2;
    if (positive(v)) {
      const y = axis.y(v);
      ctx.fillStyle = hover === i ? "#004f7c" : PALETTE[0];
      ctx.fillRect(cx(i) - slot * 0.3, y, slot * 0.6, base - y);
      // the value above its bar, clear of the dashed line and its markers (V11), with one digit where only that
      // narrower text has a place near the bar (V12: '2.0e-4' had none in a zigzag at 1280 px, '2e-4' has)
      const forms = [...new Set([fmt(v, digits), fmt(v, 1)])].filter(fits);
      let said = null, at = null;
      for (const text of forms) { at = placeFor(text, cx(i), y - 1, y); if (at !== null) { said = text; break; } }
      if (at !== null) { ctx.fillStyle = "#333"; put(said, cx(i), at, written.value_boxes); } else unlabelled.push(i);
      if (forms.length && at === null) crowded.push(i);
    } else if (v === 0) {
      canvas.zeroBars.push(i);
      ctx.strokeStyle = PALETTE[0]; ctx.lineWidth = 2;
      ctx.strokeRect(cx(i) - slot * 0.3, base - 6, slot * 0.6, 6);
      const said = labels?.[i] || "0: no gradient", text = fits(said) ? said : "0";
      const at = placeFor(text, cx(i), base - 8, base - 6);
      if (at !== null) { ctx.fillStyle = "#333"; put(text, cx(i), at, written.value_boxes); } else unlabelled.push(i);
      if (at === null && fits(text)) crowded.push(i);
    } else {
      const said = labels?.[i] || "no number", text = fits(said) ? said : "×";
      const at = placeFor(text, cx(i), base - 8, base);
      if (at !== null) { ctx.fillStyle = NAN_COLOUR; put(text, cx(i), at, written.value_boxes); } else unlabelled.push(i);
      if (at === null && fits(text)) crowded.push(i);
    }
  });
  canvas.written = written;
  canvas.unlabelled = unlabelled;
  canvas.crowded = crowded;
  canvas.textBoxes = boxes;
  ctx.strokeStyle = PALETTE[1]; ctx.fillStyle = PALETTE[1]; ctx.lineWidth = 2; ctx.setLineDash([5, 4]);
  ctx.beginPath();
  let drawing = false;
  line.forEach((v, i) => {
    const y = ly(v);
    if (y === null) { drawing = false; return; }
    if (drawing) ctx.lineTo(cx(i), y); else ctx.moveTo(cx(i), y);
    drawing = true;
  });
  ctx.stroke(); ctx.setLineDash([]);
  const dot = markerRadius;
  line.forEach((v, i) => { const y = ly(v); if (y !== null) { ctx.beginPath(); ctx.arc(cx(i), y, dot, 0, 2 * Math.PI); ctx.fill(); } });
  if (hover !== null && hover < n) {  // the layer the readout names
    ctx.strokeStyle = "#333"; ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(cx(hover) - slot / 2) + 0.5, top, Math.max(2, Math.round(slot) - 1), base - top);
  }
}

// Lines against the training step, on a log axis (log: true; a 0 sits on a "0" row under it) or a linear one (its
// range fixed by yRange, its tick labels by yLabel); the chart writes which under its axis, at the left ("log scale"
// / "linear scale", or yName: what the axis counts), and keeps it as canvas.axisKind. The steps are on a log axis
// where xLog is true (each tenfold of steps the same width, a tick at each power of ten; canvas.stepAxis says which).
// Steps in `marks` (a NaN or an inf: a step, or [first, last] of a stretch of them, which is shaded between two
// lines) are red vertical lines, keyed "NaN or inf"; a finite point with no finite neighbour is a dot, so a run that
// alternates finite and NaN steps still shows its numbers, and so is a finite point at a marked step (a layer still
// finite where others held a NaN: a true value), the key then reading mixedKey. `hover` ({i, k}: step index, line)
// is ringed: the point the page's readout names.
export function stepLines(canvas, args) {
  const { x, series, log, marks = [], xName = "step", empty = "", hover = null, xLog = false, yRange = null,
          yLabel = (v) => fmt(v, 2), yName = null, mixedKey = null, zeroSaid = null } = args;
  canvas.drawn = { x, series, marks, bands: series.map((s) => s.band ?? null) };
  // the finite points at marked steps, [line, index]: one walk along the steps and the marks, both in order
  const spans = marks.map((m) => (Array.isArray(m) ? m : [m, m])).sort((a, b) => a[0] - b[0]), inMark = [];
  for (let i = 0, j = 0; i < x.length; i++) {
    while (j < spans.length && spans[j][1] < x[i]) j++;
    if (j < spans.length && spans[j][0] <= x[i]) inMark.push(i);
  }
  const stillFinite = series.flatMap((s, k) => inMark.filter((i) => Number.isFinite(s.y[i])).map((i) => [k, i]));
  const markKey = stillFinite.length && mixedKey ? mixedKey : "NaN or inf";
  // keyed where a band stands for more than its own step (before the run is thinned, each stands for itself)
  const banded = series.some((s) => s.band?.some((b, i) => b && b[2] > x[i]));
  canvas.redraw = () => stepLines(canvas, args);
  const { ctx, w, h } = sized(canvas);
  const n = series.length, many = n > MANY;
  // a series may bring its own dash (an array, or false for solid): the unit-health chart's three measures
  const style = (k) => ({ color: series[k].color || lineColour(k, n),
                          dash: series[k].dash ?? (!many && k >= PALETTE.length) });
  let keyRows = 0;
  canvas.keysDrawn = [];
  canvas.rampDrawn = [];
  if (many) {
    // the first and last layers' full names where they fit, else the parts that tell the layers apart (V11: a deep
    // net's "1: model.layers.0.mlp.act" was cut to "1: model.layers.0.mlp.…" at 420 px)
    const fit = [series[0], series[n - 1]].every((s) => ctx.measureText(s.name).width <= rampRoom(w));
    const short = fit ? null : distinctNames(series.map((s) => s.raw ?? s.name));
    const [first, last] = [0, n - 1].map((k) => (fit || series[k].raw === undefined ? series[k].name :
      `${k + 1}: ${short[k]}`));
    const end = rampKey(ctx, first, last, n, w, canvas.rampDrawn);
    const extra = [...(marks.length ? [{ name: markKey, color: NAN_COLOUR, dash: true, whole: true }] : []),
      ...(banded ? [{ name: BAND_KEY, band: true }] : [])];
    if (extra.length) keyRows = keys(ctx, extra, w, end, canvas.keysDrawn);
  } else {
    // the full names where they all fit, else the parts that tell the layers apart
    const room = keyRoom(w, n + (marks.length ? 1 : 0));
    const fit = series.every((s) => ctx.measureText(s.name).width <= room);
    const short = fit ? null : distinctNames(series.map((s) => s.raw ?? s.name));
    const named = series.map((s, k) => (!fit && s.raw !== undefined ? `${k + 1}: ${short[k]}` : s.name));
    keyRows = keys(ctx, [...series.map((s, k) => ({ name: named[k], ...style(k), whole: s.whole })),
      ...(marks.length ? [{ name: markKey, color: NAN_COLOUR, dash: true, whole: true }] : []),
      ...(banded ? [{ name: BAND_KEY, band: true }] : [])], w, M.l, canvas.keysDrawn);
  }
  const top = M.t + 8 + keyRows, bottom = h - M.b;
  const ok = Number.isFinite;
  // the axis takes in the bands too: a spike between two drawn steps is on the chart, not above its top
  const all = series.flatMap((s) => s.y.filter(ok).concat((s.band ?? []).flatMap((b) => (b ? [b[0], b[1]] : []))
    .filter(ok)));
  let py, ticks;
  if (log) {  // a zero has no place on a log axis: it goes on a "0" row ZERO_ROW px under the lowest decade
    const zero = all.some((v) => v === 0);
    const axis = logAxis(all, top, zero ? bottom - ZERO_ROW : bottom);
    py = (v) => (v > 0 ? axis.y(v) : bottom);
    ticks = axis.ticks.map((k) => ({ y: axis.y(10 ** k), label: power10(k) }));
    if (zero) ticks.push({ y: bottom, label: "0" });
  } else {
    let max = -Infinity, min = 0;
    for (const v of all) { if (v > max) max = v; if (v < min) min = v; }
    if (!all.length) max = 1;
    max = Math.max(max, 0);
    if (yRange) [min, max] = yRange;  // a fixed range (a share of the units: 0 to 1 whatever the data)
    const span = max - min || 1;
    py = (v) => bottom - ((v - min) / span) * (bottom - top);
    ticks = [min, (min + max) / 2, max].map((v) => ({ y: py(v), label: yLabel(v) }));
  }
  const l = leftMargin(ctx, ticks.map((t) => t.label));
  yAxis(ctx, l, w, top, bottom, ticks);
  canvas.tickLabels = ticks.map((t) => t.label);
  const x0 = x[0] ?? 0, x1 = Math.max(x[x.length - 1] ?? 1, x0 + 1);
  // a log step axis gives each tenfold of steps the same width (steps from 0 are shifted by one to have a log)
  const shift = xLog ? Math.max(0, 1 - x0) : 0;
  const f = xLog ? (v) => Math.log10(v + shift) : (v) => v;
  const px = (v) => l + ((f(v) - f(x0)) / (f(x1) - f(x0))) * (w - l - M.r);
  canvas.geom = { l, r: w - M.r, px, py };
  ctx.fillStyle = "#5b6570"; ctx.textBaseline = "top";
  const xLabels = [];  // [left, right] of each step label written under the axis
  const xText = (text, at, align) => {
    const width = ctx.measureText(text).width;
    const left = align === "left" ? at : align === "right" ? at - width : at - width / 2;
    if (xLabels.some(([a, b]) => left < b + 8 && left + width > a - 8)) return false;  // no two labels overlap
    ctx.textAlign = align; ctx.fillText(text, at, bottom + 4); xLabels.push([left, left + width]);
    return true;
  };
  xText(x0.toLocaleString("en-US"), l, "left");
  xText(x1.toLocaleString("en-US"), w - M.r, "right");
  canvas.stepTicks = [];
  if (xLog) {  // the decades between the first and the last step, each a tick
    for (let d = 10; d < x1 + shift; d *= 10) {
      if (d - shift <= x0) continue;
      const at = px(d - shift);
      const tx = Math.round(at) + 0.5;
      ctx.strokeStyle = "#bbb"; ctx.beginPath(); ctx.moveTo(tx, bottom); ctx.lineTo(tx, bottom + 3); ctx.stroke();
      canvas.stepTicks.push(d - shift);
      xText((d - shift).toLocaleString("en-US"), at, "center");
    }
  }
  if (!xLog && x1 - x0 >= 2) {  // round steps between the ends (1, 2 or 5 times a power of ten apart, about one
    // per 60 px), each with a tick and a faint line up the plot, so a mark can be placed by eye
    const want = Math.max(2, Math.floor((w - l - M.r) / 60)), raw = (x1 - x0) / want;
    const p = 10 ** Math.floor(Math.log10(raw));
    const gap = Math.max(1, [1, 2, 5, 10].map((m) => m * p).find((g) => g >= raw));
    for (let v = Math.floor(x0 / gap) * gap + gap; v < x1; v += gap) {
      const at = px(v), tx = Math.round(at) + 0.5;
      if (!xText(v.toLocaleString("en-US"), at, "center")) continue;
      ctx.strokeStyle = "#f0f0f0"; ctx.beginPath(); ctx.moveTo(tx, top); ctx.lineTo(tx, bottom); ctx.stroke();
      ctx.strokeStyle = "#bbb"; ctx.beginPath(); ctx.moveTo(tx, bottom); ctx.lineTo(tx, bottom + 3); ctx.stroke();
      canvas.stepTicks.push(v);
    }
  }
  canvas.stepLabels = xLabels.length;
  canvas.stepAxis = xLog ? "log" : "linear";
  canvas.axisKind = log ? "log" : "linear";
  canvas.axisName = yName ?? `${canvas.axisKind} scale`;
  // the axis's name at the left and the steps' name in the middle of the plot, or, where the window is so narrow
  // that the two would meet, 12 px after the axis's name (V11: "‖∂L/∂a‖ per layer, log scale" and "step (log
  // scale)" touched under 400 px); canvas.axisTexts keeps both boxes
  const stepName = xLog ? `${xName} (log scale)` : xName;
  const nameRight = 4 + ctx.measureText(canvas.axisName).width, stepHalf = ctx.measureText(stepName).width / 2;
  const stepAt = Math.max((l + w - M.r) / 2, nameRight + 12 + stepHalf);
  ctx.textAlign = "center"; ctx.fillText(stepName, stepAt, bottom + 16);
  ctx.textAlign = "left"; ctx.fillText(canvas.axisName, 4, bottom + 16);
  canvas.axisTexts = [[4, nameRight], [stepAt - stepHalf, stepAt + stepHalf]];
  // a stretch of steps is shaded between its two marks (a run of thousands of NaN steps is one band, not a
  // thousand lines)
  ctx.strokeStyle = NAN_COLOUR; ctx.fillStyle = "rgba(179, 38, 30, 0.12)"; ctx.lineWidth = 1;
  for (const mark of marks) {
    const [first, last] = Array.isArray(mark) ? mark : [mark, mark];
    const a = Math.round(px(first)) + 0.5, b = Math.round(px(last)) + 0.5;
    if (b > a) ctx.fillRect(a, top, b - a, bottom - top);
    ctx.setLineDash([2, 2]);
    for (const mx of b > a ? [a, b] : [a]) { ctx.beginPath(); ctx.moveTo(mx, top); ctx.lineTo(mx, bottom); ctx.stroke(); }
  }
  ctx.setLineDash([]);
  // each thinned point's band: from its step to the last step it stands for, its stretch's lowest to highest value,
  // shaded in its line's colour with the top and bottom edges drawn, so a spike one stretch wide is a needle
  canvas.bandsDrawn = 0;
  series.forEach((s, k) => {
    if (!s.band) return;
    ctx.strokeStyle = style(k).color; ctx.fillStyle = style(k).color; ctx.lineWidth = 1;
    let run = [];
    const flush = () => {
      if (!run.length) return;
      const top = run.flatMap((i) => [[px(x[i]), py(s.band[i][1])], [px(s.band[i][2]), py(s.band[i][1])]]);
      const foot = run.flatMap((i) => [[px(x[i]), py(s.band[i][0])], [px(s.band[i][2]), py(s.band[i][0])]]).reverse();
      ctx.globalAlpha = many ? 0.1 : 0.2;
      ctx.beginPath(); [...top, ...foot].forEach(([a, b], j) => (j ? ctx.lineTo(a, b) : ctx.moveTo(a, b)));
      ctx.closePath(); ctx.fill();
      ctx.globalAlpha = many ? 0.35 : 0.6;
      for (const edge of [top, foot]) {
        ctx.beginPath(); edge.forEach(([a, b], j) => (j ? ctx.lineTo(a, b) : ctx.moveTo(a, b))); ctx.stroke();
      }
      ctx.globalAlpha = 1;
      canvas.bandsDrawn += run.length;
      run = [];
    };
    s.band.forEach((b, i) => { if (b && ok(b[0]) && ok(b[1])) run.push(i); else flush(); });
    flush();
  });
  series.forEach((s, k) => {
    const { color, dash } = style(k);
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = hover && hover.k === k ? 3 : 1.5;
    ctx.setLineDash(dashOf(dash));
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
  // a finite value at a marked step: a dot in its line's colour ringed in white, on top of the mark and the lines
  for (const [k, i] of stillFinite) {
    ctx.fillStyle = style(k).color; ctx.strokeStyle = "#fff"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.arc(px(x[i]), py(series[k].y[i]), 3.5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  }
  if (hover && ok(series[hover.k]?.y[hover.i])) {
    ctx.strokeStyle = "#333"; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(px(x[hover.i]), py(series[hover.k].y[hover.i]), 5, 0, 2 * Math.PI); ctx.stroke();
  }
  // the lines at 0 at the last step, named over the right end of the 0 row (V12: a deep net's ten layers at 0 were
  // one line there, in the colour of the last drawn): zeroSaid(their indices, all of them) says them, where no
  // line above 0 comes within 2 px of the words; canvas.zeroNote keeps them and their box
  const zeros = series.flatMap((s, k) => (s.y[x.length - 1] === 0 ? [k] : []));
  const said = zeroSaid && zeros.length ? zeroSaid(zeros, zeros.length === n) : "";
  const box = [w - M.r - 2 - ctx.measureText(said).width, bottom - 3 - TEXT_H, w - M.r - 2, bottom - 3];
  const near = series.some((s) => s.y.some((v, i) => ok(v) && v !== 0 && px(x[i]) >= box[0] - 2 &&
    py(v) >= box[1] - 2 && py(v) <= bottom));
  canvas.zeroNote = said && !near ? { text: said, box } : null;
  if (canvas.zeroNote) {
    ctx.fillStyle = "#333"; ctx.textAlign = "right"; ctx.textBaseline = "bottom"; ctx.fillText(said, box[2], box[3]);
  }
  const note = all.length ? null : empty || null;
  if (note) {
    ctx.fillStyle = "#5b6570"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(note, (l + w - M.r) / 2, (top + bottom) / 2);
  }
  canvas.emptyNote = note;
  canvas.legendNames = series.map((s) => s.name).concat(marks.length ? [markKey] : [], banded ? [BAND_KEY] : []);
}
