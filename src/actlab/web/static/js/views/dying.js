// Section 3, dead units: the formula 1 - (1 - 2^-N)^L beside a Monte Carlo count, and dead units after training.
import { fmt } from "../charts.js";

export function mount(root, { api, setStatus }) {
  const n = root.querySelector("#dead-n"), l = root.querySelector("#dead-l");
  const nOut = root.querySelector("#dead-n-out"), lOut = root.querySelector("#dead-l-out");
  const result = root.querySelector("#dead-result"), button = root.querySelector("#dead-train");
  const trained = root.querySelector("#dead-trained");
  const here = root.querySelector("#dead-train-status");  // progress beside the button, where the learner looks
  const say = (text, isError = false) => { here.textContent = text; here.classList.toggle("error", isError); };
  let token = 0;

  async function update() {
    nOut.textContent = n.value;
    lOut.textContent = l.value;
    const mine = ++token;
    try {
      const r = await api.getJSON("/api/demos/dead-probability", { width: n.value, depth: l.value });
      if (mine !== token) return;
      // each count draws fresh networks (the server picks a new seed and says which, so a count can be repeated)
      result.innerHTML = `N = ${r.width}, L = ${r.depth}: formula <strong>${fmt(r.formula, 4)}</strong>; Monte Carlo
        <strong>${fmt(r.estimate, 4)}</strong> (95% interval ${fmt(r.ci_low, 4)} to ${fmt(r.ci_high, 4)}, ${r.trials.toLocaleString("en-US")} networks,
        seed <span class="seed">${r.seed}</span>)
        — ${r.agrees ? "the formula lies inside the interval" : "outside the interval this time (a 95% interval misses at most 1 time in 20; move a slider to count again with new networks)"}.`;
    } catch (err) { setStatus(`Could not count: ${err.message}`, true); }
  }
  n.addEventListener("change", update);
  l.addEventListener("change", update);
  n.addEventListener("input", () => { nOut.textContent = n.value; });
  l.addEventListener("input", () => { lOut.textContent = l.value; });
  button.addEventListener("click", async () => {
    button.disabled = true;
    say("Checking the dead-net formula, then training six 3 × 16 networks on the circle (a few seconds)…");
    try {
      const d = await api.runJob("dying-relu", (job) => say(`Dead-net formula and six 3 × 16 networks: ${job.status}…`));
      const rows = d.trained.map((r) => `<tr><td>${r.activation}${r.params.negative_slope !== undefined ? ` (α = ${r.params.negative_slope})` : ""}</td>
        <td class="num">${(100 * r.dead_fraction).toFixed(0)}%</td><td class="num">${(100 * r.never_positive_fraction).toFixed(0)}%</td>
        <td class="num">${fmt(r.final_train_loss, 3)} (chance ${fmt(r.chance_loss, 3)})</td>
        <td class="${r.reading.is_failure ? "bad" : ""}" title="${r.reading.words}">${r.status.replace(/_/g, " ")}</td></tr>`).join("");
      trained.innerHTML = `<table class="data" aria-label="Dead units after training"><thead><tr><th>activation</th>
        <th>dead (no gradient on any training point)</th><th>input never positive</th><th>training loss</th><th>reading</th></tr></thead>
        <tbody>${rows}</tbody></table><p class="muted">${d.trained[0].optimizer === "adam" ? "Adam" : "SGD"} at learning rate ${d.trained[0].lr} (large steps), 30 epochs, He initialisation.
        A Leaky ReLU unit whose input is never positive still learns through its slope α; a dead ReLU unit cannot.
        GELU and SiLU count as dead here when the step pushed their input so far below zero that f′ underflows to
        exactly 0: the same failure, reached through a tail instead of a flat side. A run whose loss ends at chance (the
        best constant guess) learned nothing, however few units it lost; a diverged run stopped early.</p>`;
      say("");
    } catch (err) { say(`The experiment failed: ${err.message}`, true); }
    button.disabled = false;
  });
  return { update, ready: update(), destroy() {} };
}
