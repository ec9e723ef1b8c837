// The watch page's bar chart: ‖∂L/∂W‖ per layer at the latest sampled step as bars on a log axis, and ‖∂L/∂a‖ as a
// dashed line of markers over them, each bar's value written where it can be read as that bar's and no other's.
// Split from watch-charts.js, which draws the charts over the training steps and passes this one on to the page.
import { PALETTE, fmt } from "./charts.js";
import { logAxis, power10, sized } from "./livechart.js";
import { TEXT_H, ZERO_ROW, leftMargin, positive, yAxis } from "./watch-axis.js";
import { M, NAN_COLOUR, keys, wrapText } from "./watch-keys.js";

const LINE_CLEAR = 2;  // px kept between a bar's value label and the dashed line or its markers
const LABEL_ROOM = TEXT_H + 3 + LINE_CLEAR + 2;  // px over the highest value: a label over a marker of radius 3 at most
// px at most from a value label's foot to its bar's top: over the bar's marker and the line leaving it, about three
// lines of text. Higher, a label floated at its neighbours' height (V12: 45 px in a zigzag at 420 px); such a bar
// goes unlabelled, and the note under the charts names it.
export const LABEL_NEAR = 2 * TEXT_H + 10;

// a bar's share of its slot: 0.7, so that a value such as '2.5e-4' fits inside a bar of 8 at 560 px (R15)
const BAR = 0.7;

// Bars per layer on a log axis with a dashed line of markers. A bar of exactly 0 is a short hatched stub at the
// foot of the axis labelled "0"; a value the log does not hold (NaN, frozen) gets its label in words. Where the
// full category names do not fit their slots, the layers' numbers are written instead, every k-th one when even
// those would overlap; bar values are written only where they fit (canvas.written counts what was written).
export function watchBars(canvas, args) {
  const { categories, bars, line, labels, barName, lineName, caption, hover = null, numbers = null, quiet = null } = args;
  canvas.drawn = { categories, bars, line, labels };
  canvas.emptyNote = null;
  canvas.redraw = () => watchBars(canvas, args);
  const { ctx, w, h } = sized(canvas);
  const keyBoxes = [];
  keys(ctx, [{ name: barName, color: PALETTE[0] }, { name: lineName, color: PALETTE[1], dash: true }], w, M.l, keyBoxes);
  // the caption under the keys, wrapped onto as many lines as it needs (the plot starts below its last line), the
  // lines made as even as that many allow (R15: at 420 px '... holds a NaN or an' over a lone 'inf)')
  let captionLines = caption ? wrapText(ctx, caption, w - M.l - M.r) : [];
  for (let max = w - M.l - M.r - 4; captionLines.length > 1 && max > 40; max -= 4) {
    const even = wrapText(ctx, caption, max);
    if (even.length > captionLines.length || even.some((line) => line.endsWith("…"))) break;
    captionLines = even;
  }
  canvas.captionLines = captionLines;
  const top = M.t + 12 + 14 * Math.max(captionLines.length - 1, 0), base = h - M.b;
  // ZERO_ROW px under the lowest decade: where zeros go (its "0" clear of the decade's label); LABEL_ROOM px over the
  // highest: the tallest bar's value label, which would otherwise run into the caption above the plot, and which
  // goes above its marker where the marker stands on the bar (V11: with 14 px a marker at the top left it no room)
  const axis = logAxis([...bars, ...line], top + LABEL_ROOM, base - ZERO_ROW);
  // the "0" row is labelled only where a bar or a marker stands on it: a log axis has no 0, and the bars of values
  // above 0 rise from the plot's floor (W46 walkthrough: a "0" under "10⁻¹" where every value was positive)
  const zero = [...bars, ...line].some((v) => v === 0);
  const ticks = [...axis.ticks.map((k) => ({ y: axis.y(10 ** k), label: power10(k) })),
    ...(zero ? [{ y: base, label: "0" }] : [])];
  canvas.tickYs = ticks.map((t) => [t.label, t.y]);
  canvas.base = base;
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
  const short = categories.map((c, i) => (full ? c : String(numbers?.[i] ?? i + 1)));
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
  // the dashed line joins two layers' markers where both are above 0, or both 0: a segment from the 0 row to a
  // value on the log axis would pass through values no layer has (R15: a diverged run's line climbed from two
  // layers at 0 to the third's 25.7 through every decade between)
  const joined = (a, b) => (positive(a) && positive(b)) || (a === 0 && b === 0);
  const segments = [];
  canvas.markers.forEach((m, i) => {
    const b = canvas.markers[i + 1];
    if (m && b && joined(line[i], line[i + 1])) segments.push([m[0], m[1], b[0], b[1]]);
  });
  canvas.segments = segments;
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
  // the foot of a box `half` px either side of x and `high` px tall, the first clear one from `from` up to `to`
  // (down where `dir` is 1); null where none is clear
  const placeBox = (half, high, x, from, to, dir = -1) => {
    for (let y = Math.floor(from); dir < 0 ? y >= to : y <= to; y += dir) {
      const box = [x - half, y - high, x + half, y];
      if (clearOf(box)) { valueBoxes.push(box); return y; }
    }
    return null;
  };
  const placeFor = (text, x, from, to, dir = -1) => placeBox(ctx.measureText(text).width / 2, TEXT_H, x, from, to, dir);
  // over a bar whose top is at `foot`: at most LABEL_NEAR px over it and never above the plot
  const over = (foot) => Math.max(foot - LABEL_NEAR, top + TEXT_H);
  const unlabelled = [];  // bars too narrow for their value, or with no clear place: the page says where to read it
  const crowded = [];  // those of them whose value fits the bar's width but meets the line everywhere near it
  canvas.inside = [];  // the bars whose value is written inside them, at the top, in white
  // `text` turned to read upward, its foot at (x, y) and its glyphs centred on x (a value inside a narrow bar)
  const putUpright = (text, x, y) => {
    const width = ctx.measureText(text).width;
    ctx.save(); ctx.translate(x, y); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "left"; ctx.textBaseline = "middle"; ctx.fillText(text, 0, 0); ctx.restore();
    written.value_boxes.push([x - TEXT_H / 2, x + TEXT_H / 2]);
    boxes.push({ text, box: [x - TEXT_H / 2, y - width, x + TEXT_H / 2, y], upright: true });
  };
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
      ctx.fillRect(cx(i) - slot * BAR / 2, y, slot * BAR, base - y);
      // the value with two significant digits, or one where that is the same number (V12: '2.0e-4' had no place
      // in a zigzag at 1280 px, '2e-4' has; R15: 2.5e-4 was written '3e-4', so a rounded one is never written)
      const exact = fmt(v, 2), forms = [...new Set([exact, fmt(v, 1)])].filter((s) => +s === +exact);
      const width = (s) => ctx.measureText(s).width, inner = slot * BAR - 4, top0 = Math.ceil(y) + 2;
      // over the bar, clear of the dashed line and its markers (V11), and under the bar's own marker where that
      // stands over the bar: a label over it read as the marker's value (R15: '0.03' over the 0.036 of ‖∂L/∂a‖);
      // else inside the bar near its top, in white: level, or turned to read upward in a bar too narrow for that
      const m = canvas.markers[i], under = m && m[1] < y ? m[1] + 1 : -Infinity;
      const ways = [
        (s) => (fits(s) ? placeFor(s, cx(i), y - 1, Math.max(over(y), under)) : null),
        (s) => (width(s) <= inner ? placeFor(s, cx(i), top0 + TEXT_H, Math.min(base - 4, top0 + LABEL_NEAR), 1) : null),
        (s) => (TEXT_H <= inner ? placeBox(TEXT_H / 2, width(s), cx(i), top0 + width(s),
                                           Math.min(base - 4, top0 + width(s) + LABEL_NEAR), 1) : null),
      ];
      let said = null, at = null, way = 0;
      for (; way < ways.length && at === null; way++) {
        for (const text of forms) { at = ways[way](text); if (at !== null) { said = text; break; } }
      }
      way -= 1;
      if (at === null) unlabelled.push(i);
      else if (way === 0) { ctx.fillStyle = "#333"; put(said, cx(i), at, written.value_boxes); }
      else {
        ctx.fillStyle = "#fff"; canvas.inside.push(i);
        if (way === 1) put(said, cx(i), at, written.value_boxes); else putUpright(said, cx(i), at);
      }
      if (at === null && forms.some(fits)) crowded.push(i);
    } else if (v === 0) {
      canvas.zeroBars.push(i);
      ctx.strokeStyle = PALETTE[0]; ctx.lineWidth = 2;
      ctx.strokeRect(cx(i) - slot * BAR / 2, base - 6, slot * BAR, 6);
      const said = labels?.[i] || "0: no gradient", text = fits(said) ? said : "0";
      const at = placeFor(text, cx(i), base - 8, over(base - 6));
      if (at !== null) { ctx.fillStyle = "#333"; put(text, cx(i), at, written.value_boxes); } else unlabelled.push(i);
      if (at === null && fits(text)) crowded.push(i);
    } else {
      // no number: a NaN or an inf, marked in its colour, or (`quiet`) a layer with no weight of its own, in words
      const said = labels?.[i] || "no number", text = fits(said) ? said : quiet?.[i] ? "—" : "×";
      const at = placeFor(text, cx(i), base - 8, over(base));
      if (at !== null) { ctx.fillStyle = quiet?.[i] ? "#5b6570" : NAN_COLOUR; put(text, cx(i), at, written.value_boxes); }
      else unlabelled.push(i);
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
    if (drawing && joined(line[i - 1], v)) ctx.lineTo(cx(i), y); else ctx.moveTo(cx(i), y);
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

