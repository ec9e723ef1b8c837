// The teacher's page: the class summary from the progress database.
import { getJSON } from "./api.js";

// wrong answers the checker could not explain, and answers it could not read, are counted, not quoted
function others(r) {
  const parts = [r.unexplained_parts ? `${r.unexplained_parts} other wrong answer${r.unexplained_parts === 1 ? "" : "s"}` : "",
                 r.unreadable_parts ? `${r.unreadable_parts} unreadable` : ""].filter(Boolean);
  return parts.length ? `<span class="muted">${parts.join(", ")}</span>` : "";
}

// a free-text exercise: how many attempts covered each key point and how many missed it (the teacher sees them all)
function keyPoints(r) {
  if (!r.key_points || !r.key_points.length) return "";
  return `<ul class="key-points">${r.key_points.map((p) => `<li>${p.title.replace(/</g, "&lt;")}: ${p.covered} covered, ${p.missed} missed</li>`).join("")}</ul>`;
}

async function boot() {
  const rows = await getJSON("/api/class-summary");
  const el = document.getElementById("summary");
  if (!rows.length) { el.innerHTML = "<p class='muted'>No attempts saved yet.</p>"; return; }
  el.innerHTML = `<table class="data"><thead><tr><th>exercise</th><th>learners</th><th>attempts</th><th>correct</th>
    <th>commonest slips and key points</th></tr></thead><tbody>${rows.map((r) => `<tr><td>${r.exercise}</td>
    <td class="num">${r.learners}</td><td class="num">${r.attempts}</td><td class="num">${(100 * r.correct_share).toFixed(0)}%</td>
    <td>${[...r.common_feedback.map((f) => `${f.count} × ${f.feedback.replace(/</g, "&lt;")}`), others(r)].filter(Boolean).join("<br>")}${keyPoints(r)}</td></tr>`).join("")}</tbody></table>`;
}

boot().catch((err) => { document.getElementById("status").textContent = `Could not load: ${err.message}`; });
