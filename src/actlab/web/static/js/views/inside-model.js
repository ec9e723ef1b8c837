// Section 4, "inside a real model": the shipped measurements of SmolLM2, MiniLM and the LSTM, and the learner's
// own sentence run live through SmolLM2 as a job. Every number drawn comes from the server.
import { draw, fmt } from "../charts.js";

const pct = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(0)}%`);

export function mount(root, { api }) {
  const el = (id) => root.querySelector(`#${id}`);
  const slider = el("inside-layer"), sliderOut = el("inside-layer-out"), status = el("inside-status");
  const form = el("inside-live"), input = el("inside-text"), button = form.querySelector("button");
  let figures = null, live = null;

  function drawLayer() {
    const s = figures.smollm2, h = s.histogram, layer = slider.value;
    sliderOut.textContent = layer;
    const stats = s.layers.find((l) => l.layer === layer);
    const traces = [
      { x: h.centres, y: h.layers[layer], type: "bar", name: `layer ${layer}, evaluation text`, marker: { opacity: 0.6 } },
      { x: h.centres, y: h.curve, mode: "lines", name: `${s.activation}(x)`, yaxis: "y2" },
    ];
    if (live) traces.splice(1, 0, { x: live.histogram.centres, y: live.histogram.layers[layer], type: "bar",
                                    name: `layer ${layer}, your sentence`, marker: { opacity: 0.6 } });
    return draw(el("inside-hist"), traces, {
      barmode: "overlay", bargap: 0,
      title: { text: `Layer ${layer}: ${pct(stats.share_negative)} negative, ${pct(stats.share_in_dip)} in the dip` },
      xaxis: { title: { text: "gate input x = W_gate h" } }, yaxis: { title: { text: "share of inputs" } },
      yaxis2: { title: { text: `${s.activation}(x)` }, overlaying: "y", side: "right", showgrid: false },
      margin: { l: 60, r: 60, t: 40, b: 45 },
    });
  }

  function drawShares() {
    const s = figures.smollm2;
    const traces = [{ x: s.layers.map((l) => +l.layer), y: s.layers.map((l) => l.share_negative), mode: "lines+markers",
                      name: "evaluation text" }];
    if (live) traces.push({ x: live.layers.map((l) => +l.layer), y: live.layers.map((l) => l.share_negative),
                            mode: "lines+markers", name: "your sentence" });
    return draw(el("inside-negative"), traces, {
      xaxis: { title: { text: "layer" } }, yaxis: { title: { text: "share of SiLU inputs below 0" }, range: [0, 1] },
    });
  }

  function renderText() {
    const { smollm2: s, minilm: m, lstm: l } = figures;
    el("inside-summary").innerHTML = `<strong>SmolLM2</strong>: perplexity ${fmt(s.perplexity, 3)} on
      ${s.tokens} tokens. ${s.reading}`;
    const rows = s.swap.rows.map((r) => `<tr><td>${r.activation}</td><td class="num">${fmt(r.perplexity, 4)}</td>
      <td class="num">${fmt(r.perplexity / s.swap.rows[0].perplexity, 3)}×</td></tr>`).join("");
    el("inside-swap").innerHTML = `<table class="data" aria-label="SmolLM2 perplexity per replacement activation">
      <thead><tr><th>activation in the feed-forward</th><th>perplexity</th><th>against SiLU</th></tr></thead>
      <tbody>${rows}</tbody></table><p>${s.swap.reading}</p>`;
    const gap = m.total.max_gap;
    const changes = m.swap.rows.slice(1).map((r) => `${r.activation} ${fmt(r.embedding_change.max, 2)}`).join(", ");
    el("inside-gelu").innerHTML = `<strong>MiniLM</strong>: ${pct(m.total.share_negative)} of its GELU inputs are
      negative. Over the inputs it really sees, the largest |GELU − tanh GELU| is <strong>${fmt(gap.value, 3)}</strong>
      at x = ${fmt(gap.at, 3)}. Replacing exact GELU changes a sentence's embedding (1 − cosine, largest over
      ${m.sentences} sentences) by: ${changes}.`;
    const gates = l.layers.map((g) => `layer ${g.layer}: ${pct(g.share_saturated)} saturated, mean σ′ ${fmt(g.mean_derivative, 2)}`);
    el("inside-lstm").innerHTML = `<strong>Character LSTM</strong>: ${fmt(l.bits_per_char, 3)} bits per character.
      ${l.reading} <span class="muted">(${gates.join("; ")})</span>`;
    el("inside-made").textContent = `Measured by python -m actlab.llm.figures (NumPy ${figures.machine.numpy},
      ${Math.round(figures.machine.seconds)} s on the machine that made them); inputs hash ${figures.inputs_hash.slice(0, 12)}.`;
  }

  async function update(data) {
    figures = data;
    slider.max = String(figures.smollm2.layers.length - 1);
    renderText();
    await Promise.all([drawLayer(), drawShares()]);
  }

  slider.addEventListener("input", () => { if (figures) drawLayer(); });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!figures) return;
    button.disabled = true;
    status.textContent = "Sending your sentence to the lab…";
    try {
      live = await api.runJob("llm-sentence", (job) => { status.textContent = `SmolLM2: ${job.status}`; },
                              { params: { text: input.value } });
      status.textContent = `Your sentence: ${live.tokens} tokens, perplexity ${fmt(live.perplexity, 3)}, run in
        ${fmt(live.run_seconds, 2)} s. ${live.reading}`;
      await Promise.all([drawLayer(), drawShares()]);
    } catch (err) {
      status.textContent = `The run failed: ${err.message}`;
    }
    button.disabled = false;
  });
  return { update, destroy() {} };
}
