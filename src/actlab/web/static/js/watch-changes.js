// Where the reading's status changed over the run (W47 finding 2: a finished page showed the last reading only, and
// nothing told when the run went wrong). The lab sends every change it keeps (run_changes.StatusChanges: [step,
// status, is_failure, status before], the first report's own status first, at most 64, the middle ones counted in
// changes_left_out past that); this module gives the charts their marks, the sentence under the charts, and the
// readout the status at the step it names. A change is dated by the sampled step whose reading first said it: the
// status may have turned on any step since the sampled step before.
import { count } from "./watch-status.js";

const $ = (id) => document.getElementById(id);
// the marks' colours: the page's own for a failure and for healthy (lab.css --bad and --ok), grey for the rest
const COLOURS = { failure: "#B34700", healthy: "#007358", other: "#5b6570" };
const SAID = 8;  // changes the sentence names one by one: the first 3 and the newest 5 past that

export const statusWords = (status) => String(status).replace(/_/g, " ");
const colourOf = ([, status, failure]) => (failure ? COLOURS.failure : status === "healthy" ? COLOURS.healthy :
  COLOURS.other);

// the changes the page holds: [step, status, is_failure, status before], oldest first
export const changes = { list: [], leftOut: null };
export function takeChanges(data) {
  changes.list = Array.isArray(data.changes) ? data.changes : [];
  changes.leftOut = data.changes_left_out ?? null;
}
export function resetChanges() { changes.list = []; changes.leftOut = null; }

// the charts' marks: every change after the run's first reading, {step, label, colour}
export const changeMarks = () => changes.list.filter((c) => c[3] !== null)
  .map((c) => ({ step: c[0], label: statusWords(c[1]), colour: colourOf(c), failure: c[2] }));

const one = (c) => `to ${statusWords(c[1])}${c[2] ? " (a failure)" : ""} at step ${count(c[0])}`;

// The sentence under the charts: how the reading began and each change since, by the sampled step that first read it
export function sayChanges() {
  const el = $("watch-changes");
  if (!el) return;
  const [first, ...later] = changes.list, out = changes.leftOut;
  let text = "";
  if (first && (later.length || out)) {
    const n = later.length + (out?.count ?? 0);
    const named = later.length <= SAID ? later.map(one).join("; ") :
      `${later.slice(0, 3).map(one).join("; ")}; … ${count(later.length - SAID)} more (marked) …; ` +
      later.slice(-5).map(one).join("; ");
    const gone = out ? `; and ${count(out.count)} more between steps ${count(out.first)} and ${count(out.last)} that ` +
      "the lab no longer holds" : "";
    text = `The reading began as ${statusWords(first[1])} at step ${count(first[0])} and changed ${count(n)} ` +
      `time${n === 1 ? "" : "s"} (a line over the charts marks each, named above it): ${named}${gone}. Each change ` +
      "is dated by the first sampled step whose reading said it; it came after the sampled step before.";
  }
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
}

// The readout's words for the status at a step: "; the reading here: diverged (since step 137)", or, at the step of
// a change, what it changed from
export function statusAt(step) {
  const list = changes.list;
  if (list.length < 2 && !changes.leftOut) return "";  // one status all along: the reading above says it
  let k = -1;
  for (let j = 0; j < list.length && list[j][0] <= step; j++) k = j;
  if (k < 0) return "";
  const c = list[k], out = changes.leftOut;
  if (out && step >= out.first && c[0] < out.first) {  // past the last change held before the ones that went
    return "; the reading here is not known (its changes around this step are no longer held)";
  }
  if (c[0] === step && c[3] !== null) {
    return `; the reading changed here from ${statusWords(c[3])} to ${statusWords(c[1])}`;
  }
  return `; the reading here: ${statusWords(c[1])}${k > 0 ? ` (since step ${count(c[0])})` : ""}`;
}
