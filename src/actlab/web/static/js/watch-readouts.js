// The watch page's readout: every chart names the point under the pointer or, for the keyboard, under the focus
// (the arrow keys move it, Home and End jump) in one line below the charts; the readout last used is said again as
// steps arrive. Split from watch.js, which draws the charts (each canvas's geom maps values to pixels).
import { fmt } from "./charts.js";
import { MEASURES, allMeasures, setHealthLayer } from "./watch-controls.js";
import { finite, numberOf, ofPlace, stoppedOf, view } from "./watch-points.js";

// how many layers the log names, folded calls included (the numbers run over all of them)
const layerCount = (shown) => Math.max(view.order?.length ?? 0, shown);
import { count, ordinal, sayLayers } from "./watch-status.js";
import { statusAt } from "./watch-changes.js";

const $ = (id) => document.getElementById(id);
// what each chart's readout names; again: the readout last used, said again as steps arrive
export const hover = { bars: null, history: null, loss: null, health: null, rate: null, again: null };
export const percent = (v) => `${Math.round(v * 100)}%`;

export function forget(all) {  // the steps named may have gone: all, or all but the bars' layer
  hover.history = hover.loss = hover.health = null;
  if (all) { hover.bars = null; hover.rate = null; hover.again = null; }
  else if (hover.again !== readBars && hover.again !== readRate) hover.again = null;
}

// The learning-rate chart's points are the changes read (W61 finding 3, W62 finding 5: it could be neither pointed
// at nor reached by keyboard): the pointer or the arrow keys pick a step among every group's changes, up and down a
// group, and the readout gives each group's rate in use at that step
const rateSteps = (lines) => [...new Set(lines.flatMap((l) => l.changes.map((c) => c[0])))].sort((a, b) => a - b);
const inUse = (l, t) => l.changes.reduce((v, c) => (c[0] <= t ? c : v), null);
// the group ringed at step t: the one ringed before where it changed there, else the first that did
const changedAt = (lines, t, k) => (lines[k]?.changes.some((c) => c[0] === t) ? k :
  Math.max(0, lines.findIndex((l) => l.changes.some((c) => c[0] === t))));

function readRate() {
  const lines = $("watch-rate").lines ?? [], h = hover.rate;
  if (!h || !lines.length) return;
  const one = lines.length === 1;
  const said = lines.map((l) => {
    const c = inUse(l, h.t), who = one && l.names.length === 1 ? "" : `${l.who}: `;
    if (!c) return `${who}not read yet`;
    const prev = l.changes[l.changes.indexOf(c) - 1];
    const how = c[0] !== h.t ? `since step ${count(c[0])}` : prev ? `changed at this step from ${fmt(prev[1], 3)}` :
      "the first read";
    return `${who}${fmt(c[1], 3)} (${how})`;
  });
  const steps = rateSteps(lines);
  $("watch-readout").textContent = `Step ${count(h.t)}: learning rate ${said.join("; ")} (change ` +
    `${count(steps.indexOf(h.t) + 1)} of ${count(steps.length)} read)${statusAt(h.t)}`;
}

// the ring on the rate chart: the focused group's point at the step read (the last of its points at or before it)
export function rateRing(lines) {
  const h = hover.rate, l = lines[h?.k];
  if (!h || !l) return null;
  const i = l.x.reduce((best, t, j) => (t <= h.t ? j : best), -1);
  return i < 0 ? null : { i, k: h.k, own: true };
}

function nearestStep(canvas, clientX) {
  const { px } = canvas.geom, box = canvas.getBoundingClientRect(), x = clientX - box.left, { steps } = view;
  let best = 0;
  steps.forEach((s, i) => { if (Math.abs(px(s) - x) < Math.abs(px(steps[best]) - x)) best = i; });
  return best;
}

// the loss chart's place under the pointer: a sampled step, or the place after the last one (afterLast), at the
// last step drawn there
function nearestLoss(clientX) {
  const canvas = $("watch-loss"), best = nearestStep(canvas, clientX), after = afterLast();
  if (!after) return best;
  const { px } = canvas.geom, x = clientX - canvas.getBoundingClientRect().left;
  return Math.abs(px(after.at) - x) < Math.abs(px(view.steps[best]) - x) ? view.steps.length : best;
}

function nearestLine(canvas, i, clientY, lines = view.history) {
  const { py } = canvas.geom, y = clientY - canvas.getBoundingClientRect().top;
  let best = null;
  lines.forEach((h, k) => {
    if (finite(h[i]) && (best === null || Math.abs(py(h[i]) - y) < Math.abs(py(lines[best][i]) - y))) best = k;
  });
  return best ?? 0;
}

// the steps from `first` to `last` that held a NaN or an inf (the lab's stretches of them, cut to these steps), in
// words ("step 30,000", "steps 30,000 to 30,001"), or "" where none did: a band leaves them out
function nanIn(first, last) {
  const said = view.spans.filter(([a, b]) => a <= last && b >= first).map(([a, b]) => {
    const lo = Math.max(a, first), hi = Math.min(b, last);
    return lo === hi ? `step ${count(lo)}` : `steps ${count(lo)} to ${count(hi)}`;
  });
  return said.length > 1 ? `${said.slice(0, -1).join(", ")} and ${said.at(-1)}` : said[0] ?? "";
}

// a point from the thinned stretch of the run says so, and what its stretch held (`range`: [low, high, last step],
// `say`: how a value is written; `most`: the band counts only the most, as unit health does)
const thinnedNote = (i, range = null, say = (v) => fmt(v, 3), most = false) => {
  const { every, points, head, recentFrom, steps } = view;
  if (!(every > 1 && points[i]?.index >= head && points[i]?.index < recentFrom)) return "";
  const last = Math.max(range?.[2] ?? points[i].band?.last ?? steps[i], steps[i]);
  const from = last > steps[i] ? `; from step ${count(steps[i])} to ${count(last)}` : "";
  const bad = from ? nanIn(steps[i], last) : "";
  const stretch = !from ? "" : !range ? (bad && `${from}, ${bad} held a NaN or an inf (red marks)`) :
    (most ? `${from} the most was ${say(range[1])} (the band)` :
      `${from} it ranged from ${say(range[0])} to ${say(range[1])} (the band)`) +
    (bad && `, leaving out ${bad}, which held a NaN or an inf (red marks)`);
  return `; here the charts draw every ${ordinal(every)} sampled step${stretch}`;
};

function readBars() {
  const d = $("watch-bars").drawn, i = hover.bars;
  if (!d || i === null) return;
  const w = d.labels[i] || fmt(d.bars[i], 3);
  const bars = $("watch-bars"), name = bars.names?.[i] ?? "", number = bars.numbers?.[i] ?? i + 1;
  $("watch-readout").textContent = `Layer ${number} ('${name}'): ‖∂L/∂W‖ ${w}, ‖∂L/∂a‖ ${fmt(d.line[i], 3)}` +
    ` (${number} of ${layerCount(bars.of ?? d.categories.length)} layers)`;
}

function readHistory() {
  const h = hover.history, { steps, history, names, points } = view;
  if (!h || !steps.length) return;
  const v = history[h.k]?.[h.i], bad = points[h.i]?.non_finite;
  // at a step that held a NaN or an inf, a layer still finite has its value drawn (a dot over the red mark); the
  // readout gives it, and names the layers that had none
  const none = bad ? history.flatMap((line, k) => (finite(line[h.i]) ? [] : [numberOf(k) - 1])) : [];
  const which = none.length === 1 ? `layer ${sayLayers(none)} held one and is` : `layers ${sayLayers(none)} held one and are`;
  const said = !bad ? (finite(v) ? fmt(v, 3) : "no value") : !finite(v) ? "a NaN or an inf (not drawn)" :
    `${fmt(v, 3)} (finite; this step held a NaN or an inf: ${none.length ? `${which} not drawn` :
      "not in any layer's ‖∂L/∂a‖"})`;
  $("watch-readout").textContent = `Step ${count(steps[h.i])}, layer ${numberOf(h.k)} ('${names[h.k] ?? ""}'): ‖∂L/∂a‖ ${said}` +
    ` (${numberOf(h.k)} of ${layerCount(history.length)} layers)${thinnedNote(h.i, view.historyBands[h.k]?.[h.i])}` +
    statusAt(steps[h.i]);
}

export function readHealth() {
  const h = hover.health, { steps, healthRows, points, names, health } = view;
  if (!h || !steps.length || !healthRows[h.k]) return;
  const [key, k] = healthRows[h.k], p = points[h.i], units = ofPlace(p?.units, k);
  const at = (measure) => ofPlace(p?.[measure], k);
  // of the saturated units, those gone silent (on before, off since), said apart as the table says them (W27)
  const silent = ofPlace(p?.silent, k);
  const apart = (measure) => (measure === "saturated" && Number.isInteger(silent) && silent > 0 ?
    ` (${count(silent)} of them gone silent)` : "");
  const silentNow = Number.isInteger(silent) && silent > 0 ? silent : 0;
  // the dead share's units said apart: dead, and gone silent (counted dead once off for that many in a row at least)
  const need = view.deadNeeds?.[k] ?? view.deadNeed;  // this layer's: more batches where they hold few points
  const deadWords = () => `${count(at("dead"))} dead` + (silentNow ? `, ${count(silentNow)} gone silent (on before, ` +
    `off on every point of the latest sampled batches; counted dead once off for ${count(need)} in a row at ` +
    "least, more for a unit that was on less often)" : "");
  const words = (other) => (other === "dead" ? deadWords() : `${count(at(other))} ${MEASURES[other]}${apart(other)}`);
  const shown = (measure) => (measure === "dead" ? stoppedOf(p, k) : at(measure));
  const batch = view.warm[h.k]?.[h.i];
  const said = p?.non_finite ? "this step held a NaN or an inf, so no unit was counted (not drawn)"
    : batch ? `dead units not counted yet: this is the monitor's ${ordinal(batch)} sampled batch, and it calls a ` +
      `unit dead only after ${count(need)} (not drawn); ` + Object.keys(MEASURES).filter((other) =>
        other !== "dead" && typeof at(other) === "number").map(words).join(", ")
    : typeof at(key) !== "number" || !units ? "the log counts no units here"
      : `${count(shown(key))} of ${count(units)} units ${key === "dead" && !silentNow ? "dead" : MEASURES[key]} ` +
        `(${percent(shown(key) / units)})` +
        `${key === "dead" ? (silentNow ? `: ${deadWords()}` : "") : apart(key)}; ` +
        Object.keys(MEASURES).filter((other) => other !== key && typeof at(other) === "number").map(words)
          .join(", ");
  const which = allMeasures() ? `${h.k + 1} of 3 measures` : `${numberOf(k)} of ${layerCount(health.length)} layers`;
  $("watch-readout").textContent = `Step ${count(steps[h.i])}, layer ${numberOf(k)} ('${names[k] ?? ""}'): ${said}` +
    ` (${which})${thinnedNote(h.i, view.healthBands[h.k]?.[h.i], percent, true)}${statusAt(steps[h.i])}`;
}

// What the loss chart draws after its last sampled step: the end line's band of the steps after it (view.lossTail)
// and the held-out losses given after it, each [step, value]; null where there are none. The keys and the pointer
// reach it as one more place past the last sampled step (W107 walkthrough finding 9: a held-out loss given after the
// last sampled step was drawn and could not be read from the keyboard)
export function afterLast() {
  const last = view.steps.at(-1);
  if (last === undefined) return null;
  const held = view.heldOutX.flatMap((t, k) => (t > last ? [[t, view.heldOutY[k]]] : []));
  return view.lossTail || held.length ? { last, tail: view.lossTail, held,
                                          at: Math.max(view.lossTail?.[3] ?? -Infinity, held.at(-1)?.[0] ?? -Infinity) }
    : null;
}
const lossPlaces = () => view.steps.length + (afterLast() ? 1 : 0);
const HELD_SAID = 3;  // the held-out losses after the last sampled step that its readout names, the latest

function readAfterLast(after) {
  const { last, tail, held } = after;
  const band = tail ? `; from step ${count(last + 1)} to ${count(tail[3])}, the steps after it whose losses the end ` +
    `line carries${tail[2] > last ? ` (from step ${count(tail[2])} on: the monitor keeps the latest 100)` : ""}, the ` +
    `loss ranged from ${fmt(tail[0], 4)} to ${fmt(tail[1], 4)} (the band)` : "";
  const named = held.slice(-HELD_SAID).map(([t, v]) => `${fmt(v, 4)}, given after training step ${count(t)}`);
  const earlier = held.length > HELD_SAID ? ` (the latest ${HELD_SAID} of ${count(held.length)})` : "";
  const heldOut = held.length ? `; held-out loss${held.length > 1 ? "es" : ""}${earlier} ${named.join("; ")}` : "";
  $("watch-readout").textContent = `After the last sampled step, ${count(last)}${band}${heldOut}` +
    statusAt(after.at);
}

function readLoss() {
  const i = hover.loss, { steps, losses, points } = view;
  if (i === null || !steps.length) return;
  if (i >= steps.length) {  // the place after the last sampled step, or the last sampled step where it has gone
    const after = afterLast();
    if (after) { readAfterLast(after); return; }
    hover.loss = steps.length - 1;
    readLoss();
    return;
  }
  const raw = view.lossSaid[i];
  const said = raw === "inf" || raw === "-inf" ? `loss ${raw === "inf" ? "+" : "−"}infinity (a red mark, not drawn)` :
    points[i]?.non_finite ? "this step held a NaN or an inf (not drawn)" :
      finite(losses[i]) ? `loss ${fmt(losses[i], 4)}` : "no loss logged";
  const band = view.lossBands[i], thinned = thinnedNote(i, band, (v) => fmt(v, 4));
  // a point of its own with the steps up to the next sampled one (their losses in the log: W32)
  const held = band && band[3] > steps[i] + 1 ? ` (their losses held from step ${count(band[3])} on: the monitor ` +
    "keeps the latest 100)" : "";
  const between = !thinned && band && band[2] > steps[i] ?
    `; from step ${count(steps[i])} to ${count(band[2])}, the steps up to the next sampled one${held}, the loss ` +
    `ranged from ${fmt(band[0], 4)} to ${fmt(band[1], 4)} (the band)` : "";
  // the held-out loss the reading of this step took in, and the step it was given after (Monitor.held_out)
  const given = view.heldOutStep[i], value = points[i]?.held_out?.[1];
  const heldOut = Number.isInteger(given) && finite(value) ?
    `; held-out loss ${fmt(value, 4)}, given after training step ${count(given)}` : "";
  // the loss's named parts at this step (s.parts)
  const chance = (k) => (view.partChance[k] === null ? "" : ` (its chance level ${fmt(view.partChance[k], 4)})`);
  const parts = view.partNames.flatMap((name, k) => (finite(view.parts[k][i]) ?
    [`'${name}' ${fmt(view.parts[k][i], 4)}${chance(k)}`] : []));
  const partsSaid = parts.length ? `; parts (s.parts): ${parts.join(", ")}` : "";
  $("watch-readout").textContent = `Step ${count(steps[i])}: ${said}${partsSaid}${heldOut}${thinned || between}` +
    statusAt(steps[i]);
}

// the health chart's lines became the three measures of one layer (`all`), or the layers again: the readout stays on
// its step and its layer, which is now another line
export function healthSwitched(all) {
  const h = hover.health;
  if (!h) return;
  if (all) { setHealthLayer(h.k); hover.health = { i: h.i, k: 0 }; }
  else hover.health = { i: h.i, k: view.healthRows[h.k]?.[1] ?? 0 };
}

const clamp = (v, n) => Math.min(n - 1, Math.max(0, v));
const move = (key, i, n) => clamp(key === "Home" ? 0 : key === "End" ? n - 1 :
  i + (key === "ArrowLeft" || key === "ArrowDown" ? -1 : 1), n);

// the pointer and the keys on each chart; `redraw` draws the charts again (the focused point is marked)
export function wireReadouts(redraw) {
  function wire(id, onMove, onKey, onFocus, read) {
    const canvas = $(id);
    canvas.addEventListener("mousemove", () => { hover.again = read; });
    canvas.addEventListener("focus", () => { hover.again = read; });
    canvas.tabIndex = 0;
    canvas.addEventListener("mousemove", (ev) => { if (canvas.geom && view.latest) { onMove(ev); redraw(); } });
    canvas.addEventListener("focus", () => { if (view.latest) { onFocus(); redraw(); } });
    // while a chart is pointed at or focused, the readout keeps to the foot of the window (watch.css): on a narrow
    // window the charts stand one under another, and the readout under the last was out of sight (V12)
    const live = (on) => () => $("watch-readout").classList.toggle("live", on);
    canvas.addEventListener("mousemove", live(true)); canvas.addEventListener("focus", live(true));
    canvas.addEventListener("mouseleave", live(false)); canvas.addEventListener("blur", live(false));
    // a chart read from the keyboard is scrolled clear of the readout at the window's foot, whose height follows
    // its words (W64 walkthrough: the readout covered the loss chart's step axis)
    const clear = () => requestAnimationFrame(() => {
      const readout = $("watch-readout");
      if (document.activeElement !== canvas || !readout.classList.contains("live")) return;
      const over = canvas.getBoundingClientRect().bottom - readout.getBoundingClientRect().top;
      if (over > 0) window.scrollBy(0, Math.ceil(over) + 8);
    });
    canvas.addEventListener("focus", clear);
    canvas.addEventListener("keydown", (ev) => {
      if (!view.latest || !["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(ev.key)) return;
      ev.preventDefault(); onKey(ev.key); redraw(); clear();
    });
  }
  const lastStep = () => view.steps.length - 1;

  wire("watch-bars", (ev) => {
    const c = $("watch-bars"), { l, slot, n } = c.geom, box = c.getBoundingClientRect();
    hover.bars = clamp(Math.floor((ev.clientX - box.left - l) / slot), n); readBars();
  }, (key) => { hover.bars = move(key, hover.bars ?? 0, $("watch-bars").geom.n); readBars(); },
  () => { hover.bars ??= 0; readBars(); }, readBars);

  wire("watch-history", (ev) => {
    const c = $("watch-history"), i = nearestStep(c, ev.clientX);
    hover.history = { i, k: nearestLine(c, i, ev.clientY) }; readHistory();
  }, (key) => {
    const h = hover.history ?? { i: lastStep(), k: 0 };
    hover.history = key === "ArrowUp" || key === "ArrowDown"
      ? { i: h.i, k: clamp(h.k + (key === "ArrowUp" ? 1 : -1), view.history.length) }
      : { i: move(key, h.i, view.steps.length), k: h.k };
    readHistory();
  }, () => { hover.history ??= { i: lastStep(), k: 0 }; readHistory(); }, readHistory);

  wire("watch-health", (ev) => {
    const c = $("watch-health"), i = nearestStep(c, ev.clientX);
    hover.health = { i, k: nearestLine(c, i, ev.clientY, view.health) }; readHealth();
  }, (key) => {
    const h = hover.health ?? { i: lastStep(), k: 0 };
    hover.health = key === "ArrowUp" || key === "ArrowDown"
      ? { i: h.i, k: clamp(h.k + (key === "ArrowUp" ? 1 : -1), view.health.length) }
      : { i: move(key, h.i, view.steps.length), k: h.k };
    readHealth();
  }, () => { hover.health ??= { i: lastStep(), k: 0 }; readHealth(); }, readHealth);

  const rateLinesDrawn = () => $("watch-rate").lines ?? [];
  wire("watch-rate", (ev) => {
    const c = $("watch-rate"), ts = rateSteps(rateLinesDrawn()), x = ev.clientX - c.getBoundingClientRect().left;
    if (!ts.length) return;
    const t = ts.reduce((b, s) => (Math.abs(c.geom.px(s) - x) < Math.abs(c.geom.px(b) - x) ? s : b), ts[0]);
    hover.rate = { t, k: changedAt(rateLinesDrawn(), t, hover.rate?.k ?? 0) }; readRate();
  }, (key) => {
    const lines = rateLinesDrawn(), ts = rateSteps(lines);
    if (!ts.length) return;
    const h = hover.rate ?? { t: ts.at(-1), k: 0 };
    hover.rate = key === "ArrowUp" || key === "ArrowDown"
      ? { t: h.t, k: clamp(h.k + (key === "ArrowUp" ? 1 : -1), lines.length) }
      : { t: ts[move(key, Math.max(0, ts.indexOf(h.t)), ts.length)], k: h.k };
    hover.rate.k = key === "ArrowUp" || key === "ArrowDown" ? hover.rate.k : changedAt(lines, hover.rate.t, h.k);
    readRate();
  }, () => {
    const ts = rateSteps(rateLinesDrawn());
    if (ts.length) { hover.rate ??= { t: ts.at(-1), k: changedAt(rateLinesDrawn(), ts.at(-1), 0) }; readRate(); }
  }, readRate);

  wire("watch-loss", (ev) => { hover.loss = nearestLoss(ev.clientX); readLoss(); },
    (key) => { hover.loss = move(key, hover.loss ?? lastStep(), lossPlaces()); readLoss(); },
    () => { hover.loss ??= lastStep(); readLoss(); }, readLoss);
}
