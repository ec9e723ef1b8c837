// The watch page: follows a PyTorch monitor's log (actlab watch FILE) and draws its latest step and its history
// with the playground's light charts. Every number and the reading come from the server.
import { getJSON } from "./api.js";
import { fmt } from "./charts.js";
import { logBars, logLines } from "./livechart.js";
import { showReading } from "./reading.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
let next = 0, steps = [], history = [];

function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

function drawTable(report) {
  const table = document.createElement("table");
  table.className = "data";
  table.setAttribute("aria-label", "Unit health per layer");
  const head = table.createTHead().insertRow();
  for (const h of ["layer", "activation", "units", "‖∂L/∂a‖", "ratio to last", "‖∂L/∂W‖", "mean", "std", "dead",
                   "saturated", "dormant", "reading"]) head.append(cell("th", h));
  const body = table.createTBody();
  for (const l of report.layers) {
    const row = body.insertRow();
    for (const v of [l.name, l.activation, l.width, fmt(l.act_grad_norm), fmt(l.act_grad_ratio_to_last),
                     fmt(l.weight_grad_norm), fmt(l.mean), fmt(l.std), l.dead, l.saturated, l.dormant, l.words]) {
      row.append(cell("td", String(v)));
    }
  }
  $("watch-table").replaceChildren(table);
}

function draw(report) {
  showReading($("watch-reading"), report.reading);
  const names = report.layers.map((l, k) => `${k + 1}: ${l.name}`);  // a Sequential's names are bare indices
  logBars($("watch-bars"), { categories: names, bars: report.layers.map((l) => l.weight_grad_norm),
                             line: report.layers.map((l) => l.act_grad_norm), barName: "‖∂L/∂W‖",
                             lineName: "‖∂L/∂a‖" });
  logLines($("watch-history"), { x: steps, series: history.map((y, k) => ({ name: names[k] ?? `layer ${k + 1}`, y })),
                                 xName: "step" });
  drawTable(report);
  $("watch-notes").replaceChildren(...report.notes.map((n) => cell("li", n)));
}

async function poll() {
  try {
    const data = await getJSON("/api/watch", { since: next });
    $("watch-source").textContent = `${data.path}: ${data.total.toLocaleString("en-US")} sampled steps so far`;
    for (const r of data.reports) {
      if (!history.length) history = r.layers.map(() => []);
      steps.push(r.step);
      r.layers.forEach((l, k) => history[k]?.push(l.act_grad_norm > 0 ? l.act_grad_norm : null));
    }
    if (steps.length > 1500) { steps = steps.slice(-1000); history = history.map((h) => h.slice(-1000)); }
    next = data.next;
    if (data.reports.length) draw(data.reports[data.reports.length - 1]);
    $("status").textContent = data.total ? "" : "Waiting for the first sampled step…";
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
  $("watch-readout").textContent = `${d.categories[i]}: ‖∂L/∂W‖ ${fmt(d.bars[i], 3)}, ‖∂L/∂a‖ ${fmt(d.line[i], 3)}`;
});
poll();
