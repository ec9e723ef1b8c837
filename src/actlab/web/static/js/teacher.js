// The teacher's page. Outside a class: the summary of the lab's progress database. In class mode (the teacher
// logged in with the class's token): the class's summary counted by learner, a row per learner refreshed every
// few seconds, and the CSV export.
import { getJSON } from "./api.js";
import { HIDEABLE, shownValue } from "./playground-state.js";

const REFRESH_MS = 4000;
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// wrong answers the checker could not explain, and answers it could not read, are counted by learner, not quoted
// (store.class_summary: only answers given before the learner solved the exercise)
function others(r) {
  const n = (k) => r[k] ?? 0;
  const parts = [n("unexplained_learners") ? `${plural(n("unexplained_learners"), "learner")}: a wrong answer the checker could not explain` : "",
                 n("unreadable_learners") ? `${plural(n("unreadable_learners"), "learner")}: an answer the checker could not read` : ""].filter(Boolean);
  return parts.length ? `<span class="muted">${parts.join("<br>")}</span>` : "";
}

// beside an exercise's tries (the learners' tries added up), the answers the tries leave out: "(+2 unreadable, +1 after solving)"
function apart(r) {
  const bits = [r.unreadable_answers ? `+${r.unreadable_answers} unreadable` : "", r.after_solving ? `+${r.after_solving} after solving` : ""].filter(Boolean);
  return bits.length ? ` <span class="muted">(${bits.join(", ")})</span>` : "";
}

// a free-text exercise: how many learners covered each key point and how many tried and never did
function keyPoints(r) {
  if (!r.key_points || !r.key_points.length) return "";
  return `<ul class="key-points">${r.key_points.map((p) => `<li>${esc(p.title)}: ${p.covered} covered, ${p.missed} missed</li>`).join("")}</ul>`;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// A wide table scrolls inside its own region on a narrow screen, so its headings break only between words and
// the page itself never scrolls sideways (the region takes the keyboard focus, so it scrolls without a mouse).
const scrolling = (label, table) => `<div class="table-scroll" role="region" tabindex="0" aria-label="${esc(label)}">${table}</div>`;

// per exercise, counted by learner (named by key, as the learner table's columns are): "solved by 2 of 3" (of the class in class mode, of those who tried outside)
function summaryTable(rows, classSize) {
  return scrolling("Exercises", `<table class="data"><thead><tr><th>exercise</th><th>solved</th><th>tries</th><th>hints / solutions seen</th>
    <th>commonest slips (learners) and key points</th></tr></thead><tbody>${rows.map((r) => `<tr data-exercise="${esc(r.exercise)}">
    <td>${esc(r.exercise)}: ${esc((r.title || "").replace(/^Exercise \d+: /, ""))}</td>
    <td class="num">solved by ${r.solved} of ${classSize ?? r.learners}${classSize != null ? ` (${r.learners} tried)` : ""}</td>
    <td class="num">${r.attempts}${apart(r)}</td><td class="num">${r.hint_learners} / ${r.solution_learners}</td>
    <td class="slips">${[...r.common_feedback.map((f) => `${plural(f.count, "learner")}: ${esc(f.feedback)}`), others(r)].filter(Boolean).join("<br>")}${keyPoints(r)}</td>
    </tr>`).join("")}</tbody></table>`);
}

const WORDS = { correct: "solved", partly_correct: "partly", incorrect: "not yet", unreadable: "unreadable", not_attempted: "—" };

// the tries as the server counts them (store.Tries): graded answers up to and including the first right one;
// answers it could not read and answers after solving are said apart (classroom.cell_text writes the same words)
function cellText(c) {
  const answers = c.attempts + (c.unreadable || 0) + (c.after_solving || 0);
  if (!answers && !c.hints && !c.solution_seen) return "—";
  // hints or the solution seen before any answer: "no answer yet, hint 1" (it read "—, hint 1")
  const bits = [!answers ? "no answer yet" : !c.attempts ? "no readable answer yet" : WORDS[c.status] || c.status];
  if (c.attempts) bits.push(plural(c.attempts, "try").replace("trys", "tries"));
  if (c.unreadable) bits.push(`${c.unreadable} unreadable`);
  if (c.after_solving) bits.push(`${c.after_solving} more after solving`);
  if (c.hints) bits.push(`hint ${c.hints}`);
  if (c.solution_seen) bits.push(c.solution_before_solving ? "saw the solution first" : "saw the solution");
  return bits.join(", ");
}

// the exercises whose solution a learner opened before solving them (or never solved): a copied answer, not a solved one
function solutionFirst(row, keys) {
  const seen = keys.filter((k) => row.exercises[k].solution_before_solving);
  return seen.length ? seen.join(", ") : "—";
}

// a row per learner, a cell per exercise: who is stuck shows as "not yet" with many tries or an early solution
function learnerTable(view) {
  const keys = view.exercises.map((e) => e.key);
  const head = view.exercises.map((e) => `<th title="${esc(e.title)}">${esc(e.key)}</th>`).join("");
  const body = view.rows.map((r) => `<tr data-learner="${esc(r.learner)}"><th scope="row" class="learner" title="${esc(r.learner)}">${esc(r.learner)}</th>${keys.map((k) => {
    const c = r.exercises[k];
    return `<td data-status="${esc(c.status)}"${c.solution_before_solving ? " data-solution-first" : ""}>${esc(cellText(c))}</td>`;
  }).join("")}<td class="solution-first">${esc(solutionFirst(r, keys))}</td></tr>`).join("");
  return scrolling("Learners", `<table class="data learners" aria-label="Learners"><thead><tr><th>learner</th>${head}<th>solution seen before solving</th></tr></thead><tbody>${body}</tbody></table>`);
}

// The settings a teacher may pin, as the server names them (RunConfig's, and the run controls)
const PINNABLE = ["dataset", "features", "layers", "activations", "lr", "optimizer", "loss", "init", "reg", "reg_rate",
  "batch_size", "noise", "train_fraction", "n_points", "seed", "epochs_per_frame", "stop_epoch", "target_loss"];

// the playground address's own name where it differs from the setting's (a link may use either name)
const LINK_NAME = { batch_size: "batch", train_fraction: "train", epochs_per_frame: "speed" };

// the link a learner's /playground opens, and what happens to a learner's own link that says otherwise for a pinned
// setting: its value is replaced and the learner's page names it once (the redirect carries pinned_overrides=NAMES,
// which the page drops from the address after saying so)
function learnerLink(saved) {
  if (!saved.learner_link) return "";
  const pins = saved.pinned.length
    ? `<p class="muted">A learner who opens a link with another value of ${esc(saved.pinned.join(", "))} gets the class's value instead;
       their page says once which of their link's values were replaced (the lab passes the names in the address as
       <code>pinned_overrides=</code>, and the page takes them out of it after saying so, so a reload does not repeat it).</p>` : "";
  return `<p id="learner-link" style="overflow-wrap: anywhere">Learners' playground opens at <a href="${esc(saved.learner_link)}">${esc(saved.learner_link)}</a></p>${pins}`;
}

function savedTable(saved) {
  const keys = Object.keys(saved.config).sort();
  if (!keys.length && !saved.pinned.length) return "<p class='muted'>Nothing saved: learners start from the defaults.</p>";
  return `<table class="data" aria-label="The class's playground"><thead><tr><th>setting</th><th>value</th><th>pinned</th></tr></thead><tbody>${
    keys.map((k) => `<tr data-setting="${esc(k)}"><th scope="row">${esc(k)}</th><td>${esc(shownValue(saved.config[k]))}</td><td>${saved.pinned.includes(k) ? "pinned" : ""}</td></tr>`).join("")}</tbody></table>${learnerLink(saved)}`;
}

async function showPlayground() {
  const boxes = document.getElementById("pin-boxes"), status = document.getElementById("playground-status");
  const linkBox = document.getElementById("playground-link");
  let current = { config: {}, pinned: [] };
  const show = (saved) => {
    current = saved;
    linkBox.value = saved.learner_link || "";  // the saved setup as a link: edit it, or save the ticks as they are
    document.getElementById("playground-saved").innerHTML = savedTable(saved);
    boxes.innerHTML = PINNABLE.map((k) => `<label><input type="checkbox" name="pin" value="${k}"${saved.pinned.includes(k) ? " checked" : ""}> ${k}${
      LINK_NAME[k] ? ` <span class="muted">(${LINK_NAME[k]}= in a link)</span>` : ""}</label>`).join(" ");
  };
  show(await getJSON("/api/class/playground"));
  const form = document.getElementById("playground-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const pinned = [...boxes.querySelectorAll("input:checked")].map((b) => b.value);
    // no link, or the saved one untouched: keep the saved settings as they are (the link shown is made from them)
    const link = linkBox.value.trim() === (current.learner_link || "") ? "" : linkBox.value.trim();
    // merged over what is saved, as `actlab class playground` does: a setting the link leaves out keeps its value
    const res = await fetch("/api/class/teacher/playground", { method: "PUT", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ config: {}, pinned, link: link || null, merge: true }) });
    const body = await res.json();
    if (!res.ok) { status.textContent = `Not saved: ${body.detail}`; status.classList.add("error"); return; }
    status.classList.remove("error");
    const changed = body.changes?.length ? ` Changed: ${body.changes.join("; ")}.` : " Nothing changed: the saved settings already said that.";
    const notes = (body.link_notes?.length ? ` From the link: ${body.link_notes.join("; ")}.` : "") +
      (body.pin_notes?.length ? ` ${body.pin_notes.join("; ")}.` : "");
    status.textContent = `Saved at ${new Date().toLocaleTimeString()}: learners get it from their next run.${changed}${notes}`;
    show(body);
  });
  // the link box and Save start disabled (teacher.html): typed or pressed before the saved settings arrived, the
  // page sent the old settings, or nothing, and said "Saved"; they open once the form is filled and listened to
  if (archivedClass) shutForms();
  else for (const el of form.elements) el.disabled = false;
}

// the class's learners as the last refresh listed them: the rejoin form names the one it will sign out
let knownLearners = [];
// names compared as the lab roughly compares them (case and runs of spaces aside); the server has the last word
const nameKey = (s) => s.normalize("NFKC").toLowerCase().trim().replace(/\s+/g, " ");

// A learner who lost their rejoin code gets a new one from the teacher, shown here once; their old code stops working.
// It signs out every device that joined as them, so the page asks first, naming the learner (an unknown name goes
// straight to the server, which says nobody has that name).
function rejoinForm() {
  const form = document.getElementById("rejoin-form"), status = document.getElementById("rejoin-status");
  const input = document.getElementById("rejoin-name"), ask = document.getElementById("rejoin-confirm");
  const question = document.getElementById("rejoin-question");
  let pending = null;
  const closeQuestion = () => { ask.hidden = true; pending = null; };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    if (!typed) { status.textContent = "Type the learner's name first."; status.classList.add("error"); return; }
    const known = knownLearners.find((n) => nameKey(n) === nameKey(typed));
    if (!known) { send(typed); return; }
    pending = known;
    status.textContent = "";
    status.classList.remove("error");
    question.textContent = `Make a new rejoin code for ${known}? Their old code stops working, and every device that ` +
      `joined as ${known} is signed out at once (a page they have open says why); they rejoin with the new code.`;
    document.getElementById("rejoin-yes").textContent = `Sign ${known} out and make a new code`;
    ask.hidden = false;
    document.getElementById("rejoin-yes").focus();
  });
  document.getElementById("rejoin-yes").addEventListener("click", () => { const name = pending; closeQuestion(); if (name) send(name); });
  document.getElementById("rejoin-no").addEventListener("click", () => {
    const name = pending;
    closeQuestion();
    status.classList.remove("error");
    status.textContent = `No new code: ${name} keeps their rejoin code and stays signed in.`;
    input.focus();
  });
  async function send(learner) {
    const res = await fetch("/api/class/teacher/rejoin-code", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ learner }) });
    const body = await res.json();
    // the sentence alone: a refusal the lab's checks wrote starts with the field's name ("learner: ...")
    if (!res.ok) { status.textContent = `No new code: ${String(body.detail).replace(/^[a-z_]+: /, "")}`; status.classList.add("error"); return; }
    status.classList.remove("error");
    status.innerHTML = `New rejoin code for ${esc(body.learner)}: <strong class="code">${esc(body.rejoin_code)}</strong>. ` +
      "Give it to them now: it is not shown again, and their old code no longer works. Every device that joined as " +
      `${esc(body.learner)} is signed out (anyone who used the old code too). They rejoin at /join with the ` +
      `class code, the name ${esc(body.learner)} and this code.`;
  }
}

// An archived class: its teacher reads it and downloads the exports; the forms that change it are shut.
let archivedClass = false;
function readOnly(archived) {
  const note = document.getElementById("archived-note");
  archivedClass = Boolean(archived);
  note.hidden = !archivedClass;
  if (!archivedClass) return;
  note.textContent = "This class is archived: you can read it and download its records, and nothing can be " +
    "changed. Learners who open the lab are told the class is closed. 'actlab class archive NAME --undo' opens it again.";
  shutForms();
}
function shutForms() {
  for (const id of ["rejoin-form", "playground-form"]) {
    for (const el of document.getElementById(id).elements) el.disabled = true;
  }
}

async function showClass(me) {
  const status = document.getElementById("status");
  document.getElementById("class-tools").hidden = false;
  document.getElementById("local-links").hidden = true;
  const refresh = async () => {
    const view = await getJSON("/api/class/teacher/learners");
    document.getElementById("class-name").textContent = `${view.class} · join code ${view.code} · ${plural(view.learners, "learner")}`;
    readOnly(view.archived);
    document.getElementById("summary").innerHTML = view.summary.length ? summaryTable(view.summary, view.learners)
      : "<p class='muted'>No attempts in this class yet.</p>";
    document.getElementById("learners").innerHTML = view.rows.length ? learnerTable(view)
      : "<p class='muted'>Nobody has joined yet: learners open /join and type the code.</p>";
    document.getElementById("learner-names").innerHTML = view.rows.map((r) => `<option value="${esc(r.learner)}">`).join("");
    knownLearners = view.rows.map((r) => r.learner);
    status.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`;
  };
  await refresh();
  rejoinForm();
  await showPlayground();
  const timer = setInterval(() => refresh().catch((err) => {
    if (err.status === 401) { clearInterval(timer); signedOut(); return; }
    status.textContent = `Could not refresh: ${err.message}`;
  }), REFRESH_MS);
}

// The teacher's login stopped working (the token was rotated: actlab class token --rotate): the figures on the page
// can no longer be refreshed, so they are hidden, not left standing as if current, and the page says how to log in.
function signedOut() {
  for (const id of ["summary", "class-tools", "class-name", "status", "archived-note"]) document.getElementById(id).hidden = true;
  const note = document.getElementById("signed-out-note");
  note.innerHTML = "You are no longer logged in as this class's teacher: the class's teacher token was changed " +
    "(actlab class token --rotate), so this page cannot show the class any more and has hidden its figures. " +
    '<a href="/teacher/login">Log in again</a> with the new token.';
  note.hidden = false;
}

async function showLocal() {
  document.getElementById("hideable").textContent = Object.keys(HIDEABLE).join(", ");  // the playground's own list
  const rows = await getJSON("/api/class-summary");
  const el = document.getElementById("summary");
  el.innerHTML = rows.length ? summaryTable(rows, null) : "<p class='muted'>No attempts saved yet.</p>";
}

async function boot() {
  const me = await getJSON("/api/class/me");
  if (me.mode === "class") await showClass(me); else await showLocal();
  document.body.dataset.ready = "true";
}

boot().catch((err) => { document.getElementById("status").textContent = `Could not load: ${err.message}`; });
