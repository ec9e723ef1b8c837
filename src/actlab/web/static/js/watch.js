// The watch page: follows a PyTorch monitor's log (actlab watch FILE) and draws its latest step and its history.
// Every number, word and reading comes from the server, which checked each report against the log's format
// before passing it on; steps that held a NaN or an inf are marked, never drawn as numbers, and the page says when
// the run has ended or gone quiet, when the log was started again (and clears the old run), when the file is not a
// Monitor log, how many lines it skipped, and which steps its charts show. Every chart names the point under the
// pointer or, for the keyboard, under the focus (arrow keys move it) in the readout below the charts.
// The charts cover the whole run at any length: the server keeps the first `head` sampled steps, every `every`-th
// one after them up to report `recent_from` and every one after that (run_history.RunHistory), and the page holds
// the same points, dropping the ones the server dropped, so neither holds more than 1,756 points however long the
// run. Each kept point of the thinned stretch carries the range of the reports it stands for (its band: the lowest
// and highest loss and gradient, the most units dead, saturated and dormant), which the charts shade, so a spike
// between two drawn steps stays visible; a point the page drops widens the band of the kept one before it, as the
// server's does (run_history._widen). Once the last step is 1,000 times the first, the history charts put the steps
// on a log axis by default, so the start (where gradients vanish and units die) is not squeezed into a few pixels;
// a checkbox switches it.
import { getJSON } from "./api.js";
import { PALETTE, fmt } from "./charts.js";
import { showReading } from "./reading.js";
import { chartNote, lossIsLog, stepLines, watchBars } from "./watch-charts.js";
import { cell, drawTable, fitOnResize } from "./watch-table.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
const QUIET_S = 30;  // no new line for this long, and no end line: say the run may have stopped
const count = (n) => n.toLocaleString("en-US");
// the run's points as the server keeps them ({index, step, loss, non_finite, grads, dead, saturated, dormant,
// units}: one per kept report, oldest first), every one before report `head`, every k-th from it to report
// recentFrom and every one after that; spans: [first, last, how many] stretches of steps that held a NaN or an inf
let run = null, next = 0, points = [], head = 0, every = 1, recentFrom = 0, spans = [], nonFinite = 0, total = 0;
// drawn from the points: per point its step, its finite loss, per layer its finite gradient and its share of units
// in the health measure chosen (null where the log holds no count)
let steps = [], losses = [], history = [], health = [], names = [], lastFinite = null;
let historyBands = [], healthBands = [], lossBands = [];  // per point of the thinned stretch: [low, high, last step]
// the step axis the learner chose (true: log), or null: the page's choice (stepAxisAuto); kept in the address as
// ?steps=log or ?steps=linear, so a reload or a shared link keeps it
const STEP_AXES = { log: true, linear: false };
let stepLog = STEP_AXES[new URLSearchParams(window.location.search).get("steps")] ?? null;
let firstSeen = null;  // the first report that held a NaN or an inf: {step, previous} (the report before it)
let lossSaid = [];  // per point: the loss as the log holds it ("inf", null, a number), for the readout
let latest = null, restartNote = "", reread = null;
// the latest report drawn is the lab's preview: the newest report at the end of a log it is still reading
let previewing = false;  // reread: the readout last used, said again as steps arrive
const hover = { bars: null, history: null, loss: null, health: null };  // what each chart's readout names
const CHARTS = ["watch-bars", "watch-history", "watch-health", "watch-loss"];

function reset() {
  next = 0; points = []; head = 0; every = 1; recentFrom = 0; spans = []; nonFinite = 0; total = 0;
  steps = []; losses = []; history = []; health = []; names = []; lastFinite = null; latest = null; lossSaid = [];
  historyBands = []; healthBands = []; lossBands = []; previewing = false;
  hover.bars = hover.history = hover.loss = hover.health = null; reread = null;
  for (const id of CHARTS) {
    const c = $(id);
    c.getContext("2d").clearRect(0, 0, c.width, c.height);
    c.drawn = null; c.redraw = null;
  }
  $("watch-table").replaceChildren(); $("watch-notes").replaceChildren(); $("watch-readout").textContent = "";
  showReading($("watch-reading"), null);
  $("watch-nan").hidden = true; $("watch-nan").textContent = "";
}

const finite = (v) => typeof v === "number" && Number.isFinite(v);

// A layer's name as the page shows it: an nn.Sequential's modules are named by bare indices ('1', '3', or '3#2' for
// a second call), which read as counts ('1: 1'), so those carry the module's class: '1 (ReLU)'.
function layerName(l) {
  return /^\d+(#\d+)?$/.test(String(l.name)) && l.module_type ? `${l.name} (${l.module_type})` : l.name;
}

function barsArgs() {
  // a step that held a NaN has no bars to draw: the latest finite step is drawn, and the caption says so
  const report = latest;
  const shown = report.non_finite && lastFinite ? lastFinite : report;
  const caption = previewing ? `step ${count(report.step)}, the newest in the log (the page is still reading the ` +
    "steps before it)" : shown === report ? `step ${count(report.step)}` :
    `step ${count(shown.step)}, the latest finite one (step ${count(report.step)} holds a NaN or an inf)`;
  return {
    categories: shown.layers.map((l, k) => `${k + 1}: ${layerName(l)}`),
    names: shown.layers.map(layerName),
    bars: shown.layers.map((l) => (l.weights_frozen ? null : l.weight_grad_norm)),
    line: shown.layers.map((l) => l.act_grad_norm),
    labels: shown.layers.map((l) => (l.weights_frozen ? "frozen" : l.weight_grad_norm === 0 ? "0: no gradient" :
      l.non_finite ? "NaN" : "")),
    barName: "‖∂L/∂W‖", lineName: "‖∂L/∂a‖", caption, hover: hover.bars,
  };
}

const nanMarks = () => spans.map(([first, last]) => [first, last]);

// The step axis: log by default once the last step is 10^STEP_DECADES times the first (on a linear axis a 200,000-step
// run gives its first 200 steps 0.1% of the width, about one pixel; on a log axis about 43%). A log axis rather
// than a split one: one mapping for the whole run, so the readout, the NaN marks and the pointer agree everywhere,
// and every decade of training gets the same room, with no seam placed at an arbitrary step.
const STEP_DECADES = 3;  // the last step 1,000 times the first
const stepShift = () => Math.max(0, 1 - (steps[0] ?? 1));  // a run counted from step 0 is drawn one step on
const stepRatio = () => (steps.length ? (steps[steps.length - 1] + stepShift()) / (steps[0] + stepShift()) : 1);
const stepAxisAuto = () => Math.log10(stepRatio()) >= STEP_DECADES;
const isStepLog = () => stepLog ?? stepAxisAuto();

function sayStepAxis() {
  const log = isStepLog();
  $("watch-step-log").checked = log;
  const ratio = `the last step is ${count(Math.round(stepRatio()))} times the first (steps ${count(steps[0] ?? 0)} ` +
    `to ${count(steps[steps.length - 1] ?? 0)})`;
  const why = stepLog !== null ? "as you chose" : `since ${ratio}`;
  const text = log
    ? `The history charts put the steps on a log axis, ${why}: each tenfold stretch of steps ` +
      "(1 to 10, 10 to 100, …) gets the same width, so the start of the run is not squeezed into a few pixels."
    : `The history charts put the steps on an even (linear) axis, ${why}` +
      (stepLog !== null ? "." : `; past ${count(10 ** STEP_DECADES)} times, the page switches to a log axis.`);
  // not a live region: on a growing run the ratio changes at every poll, and the checkbox says the axis itself
  if ($("watch-step-axis").textContent !== text) $("watch-step-axis").textContent = text;
}

const MEASURES = { dead: "dead", saturated: "saturated or rarely active", dormant: "dormant" };
const AXIS_NAMES = { dead: "% of units dead", saturated: "% saturated or rare", dormant: "% of units dormant" };
const measure = () => $("watch-health-measure").value;
// "all": the three measures side by side for the layer chosen, each its own colour and dash (not colour alone)
const allMeasures = () => measure() === "all";
const healthLayer = () => Number($("watch-health-layer").value || 0);
const MEASURE_DASHES = [false, [7, 3], [2, 2]];
let healthRows = [];  // per line of the health chart: [measure, layer]
const percent = (v) => `${Math.round(v * 100)}%`;

// the layers whose bars are too narrow for their value at this width, and where to read it instead
const layerList = (ks) => {
  const runs = [];
  for (const k of ks) {
    if (runs.length && runs.at(-1)[1] === k - 1) runs.at(-1)[1] = k; else runs.push([k, k]);
  }
  const said = runs.map(([a, b]) => (a === b ? `${a + 1}` : `${a + 1} to ${b + 1}`));
  return said.length > 1 ? `${said.slice(0, -1).join(", ")} and ${said.at(-1)}` : said[0];
};

function sayUnlabelled(ks, n) {
  const el = $("watch-bars-note");
  const text = !ks?.length ? "" : (ks.length === n ? "The bars are too narrow here to write their values" :
    `The bar${ks.length === 1 ? " of layer" : "s of layers"} ${layerList(ks)} ${ks.length === 1 ? "is" : "are"} too ` +
    "narrow here to write a value") + ": point at a bar, or focus the chart and use the arrow keys, to read it " +
    "below, and the table lists every layer's ‖∂L/∂W‖.";
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
}

function drawCharts() {
  if (latest) {
    const args = barsArgs();
    watchBars($("watch-bars"), args);
    $("watch-bars").names = args.names;
    sayUnlabelled($("watch-bars").unlabelled, args.names.length);
  } else if (points.length) {  // the lab sends the newest report whole once the page has every point
    chartNote($("watch-bars"), "The bars show the latest sampled step once the page has read the whole log.");
  }
  if (!points.length) return;
  sayStepAxis();
  const xLog = isStepLog(), layerSeries = (ys, bands) => ys.map((y, k) => ({ name: `${k + 1}: ${names[k] ?? ""}`,
    raw: names[k] ?? "", y, band: bands[k] }));
  stepLines($("watch-history"), { x: steps, log: true, marks: nanMarks(), empty: "No finite step yet", hover: hover.history,
                                  series: layerSeries(history, historyBands), xLog });
  const healthSeries = allMeasures()
    ? healthRows.map(([key], r) => ({ name: MEASURES[key], y: health[r], band: healthBands[r], color: PALETTE[r],
                                      dash: MEASURE_DASHES[r], whole: true }))
    : layerSeries(health, healthBands);
  const healthAxis = allMeasures() ? `% of layer ${healthRows[0][1] + 1}'s units` : AXIS_NAMES[measure()];
  stepLines($("watch-health"), { x: steps, log: false, yRange: [0, 1], yLabel: percent, marks: nanMarks(), xLog,
                                 yName: healthAxis, empty: "No unit counted yet", hover: hover.health,
                                 series: healthSeries });
  // a loss that spans decades (a diverging run) is drawn on a log axis; a loss that is itself not finite is a
  // red mark like a step that held a NaN or an inf, never a silent gap
  const inSpan = (st) => spans.some(([first, last]) => first <= st && st <= last);
  const infLoss = steps.filter((st, i) => (lossSaid[i] === "inf" || lossSaid[i] === "-inf") && !inSpan(st))
    .map((st) => [st, st]);
  stepLines($("watch-loss"), { x: steps, log: lossIsLog(losses), marks: [...nanMarks(), ...infLoss], xLog,
                               series: [{ name: "loss", y: losses, band: lossBands }], hover: hover.loss,
                               empty: "No loss logged: set s.loss = loss inside mon.step()" });
}

// when the first NaN or inf came: a fact where the monitor sampled the step before it, else only where it was seen
// (sampling every 5th step, a run that went bad at step 403 is first seen at sampled step 406)
function whenFirst(step, sampledEvery) {
  const previous = firstSeen?.step === step ? firstSeen.previous : undefined;
  if (previous === null) {
    return step <= 1 ? `first appeared at step ${count(step)}` :
      `was first seen at sampled step ${count(step)}, the first step the log holds`;
  }
  if (previous !== undefined) {
    return previous === step - 1 ? `first appeared at step ${count(step)}` :
      `was first seen at sampled step ${count(step)} (the last finite sample was step ${count(previous)})`;
  }
  return sampledEvery > 1 ? `was first seen at sampled step ${count(step)} (the monitor samples every ` +
    `${ordinal(sampledEvery)} step)` : `first appeared at step ${count(step)}`;
}

function draw(report) {
  latest = report;
  showReading($("watch-reading"), report.reading);
  drawCharts();
  reread?.();
  drawTable($("watch-table"), report);
  const nan = report.first_non_finite;
  $("watch-nan").textContent = nan ? `A NaN or an inf ${whenFirst(nan.step, report.every)}, first at ${nan.place}` +
    (nonFinite > 1 ? `; ${count(nonFinite)} of the ${count(total)} sampled steps held one (red marks).` : ".") : "";
  $("watch-nan").hidden = !nan;
  $("watch-notes").replaceChildren(...(report.notes || []).map((n) => cell("li", n)));
}

// the page is still reading the log's backlog: the lab has not read the file to its end, or has read more reports
// than it has sent the page
const isReading = (data) => data.unread > 0 || data.next < data.total;

// how far the page has read: the reports it has of the lab's count, or, while the lab has not read the whole file,
// the megabytes read and a count estimated from them (two significant figures: it is a guess)
const megabytes = (bytes) => (bytes < 1e7 ? (bytes / 1e6).toFixed(1) : count(Math.round(bytes / 1e6)));
function readSoFar(data) {
  const had = Math.min(data.next, data.total);
  if (data.unread <= 0 || !data.size) return `${count(had)} of ${count(data.total)} sampled steps`;
  const mb = `${megabytes(data.size - data.unread)} of ${megabytes(data.size)} MB, `;
  const read = data.size - data.unread, guess = read > 0 ? data.total * data.size / read : 0;
  const digits = 10 ** Math.max(Math.floor(Math.log10(Math.max(guess, 1))) - 1, 0);
  const about = Math.max(Math.round(guess / digits) * digits, data.total);
  return `${mb}${count(had)} of about ${count(about)} sampled steps`;
}

// what the run is doing, or what the page waits for, or why it cannot show the file
function runState(data) {
  if (data.not_log) return { state: "not-a-log", text: `${data.not_log}. The page shows nothing from it; it reads ` +
    "the file again if it is written anew." };
  if (!data.exists) {
    return { state: "waiting", text: data.folder_missing ? `Waiting for ${data.shown_path}: neither the file nor the ` +
      `folder ${data.folder_missing} exists yet (Monitor(model, log=...) creates missing folders). Check the path ` +
      "if you meant a folder that exists." : `Waiting for ${data.shown_path}: the file does not exist yet.` };
  }
  if (!data.total) {
    return { state: "waiting", text: data.size ? `Waiting for ${data.shown_path}: no sampled step in it yet.` :
      `Waiting for ${data.shown_path}: the file is empty so far.` };
  }
  if (isReading(data)) return { state: "reading", text: `Reading the log: ${readSoFar(data)}. Whether the run is ` +
    "going on or has ended is said once the page has read all of it." };
  if (data.ended) {
    return { state: "ended", text: `The run has ended: the monitor closed its log after ${count(data.ended.steps_run)} steps.` };
  }
  if (data.idle_s !== null && data.idle_s > QUIET_S) {
    return { state: "quiet", text: `No new line in the log for ${Math.round(data.idle_s)} s: the run may have stopped ` +
      "(a script that ends normally, or calls mon.close(), writes an end line)." };
  }
  return { state: "running", text: "The run is going on: the page follows the log." };
}

function sayBadLines(data) {
  const el = $("watch-bad");
  if (!data.bad_lines) { el.hidden = true; el.textContent = ""; return; }
  const named = data.problems.map((p) => `line ${count(p.line)}: ${p.why}`).join("; ");
  const more = data.bad_lines > data.problems.length ? `; and ${count(data.bad_lines - data.problems.length)} more` : "";
  el.textContent = `${count(data.bad_lines)} line${data.bad_lines === 1 ? " was" : "s were"} skipped, since ` +
    `${data.bad_lines === 1 ? "it is not a record" : "they are not records"} of a Monitor log (${named}${more}). ` +
    `The ${count(data.total)} good report${data.total === 1 ? " is" : "s are"} shown.`;
  el.hidden = false;
}

const ordinal = (n) => {
  const tens = n % 100, ones = n % 10;
  return count(n) + (tens >= 11 && tens <= 13 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th");
};

// which steps the charts show, once the run is longer than the points they hold
function saySpan() {
  const el = $("watch-span");
  const thinned = points.filter((p) => p.index >= head && p.index < recentFrom);
  if (every === 1 || !thinned.length || next < total) { el.hidden = true; el.textContent = ""; return; }
  const after = points.find((p) => p.index >= recentFrom);
  const start = points.filter((p) => p.index < head);
  el.textContent = "The charts show the whole run: " +
    (start.length ? `every sampled step up to step ${count(start[start.length - 1].step)}, then ` : "") +
    `every ${ordinal(every)} sampled step up to step ${count(thinned[thinned.length - 1].step)}, ` +
    "then every sampled step" +
    (after ? ` from step ${count(after.step)} to ${count(steps[steps.length - 1])}` : "") +
    ` (${count(points.length)} of the ${count(total)} sampled steps). Between two drawn steps of the thinned middle, ` +
    "the shaded band spans the lowest to highest value of the steps not drawn, so a spike there still shows; a step " +
    "that held a NaN or an inf is marked in red.";
  el.hidden = false;
}

// A point's band: the range of the reports it stands for ({last: the last step, loss: [low, high], grads: per layer
// [low, high], dead, saturated, dormant: per layer the most}); a point that came without one stands for itself.
// The same as the server's run_history._band_of and _widen, so page and server hold the same bands.
const HEALTH_KEYS = ["dead", "saturated", "dormant"];
function bandOf(p) {
  if (p.band) return p.band;
  const bad = p.non_finite;
  return { last: p.step, loss: !bad && finite(p.loss) ? [p.loss, p.loss] : null,
           grads: p.grads.map((g) => (bad || g === null || g === undefined ? null : [g, g])),
           ...Object.fromEntries(HEALTH_KEYS.map((key) => [key, (p[key] ?? []).map((v) => (bad ? null : v ?? null))])) };
}
const upper = (a, b) => (a === null || a === undefined ? b ?? null : b === null || b === undefined ? a : Math.max(a, b));
const span = (a, b) => (!a ? b ?? null : !b ? a : [Math.min(a[0], b[0]), Math.max(a[1], b[1])]);
function widen(band, other) {
  const n = Math.max(band.grads.length, other.grads.length);
  const pair = (a, b, f) => Array.from({ length: n }, (_, k) => f(a?.[k], b?.[k]));
  return { last: Math.max(band.last, other.last), loss: span(band.loss, other.loss), grads: pair(band.grads, other.grads, span),
           ...Object.fromEntries(HEALTH_KEYS.map((key) => [key, pair(band[key], other[key], upper)])) };
}

// the points of an answer join the page's, and the ones the server no longer keeps go (the same rule as its own),
// each widening the band of the kept point before it
function take(data) {
  const last = points.length ? points[points.length - 1].index : -1;
  const fresh = data.points.filter((p) => p.index > last);
  // the band of a thinned point the page has, as it grew since (reports the page had not read were thinned into it)
  if (data.grown) { const had = points.find((q) => q.index === data.grown.index); if (had) had.band = data.grown.band; }
  const before = points.length + fresh.length;
  firstSeen = data.first_seen ?? null;
  head = data.head; every = data.every; recentFrom = data.recent_from; spans = data.spans; nonFinite = data.non_finite;
  total = data.total;
  const held = [];
  let keeper = null;  // the thinned point whose stretch the points after it join
  for (const p of points.concat(fresh)) {
    if (p.index < head || p.index >= recentFrom) held.push(p);
    else if ((p.index - head) % every === 0) { p.band = bandOf(p); held.push(p); keeper = p; }
    else if (keeper) keeper.band = widen(keeper.band, bandOf(p));
  }
  points = held;
  if (points.length < before) {  // thinned: a step the readout named may have gone
    hover.history = hover.loss = hover.health = null;
    if (reread !== readBars) reread = null;
  }
  if (data.latest) {
    latest = data.latest;
    lastFinite = latest.non_finite ? data.latest_finite ?? lastFinite : latest;
  }
  names = latest ? latest.layers.map(layerName) : (data.header.layers ?? []);
  fillLayerChoice();
  if (!fresh.length && points.length === steps.length) return;
  steps = points.map((p) => p.step);
  // a step that held a NaN or an inf is a red mark, not a point: its loss is not drawn either
  losses = points.map((p) => (!p.non_finite && finite(p.loss) ? p.loss : null));
  lossSaid = points.map((p) => p.loss ?? null);
  const layers = points.reduce((n, p) => Math.max(n, p.grads.length), 0);  // a new header adds places
  history = Array.from({ length: layers }, (_, k) => points.map((p) => p.grads[k] ?? null));
  // the bands, [low, high, last step] per point of the thinned stretch (null elsewhere)
  const banded = (range, p) => (range ? [range[0], range[1], p.band.last] : null);
  historyBands = Array.from({ length: layers }, (_, k) => points.map((p) => banded(p.band?.grads?.[k], p)));
  lossBands = points.map((p) => banded(p.band?.loss, p));
  healthShares();
}

// per layer, the share of its units in the chosen measure at each point (null where the log counts none), and on the
// thinned stretch the band from that share up to the most its stretch counted
function healthShares() {
  healthRows = allMeasures() ? HEALTH_KEYS.map((key) => [key, Math.min(healthLayer(), history.length - 1)])
    : Array.from({ length: history.length }, (_, k) => [measure(), k]);
  health = healthRows.map(([key, k]) => points.map((p) => {
    const n = p[key]?.[k], units = p.units?.[k];
    return p.non_finite || typeof n !== "number" || !units ? null : n / units;
  }));
  healthBands = healthRows.map(([key, k], r) => points.map((p, i) => {
    const most = p.band?.[key]?.[k], units = p.units?.[k];
    if (typeof most !== "number" || !units) return null;
    return [health[r][i] ?? most / units, most / units, p.band.last];
  }));
}

// the layer list of the "all three measures" choice follows the layers the log names
function fillLayerChoice() {
  const select = $("watch-health-layer"), wanted = names.map((n, k) => `${k + 1}: ${n}`);
  if ([...select.options].map((o) => o.textContent).join("\n") === wanted.join("\n")) return;
  const chosen = select.value;
  select.replaceChildren(...wanted.map((text, k) => Object.assign(document.createElement("option"),
    { value: String(k), textContent: text })));
  if (chosen && Number(chosen) < wanted.length) select.value = chosen;
}

async function poll() {
  let data;
  try {
    data = await getJSON("/api/watch", { since: next });
  } catch (err) {
    if (err.status === 404) {  // the lab answered: it was started without a log (actlab lab), so nothing to follow
      $("watch-none").hidden = false; $("watch-body").hidden = true; $("status").textContent = "";
      document.body.dataset.ready = "true";
      return;
    }
    $("status").textContent = `Could not reach the lab to read the log: ${err.message}. Trying again.`;
    setTimeout(poll, POLL_MS * 3);
    return;
  }
  if (run !== null && data.run !== run) {  // the log was started again: the old run's views go
    reset();
    restartNote = `At ${new Date().toLocaleTimeString("en-GB")} the log was started again: ${data.restarted}. ` +
      "The page cleared the previous run and shows the new one from its first sampled step.";
    run = data.run;
    setTimeout(poll, 0);
    return;
  }
  run = data.run;
  $("watch-restart").textContent = restartNote;
  $("watch-restart").hidden = !restartNote;
  const sampled = `${count(data.total)} sampled step${data.total === 1 ? "" : "s"}`;
  $("watch-source").textContent = isReading(data) ? `${data.path}: reading` :
    `${data.path}: ${sampled}${data.ended ? "" : " so far"}`;
  take(data);
  next = data.next;
  // no report yet (waiting, or not a Monitor log): no empty chart frames, nothing to point at; shown before the
  // first draw, so the charts are sized in place
  const any = Boolean(latest || points.length);
  for (const el of document.querySelectorAll(".watch-charts")) el.style.display = any ? "" : "none";
  $("watch-step-axis").hidden = !any;
  $("watch-readout").hidden = !any;
  let trouble = "";  // the banner's only words once the lab answers: a step that could not be drawn
  try {
    if (data.latest) { previewing = false; draw(data.latest); }
    else if (data.preview && !latest) { previewing = true; draw(data.preview); }  // the newest step first
    else if (data.points.length) { drawCharts(); reread?.(); }
  } catch (err) {  // the server checked each report; should one still not draw, the page keeps what it showed
    trouble = `Step ${data.latest?.step ?? data.points[data.points.length - 1]?.step} could not be drawn ` +
      `(${err.message}); the page shows the steps before it.`;
  }
  sayBadLines(data);
  saySpan();
  const { state, text } = runState(data);
  $("watch-run").textContent = text;
  $("watch-run").dataset.state = state;
  // while the backlog is read the count changes at every answer (several a second): a screen reader waits for the
  // line to settle and reads what the run is doing then, not each count
  $("watch-run").setAttribute("aria-busy", String(state === "reading"));
  // what the run is doing (waiting, ended, not a log) is said once, in the body under the title; the banner keeps
  // only a trouble of the page itself
  $("status").textContent = trouble;
  document.body.dataset.ready = "true";
  // catch up at once (points the page has not had, or a long log the lab has not read to its end), then follow
  setTimeout(poll, data.next < data.total || data.unread > 0 ? 0 : POLL_MS);
}

// -- readouts: the point under the pointer, or under the focus (arrow keys move it) --------------------------------

function nearestStep(canvas, clientX) {
  const { px } = canvas.geom, box = canvas.getBoundingClientRect(), x = clientX - box.left;
  let best = 0;
  steps.forEach((s, i) => { if (Math.abs(px(s) - x) < Math.abs(px(steps[best]) - x)) best = i; });
  return best;
}

function nearestLine(canvas, i, clientY, lines = history) {
  const { py } = canvas.geom, y = clientY - canvas.getBoundingClientRect().top;
  let best = null;
  lines.forEach((h, k) => {
    if (finite(h[i]) && (best === null || Math.abs(py(h[i]) - y) < Math.abs(py(lines[best][i]) - y))) best = k;
  });
  return best ?? 0;
}

// a point from the thinned stretch of the run says so, and what its stretch held (`range`: [low, high, last step],
// `say`: how a value is written; `most`: the band counts only the most, as unit health does)
const thinnedNote = (i, range = null, say = (v) => fmt(v, 3), most = false) => {
  if (!(every > 1 && points[i]?.index >= head && points[i]?.index < recentFrom)) return "";
  const from = range && range[2] > steps[i] ? `; from step ${count(steps[i])} to ${count(range[2])} ` : "";
  const stretch = !from ? "" : most ? `${from}the most was ${say(range[1])} (the band)` :
    `${from}it ranged from ${say(range[0])} to ${say(range[1])} (the band)`;
  return `; here the charts draw every ${ordinal(every)} sampled step${stretch}`;
};

function readBars() {
  const d = $("watch-bars").drawn, i = hover.bars;
  if (!d || i === null) return;
  const w = d.labels[i] || fmt(d.bars[i], 3);
  const name = $("watch-bars").names?.[i] ?? "";
  $("watch-readout").textContent = `Layer ${i + 1} ('${name}'): ‖∂L/∂W‖ ${w}, ‖∂L/∂a‖ ${fmt(d.line[i], 3)}` +
    ` (${i + 1} of ${d.categories.length} layers)`;
}

function readHistory() {
  const h = hover.history;
  if (!h || !steps.length) return;
  const v = history[h.k]?.[h.i];
  const said = points[h.i]?.non_finite ? "a NaN or an inf (not drawn)" : finite(v) ? fmt(v, 3) : "no value";
  $("watch-readout").textContent = `Step ${count(steps[h.i])}, layer ${h.k + 1} ('${names[h.k] ?? ""}'): ‖∂L/∂a‖ ${said}` +
    ` (${h.k + 1} of ${history.length} layers)${thinnedNote(h.i, historyBands[h.k]?.[h.i])}`;
}

function readHealth() {
  const h = hover.health;
  if (!h || !steps.length || !healthRows[h.k]) return;
  const [key, k] = healthRows[h.k], p = points[h.i], units = p?.units?.[k];
  const words = (other) => `${count(p[other][k])} ${MEASURES[other]}`;
  const said = p?.non_finite ? "this step held a NaN or an inf, so no unit was counted (not drawn)"
    : typeof p?.[key]?.[k] !== "number" || !units ? "the log counts no units here"
      : `${count(p[key][k])} of ${count(units)} units ${MEASURES[key]} (${percent(p[key][k] / units)}); ` +
        Object.keys(MEASURES).filter((other) => other !== key && typeof p[other]?.[k] === "number").map(words)
          .join(", ");
  const which = allMeasures() ? `${h.k + 1} of 3 measures` : `${k + 1} of ${health.length} layers`;
  $("watch-readout").textContent = `Step ${count(steps[h.i])}, layer ${k + 1} ('${names[k] ?? ""}'): ${said}` +
    ` (${which})${thinnedNote(h.i, healthBands[h.k]?.[h.i], percent, true)}`;
}

function readLoss() {
  const i = hover.loss;
  if (i === null || !steps.length) return;
  const raw = lossSaid[i];
  const said = raw === "inf" || raw === "-inf" ? `loss ${raw === "inf" ? "+" : "−"}infinity (a red mark, not drawn)` :
    points[i]?.non_finite ? "this step held a NaN or an inf (not drawn)" :
      finite(losses[i]) ? `loss ${fmt(losses[i], 4)}` : "no loss logged";
  $("watch-readout").textContent = `Step ${count(steps[i])}: ${said}${thinnedNote(i, lossBands[i], (v) => fmt(v, 4))}`;
}

function wire(id, onMove, onKey, onFocus, read) {
  const canvas = $(id);
  canvas.addEventListener("mousemove", () => { reread = read; });
  canvas.addEventListener("focus", () => { reread = read; });
  canvas.tabIndex = 0;
  canvas.addEventListener("mousemove", (ev) => { if (canvas.geom && latest) { onMove(ev); drawCharts(); } });
  canvas.addEventListener("focus", () => { if (latest) { onFocus(); drawCharts(); } });
  canvas.addEventListener("keydown", (ev) => {
    if (!latest || !["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(ev.key)) return;
    ev.preventDefault(); onKey(ev.key); drawCharts();
  });
}

const clamp = (v, n) => Math.min(n - 1, Math.max(0, v));
const move = (key, i, n) => clamp(key === "Home" ? 0 : key === "End" ? n - 1 :
  i + (key === "ArrowLeft" || key === "ArrowDown" ? -1 : 1), n);

wire("watch-bars", (ev) => {
  const c = $("watch-bars"), { l, slot, n } = c.geom, box = c.getBoundingClientRect();
  hover.bars = clamp(Math.floor((ev.clientX - box.left - l) / slot), n); readBars();
}, (key) => { hover.bars = move(key, hover.bars ?? 0, $("watch-bars").geom.n); readBars(); },
() => { hover.bars ??= 0; readBars(); }, readBars);

wire("watch-history", (ev) => {
  const c = $("watch-history"), i = nearestStep(c, ev.clientX);
  hover.history = { i, k: nearestLine(c, i, ev.clientY) }; readHistory();
}, (key) => {
  const h = hover.history ?? { i: steps.length - 1, k: 0 };
  hover.history = key === "ArrowUp" || key === "ArrowDown"
    ? { i: h.i, k: clamp(h.k + (key === "ArrowUp" ? 1 : -1), history.length) }
    : { i: move(key, h.i, steps.length), k: h.k };
  readHistory();
}, () => { hover.history ??= { i: steps.length - 1, k: 0 }; readHistory(); }, readHistory);

wire("watch-health", (ev) => {
  const c = $("watch-health"), i = nearestStep(c, ev.clientX);
  hover.health = { i, k: nearestLine(c, i, ev.clientY, health) }; readHealth();
}, (key) => {
  const h = hover.health ?? { i: steps.length - 1, k: 0 };
  hover.health = key === "ArrowUp" || key === "ArrowDown"
    ? { i: h.i, k: clamp(h.k + (key === "ArrowUp" ? 1 : -1), health.length) }
    : { i: move(key, h.i, steps.length), k: h.k };
  readHealth();
}, () => { hover.health ??= { i: steps.length - 1, k: 0 }; readHealth(); }, readHealth);

$("watch-health-layer").addEventListener("change", () => {
  healthShares();
  if (points.length) { drawCharts(); if (reread === readHealth) readHealth(); }
});
let healthAll = allMeasures();  // whether the health chart's lines are the three measures of one layer
$("watch-health-layer-pick").hidden = !healthAll;  // a reload may keep the choice made before it
$("watch-health-measure").addEventListener("change", () => {
  const h = hover.health;
  if (h && allMeasures() !== healthAll) {  // the readout stays on its step and its layer: a line is now the other
    if (allMeasures()) { $("watch-health-layer").value = String(h.k); hover.health = { i: h.i, k: 0 }; }
    else hover.health = { i: h.i, k: healthRows[h.k]?.[1] ?? 0 };
  }
  healthAll = allMeasures();
  $("watch-health-layer-pick").hidden = !healthAll;
  healthShares();
  if (points.length) { drawCharts(); if (reread === readHealth) readHealth(); }
});
$("watch-step-log").addEventListener("change", (ev) => {
  stepLog = ev.target.checked;
  const url = new URL(window.location.href);
  url.searchParams.set("steps", stepLog ? "log" : "linear");
  window.history.replaceState(null, "", url);
  if (points.length) { drawCharts(); reread?.(); }
});

wire("watch-loss", (ev) => { hover.loss = nearestStep($("watch-loss"), ev.clientX); readLoss(); },
  (key) => { hover.loss = move(key, hover.loss ?? steps.length - 1, steps.length); readLoss(); },
  () => { hover.loss ??= steps.length - 1; readLoss(); }, readLoss);

fitOnResize($("watch-table"));
poll();
