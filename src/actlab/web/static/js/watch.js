// The watch page: follows a PyTorch monitor's log (actlab watch FILE) and draws its latest step and its history.
// Every number, word and reading comes from the server, which checked each report against the log's format
// before passing it on; steps that held a NaN or an inf are marked, never drawn as numbers, and the page says when
// the run has ended or gone quiet, when the log was started again (and clears the old run), when the file is not a
// Monitor log, how many lines it skipped, and which steps its charts show. This module asks the lab for the log
// (catching up at once on a backlog, then once a second) and draws each answer; the page's copy of the run is
// watch-points.js, its sentences watch-status.js, the charts' controls watch-controls.js (kept in the address), the
// readout below the charts watch-readouts.js, the charts themselves watch-charts.js, the layer table
// watch-table.js and the choice of run, for a log that holds several, watch-runs.js. The charts cover the whole run
// at any length (watch-points.js says how).
import { getJSON } from "./api.js";
import { PALETTE, fmt } from "./charts.js";
import { showReading } from "./reading.js";
import { chartNote, stepLines, watchBars } from "./watch-charts.js";
import {
  AXIS_NAMES, MEASURES, allMeasures, fillLayerChoice, healthChoice, isStepLog, measure, offerMeasure, sayStepAxis,
  wireControls,
} from "./watch-controls.js";
import {
  HELD_OUT_KEY, LOSS_BAND_KEY, layerName, lossIsLog, neverRan, numberOf, ofPlace, rateLines, resetView, series,
  showAllCalls, stoppedOf, take, view,
} from "./watch-points.js";
import { afterLast, forget, healthSwitched, hover, percent, rateRing, readHealth, wireReadouts } from "./watch-readouts.js";
import {
  count, foldNotes, isReading, noteTiming, ordinal, resetTiming, runState, sayBadLines, sayDeadWindow, sayLayers, saySpan, sayWarnings,
  lineSteps, whenFirst,
} from "./watch-status.js";
import { fillRuns, forgetRun, noteLatest, pickedRun, wireRuns } from "./watch-runs.js";
import { changeMarks, resetChanges, sayChanges, takeChanges } from "./watch-changes.js";
import { cell, drawTable, fitOnResize } from "./watch-table.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
const CHARTS = ["watch-bars", "watch-history", "watch-health", "watch-loss"];
// the charts' note where every sampled step held a NaN or an inf (W63 walkthrough finding 1)
const ALL_BAD = "Every sampled step held a NaN or an inf (red marks)";
// the history chart's key for its red marks where some layers stayed finite at a marked step: their points are true
// values, drawn as dots over the mark (V12: they were drawn as if the mark did not concern them, and the readout
// said "not drawn")
// (the step held one, in the loss or in some layers: W63 walkthrough finding 1, a NaN loss over finite layers had read
// 'in some layers')
const MIXED_KEY = "NaN or inf in the step (a dot: a layer still finite there)";
const MEASURE_DASHES = [false, [7, 3], [2, 2]];  // the three measures of one layer: solid, dashed, dotted
// the loss's parts' lines: dashed, in the palette's colours other than the loss's and the held-out loss's
const PART_COLOURS = [PALETTE[1], PALETTE[2], PALETTE[4], PALETTE[5], PALETTE[6]], PART_DASH = [6, 3];
const CHANCE_DASH = [1, 3];  // a part's chance level: dotted, in the part's colour
let restartNote = "";
// when the page saw the log "started again" (null where it did not, or the monitor began the new run itself): a run
// that turns out to be written at the same time as the one before it is no restart, and the note is said again
let restartAt = null;
// the end line last drawn, as a key (its steps run, the reading's words, the held-out losses and losses after the last
// sampled step it carries): an end line that comes with no new sampled step redraws the reading and the charts (W107
// walkthrough finding 1: a page open as the run ended kept the last sampled step's reading and a loss chart cut short,
// where mon.report() and the page reloaded took in the held-out loss given after it)
let endDrawn = "";
const endKey = (ended, tail) => (ended ? JSON.stringify([ended.steps_run, ended.reading?.words ?? null,
                                                         ended.held_out_given ?? [], tail ?? null]) : "");

function reset() {
  endDrawn = "";
  resetView();
  resetChanges();
  resetTiming();
  forget(true);
  for (const id of CHARTS) {
    const c = $(id);
    c.getContext("2d").clearRect(0, 0, c.width, c.height);
    c.drawn = null; c.redraw = null;
  }
  $("watch-table").replaceChildren(); $("watch-notes").replaceChildren(); $("watch-readout").textContent = "";
  showReading($("watch-reading"), null);
  sayDeadWindow(null);
  $("watch-nan").hidden = true; $("watch-nan").textContent = "";
  sayChanges();
}

function barsArgs() {
  // a step that held a NaN has no bars to draw: the latest finite step is drawn, and the caption says so
  const report = view.latest;
  const shown = report.non_finite && view.lastFinite ? view.lastFinite : report;
  const caption = view.previewing ? `step ${count(report.step)}, the newest in the log (the page is still reading ` +
    "the steps before it)" : shown === report ? `step ${count(report.step)}` :
    `step ${count(shown.step)}, the latest finite one (step ${count(report.step)} holds a NaN or an inf)`;
  // in the page's one order, each numbered as on every chart and in the table (watch-points.take: the forward order)
  // (a later call of a module folded behind the button has no bar until the reader shows every call)
  const at = (l) => view.places?.indexOf(l.name) ?? -1;
  const layers = view.places ? shown.layers.filter((l) => !view.hidden.has(l.name)).sort((a, b) => at(a) - at(b)) :
    shown.layers;
  const numbers = layers.map((l, k) => (at(l) >= 0 ? numberOf(at(l)) : k + 1));
  const names = layers.map(layerName);
  return {
    categories: names.map((name, k) => `${numbers[k]}: ${name}`),
    names, numbers, layers, of: Math.max(view.places?.length ?? 0, layers.length),
    bars: layers.map((l) => (l.weights_frozen ? null : l.weight_grad_norm)),
    line: layers.map((l) => l.act_grad_norm),
    // no weight of its own (a weight shared with another place, whose row carries its gradient, or none before it):
    // words in grey, not the NaN mark, for nothing is wrong there; the note under the charts says what the log knows
    quiet: layers.map(hasNoWeight),
    labels: layers.map((l) => (l.weights_frozen ? "frozen" : hasNoWeight(l) ? NO_WEIGHT : l.weight_grad_norm === 0 ? "0: no gradient" :
      l.non_finite ? "NaN" : "")),
    barName: "‖∂L/∂W‖", lineName: "‖∂L/∂a‖", caption, hover: hover.bars,
  };
}

// A layer whose row names no weight and gives no ‖∂L/∂W‖, though nothing in it is a NaN: a weight shared with an
// earlier place (a module called twice, a tied weight: the monitor gives its gradient on the first place's row) or
// no weighted module before the activation. The bar says so in words; the note under the charts quotes the row.
const NO_WEIGHT = "no weight of its own";
const hasNoWeight = (l) => !l.weights && !l.weights_frozen && !l.non_finite && l.weight_grad_norm === null;

function sayNoWeight(args) {
  const el = $("watch-no-weight");
  const said = args.layers.flatMap((l, i) => (!args.quiet[i] ? [] : [`layer ${args.numbers[i]} ('${args.names[i]}') ` +
    `has no ‖∂L/∂W‖ bar of its own: ${l.words ? `its row says ${l.words}` : "the log names no weight before it"}`]));
  const text = said.length ? `${said.join("; ")}.`.replace(/^l/, "L") : "";
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
}

// The module calls folded behind the button (view.folds), said over the charts: which module, how often it ran,
// which calls the charts and the table show
function sayFolds() {
  const el = $("watch-fold"), { folds } = view;
  el.hidden = !folds.length;
  if (!folds.length) return;
  const number = (name) => view.order.indexOf(name) + 1;
  const said = folds.map(([module, later]) => `'${module}' ran ${later.length + 1} times in one forward (layers ` +
    `${number(module)} to ${number(later.at(-1))}): ` + (view.showAll ? "every call is shown" :
      `the charts and the table show its first call, layer ${number(module)}, and fold the ${later.length} later ones`));
  $("watch-fold-said").textContent = `${said.join("; ")}.`;
  const calls = folds.reduce((n, [, later]) => n + later.length, 0);
  $("watch-fold-button").textContent = view.showAll ? "Fold the repeated calls" : `Show the ${calls} folded calls`;
  $("watch-fold-button").setAttribute("aria-expanded", String(view.showAll));
}

// A log that names no layer at all (the monitor found no activation in the model's forward): the layer charts and
// the table say so, instead of empty frames
const NO_LAYER = "No layer to chart: the log names no activation, since the monitor found none in the model's " +
  "forward (see the notes below), so there is no gradient per layer and no unit to count; the loss is drawn alone.";
const hasNoLayer = () => Boolean(view.latest) && !view.latest.layers.length && !view.order?.length;

// the words over a chart's 0 row for the layers whose lines sit on it at the last step (`all`: every layer)
const atZero = (zero) => (ks, all) => (all ? `every layer at ${zero}` :
  `${ks.length === 1 ? "layer" : "layers"} ${sayLayers(ks.map((k) => numberOf(k) - 1))} at ${zero}`);
// (and the steps after the last sampled one whose loss the end line holds as NaN or infinite: W75 walkthrough finding
// 1, a run NaN at its last 5 steps drew no mark where the caption promised one)
const nanMarks = () => [...view.spans.map(([first, last]) => [first, last]),
  ...(Array.isArray(view.tail?.non_finite_at) ? [view.tail.non_finite_at] : [])];

// the layers whose bars are too narrow for their value at this width, those whose value has no place near the bar
// clear of the dashed line (`crowded`), and where to read them instead
function sayUnlabelled(ks, n, crowded = []) {
  const el = $("watch-bars-note");
  const narrow = (ks ?? []).filter((k) => !crowded.includes(k));
  const bars = (list) => `bar${list.length === 1 ? " of layer" : "s of layers"} ${sayLayers(list)} ` +
    `${list.length === 1 ? "is" : "are"}`;
  const parts = [
    ...(!narrow.length ? [] : narrow.length === n ? ["the bars are too short or too narrow here to write their values"] :
      [`the ${bars(narrow)} too short or too narrow here to write a value`]),
    ...(crowded.length ? [`the ${bars(crowded)} too close to the dashed line for a value to be written near ` +
      `${crowded.length === 1 ? "it" : "them"}`] : []),
  ];
  const said = parts.join(", and ");
  const text = !said ? "" : `${said[0].toUpperCase()}${said.slice(1)}: point at a bar, or focus the chart and use ` +
    "the arrow keys, to read it below, and the table lists every layer's ‖∂L/∂W‖.";
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
}

function drawCharts() {
  const { steps, names, spans, lossSaid } = view;
  if (view.latest) {
    const args = barsArgs();
    if (hasNoLayer()) chartNote($("watch-bars"), NO_LAYER); else watchBars($("watch-bars"), args);
    sayNoWeight(args);
    Object.assign($("watch-bars"), { names: args.names, numbers: args.numbers, of: args.of });
    const places = (ks) => ks?.map((i) => args.numbers[i] - 1);  // a bar's index to its layer's place
    sayUnlabelled(places($("watch-bars").unlabelled), args.names.length, places($("watch-bars").crowded));
  } else if (view.points.length) {  // the lab sends the newest report whole once the page has every point
    chartNote($("watch-bars"), "The bars show the latest sampled step once the page has read the whole log.");
  }
  if (!view.points.length) return;
  sayStepAxis();
  // the axis reaches the last held-out loss, where one was given after the last sampled step (the end line's)
  // and the last step after the last sampled one whose loss the end line carries (watch-points: view.lossTail)
  const xEnd = Math.max(steps.at(-1), view.heldOutX.at(-1) ?? -Infinity, view.lossTail?.[3] ?? -Infinity);
  // and begins at the first step whose loss the log holds, where the first report carries losses before its own step
  // (watch-points: view.lossLead), on every chart alike, so that the charts' steps line up
  const xStart = view.lossLead ? Math.min(steps[0], view.lossLead[2]) : null;
  const named = (k) => `${names[k] ?? ""}${neverRan(k) ? " (has not run)" : ""}`;
  const xLog = isStepLog(), layerSeries = (ys, bands) => ys.map((y, k) => ({ name: `${numberOf(k)}: ${named(k)}`,
    raw: named(k), number: numberOf(k), y, band: bands[k] }));
  // every sampled step held a NaN or an inf: said so, not 'no loss logged' or 'no unit counted yet' (W63 finding 1: a
  // loss NaN from step 1, s.loss set on every step)
  const allBad = view.points.every((p) => p.non_finite);
  const empty = (said) => (hasNoLayer() ? NO_LAYER : allBad ? ALL_BAD : said);
  const changes = changeMarks();  // where the reading's status changed: marked on the three charts over the steps
  // the lines' keys name only the layers: the axis says what they are
  // no layer at all: the two charts over layers say so and draw no axes, no status marks over no data (W66
  // walkthrough finding 5)
  const noLayer = hasNoLayer();
  if (noLayer) chartNote($("watch-history"), NO_LAYER);
  else stepLines($("watch-history"), { x: steps, log: true, marks: nanMarks(), empty: empty("No finite step yet"), hover: hover.history,
                                  series: layerSeries(view.history, view.historyBands), xLog, xStart, xEnd,
                                  yName: "‖∂L/∂a‖ per layer, log scale", mixedKey: MIXED_KEY,
                                  zeroSaid: atZero("0"), changes });
  const healthSeries = allMeasures()
    ? view.healthRows.map(([key], r) => ({ name: MEASURES[key], y: view.health[r], band: view.healthBands[r],
                                           color: PALETTE[r], dash: MEASURE_DASHES[r], whole: true }))
    : layerSeries(view.health, view.healthBands);
  // the dead count's warm-up, shaded and keyed where the chart shows dead units (watch-points.warmUp)
  const warmAt = view.warm.map((row) => row.reduce((last, b, i) => (b ? i : last), -1));
  const lastWarm = Math.max(-1, ...warmAt), firstWarm = Math.min(...view.warm.map((row) => row.findIndex(Boolean))
    .filter((i) => i >= 0));
  // shaded up to the first step counted, where the line begins
  const warm = lastWarm < 0 ? null : { from: steps[firstWarm], to: steps[Math.min(lastWarm + 1, steps.length - 1)],
    key: `dead counted from the ${ordinal(view.deadNeed)} sampled batch` };  // whole at 420 px (W27: cut there)
  const healthAxis = allMeasures() ? `% of layer ${numberOf(view.healthRows[0][1])}'s units` : AXIS_NAMES[measure()];
  if (noLayer) chartNote($("watch-health"), NO_LAYER);
  else stepLines($("watch-health"), { x: steps, log: false, yRange: [0, 1], yLabel: percent, marks: nanMarks(), xLog, xStart, xEnd,
                                 yName: healthAxis, empty: empty("No unit counted yet"), hover: hover.health,
                                 series: healthSeries, zeroSaid: allMeasures() ? null : atZero("0%"), warm, changes });
  sayDeadLeft();
  // a loss that spans decades (a diverging run) is drawn on a log axis; a loss that is itself not finite is a
  // red mark like a step that held a NaN or an inf, never a silent gap
  const inSpan = (st) => spans.some(([first, last]) => first <= st && st <= last);
  const infLoss = steps.filter((st, i) => (lossSaid[i] === "inf" || lossSaid[i] === "-inf") && !inSpan(st))
    .map((st) => [st, st]);
  // the held-out losses given (Monitor.held_out), joined point to point, each a dot: a second line where there are any
  // (within the steps drawn: one given before the first sampled step has no place on the axis)
  const inside = view.heldOutX.map((t) => t >= steps[0] && t <= xEnd);
  const heldOut = inside.some(Boolean) ? [{ name: HELD_OUT_KEY, x: view.heldOutX.filter((_, k) => inside[k]),
    y: view.heldOutY.filter((_, k) => inside[k]), joined: true, color: PALETTE[3], whole: true }] : [];
  // the bands count: a spike between two samples (a band to 1e5 over losses near 1) put on a linear axis flattened
  // every other loss onto its 0 (W41 walkthrough)
  const banded = [...view.lossBands, view.lossLead, view.lossTail].flatMap((b) => (b ? [b[0], b[1]] : []));
  // the loss's named parts (s.parts), each a dashed line of its own colour
  const parts = view.partNames.map((name, k) => ({ name: `part '${name}'`, y: view.parts[k], whole: true,
                                                   color: PART_COLOURS[k % PART_COLOURS.length], dash: PART_DASH }));
  // and its chance level, where the log gives one (Monitor(part_chance=...)): a dotted line in the part's colour
  const chances = view.partNames.flatMap((name, k) => (view.partChance[k] === null ? [] : [{
    name: `'${name}' chance level`, y: steps.map(() => view.partChance[k]), whole: true,
    color: PART_COLOURS[k % PART_COLOURS.length], dash: CHANCE_DASH }]));
  const partValues = [...view.parts.flat(), ...view.partChance.filter((c) => c !== null)];
  // the chance level the readings judged the loss against (chance_loss), a dotted grey line (W84 walkthrough finding
  // 11: every verdict is against it, and the chart never drew it)
  // (only beside a loss drawn: a chart whose every loss was NaN keeps saying so, W63)
  const chanceLine = view.chance.some((c) => c !== null) && view.losses.some((v) => v !== null) ?
    [{ name: "chance level (chance_loss)", y: view.chance, whole: true, color: "#6b7480", dash: CHANCE_DASH }] : [];
  const lossSeries = [{ name: "loss", y: view.losses, band: view.lossBands, lead: view.lossLead, tail: view.lossTail },
                      ...parts, ...chances, ...chanceLine, ...heldOut];
  // (the loss line ringed at the step the readout names: W63 finding 5; past the last sampled step, the latest
  // held-out loss given after it, on its own line: W107 finding 9)
  const after = hover.loss !== null && hover.loss >= steps.length ? afterLast() : null;
  const lossHover = hover.loss === null ? null : !after ? { i: hover.loss, k: 0 } : !after.held.length ? null :
    { i: heldOut[0].x.length - 1, k: lossSeries.length - 1, own: true };
  stepLines($("watch-loss"), { x: steps, log: lossIsLog([...view.losses, ...(heldOut[0]?.y ?? []), ...banded,
                                                          ...partValues, ...view.chance.filter((c) => c !== null)]),
                               marks: [...nanMarks(), ...infLoss], xLog, xStart, xEnd,
                               series: lossSeries, hover: lossHover, changes,
                               bandKey: LOSS_BAND_KEY,
                               empty: allBad ? ALL_BAD : "No loss logged: set s.loss = loss inside mon.step()" });
  drawRates(steps, xLog, xStart, xEnd, changes);
}

// Units that die leave the saturated or rarely active count, each unit being counted once: where that count is drawn
// and layers have dead units at the latest step, said under the chart, or a line's fall reads as a recovery (W86
// walkthrough finding 5: a ReLU layer's line fell from 100% to 0% as its units died, 49 of 64 dead to the end)
function sayDeadLeft() {
  const el = $("watch-health-note"), last = view.points.at(-1);
  let text = "";
  if (!allMeasures() && measure() === "saturated" && last && !last.non_finite) {
    const dying = view.history.map((_, k) => [k, stoppedOf(last, k), ofPlace(last.units, k)])
      .filter(([, n, units]) => Number.isInteger(n) && n > 0 && units);
    if (dying.length) {
      const said = dying.slice(0, 3).map(([k, n, units]) => `${count(n)} of ${count(units)} units of ` +
        `${numberOf(k)}: ${view.names[k]}`).join("; ") + (dying.length > 3 ? `; and ${dying.length - 3} more layers` : "");
      const one = dying.length === 1 && dying[0][1] === 1;
      text = `Units that die leave this count (each unit is counted once): at step ${count(last.step)}, ${said} ` +
        `${one ? "is" : "are"} dead or gone silent, drawn under \u201cdead or gone silent units\u201d, so a fall here ` +
        "is no recovery.";
    }
  }
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
}

// The learning rate the monitor read at every optimiser step, per parameter group (W60 walkthrough: the readings
// named the rate's rise as the likeliest cause, and no chart drew it): shown where the log carries any, on a log axis
// where every rate is above 0 and they span a factor of 10 or more; the sentence under it lists the changes
function drawRates(steps, xLog, xStart, xEnd, changes) {
  // (the axis reaches the last change read, which the end line may carry past the last sampled step: W61)
  const end = Math.max(xEnd, ...[...view.rateAll.values()].flatMap((m) => [...m.keys()]));
  const lines = rateLines(end).filter((l) => l.y.length);
  $("watch-rate").lines = lines;  // (the readout's: watch-readouts.readRate)
  $("watch-rate-figure").hidden = !lines.length;
  const said = $("watch-rate-said");
  if (!lines.length) { said.textContent = ""; return; }
  const values = lines.flatMap((l) => l.y), low = Math.min(...values), high = Math.max(...values);
  const one = lines.length === 1;
  // (the axis from the first rate read, which may come before the first sampled step: every="auto" times its first
  // steps unsampled, and the rate read from step 1 was drawn left of an axis that began at step 4: W63 finding 7)
  const first = Math.min(...lines.map((l) => l.x[0]));
  const x = first < steps[0] ? [first, ...steps] : steps;
  stepLines($("watch-rate"), { x, log: low > 0 && high >= 10 * low, xLog, xStart, xEnd: end, changes,
                               yName: "learning rate", hover: rateRing(lines),
                               series: lines.map((l, k) => ({ name: one ? "learning rate" : l.who,
                                                              x: l.x, y: l.y, joined: true, whole: true,
                                                              color: PALETTE[k % PALETTE.length] })) });
  // in words too: each group's rate at its first read, its highest, and its latest, with their steps
  const words = lines.map((l) => {
    const first = l.changes[0], last = l.changes.at(-1);
    const top = l.changes.reduce((a, c) => (c[1] > a[1] ? c : a), first);
    // (groups of one schedule: one sentence for all of them, and one line; a single line of several groups names them)
    const who = one && l.names.length === 1 ? "The learning rate" : `The learning rate of the ${l.who}`;
    const highest = top === first ? ", its highest," : `, ${fmt(top[1], 3)} at its highest (step ${count(top[0])}),`;
    return l.changes.length === 1 ? `${who} was ${fmt(first[1], 3)} at every optimiser step read, from step ` +
      `${count(first[0])}.` : `${who} was ${fmt(first[1], 3)} at step ${count(first[0])}${highest} and ` +
      `${fmt(last[1], 3)} from step ${count(last[0])} (${count(l.changes.length - 1)} ` +
      `change${l.changes.length === 2 ? "" : "s"} read after the first).`;
  });
  said.textContent = words.join(" ");
}

// The banner of the first NaN or inf, for everything read so far: the lab's first_seen (the history's, whatever the
// newest report holds), else what a drawn report's first_non_finite says (the preview of a log still being read); once
// shown, it stays for the run, so it does not come and go as the backlog is read in pieces
function sayNan(report) {
  const seen = view.firstSeen, own = report?.first_non_finite;
  const first = seen ? { step: seen.step, place: seen.place ?? own?.place } : own ?? view.firstNan;
  if (first && (!view.firstNan || first.step <= view.firstNan.step)) view.firstNan = first;
  const nan = view.firstNan;
  // (W28: a NaN dated by a step's loss, between two samples, is "in the loss", not "first at the loss")
  const place = !nan?.place ? "" : nan.place === "the loss" ? ", in the loss" : `, first at ${nan.place}`;
  // a step between two samples whose held loss the monitor found non-finite (first_non_finite.unsampled): its own
  // step, known exactly (W28)
  const when = !nan ? "" : nan.unsampled ? `first appeared at step ${count(nan.step)}` :
    whenFirst(nan.step, lineSteps(report).n);
  // the reading's headline dates a divergence from this same step: the banner then says only what the red marks are
  // (W28 second walkthrough, finding 10: 'A NaN or an inf first appeared at step 4' over 'Diverged at step 4')
  const told = nan && report?.reading?.status === "diverged" && report.reading.evidence?.diverged_at_step === nan.step;
  const marks = view.nonFinite === 1 ? "a red mark" : "red marks";
  const text = !nan ? "" : told ? `${count(view.nonFinite)} of the ${count(view.total)} sampled steps held a NaN or ` +
    `an inf (${marks}); the reading below says when it began.` : `A NaN or an inf ${when}${place}` +
    (view.nonFinite > 1 ? `; ${count(view.nonFinite)} of the ${count(view.total)} sampled steps held one ` +
      "(red marks)." : ".");
  if ($("watch-nan").textContent !== text) $("watch-nan").textContent = text;
  $("watch-nan").hidden = !text;
}

// The loss chart's title says what it draws: the log holds the loss of the sampled steps only, so where the monitor
// samples one step in several (every="auto" chooses up to 50) the steps between are not on it (W21: 13 points over
// 400 steps, with nothing saying why). It says which rule chose the interval where the report says (its "auto", S23):
// every="auto", which times the steps and may choose again, or a fixed every=n; a log written before "auto" existed
// says neither.
function lossTitle(report) {
  const every = report?.every, auto = report?.auto;  // every: null while every="auto" is timing its first steps
  const rule = auto === true ? ", chosen by every=\"auto\", which may change it" : auto === false ? ", fixed" : "";
  const interval = every === null ? (auto === true ? "every=\"auto\" is still timing the first steps" : "some steps") :
    `one step in ${every}${rule}`;
  // where the script gave a loss each step, the log carries the steps' between the samples (losses_between), and
  // the band draws their range (W32: a spike of 507 between two samples, named by the reading, was on no chart)
  const between = view.points.some((p) => p.between);
  const text = every === null || (Number.isInteger(every) && every > 1) ? (between ?
    `Loss at the sampled steps (${interval}), and the band: the lowest to highest loss of the steps between` :
    `Loss at the sampled steps only (${interval}: the loss of the steps between is not in the log)`) :
    "Loss over training";
  if ($("watch-loss-title").textContent !== text) $("watch-loss-title").textContent = text;
}

const READING_FOLD = 360;  // the reading's words past this many characters fold after a clause (reading.js)

function draw(report) {
  view.latest = report;
  lossTitle(report);
  // a run that ended after held-out losses given past its last sampled step: its end line's reading, which takes
  // them in (as mon.report() does), stands for the last report's
  const late = !view.previewing && view.ended?.reading && report.step === view.steps.at(-1);
  showReading($("watch-reading"), late ? view.ended.reading : report.reading, { fold: READING_FOLD });
  drawCharts();
  hover.again?.();
  // the dead count's warm-up at the report's step, where that step is the last point held
  const last = view.points.at(-1), warmAt = last?.step === report.step ? view.warmUp.map((row) => row.at(-1)) : [];
  // per row of the report, by its place (the series are by place: a place that did not run has none in the report)
  const slot = (l, k) => (view.places ? view.places.indexOf(l.name) : k);
  const warmNow = report.layers.map((l, k) => warmAt[slot(l, k)] ?? 0);
  const ran = new Set(report.layers.map((l) => l.name));
  const absent = (view.places ?? []).filter((n) => !ran.has(n)).map((n) => ({ name: n, last: view.lastRan?.[n] }));
  if (hasNoLayer()) $("watch-table").replaceChildren(cell("p", NO_LAYER));
  else drawTable($("watch-table"), report, view.lastFinite, warmNow, view.deadNeed, absent, view.places ?? null,
                 view.numbers, view.hidden);
  sayFolds();
  sayNan(report);
  sayDeadWindow(report);
  // a note kept open stays open when the next report redraws the list
  const open = new Set([...$("watch-notes").querySelectorAll("details[open]")].map((d) => d.dataset.key));
  $("watch-notes").replaceChildren(...foldNotes(report.notes || []).map((n) => noteItem(n, open)));
}

// A note with details (every="auto"'s cost note: its opening, a line break, then where its figures come from) shows
// its opening, the details behind a disclosure; so does a long note without that break: its opening sentences, the
// rest behind the disclosure. The notes under the table are then no wall of text (W27 walkthrough: 14 lines at
// 1280 px). A disclosure opened stays open while the note's figures change: it is known by its words up to the first
// figure.
const LONG_NOTE = 400, NOTE_OPENING = 160;
function noteItem(text, open) {
  const li = cell("li", text);
  let head, rest;
  const details = text.indexOf("\n");
  if (details >= 0) {
    [head, rest] = [text.slice(0, details), text.slice(details + 1)];
  } else {
    if (text.length <= LONG_NOTE) return li;
    const end = /\. (?=[A-Z(`])/g;  // a sentence's end: a full stop, then a capital
    end.lastIndex = NOTE_OPENING;
    const found = end.exec(text);
    if (!found || text.length - found.index < NOTE_OPENING) return li;
    [head, rest] = [text.slice(0, found.index + 1), text.slice(found.index + 2)];
  }
  const more = document.createElement("details");
  more.dataset.key = head.split(/\d/)[0];
  more.open = open.has(more.dataset.key);
  more.append(cell("summary", "The rest of this note"), cell("p", rest));
  li.replaceChildren(`${head} `, more);
  return li;
}

// While the page catches up on a backlog, it asks for the next answer as soon as one arrives, before drawing it: the
// lab reads the next 4 MB of the log while the page draws, instead of each waiting for the other. At most one
// answer is asked for ahead, so the page holds at most two answers (each at most 200,000 bytes of points).
let ahead = null;  // the next answer, asked for ahead: a promise of { data, asked } or { err, asked }
const ask = (since) => {
  const asked = pickedRun(), sent = Date.now();  // the run the answer is of (null: the latest)
  // `at`: when the lab answered, on the page's clock, as near as the page can tell: halfway through the request (the
  // page times the run's lines by it, watch-status.noteTiming)
  return getJSON("/api/watch", { since, run: asked })
    .then((data) => ({ data, asked, at: (sent + Date.now()) / 2 }), (err) => ({ err, asked }));
};
// an earlier run of the file that another began after, one after the other: it will not go on, end line or none
const isOver = (data) => data.shown !== data.latest_run &&
  !(data.runs ?? []).find((r) => r.run === data.shown)?.alongside;
// the run the page shows, as the lab numbers its changes: the latest run's count of changes, or, for a run picked,
// how often the file was started again (a newer run beginning does not change a run picked)
const shownKey = (data) => (pickedRun() === null ? data.run : `picked ${data.shown} ${data.restarts}`);

async function poll() {
  const answer = await (ahead ?? ask(view.next));
  ahead = null;
  const { data, err, asked, at } = answer;
  if (asked !== pickedRun()) { setTimeout(poll, 0); return; }  // asked before another run was picked: not drawn
  if (err) {
    if (err.status === 404) {  // the lab answered: it was started without a log (actlab lab), so nothing to follow
      $("watch-none").hidden = false; $("watch-body").hidden = true; $("status").textContent = "";
      document.body.dataset.ready = "true";
      return;
    }
    $("status").textContent = `Could not reach the lab to read the log: ${err.message}. Trying again.`;
    setTimeout(poll, POLL_MS * 3);
    return;
  }
  if (asked !== null && data.unknown_run !== null) {  // the address names a run the log does not hold
    forgetRun(); reset(); view.run = null;
    setTimeout(poll, 0);
    return;
  }
  if (view.run !== null && shownKey(data) !== view.run) {  // the log was started again: the old run's views go
    reset();
    // a run the monitor began itself, its model's modules changed (its header's "anew"), is no log started again
    // (W44 walkthrough: 'the log was started again' over a head swapped mid-run)
    const at = new Date().toLocaleTimeString("en-GB");
    restartAt = typeof data.header?.anew === "string" ? null : at;
    restartNote = typeof data.header?.anew === "string" ?
      `At ${at} the monitor began a new run in this log: ${data.header.anew.slice(0, 200)}. The page shows it from ` +
      "its first sampled step; the run before it is in the list under \"Run\"." :
      `At ${at} the log was started again: ${data.restarted}. ` +
      "The page cleared the previous run and shows the new one from its first sampled step.";
    view.run = shownKey(data);
    setTimeout(poll, 0);
    return;
  }
  view.run = shownKey(data);
  const shownRun = (data.runs ?? []).find((r) => r.run === data.shown);
  if (restartAt !== null && shownRun?.alongside) {  // (W104 walkthrough finding 5: a GAN's two monitors given one log
    // read "the log was started again: line 2 begins another run's log", over a warning that two wrote it at once)
    restartNote = `At ${restartAt} a second monitor began writing this log, from line ${count(shownRun.began)}, ` +
      "while the first went on: two runs at once, told apart by the run id on their lines. The page shows the " +
      "newer one; the other is listed under \"Run\".";
    restartAt = null;
  }
  noteLatest(data);
  fillRuns(data);
  if (isReading(data)) ahead = ask(data.next);  // catching up: the next answer is read while this one is drawn
  $("watch-restart").textContent = restartNote;
  $("watch-restart").hidden = !restartNote;
  // a log of several runs: the count is the run shown's, and says so (W91 walkthrough finding 3: 'multi.jsonl: 20
  // sampled steps' of the third of three runs, 80 in the file)
  const runs = data.runs_total ?? (data.runs ?? []).length;
  const ofRun = runs > 1 ? `run ${count(data.shown ?? data.latest_run)} of ${count(runs)}, ` : "";
  const sampled = `${ofRun}${count(data.total)} sampled step${data.total === 1 ? "" : "s"}`;
  $("watch-source").textContent = isReading(data) ? `${data.path}: reading` :
    `${data.path}: ${sampled}${data.ended || isOver(data) ? "" : " so far"}`;
  const { thinned, changed } = take(data);
  takeChanges(data);
  if (thinned) forget(false);  // thinned: a step the readout named may have gone
  fillLayerChoice();
  const endNow = endKey(view.ended, view.tail), endNew = endNow !== endDrawn;  // (an end line come since: endDrawn)
  if (changed || endNew) series(healthChoice());
  // after the series: a switch of measure draws them again; taken once the page has a step to draw
  offerMeasure(data.health_measure, Boolean(view.latest || view.points.length), data.health_by_counts ?? null);
  view.next = data.next;
  // no report yet (waiting, or not a Monitor log): no empty chart frames, nothing to point at; shown before the
  // first draw, so the charts are sized in place
  const any = Boolean(view.latest || view.points.length);
  for (const el of document.querySelectorAll(".watch-charts")) el.style.display = any ? "" : "none";
  $("watch-step-axis").hidden = !any;
  $("watch-readout").hidden = !any;
  let trouble = "";  // the banner's only words once the lab answers: a step that could not be drawn
  try {
    if (data.latest) { view.previewing = false; draw(data.latest); }
    else if (data.preview && !view.latest) { view.previewing = true; draw(data.preview); }  // the newest step first
    else if (view.latest && endNew) draw(view.latest);  // (the end line, come alone)
    else if (data.points.length) { drawCharts(); hover.again?.(); sayNan(view.latest); }
    endDrawn = endNow;
  } catch (err) {  // the server checked each report; should one still not draw, the page keeps what it showed
    trouble = `Step ${data.latest?.step ?? data.points[data.points.length - 1]?.step} could not be drawn ` +
      `(${err.message}); the page shows the steps before it.`;
  }
  sayWarnings(data);
  sayBadLines(data);
  sayChanges();
  saySpan();
  noteTiming(data, view.latest?.step ?? view.steps.at(-1) ?? 0, at);
  const { state, text: said } = runState(data);
  // a run that stopped with an exception: the reading under it is of the last sampled step before it, whatever it
  // says (W45 walkthrough: a green 'Healthy' right under the red crash line read as the run's end being fine)
  const last = view.latest?.step ?? view.steps.at(-1);
  // a run gone quiet with no end line, or one a later run followed: the reading is of its last sampled step too, and
  // its green 'Healthy' reads as the state of a run that may have stopped (W73 walkthrough finding 10: a run killed
  // outright, its quiet line in plain text under the title, a large green 'Healthy' under it): said, and a healthy
  // headline drawn in ink (lab.css's .stale)
  const gone = { stopped: "it stopped", quiet: "the log went quiet", "stopped-silently": "it stopped" }[state];
  const text = gone && Number.isInteger(last) ?
    `${said} The reading below is of training step ${count(last)}, the last sampled one before ${gone}.` : said;
  $("watch-reading").classList.toggle("stale", Boolean(gone));
  $("watch-run").textContent = text;
  $("watch-run").dataset.state = state;
  // while the backlog is read the count changes at every answer (several a second): a screen reader waits for the
  // line to settle and reads what the run is doing then, not each count
  $("watch-run").setAttribute("aria-busy", String(state === "reading"));
  // what the run is doing (waiting, ended, not a log) is said once, in the body under the title; the banner keeps
  // only a trouble of the page itself
  $("status").textContent = trouble;
  document.body.dataset.ready = "true";
  // catch up at once (points the page has not had, or a long log the lab has not read to its end), then follow; a
  // run that has ended is asked after three times less often, for a run appended after it (W91 walkthrough finding
  // 3: the page asked every second, 1.5 KB each time, of a run long over)
  const idle = data.ended || isOver(data) ? POLL_MS * 3 : POLL_MS;
  setTimeout(poll, data.next < data.total || data.unread > 0 ? 0 : idle);
}

wireReadouts(drawCharts);
wireControls({
  onHealth: () => { if (view.points.length) { drawCharts(); if (hover.again === readHealth) readHealth(); } },
  onSwitch: healthSwitched,
  onSteps: () => { if (view.points.length) { drawCharts(); hover.again?.(); } },
});
wireRuns(() => {  // another run picked: its views replace the run shown, from its first sampled step
  reset(); view.run = null; ahead = null; restartNote = ""; restartAt = null;
});
fitOnResize($("watch-table"));
$("watch-fold-button").addEventListener("click", () => {  // the folded calls shown, or folded again
  showAllCalls(!view.showAll);
  series(healthChoice());
  fillLayerChoice();
  if (view.latest) draw(view.latest); else drawCharts();
});
poll();
