// Section 2: pick activations, see f and f' together, move parameter sliders, read each function's card.
import { draw } from "../charts.js";

// Every activation of /api/options appears, under its record's group (in the registry's order); a parameter with
// a slider in its record gets one. The state's "acts" holds the picked activations with the parameters moved
// away from their defaults: acts=relu,leaky_relu(negative_slope=0.3).
export function mount(root, { state, api, registry, options, setStatus }) {
  const picks = root.querySelector("#explorer-picks");
  const params = root.querySelector("#explorer-params");
  const fEl = root.querySelector("#explorer-f"), dEl = root.querySelector("#explorer-df");
  const cards = root.querySelector("#explorer-cards");
  const byName = Object.fromEntries(registry.map((r) => [r.name, r]));
  const records = options.activations;
  const sliders = records.flatMap((r) => Object.entries(r.params).filter(([, p]) => p.slider)
    .map(([key, p]) => ({ act: r.name, key, label: `${r.title}: ${key}`, def: p.default, ...p.slider })));
  const valueOf = (s) => state.get("acts").find((a) => a.name === s.act)?.params[s.key] ?? s.def;

  picks.replaceChildren(...options.activation_groups.map((group) => {
    const members = records.filter((r) => r.group === group);
    const fs = document.createElement("fieldset");
    const legend = document.createElement("legend");  // a plugin's group title is its author's text: DOM calls
    legend.textContent = members.every((r) => r.gated) ? `${group} (drawn: the gate g(b) with a = 1)` : group;
    fs.append(legend);
    for (const r of members) {
      const label = document.createElement("label");
      const box = Object.assign(document.createElement("input"), { type: "checkbox", value: r.name });
      label.append(box, ` ${r.name}`);
      label.title = r.title;
      fs.append(label);
    }
    return fs;
  }));
  params.replaceChildren(...sliders.map((s) => {
    const label = document.createElement("label");
    const out = document.createElement("output");
    const input = Object.assign(document.createElement("input"), { type: "range", min: s.min, max: s.max, step: s.step });
    input.setAttribute("aria-label", s.label);
    input.dataset.act = s.act; input.dataset.key = s.key;
    label.append(`${s.label}: `, out, input);
    return label;
  }));
  picks.addEventListener("change", () => {
    const before = state.get("acts");
    const acts = [...picks.querySelectorAll("input:checked")]
      .map((i) => before.find((a) => a.name === i.value) || { name: i.value, params: {} });
    state.set({ acts });
  });
  params.addEventListener("input", (ev) => {
    const { act, key } = ev.target.dataset;
    if (!key) return;
    const s = sliders.find((x) => x.act === act && x.key === key);
    ev.target.previousElementSibling.textContent = ev.target.value;
    const value = Number(ev.target.value);
    const acts = state.get("acts").map((a) => {
      if (a.name !== act) return a;
      const rest = Object.fromEntries(Object.entries(a.params).filter(([k]) => k !== key));
      return { name: a.name, params: value === s.def ? rest : { ...rest, [key]: value } };  // a default stays implicit
    });
    state.set({ acts });
  });

  let token = 0;
  async function update() {
    const acts = state.get("acts"), picked = acts.map((a) => a.name);
    for (const box of picks.querySelectorAll("input")) box.checked = picked.includes(box.value);
    for (const input of params.querySelectorAll("input")) {
      const s = sliders.find((x) => x.act === input.dataset.act && x.key === input.dataset.key);
      input.value = valueOf(s);
      input.previousElementSibling.textContent = valueOf(s);
      input.closest("label").hidden = !picked.includes(s.act);
    }
    const mine = ++token;
    setStatus("Computing the curves…");
    try {
      const results = await Promise.all(acts.map(({ name, params: extra }) => {
        return api.getJSON(`/api/activations/${name}/samples`, { x_min: -5, x_max: 5, n: 401, ...extra })
          .then((samples) => ({ samples, extra }));
      }));
      if (mine !== token) return;  // a newer request is on its way
      const traces = (key) => results.map(({ samples }) => ({ x: samples.x, y: samples[key], name: samples.name, mode: "lines" }));
      await draw(fEl, traces("value"), { title: { text: "f(x)", font: { size: 13 } }, yaxis: { range: [-2, 4] } });
      await draw(dEl, traces("derivative"), { title: { text: "f′(x)", font: { size: 13 } }, yaxis: { range: [-0.5, 1.6] } });
      const described = await Promise.all(results.map(({ samples, extra }) =>
        Object.keys(extra).length || !byName[samples.name] ? api.getJSON(`/api/activations/${samples.name}`, extra)
          : byName[samples.name]));
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
      <dt>saturates</dt><dd class="saturation">${r.saturation}</dd>
      <dt>used in</dt><dd>${r.used_in.join(", ")}</dd>
      <dt>names</dt><dd>${[r.torch_name ? "torch: " + r.torch_name : "", ...r.hf_names.map((n) => "HF: " + n)].filter(Boolean).join("; ") || "—"}</dd>
    </dl>
    <p class="pro">${r.strength}</p><p class="con">${r.weakness}</p>
    ${r.note ? `<p class="muted">${r.note}</p>` : ""}`;
  return el;
}
