// Section 5: every exercise with answer boxes, immediate feedback, tiered hints and the solution on request.

export function mount(root, { api, exercises, learner, onProgress, setStatus }) {
  const list = root.querySelector("#exercise-list");
  const status = new Map();  // key -> best status so far
  const ranks = new Map();  // key -> that status's rank, as the server sent it (the order of verdicts is the core's)
  const label = { correct: "correct", partly_correct: "partly correct", incorrect: "not yet", unreadable: "unreadable",
                  not_attempted: "not attempted" };

  list.replaceChildren(...exercises.map((ex) => {
    const el = document.createElement("article");
    el.className = "exercise";
    el.id = `exercise-${ex.key}`;
    const inputs = ex.parts.map((p, i) => {
      const id = `${ex.key}-part${i}`;
      const field = p.kind === "rubric"
        ? `<textarea id="${id}" aria-label="${ex.title}: ${p.prompt}"></textarea>`
        : `<input type="text" id="${id}" aria-label="${ex.title}: ${p.prompt}" autocomplete="off">`;
      return `<label for="${id}">${p.prompt}${field}</label>`;
    }).join("");
    el.innerHTML = `<h3>${ex.title} <span class="badge" data-role="badge">not attempted</span></h3>
      <p>${ex.prompt}</p>
      <form class="answer-row">${inputs}<button type="submit">Check</button></form>
      <div class="controls"><button type="button" class="secondary" data-role="hint">Hint</button>
        <button type="button" class="secondary" data-role="solution">Show solution</button></div>
      <div class="feedback" data-role="feedback" role="status" aria-live="polite"></div>
      <div data-role="help"></div>`;
    const form = el.querySelector("form"), feedback = el.querySelector("[data-role=feedback]");
    const help = el.querySelector("[data-role=help]"), badge = el.querySelector("[data-role=badge]");
    let hintLevel = 0;
    const setBadge = (s, rank) => {
      if (!ranks.has(ex.key) || rank > ranks.get(ex.key)) { status.set(ex.key, s); ranks.set(ex.key, rank); }
      const best = status.get(ex.key);
      badge.className = `badge ${best}`;
      badge.textContent = label[best];
      onProgress(status);
    };
    el.setBadge = setBadge;
    const showHint = (level, of, text) => {
      const div = document.createElement("div");
      div.className = "hint";
      div.textContent = `Hint ${level} of ${of}: ${text}`;
      help.querySelectorAll(".hint").forEach((old) => old.remove());
      help.prepend(div);
    };
    const showSolution = (text) => {
      help.querySelectorAll(".solution").forEach((old) => old.remove());
      const div = document.createElement("div");
      div.className = "solution";
      div.textContent = `Solution: ${text}`;
      help.append(div);
    };
    // after a reload: the hint and solution already seen (the saved progress says which), and Hint goes on from there
    el.restoreHelp = (row) => {
      help.replaceChildren();
      hintLevel = row.hint_text ? row.hints_seen : 0;
      if (row.hint_text) showHint(Math.min(row.hints_seen, row.hints_of), row.hints_of, row.hint_text);
      if (row.solution_text) showSolution(row.solution_text);
    };
    el.fill = (answers) => answers.forEach((a, i) => { const f = el.querySelector(`#${ex.key}-part${i}`); if (f && a !== null) f.value = a; });
    // One attempt id per answer: the same answer sent again (a double-click, Check pressed again after the lab did
    // not answer) carries the same Idempotency-Key, which the server saves once; a changed answer gets a new id.
    // While one answer is on its way, Check sends nothing more.
    let sent = null;  // { key, id } of the last answer sent
    let inFlight = false;
    const checkButton = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (inFlight) return;
      const answers = ex.parts.map((_, i) => el.querySelector(`#${ex.key}-part${i}`).value);
      const key = JSON.stringify([learner(), answers]);
      if (!sent || sent.key !== key) sent = { key, id: newAttemptId() };
      inFlight = true;
      checkButton.disabled = true;
      try {
        const v = await checkWithRetries(ex.key, { answers, learner: learner() }, sent.id, feedback);
        feedback.innerHTML = render(v);
        setBadge(v.status, v.rank);
      } catch (err) {
        showRefusal(feedback, err, err instanceof api.NoAnswerError
          ? "The lab did not answer, so this answer was not checked: it may have stopped, or the network dropped. "
            + "Press Check again once it is back; an answer sent twice is saved once."
          : err.message);
      } finally {
        inFlight = false;
        checkButton.disabled = false;
      }
    });
    // a refusal (the class archived, the learner's sign-in ended, the lab gone) is said in the exercise's own
    // feedback, where the learner is looking, in the server's words; the hint count moves only when a hint came
    el.querySelector("[data-role=hint]").addEventListener("click", async () => {
      try {
        const h = await api.postJSON(`/api/exercises/${ex.key}/hint`, { level: hintLevel + 1, learner: learner() });
        hintLevel = h.level;
        showHint(h.level, h.of, h.text);
      } catch (err) { showRefusal(feedback, err, `No hint: ${err.message}`); }
    });
    el.querySelector("[data-role=solution]").addEventListener("click", async () => {
      try {
        const s = await api.postJSON(`/api/exercises/${ex.key}/solution`, { learner: learner() });
        showSolution(s.text);
      } catch (err) { showRefusal(feedback, err, `No solution: ${err.message}`); }
    });
    return el;
  }));

  // an answer that got no reply is sent again with its id, twice, before the page gives up and says so
  async function checkWithRetries(key, body, id, feedback) {
    for (const waitMs of [...RETRY_MS, null]) {
      try {
        return await api.postJSON(`/api/exercises/${key}/check`, body, { headers: { "Idempotency-Key": id } });
      } catch (err) {
        if (!(err instanceof api.NoAnswerError) || waitMs === null) throw err;
        feedback.innerHTML = `<p class="muted">The lab did not answer; sending your answer again…</p>`;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  // a free-text part lists the key points covered; the others only as a count (the hints and the solution name them)
  function points(p) {
    if (!p.covered.length && !p.remaining) return "";
    const covered = p.covered.length ? `<br>covered: ${p.covered.map(escape).join("; ")}` : "";
    const left = p.remaining ? `<br>${p.remaining} more key point${p.remaining === 1 ? "" : "s"} to find` : "";
    return covered + left;
  }

  function render(v) {
    if (v.parts.length === 1) {  // one part: its feedback is the verdict's; only the key points are added
      const extra = points(v.parts[0]).replace(/^<br>/, "");
      return `<p class="${v.status}"><strong>${label[v.status]}</strong>: ${escape(v.feedback)}</p>${extra ? `<p>${extra}</p>` : ""}`;
    }
    const rows = v.parts.length > 1
      ? `<ul>${v.parts.map((p) => `<li><span class="${p.status}">${p.label}: ${label[p.status]}</span> — ${escape(p.feedback)}
          ${points(p)}</li>`).join("")}</ul>` : "";
    return `<p class="${v.status}"><strong>${label[v.status]}</strong>: ${escape(v.feedback)}</p>${rows}`;
  }

  return {
    async update() {  // restore saved progress for the current learner
      const who = learner();
      status.clear();
      ranks.clear();
      list.querySelectorAll(".exercise").forEach((el) => { const b = el.querySelector("[data-role=badge]"); b.className = "badge"; b.textContent = "not attempted"; el.restoreHelp({}); });
      onProgress(status);
      if (!who) return;
      try {
        const rows = await api.getJSON("/api/progress", { learner: who });
        for (const row of rows) {
          const el = list.querySelector(`#exercise-${row.exercise}`);
          if (el) el.restoreHelp(row);
          if (!el || !row.answers) continue;  // answers: every stored answer, unreadable ones too (attempts counts tries)
          el.setBadge(row.best_status, row.best_rank);
          el.fill(row.last_answer);
        }
      } catch (err) { setStatus(`Could not load saved progress: ${err.message}`, true); }
    },
    destroy() { list.replaceChildren(); },
  };
}

const RETRY_MS = [1000, 3000];

// The server's refusal in an exercise's feedback; a learner it no longer knows (401) also gets the way back in
function showRefusal(feedback, err, text) {
  const sentence = text.replace(/^./, (c) => c.toUpperCase()).replace(/([^.!?])$/, "$1.");
  const p = Object.assign(document.createElement("p"), { className: "error", textContent: sentence });
  if (err.status === 401) {
    const join = Object.assign(document.createElement("a"), { href: "/join", textContent: "Open the join page" });
    p.append(" ", join);
  }
  feedback.replaceChildren(p);
}

// 32 hex digits from the browser's random source (crypto.randomUUID needs a secure context: a class on a school
// network may be served over plain HTTP)
function newAttemptId() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function escape(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}
