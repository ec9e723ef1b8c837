// The papers page: the stored table and figure of the last full run for each claim, and a button that reruns the
// quick versions as a job and sets each quick figure beside the stored one. Every number, verdict, axis title and
// sentence comes from the server's records; the page only lays them out.
import { ApiError, getJSON, postJSON } from "./api.js";
import { PALETTE, draw, loadPlotly, logDecades } from "./charts.js";

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function say(text, isError = false) {
  const status = $("papers-status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

const KIND = "reproduce-quick";
const POLL_MS = 1000;

// A time the server gave (ISO 8601 UTC) in the learner's own clock, to the second.
const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit",
                                                                      second: "2-digit" }) : "");

// What went wrong with a quick run, in words: a server that stopped answering (fetch itself fails), a server that
// no longer knows the run (it was restarted), or the server's own words (busy, failed, cancelled).
function failureText(err) {
  if (err instanceof ApiError && err.status === 404) {
    return "The lab's server no longer knows this quick run: it was restarted while the run was under way, and the "
           + "run was lost. Press the button to run the quick versions again.";
  }
  if (err instanceof ApiError) return `The quick runs did not finish: ${err.message}`;
  return "The lab's server stopped answering while the quick runs were under way (it was stopped, or the "
         + "connection to it was lost), so their results cannot come. Start the lab again with actlab lab, reload "
         + "this page and press the button.";
}

// Follow a job until it ends, telling onProgress each answer; resolves with the last answer.
async function follow(job, onProgress) {
  while (job.state === "queued" || job.state === "running") {
    onProgress(job);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await getJSON(`/api/jobs/${encodeURIComponent(job.id)}`);
  }
  return job;
}

// The status line while a run is under way, counted by the job's own clock (when it started on the server), so
// every tab showing the same run reads the same seconds.
function progressText(job, joined) {
  if (job.state === "queued") return `The quick runs are waiting to start (${job.status}).`;
  const since = `started at ${clock(job.started_at)}, ${Math.round(job.seconds ?? 0)} s so far`;
  return `${joined ? "A quick run was already under way; this page follows it" : "Quick runs under way"} `
         + `(${since}): ${job.status}…`;
}

const VERDICT_CLASS = { reproduced: "good", partly: "warn", undecided: "warn", "not reproduced": "bad", shown: "muted" };

function headed(table, heads) {
  const head = table.createTHead().insertRow();
  for (const [text, title] of heads) {
    const th = el("th", text);
    if (title) th.title = title;
    head.append(th);
  }
  return table.createTBody();
}

// On a narrow screen each row of a claim's table is a block of labelled lines (lab.css, table.stacked; papers.css):
// each cell names its column, so no column is squeezed to a few letters a line and no number breaks in two.
function labelCells(table) {
  const heads = [...table.tHead.rows[0].cells].map((th) => th.textContent);
  for (const row of table.tBodies[0].rows) [...row.cells].forEach((td, i) => { td.dataset.label = heads[i]; });
}

function whatCell(f) {
  const what = el("td", f.what);
  if (f.note) what.append(el("div", f.note, "muted"));
  return what;
}

function verdictLines(box, failed, open, r) {
  if (failed.length) box.append(el("p", `Did not reproduce here: ${failed.join("; ")}.`, "bad"));
  if (open.length) box.append(el("p", `Not decided by the seeds run: ${open.join("; ")}.`, "warn"));
  if (r.explanation) box.append(el("p", r.explanation));
}

// One run's table: a stored full run as the page first shows it.
function storedTable(r, where) {
  const box = el("div", undefined, "claim-table");
  const table = el("table", undefined, "data stacked");
  table.setAttribute("aria-label", `Findings of ${r.name}`);
  const body = headed(table, [["what is claimed"], ["paper"], ["actlab"],
                              ["n", "what the figure is over: seeds, training runs, random nets, or computed"],
                              ["criterion"], ["verdict"]]);
  for (const f of r.findings) {
    const row = body.insertRow();
    row.append(whatCell(f), el("td", f.paper || "—"), el("td", f.measured_text, "num"), el("td", f.n_text, "num"),
               el("td", f.criterion || "—"), el("td", f.verdict, VERDICT_CLASS[f.verdict]));
  }
  labelCells(table);
  box.append(table);
  const verdict = el("p");
  verdict.append("Verdict: ", el("strong", r.verdict, VERDICT_CLASS[r.verdict]), ` (${where})`);
  box.append(verdict);
  verdictLines(box, r.findings.filter((f) => f.verdict === "not reproduced").map((f) => f.what),
               r.findings.filter((f) => f.verdict === "undecided").map((f) => f.what), r);
  box.append(el("p", `Run: ${r.run_matrix}`, "muted"));
  return box;
}

// One run's measurement of a finding in a cell: the figure, its seeds and its verdict, or "not measured".
// A note the two runs do not share (where this run's largest miss lies, its error) stands under this run's figure,
// named by its run (rerun.Row.notes), never under the other run's.
function measuredCell(f, run, notes = []) {
  const td = el("td", undefined, "num measured");
  if (!f) {
    td.append(el("span", "not measured in this run", "muted"));
    return td;
  }
  td.append(el("span", f.measured_text), el("div", f.n_text, "muted n-text"),
            el("div", f.verdict, VERDICT_CLASS[f.verdict]));
  for (const [label, note] of notes) td.append(el("div", `${label}: ${note}`, "muted run-note"));
  td.dataset.run = run;
  return td;
}

// The criterion each run's figure was judged by: one line where both are judged alike, else each under its run's
// name (a one-seed quick figure reads "(one seed)" where the stored mean of five reads "in every seed").
function criteriaCell(row) {
  const found = [["quick run", row.quick], ["stored full run", row.stored]].filter(([, f]) => f);
  const texts = new Set(found.map(([, f]) => f.criterion || ""));
  if (texts.size <= 1) return el("td", [...texts][0] || "—");
  const td = el("td", undefined, "criteria");
  for (const [run, f] of found) td.append(el("div", `${run}: ${f.criterion || "—"}`));
  return td;
}

// A quick rerun beside the stored full run (rerun.Rerun on the server): both figures of every finding, and the
// claim's verdict over all of them, so a finding the quick run leaves out still counts.
function rerunTable(rr, when) {
  if (!rr.quick) {  // no quick version: the stored record as it was
    return storedTable(rr.stored, `stored full run${rr.stored_when ? ` of ${rr.stored_when}` : ""}: this claim has `
                                  + "no quick version, as its verdict needs the full run");
  }
  const box = el("div", undefined, "claim-table");
  const table = el("table", undefined, "data rerun stacked");
  table.setAttribute("aria-label", `Findings of ${rr.name}: the quick run beside the stored full run`);
  const storedHead = rr.stored ? `stored full run${rr.stored_when ? ` (${rr.stored_when})` : ""}` : "stored full run";
  const body = headed(table, [["what is claimed"], ["paper"], [`quick run of ${when}`], [storedHead], ["criterion"]]);
  for (const row of rr.rows) {
    const tr = body.insertRow();
    const shared = row.notes.filter(([label]) => !label).map(([, note]) => note);
    const own = (label) => row.notes.filter(([l]) => l === label);
    tr.append(whatCell({ what: row.what, note: shared.join("; ") }), el("td", row.paper || "—"),
              measuredCell(row.quick, "quick", own("quick run")),
              rr.stored ? measuredCell(row.stored, "stored", own("stored full run")) : el("td", "none stored", "muted"),
              criteriaCell(row));
  }
  labelCells(table);
  box.append(table);
  const verdict = el("p");
  verdict.append("Verdict: ", el("strong", rr.verdict, VERDICT_CLASS[rr.verdict]), ` (counting ${rr.basis}).`);
  box.append(verdict);
  if (rr.stored) {
    box.append(el("p", `The quick run's own findings alone: ${rr.quick_verdict}; the stored full run: `
                       + `${rr.stored_verdict}.`, "muted"));
  }
  const counted = rr.rows.map((row) => ({ f: row.quick || row.stored, kept: !row.quick && rr.stored }));
  const named = (v) => counted.filter((c) => c.f.verdict === v)
    .map((c) => c.f.what + (c.kept ? " (stored full run)" : ""));
  verdictLines(box, named("not reproduced"), named("undecided"), rr);
  box.append(el("p", `Quick run: ${rr.quick.run_matrix}, ${rr.quick.seconds.toFixed(1)} s.`, "muted"));
  if (rr.stored) box.append(el("p", `Stored full run: ${rr.stored.run_matrix}.`, "muted"));
  return box;
}

// Traces of one group (figures.colour_group) share a colour: a formula's line and its Monte Carlo markers, or the
// seeds of one configuration. The seeds of one configuration are one legend entry (figures.Trace.legend): drawn as one
// Plotly line broken between seeds, each point naming its own seed when hovered.
function plotTraces(panel) {
  const colours = new Map();
  const colour = (group) => {
    if (!colours.has(group)) colours.set(group, PALETTE[colours.size % PALETTE.length]);
    return colours.get(group);
  };
  const merged = new Map();  // legend entry -> the Plotly trace of its lines
  const out = [];
  for (const t of panel.traces) {
    const name = t.legend || t.label;
    const base = { x: t.x, y: t.y, name, type: "scatter" };
    if (t.style === "reference") {  // a level across the panel, grey: not one of the measured groups
      out.push({ ...base, mode: "lines", line: { color: "#555", width: 1.4, dash: "dot" }, hoverinfo: "name+y" });
      continue;
    }
    const color = colour(t.group);
    if (t.style === "markers") {
      out.push({ ...base, mode: "markers", marker: { color, size: 6 },
                 error_y: { type: "data", array: t.y_err, visible: true, color, thickness: 1.2, width: 3 } });
    } else if (t.style === "points") {  // named categories; error bars where the points are means with standard errors
      out.push({ ...base, mode: "markers", marker: { color, size: 9 },
                 ...(t.y_err ? { error_y: { type: "data", array: t.y_err, visible: true, color, thickness: 1.2,
                                            width: 4 } } : {}) });
    } else if (t.style === "prediction") {
      out.push({ ...base, mode: "lines", line: { color, width: 1.4, dash: t.dash || "dash" } });
    } else if (merged.has(name)) {  // one more seed of an entry already drawn: the same line, after a break
      const m = merged.get(name);
      m.x.push(null, ...t.x);
      m.y.push(null, ...t.y);
      m.text.push(null, ...t.x.map(() => t.label));
    } else {
      const m = { ...base, x: [...t.x], y: [...t.y], text: t.x.map(() => t.label), mode: "lines",
                  line: { color, width: 1.2 }, connectgaps: false,
                  hovertemplate: "%{text}<br>x %{x}, y %{y:.4g}<extra></extra>" };
      merged.set(name, m);
      out.push(m);
    }
  }
  return out;
}

// Legend entries a panel's chart shows (one per name); past this many its chart takes the figure's whole width, so
// the legend wraps into columns under a wide plot instead of a tall list beside an empty two thirds.
const WIDE_LEGEND = 8;

// The y axis: plain numbers or e-notation (Plotly's default SI prefixes read "20μ" and "100μ"); a log axis labelled
// in whole decades (charts.logDecades: no bare "2" and "5" between them).
function yAxis(panel) {
  const title = { text: panel.y_title };
  if (panel.log_y) return { title, ...logDecades(panel.traces.map((t) => t.y)) };
  return { title, exponentformat: "e" };
}

// One run's figure under its heading; the charts' labels name the run, so a quick figure is never read as the
// stored one. Named categories (shazeer2020's units) get one labelled tick each, with room for the outer ones.
async function drawFigure(root, name, panels, heading) {
  root.replaceChildren();
  if (!panels || !panels.length) return;
  root.append(el("h4", heading));
  const grid = el("div", undefined, "paper-figure");
  root.append(grid);
  for (const panel of panels) {
    const chart = el("div", undefined, "chart");
    chart.dataset.panel = panel.title;
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", `${name}, ${heading.toLowerCase()}: ${panel.title}; x: ${panel.x_title}; `
                                     + `y: ${panel.y_title}`);
    grid.append(chart);
    const xaxis = { title: { text: panel.x_title } };
    if (panel.x_labels) {
      const n = panel.x_labels.length;  // a zero line would run through the first unit's point: none
      Object.assign(xaxis, { tickmode: "array", tickvals: panel.x_labels.map((_, i) => i), ticktext: panel.x_labels,
                             range: [-0.5, n - 0.5], zeroline: false, tickangle: -35, automargin: true });
    } else if (panel.x_whole) {  // layers and epochs: whole numbers, so no tick at 1.5
      const xs = panel.traces.flatMap((t) => t.x);
      if (Math.max(...xs) - Math.min(...xs) <= 12) Object.assign(xaxis, { dtick: 1, tick0: 0 });
      else xaxis.tickformat = "d";
    }
    const traces = plotTraces(panel);
    const wide = new Set(traces.map((t) => t.name)).size > WIDE_LEGEND;
    if (wide) chart.classList.add("wide");
    await draw(chart, traces, { title: { text: panel.title, font: { size: 13 } }, xaxis, yaxis: yAxis(panel),
                                hovermode: "closest", margin: { l: 60, r: 15, t: 40, b: 50 }, showlegend: true });
    if (wide) {  // the frame charts.js put the chart in spans the grid's row: redraw at that width
      chart.parentElement.classList.add("wide");
      (await loadPlotly()).Plots.resize(chart);
    }
  }
}

// A panel the quick run and the stored full run both draw gets one y range for the two, the union of their own, so
// the quick points are read against the same scale as the stored ones.
async function shareRanges(box) {
  const Plotly = await loadPlotly();
  for (const quick of box.querySelectorAll(".quick-figure-box .chart")) {
    const stored = [...box.querySelectorAll(".figure-box .chart")].find((c) => c.dataset.panel === quick.dataset.panel);
    if (!stored) continue;
    // the stored chart's own range, kept from before the first rerun: a second rerun widens from it, not from the
    // union with the first rerun's
    stored.dataset.ownRange ??= JSON.stringify(stored._fullLayout.yaxis.range);
    const [a, b] = [JSON.parse(stored.dataset.ownRange), quick._fullLayout.yaxis.range];
    const range = [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
    for (const chart of [stored, quick]) await Plotly.relayout(chart, { "yaxis.range": range, "yaxis.autorange": false });
  }
}

function claimBox(r, where) {
  const box = el("article", undefined, "paper-claim");
  box.id = `claim-${r.name}`;
  box.setAttribute("aria-label", `${r.name}: ${r.verdict}`);
  box.append(el("h3", `${r.name} · ${r.paper}`), el("p", r.claim), storedTable(r, where),
             el("div", undefined, "figure-box"), el("div", undefined, "quick-figure-box"));
  return box;
}

async function start() {
  const button = $("papers-rerun");
  let storedDone;
  const storedDrawn = new Promise((resolve) => { storedDone = resolve; });  // the stored figures are on the page
  let stored;
  try {
    stored = await getJSON("/api/papers");
  } catch (err) { say(`Could not load the stored results: ${err.message}`, true); return; }
  const when = (r) => `stored full run${r.generated ? ` of ${r.generated}` : ""}, ${Math.round(r.seconds)} s`;
  $("papers-claims").replaceChildren(...stored.claims.map((r) => claimBox(r, when(r))));
  say(stored.claims.length ? `${stored.claims.length} claims from the last full run.`
                           : "No full run is stored yet: rerun the quick versions to see measurements.");
  document.body.dataset.ready = "true";  // the stored tables are drawn
  // Show a quick run's job to its end: joined says it was under way before this page asked (a reload mid-run, or
  // another tab's or learner's run). Every rerun is a fresh run on the server (nothing is kept from an earlier one).
  async function show(first, joined) {
    button.disabled = true;
    let job;
    try {
      job = await follow(first, (j) => say(progressText(j, joined)));
    } catch (err) {
      say(failureText(err), true);
      button.disabled = false;
      return;
    }
    button.disabled = false;
    if (job.state !== "done") {
      say(job.state === "cancelled" ? "The quick runs were cancelled before they finished; press the button to "
                                      + "run them again."
                                    : `The quick runs failed on the server: ${job.status}.`, true);
      return;
    }
    const when = clock(job.finished_at);
    try {
      showTables(job.result, when);
      say(`Quick runs done in ${Math.round(job.seconds ?? 0)} s (from ${clock(job.started_at)} to ${when}): each `
          + "table now sets this machine's quick measurements beside the stored full run.");
      // each quick figure under the stored one it is set beside (a claim without a quick version has none)
      for (const rr of job.result.claims) {
        const box = $(`claim-${rr.name}`);
        await drawFigure(box.querySelector(".quick-figure-box"), rr.name, rr.figures.quick,
                         `Figure of the quick run of ${when}`);
        await storedDrawn;  // the stored figures first, so that each pair can share its y range
        await shareRanges(box);
      }
      document.body.dataset.quickFigures = "drawn";
    } catch (err) { say(`The quick runs finished, but their results could not be shown: ${err.message}`, true); }
  }

  function showTables(result, when) {
    for (const rr of result.claims) {
      let box = $(`claim-${rr.name}`);
      if (!box) {  // no stored run of this claim: a box of its own
        box = el("article", undefined, "paper-claim");
        box.id = `claim-${rr.name}`;
        box.append(el("h3", `${rr.name} · ${rr.paper}`), el("p", rr.claim), el("div", undefined, "claim-table"),
                   el("div", undefined, "quick-figure-box"));
        $("papers-claims").append(box);
      }
      box.setAttribute("aria-label", `${rr.name}: ${rr.verdict}`);
      box.querySelector(".claim-table").replaceWith(rerunTable(rr, when));
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    say("Starting the quick runs…");
    let job;
    try {
      job = await postJSON("/api/jobs", { kind: KIND });
    } catch (err) {
      say(failureText(err), true);
      button.disabled = false;
      return;
    }
    // a press while a run is under way joins it (the server runs one at a time): say so rather than count from 0
    await show(job, job.state === "running" && (job.seconds ?? 0) >= 2);
  });
  // a run under way when the page opened (reloaded mid-run, or started from another tab): show it and follow it
  getJSON("/api/jobs/under-way", { kind: KIND }).then(({ jobs }) => {
    if (jobs.length && !button.disabled) show(jobs[0], true);
  }).catch(() => {});  // no word here: the stored tables are what the page is for, and the button still works
  // the figures last: Plotly.js is large, and the tables are readable while it loads
  try {
    for (const r of stored.claims) {
      await drawFigure($(`claim-${r.name}`).querySelector(".figure-box"), r.name, r.figure,
                       "Figure of the stored full run");
    }
    document.body.dataset.figures = "drawn";
  } catch (err) { say(`The figures could not be drawn: ${err.message}`, true); }
  storedDone();
}

start();
