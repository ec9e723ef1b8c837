// Section 2: pick activations, see f and f' together, move parameter sliders, read each function's card.
import { draw } from "../charts.js";

const SLIDERS = [
  { key: "negative_slope", act: "leaky_relu", label: "Leaky ReLU α (negative_slope)", min: 0, max: 0.5, step: 0.01 },
  { key: "beta", act: "silu", label: "Swish β", min: 0.1, max: 5, step: 0.1 },
  { key: "alpha", act: "elu", label: "ELU α", min: 0.1, max: 3, step: 0.1 },
  { key: "softplus_beta", act: "softplus", param: "beta", label: "Softplus β", min: 0.1, max: 5, step: 0.1 },
];
const GROUPS = [
  ["The lesson's six", ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu"]],
  ["More", ["gelu_tanh", "quick_gelu", "elu", "selu", "celu", "softplus", "mish", "softsign", "hardsigmoid",
            "hardswish", "hardtanh", "relu6", "relu_squared", "identity"]],
  ["Gated (gate g(b) with a = 1)", ["glu", "reglu", "geglu", "swiglu", "bilinear"]],
];

export function mount(root, { state, api, registry, setStatus }) {
  const picks = root.querySelector("#explorer-picks");
  const params = root.querySelector("#explorer-params");
  const fEl = root.querySelector("#explorer-f"), dEl = root.querySelector("#explorer-df");
  const cards = root.querySelector("#explorer-cards");
  const byName = Object.fromEntries(registry.map((r) => [r.name, r]));

  picks.replaceChildren(...GROUPS.map(([title, names]) => {
    const fs = document.createElement("fieldset");
    fs.innerHTML = `<legend>${title}</legend>`;
    for (const name of names.filter((n) => byName[n])) {
      const label = document.createElement("label");
      label.innerHTML = `<input type="checkbox" value="${name}"> ${name}`;
      fs.append(label);
    }
    return fs;
  }));
  params.replaceChildren(...SLIDERS.map((s) => {
    const label = document.createElement("label");
    label.innerHTML = `${s.label}: <output>${state.get(s.key)}</output>
      <input type="range" min="${s.min}" max="${s.max}" step="${s.step}" value="${state.get(s.key)}" aria-label="${s.label}" data-key="${s.key}">`;
    return label;
  }));
  picks.addEventListener("change", () => {
    const acts = [...picks.querySelectorAll("input:checked")].map((i) => i.value);
    state.set({ acts });
  });
  params.addEventListener("input", (ev) => {
    const key = ev.target.dataset.key;
    if (!key) return;
    ev.target.previousElementSibling.textContent = ev.target.value;
    state.set({ [key]: Number(ev.target.value) });
  });

  let token = 0;
  async function update() {
    const acts = state.get("acts");
    for (const box of picks.querySelectorAll("input")) box.checked = acts.includes(box.value);
    for (const input of params.querySelectorAll("input")) {
      const s = SLIDERS.find((x) => x.key === input.dataset.key);
      input.value = state.get(s.key);
      input.previousElementSibling.textContent = state.get(s.key);
      input.closest("label").hidden = !acts.includes(s.act);
    }
    const mine = ++token;
    setStatus("Computing the curves…");
    try {
      const results = await Promise.all(acts.map((name) => {
        const extra = {};
        for (const s of SLIDERS.filter((x) => x.act === name)) extra[s.param || s.key] = state.get(s.key);
        return api.getJSON(`/api/activations/${name}/samples`, { x_min: -5, x_max: 5, n: 401, ...extra })
          .then((samples) => ({ samples, extra }));
      }));
      if (mine !== token) return;  // a newer request is on its way
      const traces = (key) => results.map(({ samples }) => ({ x: samples.x, y: samples[key], name: samples.name, mode: "lines" }));
      await draw(fEl, traces("value"), { title: { text: "f(x)", font: { size: 13 } }, yaxis: { range: [-2, 4] } });
      await draw(dEl, traces("derivative"), { title: { text: "f′(x)", font: { size: 13 } }, yaxis: { range: [-0.5, 1.6] } });
      const described = await Promise.all(results.map(({ samples, extra }) =>
        Object.keys(extra).length ? api.getJSON(`/api/activations/${samples.name}`, extra) : byName[samples.name]));
      if (mine !== token) return;
      cards.replaceChildren(...described.map(card));
      // a formula wider than its card is set smaller, down to 70%; past that it scrolls
      for (const f of cards.querySelectorAll(".formula")) {
        const ratio = f.clientWidth / f.scrollWidth;
        if (ratio < 1) f.style.fontSize = `${(Math.max(0.7, ratio) * 100).toFixed(0)}%`;
      }
      setStatus("");
    } catch (err) {
      setStatus(`Could not draw the curves: ${err.message}`, true);
    }
  }
  state.subscribe(update);
  return { update, ready: update(), destroy() { cards.replaceChildren(); } };
}

function card(r) {
  const el = document.createElement("article");
  el.className = "card";
  el.dataset.name = r.name;
  // intervals and the maximum come written from the registry: each end's bracket is registry data
  const smooth = { "C-inf": "yes (C∞)", C1: "C¹ (f′ continuous)", C0: "no: a kink", discontinuous: "no: f jumps" };
  el.innerHTML = `<h3>${r.title}</h3>
    <div class="formula">${r.formula_mathml}</div>
    <dl>
      <dt>range</dt><dd class="interval">${r.output_interval}</dd>
      <dt>f′ range</dt><dd class="interval">${r.deriv_interval}</dd>
      <dt>max f′</dt><dd>${r.deriv_max_text}</dd>
      <dt>zero-centred</dt><dd>${r.zero_centred ? "yes" : "no"}</dd>
      <dt>smooth</dt><dd>${smooth[r.smoothness] ?? r.smoothness}</dd>
      <dt>monotonic</dt><dd>${r.monotonic ? "yes" : "no"}</dd>
      <dt>used in</dt><dd>${r.used_in.join(", ")}</dd>
      <dt>names</dt><dd>${[r.torch_name ? "torch: " + r.torch_name : "", ...r.hf_names.map((n) => "HF: " + n)].filter(Boolean).join("; ") || "—"}</dd>
    </dl>
    <p class="pro">${r.strength}</p><p class="con">${r.weakness}</p>
    ${r.note ? `<p class="muted">${r.note}</p>` : ""}`;
  return el;
}
