// The watch page's choice of run, for a log that holds more than one (appended one after the other, or written by
// two monitors at once; the lab tells them apart, log_runs.py). The page shows the latest run and, under "Run", lists
// every run the lab names, so an earlier one can be picked; the choice is kept in the address (?run=2; the latest
// keeps no key, and follows a newer run when one begins). A run the log does not hold (a stale link, a log written
// anew) is dropped from the address and the latest is shown. Split from watch.js, which asks the lab for the run
// chosen here.
import { count } from "./watch-status.js";

const $ = (id) => document.getElementById(id);
const address = () => new URLSearchParams(window.location.search);

// the run asked for in the address: a whole number from 1, else null (the latest)
export function pickedRun() {
  const text = address().get("run");
  return text !== null && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : null;
}

function keepRun(run) {
  const url = new URL(window.location.href);
  if (run === null) url.searchParams.delete("run"); else url.searchParams.set("run", String(run));
  if (url.href !== window.location.href) window.history.replaceState(null, "", url);
}
if (address().has("run") && pickedRun() === null) keepRun(null);  // ?run=abc, ?run=0: not a run

// one run in words, for its entry in the list
function runWords(r, latest) {
  const steps = r.first_step === null ? "no sampled step yet" :
    `steps ${count(r.first_step)} to ${count(r.last_step)}, ${count(r.reports)} sampled`;
  // an ended run's last step is its end line's, which may be past its last sampled one (W44: 'steps 1 to 146' of a
  // run that ended after step 150)
  const after = Number.isInteger(r.steps_run) ? ` after training step ${count(r.steps_run)}` : "";
  const how = r.exception ? `stopped with ${r.exception.split(":")[0]}${after}` : r.ended ? `ended${after}` :
    r.run === latest ? "going on or stopped" : "no end line";
  const along = r.alongside ? ", written at the same time as another" : "";
  // the model its header names (W41 finding 9: two runs told apart only by their lines)
  // and the name the script gave it (Monitor(name=...): W64, a generator and a discriminator of one class)
  const model = !r.model ? "" : (r.model.label ? `"${r.model.label}", ` : "") + `${r.model.name}` +
    (Number.isInteger(r.model.parameters) ? ` (${count(r.model.parameters)} parameters)` : "") + ", ";
  return `Run ${count(r.run)}${r.run === latest ? " (the latest)" : ""}: ${model}from line ${count(r.began)}, ` +
    `${steps}, ${how}${along}`;
}

// A closed list shows only as much of the run picked as its box holds: where the window keeps the list narrower
// than its entries (V11: at 420 px "Run 2 (the latest): from line 4, steps 2 to 40, 3…"), the run picked is written
// in full under it.
function sayPicked() {
  const pick = $("watch-run-pick"), said = $("watch-run-said");
  const text = pick.selectedOptions[0]?.textContent ?? "";
  const shown = pick.getBoundingClientRect().width;
  pick.style.maxWidth = "none";  // the width the list would take for its longest entry
  const whole = pick.getBoundingClientRect().width;
  pick.style.maxWidth = "";
  const cut = Boolean(text) && shown > 0 && whole > shown + 0.5;
  said.textContent = cut ? `Shown: ${text}.` : "";
  said.hidden = !cut;
}
window.addEventListener("resize", () => { if (!$("watch-run-choice").hidden) sayPicked(); });

// the list under "Run", from an answer of the lab: shown only where the log holds more than one run
export function fillRuns(data) {
  const pick = $("watch-run-pick"), box = $("watch-run-choice");
  const runs = data.runs ?? [];
  box.hidden = runs.length < 2;
  if (runs.length < 2) return;
  const options = runs.map((r) => [String(r.run), runWords(r, data.latest_run)]);
  const had = [...pick.options].map((o) => [o.value, o.textContent]);
  if (JSON.stringify(had) !== JSON.stringify(options)) {
    pick.replaceChildren(...options.map(([value, text]) => Object.assign(document.createElement("option"),
                                                                         { value, textContent: text })));
  }
  pick.value = String(data.shown ?? data.latest_run);
  sayPicked();
  const older = data.runs_total - runs.length;
  $("watch-run-more").textContent = older > 0 ? `(the ${count(older)} earliest runs are not listed)` : "";
}

// the page follows the run picked: onPick(run or null) clears the views and asks the lab for it
export function wireRuns(onPick) {
  $("watch-run-pick").addEventListener("change", (event) => {
    const run = Number(event.target.value);
    const latest = Number(event.target.dataset.latest);
    const chosen = run === latest ? null : run;
    keepRun(chosen);
    onPick(chosen);
  });
}

export function noteLatest(data) {
  $("watch-run-pick").dataset.latest = String(data.latest_run ?? "");
}

// the address named a run the log does not hold: the latest is shown, and the address says so
export function forgetRun() { keepRun(null); }
