// The papers page: the stored table of the last full run, and a button that reruns the quick versions as a job.
// Every number, verdict and sentence comes from the server's records; the page only lays them out.
import { getJSON, runJob } from "./api.js";

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

const VERDICT_CLASS = { reproduced: "good", partly: "warn", undecided: "warn", "not reproduced": "bad", shown: "muted" };

function claimTable(r, where) {
  const box = el("article", undefined, "paper-claim");
  box.setAttribute("aria-label", `${r.name}: ${r.verdict}`);
  box.append(el("h3", `${r.name} · ${r.paper}`));
  box.append(el("p", r.claim));
  const table = el("table", undefined, "data");
  table.setAttribute("aria-label", `Findings of ${r.name}`);
  const head = table.createTHead().insertRow();
  for (const h of ["what is claimed", "paper", "actlab", "n", "criterion", "verdict"]) head.append(el("th", h));
  const body = table.createTBody();
  for (const f of r.findings) {
    const row = body.insertRow();
    const what = el("td", f.what);
    if (f.note) what.append(el("div", f.note, "muted"));
    row.append(what, el("td", f.paper || "—"), el("td", f.measured_text, "num"), el("td", String(f.n), "num"),
               el("td", f.criterion || "—"), el("td", f.verdict, VERDICT_CLASS[f.verdict]));
  }
  box.append(table);
  const verdict = el("p");
  verdict.append("Verdict: ", el("strong", r.verdict, VERDICT_CLASS[r.verdict]), ` (${where})`);
  box.append(verdict);
  const missing = r.findings.filter((f) => f.verdict === "not reproduced");
  if (missing.length) box.append(el("p", `Did not reproduce here: ${missing.map((f) => f.what).join("; ")}.`, "bad"));
  const open = r.findings.filter((f) => f.verdict === "undecided");
  if (open.length) box.append(el("p", `Not decided by the seeds run: ${open.map((f) => f.what).join("; ")}.`, "warn"));
  if (r.explanation) box.append(el("p", r.explanation));
  const time = r.stored || where.startsWith("stored") ? "" : `, ${r.seconds.toFixed(1)} s`;
  box.append(el("p", `Run: ${r.run_matrix}${time}`, "muted"));
  return box;
}

function show(records, whereOf) {
  const root = $("papers-claims");
  root.replaceChildren(...records.map((r) => claimTable(r, whereOf(r))));
}

async function start() {
  const button = $("papers-rerun");
  let stored;
  try {
    stored = await getJSON("/api/papers");
  } catch (err) { say(`Could not load the stored results: ${err.message}`, true); return; }
  const when = (r) => `stored full run${r.generated ? `, ${r.generated}` : ""}, ${Math.round(r.seconds)} s`;
  show(stored.claims, when);
  say(stored.claims.length ? `${stored.claims.length} claims from the last full run.`
                           : "No full run is stored yet: rerun the quick versions to see measurements.");
  document.body.dataset.ready = "true";  // the stored tables are drawn
  button.addEventListener("click", async () => {
    button.disabled = true;
    say("Starting the quick runs…");
    try {
      const result = await runJob("reproduce-quick", (job) => say(`Quick runs: ${job.status}…`), { pollMs: 1000 });
      show(result.claims, (r) => (r.stored ? "stored full run: this claim needs the full run" : "quick run, just now"));
      say("Quick runs done: the tables now show this machine's measurements.");
    } catch (err) { say(`The quick runs failed: ${err.message}`, true); }
    button.disabled = false;
  });
}

start();
