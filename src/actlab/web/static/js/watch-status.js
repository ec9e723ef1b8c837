// The watch page's sentences about the log and the run: how far the page has read, what the run is doing (waiting,
// going on, quiet, ended, not a Monitor log), the lines it skipped, when the first NaN or inf came and which steps
// the charts show. Split from watch.js, which calls these after each answer of the lab.
import { fmt } from "./charts.js";
import { view } from "./watch-points.js";

const $ = (id) => document.getElementById(id);
// When a log with no end line is said to be quiet: the run's own cadence, not one fixed wait (W19: a run writing a
// line every 50th step of 0.8 s was said at 36 s to "may have stopped", at step 46 of 70, healthy). The page times
// the run itself: each time a new line arrives while it follows the log, the seconds since the line before it (the
// lab's idle_s says when each was written) over the steps between them give the seconds a step takes; the slowest
// of the last TIMED of these, times the steps between two lines (the latest report's `every`, the interval auto
// chose where it chose), is the time one line takes. The rule: no new line for QUIET_TIMES times that, and at least
// QUIET_MIN_S, says the run may have stopped. Before the page has seen a line arrive, it cannot time a step: after
// QUIET_MIN_S it says how slow a step would have to be for the run to be still going.
export const QUIET_MIN_S = 30, QUIET_TIMES = 3;
const TIMED = 8;
export const timing = {};
export function resetTiming() { Object.assign(timing, { last: null, perStep: [] }); }
resetTiming();

// After each answer the page has drawn: `step` is the latest sampled step it holds (0 before the first: the header
// alone), `now` the page's clock in ms. Only lines that arrive while the page follows the log are timed: a backlog
// read at once says nothing of how fast it was written.
export function noteTiming(data, step, now = Date.now()) {
  if (!data.exists || data.not_log || data.idle_s === null || data.idle_s === undefined || isReading(data)) return;
  const at = now - data.idle_s * 1000, last = timing.last;  // when the newest line was written, on the page's clock
  if (last && step > last.step && at > last.at) {
    timing.perStep = [...timing.perStep, (at - last.at) / 1000 / (step - last.step)].slice(-TIMED);
  }
  if (!last || step !== last.step) timing.last = { step, at };
}

// the seconds one line of the log takes at the run's pace ({line, perStep, steps}: `steps` as lineSteps gives them),
// or null before any is timed
export function lineTime(steps) {
  if (!timing.perStep.length) return null;
  const perStep = Math.max(...timing.perStep);
  return { line: perStep * steps.n, perStep, steps };
}
export const quietAfter = (paced) => Math.max(QUIET_MIN_S, paced ? QUIET_TIMES * paced.line : 0);

export const sig2 = (v) => (v >= 10 ? count(Math.round(v)) : String(Number(v.toPrecision(2))));
export function duration(s) {
  // under 10 s in two figures: a run's lines 0.35 s apart read '0 s' (walkthrough W26, finding 6)
  if (s < 9.5) return `${sig2(s)} s`;
  const r = Math.round(s);
  return r < 120 ? `${r} s` : r < 7200 ? `${Math.floor(r / 60)} min ${r % 60} s` :
    `${count(Math.floor(r / 3600))} h ${Math.floor((r % 3600) / 60)} min`;
}
// the steps between two of the log's lines ({n, auto}): the latest report's `every`; where every="auto" has not
// chosen one yet (its first steps alternate sampled and unsampled ones, to time both), the gap between the latest two
// sampled steps the page holds (walkthrough W26: such a log, a line every 2nd step, was said to get one every step)
export function lineSteps(latest, steps = view.steps ?? []) {
  const every = latest?.every, auto = latest?.auto === true;
  if (Number.isInteger(every) && every > 0) return { n: every, auto: auto ? "chosen" : "" };
  const gap = steps.length >= 2 ? steps.at(-1) - steps.at(-2) : 1;
  return { n: Number.isInteger(gap) && gap > 0 ? gap : 1, auto: auto ? "timing" : "" };
}
const lineEvery = ({ n, auto }) => (n === 1 ? "every step" : `every ${ordinal(n)} step`) +
  (auto === "timing" ? ` so far (every="auto" is still timing the steps before it chooses an interval)` :
    auto === "chosen" ? ` (every="auto"'s latest choice)` : "");
export const count = (n) => n.toLocaleString("en-US");
// a monitored step by its training step, said to be a sampled one, so that it is not read as the n-th sample
// (reading_loss.sampled_step says the same on every other face); `also` goes in the same brackets
export const sampledStep = (n, also = "") => `training step ${count(n)} (a sampled one${also ? `; ${also}` : ""})`;
export const ordinal = (n) => {
  const tens = n % 100, ones = n % 10;
  return count(n) + (tens >= 11 && tens <= 13 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th");
};

// layers by their numbers, as a person lists them: "2, 9 and 10"; a run of three or more as one stretch, "9 to 14"
// (`ks`: the layers' indices from 0, in order). V12: "2 and 9 to 10" read as a range of two.
export function sayLayers(ks) {
  const runs = [];
  for (const k of ks) {
    if (runs.length && runs.at(-1)[1] === k - 1) runs.at(-1)[1] = k; else runs.push([k, k]);
  }
  const said = runs.flatMap(([a, b]) => (b - a >= 2 ? [`${count(a + 1)} to ${count(b + 1)}`] :
    a === b ? [count(a + 1)] : [count(a + 1), count(b + 1)]));
  return said.length > 1 ? `${said.slice(0, -1).join(", ")} and ${said.at(-1)}` : said[0] ?? "";
}

// the page is still reading the log's backlog: the lab has not read the file to its end, or has read more reports
// than it has sent the page
export const isReading = (data) => data.unread > 0 || data.next < data.total;

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

// The steps after the last sampled one, whose losses the end line carries (run_points.tail_of), in words: the range
// the loss chart shades, and how many of them held a NaN or an inf (W74 walkthrough finding 12: the steps after
// the last sampled one were on no chart and in no words); "" where the end line holds none
function tailWords(tail, run, taken = false) {
  if (!tail || !Number.isInteger(tail.count) || tail.count < 1) return "";
  const after = tail.after ?? 0, ran = Number.isInteger(run) ? run - after : tail.count;
  // the monitor holds the latest 100 steps' losses: of more steps than that, the last ones
  const of = ran > tail.count ? `The last ${count(tail.count)} of the ${count(ran)} steps` :
    `The ${count(tail.count)} steps`;
  const steps = tail.count === 1 && ran <= 1 ? `The step after the last sampled one (training step ${count(after)}) had` :
    `${of} after the last sampled one (training step ${count(after)}), ${count(tail.from)} to ${count(tail.to)}, had`;
  const range = tail.range ? (tail.range[0] === tail.range[1] ? ` a loss of ${fmt(tail.range[0])}` :
    ` losses from ${fmt(tail.range[0])} to ${fmt(tail.range[1])}`) + ", shaded on the loss chart" : " no finite loss";
  const bad = tail.non_finite ? `; ${tail.non_finite === tail.count ? (tail.count === 1 ? "it was" : "every one was") :
    `${count(tail.non_finite)} of them ${tail.non_finite === 1 ? "was" : "were"}`} NaN or infinite, ${taken ? "which the reading below takes in" : "which no reading has taken in"}` : "";
  return ` ${steps}${range}${bad}.`;
}

// what the run is doing, or what the page waits for, or why it cannot show the file
export function runState(data) {
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
  const shown = (data.runs ?? []).find((r) => r.run === data.shown);
  if (shown && data.shown !== data.latest_run && !data.ended && !shown.alongside) {
    // an earlier run of the file with no end line: a later run's log began after it, so it will not go on
    const next = data.runs.find((r) => r.run > data.shown);
    return { state: "stopped-silently", text: `Run ${count(data.shown)} has no end line: ` +
      (next ? `run ${count(next.run)} began after it, on line ${count(next.began)}, ` : "a later run began after it, ") +
      "so it stopped without its monitor closing the log (killed, or the script ended in a way that skipped " +
      `mon.close()). The charts show its ${count(data.total)} sampled step${data.total === 1 ? "" : "s"}.` };
  }
  if (data.ended?.exception) {  // the end line names the exception that left the monitor's block: a crash
    // raised inside a step's block: that step did not end (W43: 'after 398 steps', step 398 interrupted in its
    // backward); else between steps, after the last one ('after training step N': a resumed run counts on, W33)
    const during = Number.isInteger(data.ended.during_step) ? data.ended.during_step : null;
    const when = during !== null ? `during training step ${count(during)}, inside its \`with mon.step()\` block, ` +
      "so that step did not end" : `after training step ${count(data.ended.steps_run)}`;
    return { state: "stopped", text: `The run stopped with ${data.ended.exception} ${when}: the monitor wrote the ` +
      "exception into its log's last line. The charts show the steps sampled before it." };
  }
  if (data.ended) {
    // 'after training step N', not 'after N steps': a run resumed into the log counts on from its step (W33: steps
    // 301 to 600 read 'after 600 steps'); a line begun after the end line and left unfinished, once the file has
    // been quiet for the least wait (W69 walkthrough: a fragment after the end line was never said on the page)
    const idle = data.idle_s, cut = data.cut && idle !== null && idle > QUIET_MIN_S ? ` A line after it, line ` +
      `${count(data.cut)}, is unfinished (${count(data.cut_bytes)} bytes, no newline after it) and the file has not ` +
      `changed for ${duration(idle)}: a writer stopped in the middle of it, or the file was cut short; the page ` +
      "leaves it out." : "";
    return { state: "ended", text: `The run has ended: the monitor closed its log after training step ` +
      `${count(data.ended.steps_run)}.${tailWords(data.loss_tail, data.ended.steps_run, Boolean(data.ended.reading))}${cut}` };
  }
  const steps = lineSteps(data.latest ?? view.latest), paced = lineTime(steps), idle = data.idle_s;
  if (idle !== null && idle > quietAfter(paced) && data.unowned_ends) {
    // an end line was read, but with no run id and two runs open the lab could not tell whose it was
    const n = data.unowned_ends;
    return { state: "ended-unowned", text: `No new line in the log for ${duration(idle)}, and the log ` +
      `holds ${n === 1 ? "an end line" : `${count(n)} end lines`} that the lab could not give to one run: two ` +
      "monitors wrote it at once with no run id on their lines, and more than one run could have ended there. " +
      "This run has most likely ended too; give each process its own log to be sure." };
  }
  const ending = "(a script that ends normally, or calls mon.close(), writes an end line)";
  const pace = paced && `(a line ${lineEvery(paced.steps)}, at up to ${sig2(paced.perStep)} s a step as the page ` +
    "timed it)";
  if (idle !== null && idle > quietAfter(paced)) {
    const n = steps.n;
    // a last line left unfinished in a file gone quiet: the writer stopped in the middle of it (W68 walkthrough
    // finding 4: a log whose last report was cut short read only 'the run may have stopped')
    const cut = data.cut ? ` Its last line, line ${count(data.cut)}, is unfinished (${count(data.cut_bytes)} ` +
      "bytes, no newline after it): the writer stopped in the middle of it (a script killed while writing, a full " +
      "disk), or the file was cut short; the page leaves it out." : "";
    return { state: "quiet", text: `No new line in the log for ${duration(idle)}` + (paced ?
      `, over ${QUIET_TIMES} times the ${duration(paced.line)} between this run's lines ${pace}: the run may have ` +
      `stopped ${ending}.` :
      `: the run may have stopped unless a step takes over ${sig2(idle / n)} s: the monitor writes a line ` +
      `${lineEvery(steps)}, and the page has not yet seen a line arrive to time the steps ${ending}.`) + cut };
  }
  // no end line, and not yet quiet for long: going on as far as the log tells, which a script killed outright also
  // leaves for a while (W64 walkthrough finding 8: a killed run read 'The run is going on' for its first 30 s)
  if (idle !== null && idle > QUIET_MIN_S && paced) {  // quiet longer than the least wait, as this run's pace allows
    return { state: "running", text: `No end line in the log, and no new line for ${duration(idle)}, which is ` +
      `within this run's pace: its lines have come about ${duration(paced.line)} apart ${pace}. The page says it ` +
      `may have stopped after ${duration(quietAfter(paced))} without one.` };
  }
  return { state: "running", text: "No end line in the log yet" + (idle === null ? "" :
    `, and its latest line came ${duration(idle)} ago`) + ": the run is going on, as far as the log tells (a " +
    "script killed outright writes no end line: the page says the log has gone quiet after " +
    `${duration(quietAfter(paced))} without a line). The page follows the log.` };
}

// what the lab found wrong with the file itself: it holds more than one run, one after the other or written by two
// monitors at once (each a run of its own, which "Run" picks)
export function sayWarnings(data) {
  const el = $("watch-warn"), text = (data.warnings ?? []).join(" ");
  if (el.textContent !== text) el.textContent = text;
  el.hidden = !text;
  // runs that follow one another only because the monitor began each anew (the script replaced a module) are no
  // fault of the file: said in the neutral colour, not the failure one (W45 walkthrough, finding 3)
  const runs = data.runs ?? [];
  const planned = runs.length > 1 && runs.slice(1).every((r) => r.anew && !r.alongside) && !runs[0].alongside &&
    (data.warnings ?? []).length === 1;
  el.classList.toggle("failure", !planned);
  el.classList.toggle("neutral", planned);
}

export function sayBadLines(data) {
  const el = $("watch-bad");
  if (!data.bad_lines && !data.skipped_words) { el.hidden = true; el.textContent = ""; return; }
  if (data.skipped_words) {  // not only lines that are no record: the lab says each kind in its words
    el.textContent = `Some lines of the log were left out of the charts: ${data.skipped_words}. The ` +
      `${count(data.total)} good report${data.total === 1 ? " is" : "s are"} shown.`;
    el.hidden = false;
    return;
  }
  const named = data.problems.map((p) => `line ${count(p.line)}: ${p.why}`).join("; ");
  const more = data.bad_lines > data.problems.length ? `; and ${count(data.bad_lines - data.problems.length)} more` : "";
  el.textContent = `${count(data.bad_lines)} line${data.bad_lines === 1 ? " was" : "s were"} skipped, since ` +
    `${data.bad_lines === 1 ? "it is not a record" : "they are not records"} of a Monitor log (${named}${more}). ` +
    `The ${count(data.total)} good report${data.total === 1 ? " is" : "s are"} shown.`;
  el.hidden = false;
}

// when the first NaN or inf came: a fact where the monitor sampled the step before it, else only where it was seen
// (sampling every 5th step, a run that went bad at step 403 is first seen at training step 406, a sampled one)
export function whenFirst(step, sampledEvery) {
  const previous = view.firstSeen?.step === step ? view.firstSeen.previous : undefined;
  if (previous === null) {
    return step <= 1 ? `first appeared at step ${count(step)}` :
      `was first seen at training step ${count(step)}, the first step the log holds`;
  }
  if (previous !== undefined) {
    return previous === step - 1 ? `first appeared at step ${count(step)}` :
      `was first seen at ${sampledStep(step, `the last finite sample was step ${count(previous)}`)}`;
  }
  return sampledEvery > 1 ? `was first seen at ${sampledStep(step, `the monitor samples every ` +
    `${ordinal(sampledEvery)} step`)}` : `first appeared at step ${count(step)}`;
}

// which steps the charts show, once the run is longer than the points they hold
export function saySpan() {
  const el = $("watch-span"), { points, head, every, recentFrom, steps } = view;
  const thinned = points.filter((p) => p.index >= head && p.index < recentFrom);
  if (every === 1 || !thinned.length || view.next < view.total) { el.hidden = true; el.textContent = ""; return; }
  const after = points.find((p) => p.index >= recentFrom);
  const start = points.filter((p) => p.index < head);
  el.textContent = "The charts show the whole run: " +
    (start.length ? `every sampled step up to step ${count(start[start.length - 1].step)}, then ` : "") +
    `every ${ordinal(every)} sampled step up to step ${count(thinned[thinned.length - 1].step)}, ` +
    "then every sampled step" +
    (after ? ` from step ${count(after.step)} to ${count(steps[steps.length - 1])}` : "") +
    ` (${count(points.length)} of the ${count(view.total)} sampled steps). Between two drawn steps of the thinned middle, ` +
    "the shaded band spans the lowest to highest value of the steps not drawn, so a spike there still shows; a step " +
    "that held a NaN or an inf is marked in red.";
  el.hidden = false;
}

// The legend's count of the sampled batches a dead unit gave no gradient on: the latest step's window (R17: the
// legend said "the last sampled batches" and never how many). A layer dead as a whole covers fewer (_monitor_counts).
export function sayDeadWindow(report) {
  const windows = (report?.layers ?? []).map((l) => l.window).filter((n) => Number.isInteger(n) && n > 0);
  const [low, high] = [Math.min(...windows), Math.max(...windows)];
  const batches = (n) => `${count(n)} sampled batch${n === 1 ? "" : "es"}`;
  const text = !windows.length ? "the last sampled batches" :
    low === high ? `the last ${batches(high)} (the monitor's window at the latest step)` :
    `the last ${batches(high)} (the monitor's window at the latest step; fewer, down to ${count(low)}, for a layer ` +
    "dead as a whole: all its units have been off that long)";
  if ($("watch-dead-window").textContent !== text) $("watch-dead-window").textContent = text;
}

// Notes that differ only in one quoted name ("no gradient was computed for 'fc2.weight' ..." and the same of
// 'fc3.weight') are said once, naming every one: the first as the monitor wrote it, then "likewise for" the others,
// in the notes' order (V25: a model with several such layers repeated the sentence once a layer). Notes that differ
// in more than one quoted name, or in their words, stay apart.
const QUOTED = /'[^']*'/g;
export function foldNotes(notes) {
  const groups = new Map();  // the note's words with its quoted names taken out -> [notes]
  for (const note of notes) {
    const key = String(note).replace(QUOTED, "'…'");
    groups.set(key, [...(groups.get(key) ?? []), String(note)]);
  }
  const said = [];
  for (const group of groups.values()) {
    const names = group.map((note) => note.match(QUOTED) ?? []);
    const differ = names[0].flatMap((q, j) => (names.some((n) => n[j] !== q) ? [j] : []));
    if (group.length < 2 || differ.length !== 1) { said.push(...new Set(group)); continue; }
    const others = [...new Set(names.map((n) => n[differ[0]]))].slice(1);
    const list = others.length > 1 ? `${others.slice(0, -1).join(", ")} and ${others.at(-1)}` : others[0];
    said.push(`${group[0].replace(/\.$/, "")}; likewise for ${list}`);
  }
  return said;
}
