// The watch page's charts: the playground's light log-scale canvas charts, with what a practitioner's run needs
// besides: a zero drawn as a marked stub at the foot of a log axis (it has no place on one), steps that held a NaN
// or an inf marked where they fall, lone finite points drawn as dots, and the loss on a log axis when it spans
// decades (a diverging run) or a linear one when it does not, each chart saying under its axis which it has.
// They stay readable from 2 to 100 layers and from 400 px wide (labels that would overlap are thinned; past eight
// lines a ramp of colours). Each chart keeps what it drew and where (canvas.drawn, canvas.geom) for the readout.
import { PALETTE, fmt } from "./charts.js";
import { logAxis, power10, sized } from "./livechart.js";
import { TEXT_H, ZERO_ROW, leftMargin, yAxis } from "./watch-axis.js";
import {
  BAND_KEY, M, MANY, NAN_COLOUR, WARM_EDGE, WARM_FILL, dashOf, distinctNames, keyRoom, keys, lineColour, rampKey,
  rampRoom, wrapText,
} from "./watch-keys.js";

// the keys' and texts' helpers live in watch-keys.js, the bar chart in watch-bars.js; the page and the tests import
// these from here
export { BAND_KEY, MANY, chartNote, distinctNames, lineColour, wrapText } from "./watch-keys.js";
export { LABEL_NEAR, watchBars } from "./watch-bars.js";

const CHANGE_ROW = 14;  // px above the plot for the names of the reading's changes

// Lines against the training step, on a log axis (log: true; a 0 sits on a "0" row under it) or a linear one (its
// range fixed by yRange, its tick labels then by yLabel; else from 0 to a round value); the chart writes which under its axis, at the left ("log scale"
// / "linear scale", or yName: what the axis counts), and keeps it as canvas.axisKind. The steps are on a log axis
// where xLog is true (each tenfold of steps the same width, a tick at each power of ten; canvas.stepAxis says which).
// Steps in `marks` (a NaN or an inf: a step, or [first, last] of a stretch of them, which is shaded between two
// lines) are red vertical lines, keyed "NaN or inf"; a finite point with no finite neighbour is a dot, so a run that
// alternates finite and NaN steps still shows its numbers, and so is a finite point at a marked step (a layer still
// finite where others held a NaN: a true value), the key then reading mixedKey. `hover` ({i, k}: step index, line)
// is ringed: the point the page's readout names (of a series with steps of its own, where hover.own says so). `changes` ({step, label, colour, failure}: watch-changes.js) are the
// steps where the reading's status changed: a line each, its new status named in a row above the plot.
const ZERO_NOTE_SAMPLES = 16;  // places along a segment looked at for the zero row's words (stepLines)
const LEFT_ABOUT = 48;  // px: a usual left margin of a step chart, where the axis's own is not known yet

// Where each change's name goes ({c, left, row}, the newest first: the latest change is the one always named): in the
// lowest of `rows` rows where it clears the names placed there by 6 px, row null where none is free; `px` places a
// step, `l` and `w` bound the plot
function placeNames(turns, widths, px, l, w, rows) {
  const named = Array.from({ length: rows }, () => []);  // [left, right] of each name written, per row
  return turns.map((c, k) => [c, widths[k]]).reverse().map(([c, width]) => {
    const at = Math.round(px(c.step)) + 0.5;
    const left = Math.min(Math.max(at - width / 2, l), w - M.r - width);
    const row = named.findIndex((taken) => !taken.some(([a, b]) => left < b + 6 && left + width > a - 6));
    if (row >= 0) named[row].push([left, left + width]);
    return { c, left, row: row >= 0 ? row : null };
  });
}

export function stepLines(canvas, args) {
  const { x, series, log, marks = [], xName = "step", empty = "", hover = null, xLog = false, yRange = null,
          yLabel = (v) => fmt(v, 2), yName = null, mixedKey = null, zeroSaid = null, warm = null,
          bandKey = BAND_KEY, xStart = null, xEnd = null, changes = [] } = args;
  canvas.drawn = { x, series, marks, bands: series.map((s) => s.band ?? null), xEnd, xStart,
                   leads: series.map((s) => s.lead ?? null), tails: series.map((s) => s.tail ?? null) };
  // the finite points at marked steps, [line, index]: one walk along the steps and the marks, both in order
  const spans = marks.map((m) => (Array.isArray(m) ? m : [m, m])).sort((a, b) => a[0] - b[0]), inMark = [];
  for (let i = 0, j = 0; i < x.length; i++) {
    while (j < spans.length && spans[j][1] < x[i]) j++;
    if (j < spans.length && spans[j][0] <= x[i]) inMark.push(i);
  }
  // (a series with steps of its own, s.x: values given now and then, the held-out loss, is no line of the x points)
  const stillFinite = series.flatMap((s, k) => (s.x ? [] :
    inMark.filter((i) => Number.isFinite(s.y[i])).map((i) => [k, i])));
  const markKey = stillFinite.length && mixedKey ? mixedKey : "NaN or inf";
  // keyed where a band stands for more than its own step (before the run is thinned, each stands for itself)
  const banded = series.some((s) => s.lead || s.band?.some((b, i) => b && b[2] > x[i]));
  canvas.redraw = () => stepLines(canvas, args);
  const { ctx, w, h } = sized(canvas);
  const n = series.length, many = n > MANY;
  const num = (k) => series[k].number ?? k + 1;  // a layer's number on the page (folded calls keep theirs)
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
    const fits = (s, k) => (k > 0 && k < n - 1) || ctx.measureText(`${num(k)}: ${s}`).width <= rampRoom(w);
    const short = fit ? null : distinctNames(series.map((s) => s.raw ?? s.name), fits);
    const [first, last] = [0, n - 1].map((k) => (fit || series[k].raw === undefined ? series[k].name :
      `${num(k)}: ${short[k]}`));
    const end = rampKey(ctx, first, last, n, w, canvas.rampDrawn);
    const extra = [...(marks.length ? [{ name: markKey, color: NAN_COLOUR, dash: true, whole: true }] : []),
      ...(banded ? [{ name: bandKey, band: true }] : []), ...(warm ? [{ name: warm.key, warm: true }] : [])];
    if (extra.length) keyRows = keys(ctx, extra, w, end, canvas.keysDrawn);
  } else {
    // the full names where they all fit on one row, else the parts that tell the layers apart, to the names' ends
    // where those fit on two rows (R17)
    const count = n + (marks.length ? 1 : 0) + (banded ? 1 : 0) + (warm ? 1 : 0);
    const room = keyRoom(w, n + (marks.length ? 1 : 0)), twoRows = keyRoom(w, Math.ceil(count / 2));
    const fit = series.every((s) => ctx.measureText(s.name).width <= room);
    const short = fit ? null : distinctNames(series.map((s) => s.raw ?? s.name),
      (s, k) => ctx.measureText(`${num(k)}: ${s}`).width <= twoRows);
    const named = series.map((s, k) => (!fit && s.raw !== undefined ? `${num(k)}: ${short[k]}` : s.name));
    keyRows = keys(ctx, [...series.map((s, k) => ({ name: named[k], ...style(k), whole: s.whole,
                                                    tail: s.raw !== undefined })),
      ...(marks.length ? [{ name: markKey, color: NAN_COLOUR, dash: true, whole: true }] : []),
      ...(banded ? [{ name: bandKey, band: true }] : []), ...(warm ? [{ name: warm.key, warm: true }] : [])],
    w, M.l, canvas.keysDrawn, fit ? room : twoRows);
  }
  // the reading's changes of status (watch-changes.js) within the steps drawn: a row above the plot names them. The
  // steps' axis ends at xEnd where that is past the last step drawn (see below)
  // and begins at xStart where that is before the first step drawn (steps whose losses the first report carries)
  const xFirst = Math.min(x[0] ?? 0, xStart ?? Infinity), xLast = Math.max(x[x.length - 1] ?? 1, xFirst + 1,
                                                                         xEnd ?? -Infinity);
  const turns = x.length ? changes.filter((c) => c.step >= xFirst && c.step <= xLast) : [];
  // a log step axis gives each tenfold of steps the same width (steps from 0 are shifted by one to have a log)
  const shift = xLog ? Math.max(0, 1 - xFirst) : 0;
  const f = xLog ? (v) => Math.log10(v + shift) : (v) => v;
  // a second row for the names where one row would leave one out (W62 walkthrough finding 6: at 400 px 'not
  // learning' at step 162 was dropped beside 'dead layer' at 212, its line drawn with no name), judged on the plot's
  // width with a usual left margin (the axis's own is known only once its ticks are)
  ctx.save(); ctx.font = `bold ${ctx.font}`;
  const widths = turns.map((c) => ctx.measureText(c.label).width);
  ctx.restore();
  const pxAbout = (v) => LEFT_ABOUT + ((f(v) - f(xFirst)) / (f(xLast) - f(xFirst))) * (w - LEFT_ABOUT - M.r);
  const nameRows = placeNames(turns, widths, pxAbout, LEFT_ABOUT, w, 1).some((p) => p.row === null) ? 2 : 1;
  const top = M.t + 8 + keyRows + (turns.length ? CHANGE_ROW * nameRows : 0), bottom = h - M.b;
  const ok = Number.isFinite;
  // the axis takes in the bands too: a spike between two drawn steps is on the chart, not above its top
  const all = series.flatMap((s) => s.y.filter(ok).concat([...(s.band ?? []), s.lead, s.tail].flatMap((b) => (b ? [b[0], b[1]] :
    [])).filter(ok)));
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
    // a fixed range (a share of the units: 0 to 1 whatever the data) has a tick at each end and the middle; else the
    // ends go out to round values, 1, 2 or 5 times a power of ten apart, each tick at a value its label writes in
    // full (R15: a loss of 1.12 had ticks '1.1' at 1.12 and '0.56' at 0.559)
    let gap, places = 0;
    if (yRange) { [min, max] = yRange; gap = (max - min) / 2; } else {
      const raw = (max - min || 1) / 3, p = Math.floor(Math.log10(raw));
      gap = [1, 2, 5, 10].map((m) => m * 10 ** p).find((g) => g >= raw * (1 - 1e-9));
      places = Math.max(0, -Math.floor(Math.log10(gap) + 1e-9));
      min = Math.floor(min / gap + 1e-9) * gap; max = Math.ceil(max / gap - 1e-9) * gap || gap;
    }
    const span = max - min || 1, round = (v) => (yRange ? v : Number(v.toFixed(places)));
    py = (v) => bottom - ((v - min) / span) * (bottom - top);
    ticks = [];
    // one notation down the axis: past 1e5 or under 1e-3, every tick in powers of ten (W67 walkthrough: a learning
    // rate's axis read "0.000001" over "5e-7", String()'s two notations)
    const top10 = Math.max(Math.abs(min), Math.abs(max));
    const sci = top10 > 0 && (top10 < 1e-3 || top10 >= 1e5);
    const said = (v) => (v === 0 ? "0" : sci ? Number(v.toPrecision(12)).toExponential() : String(v));
    for (let k = 0; k <= Math.round((max - min) / gap); k++) {
      const v = round(min + k * gap);
      ticks.push({ y: py(v), label: yRange ? yLabel(v) : said(v) });
    }
  }
  const l = leftMargin(ctx, ticks.map((t) => t.label));
  yAxis(ctx, l, w, top, bottom, ticks);
  canvas.tickLabels = ticks.map((t) => t.label);
  canvas.tickYs = ticks.map((t) => [t.label, t.y]);
  // xEnd: a step past the last one drawn that the axis still reaches (a held-out loss given after a run's last
  // sampled step: W42 finding 7), on every chart of the page alike
  const x0 = xFirst, x1 = xLast;
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
  // the warm-up ([first, last] step): hatched in grey, at least 4 px wide, under everything else
  canvas.warmDrawn = null;
  if (warm) {
    const a = Math.round(px(warm.from)), b = Math.max(Math.round(px(warm.to)), a + 4);
    ctx.save(); ctx.beginPath(); ctx.rect(a, top, b - a, bottom - top); ctx.clip();
    ctx.fillStyle = WARM_FILL; ctx.fillRect(a, top, b - a, bottom - top);
    ctx.strokeStyle = WARM_EDGE; ctx.lineWidth = 1;
    for (let d = a - (bottom - top); d < b; d += 8) { ctx.beginPath(); ctx.moveTo(d, bottom); ctx.lineTo(d + bottom - top, top); ctx.stroke(); }
    ctx.restore();
    canvas.warmDrawn = [a, b];
  }
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
  // each change of the reading's status: a line in its colour (a failure's, healthy's, or grey), its new status
  // named in the row above the plot where the name fits clear of the others (the newest first: the latest change is
  // the one always named); canvas.changesDrawn keeps each line's step and place and the name written, or null
  canvas.changesDrawn = [];
  ctx.save(); ctx.font = `bold ${ctx.font}`; ctx.textBaseline = "middle";
  for (const { c, left, row } of placeNames(turns, widths, px, l, w, nameRows)) {
    const at = Math.round(px(c.step)) + 0.5;
    ctx.strokeStyle = c.colour; ctx.lineWidth = c.failure ? 1.5 : 1;
    ctx.beginPath(); ctx.moveTo(at, top - 3); ctx.lineTo(at, bottom); ctx.stroke();
    if (row !== null) {
      ctx.fillStyle = c.colour; ctx.textAlign = "left";
      ctx.fillText(c.label, left, top - CHANGE_ROW * (row + 0.5) - 1);
    }
    canvas.changesDrawn.unshift({ step: c.step, x: at, label: row !== null ? c.label : null, row });
  }
  ctx.restore();
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
  // the lead: the steps before the first drawn, from the first to the first drawn step, shaded as a band is; and the
  // tail: the steps after the last drawn one, from it to the last step the end line holds a loss of
  canvas.leadsDrawn = 0;
  canvas.tailsDrawn = 0;
  series.forEach((s, k) => {
    for (const [b, end] of [[s.lead, "lead"], [s.tail, "tail"]]) {
      if (!b || !ok(b[0]) || !ok(b[1])) continue;
      const [a, c] = [px(b[2]), px(b[3])], [top, foot] = [py(b[1]), py(b[0])];
      ctx.fillStyle = style(k).color; ctx.strokeStyle = style(k).color; ctx.lineWidth = 1;
      ctx.globalAlpha = many ? 0.1 : 0.2; ctx.fillRect(a, top, c - a, foot - top);
      ctx.globalAlpha = many ? 0.35 : 0.6; ctx.strokeRect(a, top, c - a, foot - top);
      ctx.globalAlpha = 1;
      if (end === "lead") canvas.leadsDrawn += 1; else canvas.tailsDrawn += 1;
    }
  });
  series.forEach((s, k) => {
    const { color, dash } = style(k), sx = s.x ?? x;  // a series may have steps of its own (the held-out loss)
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = hover && hover.k === k ? 3 : 1.5;
    ctx.setLineDash(dashOf(dash));
    ctx.beginPath();
    let drawing = false;
    s.y.forEach((v, i) => {
      if (!ok(v)) { if (!s.joined) drawing = false; return; }  // a joined series (values given now and then, the
      // held-out loss) goes on over the steps without one
      if (drawing) ctx.lineTo(px(sx[i]), py(v)); else ctx.moveTo(px(sx[i]), py(v));
      drawing = true;
    });
    ctx.stroke(); ctx.setLineDash([]);
    const dots = s.joined && s.y.length <= (w - l - M.r) / 8;  // (where they would merge into a thick line: none)
    s.y.forEach((v, i) => {
      if (ok(v) && (dots || (!ok(s.y[i - 1]) && !ok(s.y[i + 1])))) {  // each value of a joined series is a dot
        ctx.beginPath(); ctx.arc(px(sx[i]), py(v), 2.5, 0, 2 * Math.PI); ctx.fill();
      }
    });
  });
  // a finite value at a marked step: a dot in its line's colour ringed in white, on top of the mark and the lines
  for (const [k, i] of stillFinite) {
    ctx.fillStyle = style(k).color; ctx.strokeStyle = "#fff"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.arc(px(x[i]), py(series[k].y[i]), 3.5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  }
  // (a line of steps of its own is ringed where the hover says so, hover.own: the learning rate's changes)
  const ringed = series[hover?.k];
  canvas.hoverDrawn = null;  // (the line, step and value ringed: for the page's tests)
  if (hover && (!ringed?.x || hover.own) && ok(ringed?.y[hover.i])) {
    canvas.hoverDrawn = [hover.k, (ringed.x ?? x)[hover.i], ringed.y[hover.i]];
    ctx.strokeStyle = "#333"; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(px((ringed.x ?? x)[hover.i]), py(ringed.y[hover.i]), 5, 0, 2 * Math.PI); ctx.stroke();
  }
  // the lines at 0 at the last step, named over the right end of the 0 row (V12: a deep net's ten layers at 0 were
  // one line there, in the colour of the last drawn): zeroSaid(their indices, all of them) says them, where no
  // line above 0 comes within 2 px of the words; canvas.zeroNote keeps them and their box
  const zeros = series.flatMap((s, k) => (!s.x && s.y[x.length - 1] === 0 ? [k] : []));
  const said = zeroSaid && zeros.length ? zeroSaid(zeros, zeros.length === n) : "";
  const box = [w - M.r - 2 - ctx.measureText(said).width, bottom - 3 - TEXT_H, w - M.r - 2, bottom - 3];
  // (a point within 2 px of the words, or a segment through them: a line dropping to 0 at the last step crossed the
  // words, W62 walkthrough finding 6; a segment is looked at in ZERO_NOTE_SAMPLES places)
  const inBox = (X, Y) => X >= box[0] - 2 && Y >= box[1] - 2 && Y <= bottom;
  const near = series.some((s) => s.y.some((v, i) => {
    if (!ok(v)) return false;
    const X = px((s.x ?? x)[i]), Y = py(v), prev = s.y[i - 1];
    if (v !== 0 && inBox(X, Y)) return true;
    if (i === 0 || !ok(prev) || (v === 0 && prev === 0)) return false;
    const X0 = px((s.x ?? x)[i - 1]), Y0 = py(prev);
    for (let k = 1; k < ZERO_NOTE_SAMPLES; k++) {
      const f = k / ZERO_NOTE_SAMPLES;
      if (inBox(X0 + f * (X - X0), Y0 + f * (Y - Y0)) && Y0 + f * (Y - Y0) < bottom - 1) return true;
    }
    return false;
  }));
  canvas.zeroNote = said && !near ? { text: said, box } : null;
  if (canvas.zeroNote) {
    ctx.fillStyle = "#333"; ctx.textAlign = "right"; ctx.textBaseline = "bottom"; ctx.fillText(said, box[2], box[3]);
  }
  const note = all.length ? null : empty || null;
  if (note) {  // wrapped within the plot (W66 walkthrough finding 5: one line ran past both ends, over the axis)
    ctx.fillStyle = "#5b6570"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    const lines = wrapText(ctx, note, w - M.r - l - 16);
    lines.forEach((line, k) => ctx.fillText(line, (l + w - M.r) / 2, (top + bottom) / 2 + 16 * (k - (lines.length - 1) / 2)));
  }
  canvas.emptyNote = note;
  canvas.legendNames = series.map((s) => s.name).concat(marks.length ? [markKey] : [], banded ? [bandKey] : [],
    warm ? [warm.key] : []);
}
