// The watch page: follows a PyTorch monitor's log (actlab watch FILE) and draws its latest step and its history.
// Every number, word and reading comes from the server; steps that held a NaN or an inf are marked, never drawn
// as numbers, and the page says when the run has ended or gone quiet.
import { getJSON } from "./api.js";
import { fmt } from "./charts.js";
import { showReading } from "./reading.js";
import { stepLines, watchBars } from "./watch-charts.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
const QUIET_S = 30;  // no new line for this long, and no end line: say the run may have stopped
const KEEP = 1000;
let next = 0, steps = [], losses = [], nanSteps = [], history = [], names = [], lastFinite = null;

function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

const num = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? fmt(v) : String(v));

// ReLU cannot saturate (f' is 0 or 1): its units under the threshold are rarely active (the log's low_word)
const lowCount = (l) => (l.saturated && l.low_word && l.low_word !== "saturated"
  ? `${num(l.saturated)} ${l.low_word}` : num(l.saturated));

function drawTable(report) {
  const table = document.createElement("table");
  table.className = "data";
  table.setAttribute("aria-label", "Unit health per layer");
  const head = table.createTHead().insertRow();
  for (const h of ["layer", "activation", "units", "‖∂L/∂a‖", "ratio to last", "‖∂L/∂W‖", "W ratio to output", "mean",
                   "std", "dead", "saturated / rarely active", "dormant", "reading"]) head.append(cell("th", h));
  const body = table.createTBody();
  for (const l of report.layers) {
    const row = body.insertRow();
    if (l.non_finite) row.className = "non-finite";
    for (const v of [l.name, l.activation, l.width, num(l.act_grad_norm), num(l.act_grad_ratio_to_last),
                     l.weights_frozen ? "frozen" : num(l.weight_grad_norm), num(l.weight_grad_ratio_to_output),
                     num(l.mean), num(l.std), num(l.dead), lowCount(l), num(l.dormant), l.words]) {
      row.append(cell("td", String(v)));
    }
  }
  $("watch-table").replaceChildren(table);
}

function drawBars(report) {
  // a step that held a NaN has no bars to draw: the latest finite step is drawn, and the caption says so
  const shown = report.non_finite && lastFinite ? lastFinite : report;
  const caption = shown === report ? `step ${report.step}` :
    `step ${shown.step}, the latest finite one (step ${report.step} holds a NaN or an inf)`;
  watchBars($("watch-bars"), {
    categories: shown.layers.map((l, k) => `${k + 1}: ${l.name}`),  // a Sequential's names are bare indices
    bars: shown.layers.map((l) => (l.weights_frozen ? null : l.weight_grad_norm)),
    line: shown.layers.map((l) => l.act_grad_norm),
    labels: shown.layers.map((l) => (l.weights_frozen ? "frozen" : l.weight_grad_norm === 0 ? "0: no gradient" :
      l.non_finite ? "NaN" : "")),
    barName: "‖∂L/∂W‖", lineName: "‖∂L/∂a‖", caption,
  });
}

function draw(report) {
  showReading($("watch-reading"), report.reading);
  drawBars(report);
  stepLines($("watch-history"), { x: steps, log: true, marks: nanSteps, empty: "No finite step yet",
                                  series: history.map((y, k) => ({ name: names[k] ?? `layer ${k + 1}`, y })) });
  stepLines($("watch-loss"), { x: steps, log: false, marks: nanSteps, series: [{ name: "loss", y: losses }],
                               empty: "No loss logged: set s.loss = loss inside mon.step()" });
  drawTable(report);
  const nan = report.first_non_finite;
  $("watch-nan").textContent = nan ? `A NaN or an inf first appeared at step ${nan.step}, first at ${nan.place}` +
    (nanSteps.length > 1 ? `; ${nanSteps.length} of the ${steps.length} steps shown hold one (red marks).` : ".") : "";
  $("watch-nan").hidden = !nan;
  $("watch-notes").replaceChildren(...report.notes.map((n) => cell("li", n)));
}

function runState(data) {
  if (!data.total) return "Waiting for the first sampled step…";
  if (data.ended) return `The run has ended: the monitor closed its log after ${data.ended.steps_run.toLocaleString("en-US")} steps.`;
  if (data.idle_s !== null && data.idle_s > QUIET_S) {
    return `No new line in the log for ${Math.round(data.idle_s)} s: the run may have stopped (a script that ends ` +
      "normally, or calls mon.close(), writes an end line).";
  }
  return "The run is going on: the page follows the log.";
}

async function poll() {
  try {
    const data = await getJSON("/api/watch", { since: next });
    $("watch-source").textContent = `${data.path}: ${data.total.toLocaleString("en-US")} sampled steps so far`;
    for (const r of data.reports) {
      if (!history.length || r.layers.length !== history.length) {  // a new header: places were added
        history = r.layers.map((_, k) => history[k] ?? steps.map(() => null));
      }
      names = r.layers.map((l, k) => `${k + 1}: ${l.name}`);
      steps.push(r.step);
      losses.push(typeof r.loss === "number" ? r.loss : null);
      if (r.non_finite) nanSteps.push(r.step); else lastFinite = r;
      r.layers.forEach((l, k) => history[k]?.push(!l.non_finite && l.act_grad_norm >= 0 ? l.act_grad_norm : null));
    }
    if (steps.length > KEEP * 1.5) {
      const cut = steps.length - KEEP;
      steps = steps.slice(cut); losses = losses.slice(cut); history = history.map((h) => h.slice(cut));
      nanSteps = nanSteps.filter((s) => s >= steps[0]);
    }
    next = data.next;
    if (data.reports.length) draw(data.reports[data.reports.length - 1]);
    const state = runState(data);
    $("watch-run").textContent = state;
    $("watch-run").dataset.state = !data.total ? "waiting" : data.ended ? "ended" :
      data.idle_s > QUIET_S ? "quiet" : "running";
    $("status").textContent = data.total ? "" : state;
    document.body.dataset.ready = "true";
    setTimeout(poll, data.next < data.total ? 0 : POLL_MS);  // catch up at once, then follow
  } catch (err) {
    $("status").textContent = `Could not read the log: ${err.message}`;
    setTimeout(poll, POLL_MS * 3);
  }
}

$("watch-bars").addEventListener("mousemove", (ev) => {
  const d = ev.currentTarget.drawn;
  if (!d) return;
  const box = ev.currentTarget.getBoundingClientRect();
  const i = Math.min(d.categories.length - 1, Math.max(0, Math.floor((ev.clientX - box.left) / box.width * d.categories.length)));
  $("watch-readout").textContent = `${d.categories[i]}: ‖∂L/∂W‖ ${d.labels[i] || fmt(d.bars[i], 3)}, ‖∂L/∂a‖ ${fmt(d.line[i], 3)}`;
});
poll();
