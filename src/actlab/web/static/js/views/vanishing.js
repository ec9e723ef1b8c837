// Section 3: depth slider, activation and initialisation; measured gradients beside (max f')^n, log scale.
import { draw, fmt } from "../charts.js";

export function mount(root, { state, api, registry, setStatus }) {
  const actSel = root.querySelector("#van-activation"), initSel = root.querySelector("#van-init");
  const widthSel = root.querySelector("#van-width"), depth = root.querySelector("#van-depth");
  const depthOut = root.querySelector("#van-depth-out"), reading = root.querySelector("#van-reading");
  const chart = root.querySelector("#van-chart"), numbers = root.querySelector("#lesson-numbers");
  actSel.replaceChildren(...registry.filter((r) => !r.gated).map((r) => new Option(r.name, r.name)));
  const sync = () => {
    actSel.value = state.get("van_act"); initSel.value = state.get("van_init");
    widthSel.value = String(state.get("van_width")); depth.value = state.get("van_depth");
    depthOut.textContent = state.get("van_depth");
  };
  actSel.addEventListener("change", () => state.set({ van_act: actSel.value }));
  initSel.addEventListener("change", () => state.set({ van_init: initSel.value }));
  widthSel.addEventListener("change", () => state.set({ van_width: Number(widthSel.value) }));
  depth.addEventListener("input", () => { depthOut.textContent = depth.value; state.set({ van_depth: Number(depth.value) }); });

  let token = 0;
  async function update() {
    sync();
    const mine = ++token;
    setStatus("Measuring gradients in a deep network…");
    try {
      const data = await api.getJSON("/api/demos/vanishing", { activation: state.get("van_act"),
        depth: state.get("van_depth"), width: state.get("van_width"), init: state.get("van_init") });
      if (mine !== token) return;
      const f = data.flow, n = data.lesson;
      numbers.innerHTML = `From the registry: σ′(0) = <strong>${n.sigmoid_max_derivative}</strong>, so ten sigmoid
        layers pass back at most 0.25¹⁰ = <strong>${fmt(n.sigmoid_10_layers)}</strong> of the gradient.`;
      const layers = f.ratio_to_last.map((_, i) => i + 1);
      reading.textContent = f.reading === "healthy"
        ? `Healthy: layer 1 gets ${fmt(f.ratio_to_last[0])} of the output layer's gradient.`
        : `${f.reading[0].toUpperCase()}${f.reading.slice(1)}.`;
      reading.className = `reading ${f.reading.startsWith("vanishing") ? "vanishing" : "healthy"}`;
      const clean = (a) => a.map((v) => (typeof v === "number" && v > 0 ? v : null));
      await draw(chart, [
        { x: layers, y: clean(f.ratio_to_last), name: `measured (${f.activation}, ${f.init})`, mode: "lines+markers" },
        { x: layers, y: clean(f.bound_to_last), name: "bound: product of max f′", mode: "lines", line: { dash: "dash" } },
      ], { yaxis: { type: "log", title: { text: "gradient relative to the output layer" }, exponentformat: "power" },
           xaxis: { title: { text: "hidden layer (1 = nearest the input)" }, dtick: Math.max(1, Math.round(layers.length / 10)) } });
      setStatus("");
    } catch (err) {
      setStatus(`Could not measure: ${err.message}`, true);
    }
  }
  let lastKey = "";
  const settingsChanged = (v) => {
    const key = [v.van_act, v.van_init, v.van_width, v.van_depth].join("|");
    const changed = key !== lastKey;
    lastKey = key;
    return changed;
  };
  state.subscribe((v) => { if (settingsChanged(v)) update(); });
  settingsChanged(state.all());
  return { update, ready: update(), destroy() {} };
}
