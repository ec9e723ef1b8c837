// The watch page's chart controls: the step axis of the history charts (log or even) and the unit-health chart's
// measure (dead, saturated or dormant units of every layer, or all three measures for one layer, and which). Each
// choice is kept in the page's address (?steps=log, ?health=all&layer=2), so a reload or a shared link shows the same
// charts; a value in the address that names no choice (or a layer the log does not have) is ignored, the default is
// shown and the value is dropped from the address. Split from watch.js, which draws the charts these choose.
import { changes, statusWords } from "./watch-changes.js";
import { healthShares, numberOf, view } from "./watch-points.js";
import { count, sig2 } from "./watch-status.js";

const $ = (id) => document.getElementById(id);
const address = new URLSearchParams(window.location.search);
const pick = (table, key) => (Object.hasOwn(table, address.get(key) ?? "") ? table[address.get(key)] : null);

function keepInAddress(values) {  // null: the key leaves the address
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(values)) {
    if (value === null) url.searchParams.delete(key); else url.searchParams.set(key, value);
  }
  if (url.href !== window.location.href) window.history.replaceState(null, "", url);
}

// -- the step axis ----------------------------------------------------------------------------------------------------
// The learner's choice (true: log), or null: the page's choice (stepAxisAuto). Log by default once the last step is
// 10^STEP_DECADES times the first (on a linear axis a 200,000-step run gives its first 200 steps 0.1% of the width,
// about one pixel; on a log axis about 43%). A log axis rather than a split one: one mapping for the whole run, so the
// readout, the NaN marks and the pointer agree everywhere, and every decade of training gets the same room, with no
// seam placed at an arbitrary step.
const STEP_AXES = { log: true, linear: false };
let stepLog = pick(STEP_AXES, "steps");
if (stepLog === null && address.has("steps")) keepInAddress({ steps: null });
const STEP_DECADES = 3;  // the last step 1,000 times the first
const stepShift = () => Math.max(0, 1 - (view.steps[0] ?? 1));  // a run counted from step 0 is drawn one step on
const stepRatio = () => {
  const { steps } = view;
  return steps.length ? (steps[steps.length - 1] + stepShift()) / (steps[0] + stepShift()) : 1;
};
// A run that diverged early and went on with NaN steps: its finite steps, where the story is, end before SQUEEZED of
// an even axis (V12: a run that held a NaN from step 8 to 120 drew its climb in 5% of the width, under a red band);
// on a log axis they get more room wherever the last step is at least 10 times the first. Returns the share of the
// width the finite steps take on each axis, or null where that does not apply.
const SQUEEZED = 0.1;
export function finiteShare() {
  const { points, steps } = view, shift = stepShift();
  const good = points.findLast((p) => !p.non_finite)?.step;
  if (good === undefined || stepRatio() < 10) return null;
  const [first, last] = [steps[0] + shift, steps[steps.length - 1] + shift];
  const even = (good + shift - first) / (last - first), log = Math.log10((good + shift) / first) / Math.log10(last / first);
  return even < SQUEEZED && log > even ? { good, even, log } : null;
}
// A run that went wrong late: on a log axis, the steps from the reading's first change to a failure to the last step
// take under LATE of the width, and more on an even one, so the page keeps the even axis (W51 walkthrough: a blow-up
// at step 600 of 1,500 drew in the right-hand 12% of each chart, the 600 steps of learning before it in the rest).
// Returns the shares on each axis, or null where that does not apply.
const LATE = 0.25;
export function failureShare() {
  const { steps } = view, shift = stepShift();
  const first = changes.list.find((c) => c[2] && c[3] !== null);  // (a change after the first reading)
  if (!first || steps.length < 2 || stepRatio() < 10) return null;
  const [a, b, f] = [steps[0] + shift, steps[steps.length - 1] + shift, Math.max(first[0] + shift, steps[0] + shift)];
  const even = (b - f) / (b - a), log = Math.log10(b / f) / Math.log10(b / a);
  return log < LATE && even > log ? { step: first[0], status: first[1], even, log } : null;
}
const stepAxisAuto = () => (Math.log10(stepRatio()) >= STEP_DECADES && failureShare() === null) ||
  finiteShare() !== null;
export const isStepLog = () => stepLog ?? stepAxisAuto();

// What the step axis sentence says of the steps held: the ratio of the last to the first, said with two figures below
// 10 (steps 100 to 150 read "2 times" when rounded); a log with one report, or none, has no stretch of steps to spread
// (S23: one report read "the last step is 1 times the first (steps 1 to 1)").
function stepsHeld() {
  const { steps } = view, n = steps.length;
  if (!n) return "the log holds no sampled step yet";
  if (n === 1) return `the log holds one sampled step so far (step ${count(steps[0])})`;
  return `the last step is ${sig2(stepRatio())} times the first (steps ${count(steps[0])} to ${count(steps[n - 1])})`;
}

export function sayStepAxis() {
  const log = isStepLog(), { steps } = view, spread = steps.length > 1;
  $("watch-step-log").checked = log;
  const squeezed = finiteShare(), late = log ? null : failureShare(), pc = (v) => `${Math.round(100 * v)}%`;
  const why = stepLog !== null ? "as you chose" : Math.log10(stepRatio()) < STEP_DECADES && squeezed ?
    `since the run's steps without a NaN or an inf end at step ${count(squeezed.good)} of ` +
    `${count(steps[steps.length - 1])} (on an even axis they would take ${pc(squeezed.even)} of the width; on this ` +
    `one, ${pc(squeezed.log)})` : late && Math.log10(stepRatio()) >= STEP_DECADES ?
    `since the reading turned to ${statusWords(late.status)} at step ${count(late.step)}: on a log axis the steps ` +
    `from there to step ${count(steps[steps.length - 1])} would take ${pc(late.log)} of the width; on this one, ` +
    `${pc(late.even)}, though ${stepsHeld()}` : `since ${stepsHeld()}`;
  // a log axis chosen for steps that span less than tenfold spreads them much as an even one would: say so
  const flat = !spread ? ` ${stepsHeld().replace(/^t/, "T")}, so there is no stretch of steps to spread yet.` :
    stepRatio() < 10 ? ` This run's steps span less than a tenfold stretch so far (${stepsHeld()}), so the axis ` +
      "looks much like an even one." : "";
  const text = log
    ? `The history charts put the steps on a log axis, ${why}: each tenfold stretch of steps ` +
      "(1 to 10, 10 to 100, …) gets the same width, so the start of the run is not squeezed into a few pixels." +
      (stepLog !== null ? flat : "")
    : `The history charts put the steps on an even (linear) axis, ${why}` +
      (stepLog !== null ? "." : late && Math.log10(stepRatio()) >= STEP_DECADES ? "; tick \"Steps on a log axis\" for one." :
        spread ? `; past ${count(10 ** STEP_DECADES)} times, the page switches to a log axis.` :
        `; once the last step is ${count(10 ** STEP_DECADES)} times the first, the page switches to a log axis.`);
  // not a live region: on a growing run the ratio changes at every poll, and the checkbox says the axis itself
  if ($("watch-step-axis").textContent !== text) $("watch-step-axis").textContent = text;
}

// -- the unit-health measure ------------------------------------------------------------------------------------------
export const MEASURES = { dead: "dead or gone silent", saturated: "saturated or rarely active", dormant: "dormant" };
export const AXIS_NAMES = { dead: "% of units dead or silent", saturated: "% saturated or rare", dormant: "% of units dormant" };
export const measure = () => $("watch-health-measure").value;
// "all": the three measures side by side for the layer chosen, each its own colour and dash (not colour alone)
export const allMeasures = () => measure() === "all";
const healthLayer = () => Number($("watch-health-layer").value || 0);
export const healthChoice = () => ({ all: allMeasures(), measure: measure(), layer: healthLayer() });

// the address's choice: ?health= one of the list's values, and with "all", ?layer= a layer's number as the list
// shows it (1 for the first), applied once the log has named its layers
const HEALTH_CHOICES = Object.fromEntries([...$("watch-health-measure").options].map((o) => [o.value, o.value]));
$("watch-health-measure").value = pick(HEALTH_CHOICES, "health") ?? "dead";
if (address.has("health") && pick(HEALTH_CHOICES, "health") === null) keepInAddress({ health: null });
const wantedLayer = /^[1-9]\d{0,5}$/.test(address.get("layer") ?? "") ? Number(address.get("layer")) - 1 : null;
if (!allMeasures()) keepInAddress({ layer: null });
let layerSettled = false;  // whether the address's layer was looked for among the log's layers
// the measure shown first: the lab's pick for the run's activations (dead units only where a unit can die; an
// all-sigmoid net's are always 0%), until the address names one or the reader picks one. The pick is taken once the
// page has a step to draw; after that the chart keeps its measure, and a later pick that differs is offered in words
// under the controls (W48 walkthrough: during a live run the chart went from dead units to saturated ones at step
// 133, on 2 rarely active units of 256, and back once units died: its axis changed meaning with no one touching it)
let firstMeasure = "dead", measureChosen = pick(HEALTH_CHOICES, "health") !== null, settled = false, offering = false;
const keepHealth = () => keepInAddress({ health: measure() === firstMeasure ? null : measure(),
                                         layer: allMeasures() ? String(healthLayer() + 1) : null });
const OFFERED = {
  dead: "More units are now dead or gone silent than saturated or rarely active, at the latest step: choose " +
    "\u201cdead or gone silent units\u201d above to draw them. The chart keeps what it shows until you choose.",
  saturated: "More units are now saturated or rarely active than dead, at the latest step: choose \u201csaturated " +
    "or rarely active units\u201d above to draw them. The chart keeps what it shows until you choose.",
};
function sayOffer(text) {
  const el = $("watch-health-offer");
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
}
// wanted: the lab's pick for the latest step; drawn: whether the page has a step to draw; counted: the measure the
// latest step's counts pick (more units of that kind), null where they tie: the offer says "more units are now ..."
// only of that one (W80 walkthrough finding 4: said at a NaN step whose counts were all "—")
export function offerMeasure(wanted, drawn = true, counted = wanted) {
  if (!wanted || !(wanted in HEALTH_CHOICES)) return;
  if (settled) {  // the chart keeps its measure: a pick that differs is said, not made
    sayOffer(measureChosen || wanted === measure() || allMeasures() || counted !== wanted ? ""
      : OFFERED[wanted] ?? "");
    return;
  }
  settled = drawn;
  if (wanted === firstMeasure) return;
  firstMeasure = wanted;
  if (measureChosen) { keepHealth(); return; }  // the address's or the reader's pick stays, named in the address
  $("watch-health-measure").value = wanted;
  offering = true;  // drawn as a pick is, but not kept in the address, and no reader's choice
  try { $("watch-health-measure").dispatchEvent(new Event("change")); } finally { offering = false; }
}

export function setHealthLayer(k) { $("watch-health-layer").value = String(k); }

// the layer list of the "all three measures" choice follows the layers the log names
export function fillLayerChoice() {
  const select = $("watch-health-layer"), wanted = view.names.map((n, k) => `${numberOf(k)}: ${n}`);
  if ([...select.options].map((o) => o.textContent).join("\n") === wanted.join("\n")) return;
  const chosen = select.value;
  select.replaceChildren(...wanted.map((text, k) => Object.assign(document.createElement("option"),
    { value: String(k), textContent: text })));
  if (chosen && Number(chosen) < wanted.length) select.value = chosen;
  if (!layerSettled && wanted.length) {  // the address's layer, once the log names layers: kept if the log has it
    if (allMeasures() && wantedLayer !== null && wantedLayer < wanted.length) select.value = String(wantedLayer);
    layerSettled = true;
    keepHealth();  // the address names the layer shown (the first, where it named none the log has)
  }
}

// onHealth: the health chart's lines changed (draw again); onSwitch(all): the lines became the three measures of
// one layer, or the layers again; onSteps: the step axis changed
export function wireControls({ onHealth, onSwitch, onSteps }) {
  let healthAll = allMeasures();  // whether the health chart's lines are the three measures of one layer
  $("watch-health-layer-pick").hidden = !healthAll;
  $("watch-health-layer").addEventListener("change", () => {
    keepHealth();
    healthShares(healthChoice());
    onHealth();
  });
  $("watch-health-measure").addEventListener("change", () => {
    if (!offering) { measureChosen = true; sayOffer(""); }  // the reader's choice (the keyboard's, a script's)
    if (allMeasures() !== healthAll) onSwitch(allMeasures());
    healthAll = allMeasures();
    $("watch-health-layer-pick").hidden = !healthAll;
    keepHealth();
    healthShares(healthChoice());
    onHealth();
  });
  $("watch-step-log").addEventListener("change", (ev) => {
    stepLog = ev.target.checked;
    keepInAddress({ steps: stepLog ? "log" : "linear" });
    onSteps();
  });
}
