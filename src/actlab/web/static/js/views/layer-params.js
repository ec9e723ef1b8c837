// The parameters of the hidden layers' activations (leaky_relu's negative_slope, silu's beta, hardtanh's clips):
// one number field per parameter, with the default, allowed interval and steps of the record's spec in
// /api/options. One activation for every layer gives one row marked "all layers"; a per-layer list, a row per layer.
// A new value is checked by the server's core (POST /api/options/check) before the run restarts with it: a refused
// one is named in the core's words and the run goes on as it was.
import { postJSON } from "../api.js";

const bound = (v) => (v === "inf" || v === "-inf" ? undefined : v);

export function mount(root, { state, records, onChange, onError }) {
  const byName = Object.fromEntries(records.map((r) => [r.name, r]));
  root.style.display = "contents";  // each field sits in the bar beside the other controls ([hidden] still hides it)

  function field(acts, i, key, p) {
    const a = acts[i];
    const where = acts.length === 1 ? "all layers" : `layer ${i + 1}`;
    const label = document.createElement("label");
    label.className = "layer-param";
    label.title = `${p.doc ? p.doc + "; " : ""}allowed: ${p.allowed}`;
    const input = Object.assign(document.createElement("input"), { type: "number",
      step: p.slider ? p.slider.step : "any", placeholder: p.optional ? "none" : String(p.default) });
    if (bound(p.low) !== undefined) input.min = p.low;
    if (bound(p.high) !== undefined) input.max = p.high;
    const value = key in a.params ? a.params[key] : p.default;
    input.value = value === null ? "" : String(value);
    input.setAttribute("aria-label", `${key} of ${a.name}, ${where}`);
    input.dataset.layer = String(i); input.dataset.key = key;
    label.append(`${where}: ${a.name} ${key} `, input);
    return label;
  }

  root.addEventListener("change", async (ev) => {
    const { layer, key } = ev.target.dataset;
    if (key === undefined) return;
    const acts = state.get("activations"), i = Number(layer), a = acts[i], p = byName[a.name].params[key];
    const text = ev.target.value.trim();
    const value = text === "" ? (p.optional ? null : p.default) : Number(text);
    const params = { ...a.params, [key]: value };
    if (value === p.default) delete params[key];  // a default stays implicit: the address stays short
    const proposed = acts.map((x, j) => (j === i ? { name: a.name, params } : x));
    let refused;
    try {
      const answer = await postJSON("/api/options/check", { layers: state.get("layers"), activations: proposed });
      refused = answer.problems.find((problem) => problem.setting === "activations");
    } catch (err) {
      refused = { field: "activations", message: err.message };
    }
    if (refused) {
      onError(`${refused.field}: ${refused.message}`);
      update();  // the field shows the value still in use
    } else {
      onChange({ activations: proposed });
    }
  });

  function update() {
    const acts = state.get("activations");
    const rows = acts.flatMap((a, i) => Object.entries(byName[a.name]?.params || {}).map(([key, p]) => field(acts, i, key, p)));
    root.replaceChildren(...rows);
    root.hidden = rows.length === 0;
  }

  return { update, destroy() { root.replaceChildren(); } };
}
