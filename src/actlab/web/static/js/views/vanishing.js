// Section 3: depth slider, activation and initialisation; measured gradients, a true bound on the back-propagated
// signal and (max f')^n, the activations' share (no bound on the measurement), on a log scale.
import { draw, fmt, logDecades } from "../charts.js";
import { showReading } from "../reading.js";

export function mount(root, { state, api, registry, options, setStatus }) {
  const actSel = root.querySelector("#van-activation"), initSel = root.querySelector("#van-init");
  const widthSel = root.querySelector("#van-width"), depth = root.querySelector("#van-depth");
  const depthOut = root.querySelector("#van-depth-out"), reading = root.querySelector("#van-reading");
  const chart = root.querySelector("#van-chart"), numbers = root.querySelector("#lesson-numbers");
  actSel.replaceChildren(...registry.filter((r) => !r.gated).map((r) => new Option(r.name, r.name)));
  // every initialiser the core has, with its title, from GET /api/options (the lesson compares Xavier and He)
  initSel.replaceChildren(...options.initializers.map((i) => new Option(i.title, i.name)));
  widthSel.replaceChildren(...options.lesson.vanishing_widths.map((w) => new Option(String(w), String(w))));
  depth.max = String(options.lesson.vanishing_max_depth);
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
      numbers.innerHTML = `From the registry: σ′(0) = <strong>${n.sigmoid_max_derivative}</strong>, so the derivatives of
        ten sigmoid layers multiply to at most 0.25¹⁰ = <strong>${fmt(n.sigmoid_10_layers)}</strong>. The weights multiply
        in as well, so the measured gradient can land above or below that.`;
      const layers = f.ratio_to_last.map((_, i) => i + 1);
      showReading(reading, f.reading);
      const clean = (a) => a.map((v) => (typeof v === "number" && v > 0 ? v : null));
      const lines = [f.ratio_to_last, f.signal_ratio_to_last, f.signal_bound_to_last, f.deriv_product_to_last].map(clean);
      await draw(chart, [
        { x: layers, y: lines[0], name: `${options.notation.grad_norm} measured (${f.activation}, ${f.init})`, mode: "lines+markers" },
        { x: layers, y: lines[1], name: `${options.notation.signal_norm} measured (the signal)`, mode: "lines+markers",
          marker: { symbol: "diamond" } },
        { x: layers, y: lines[2], name: "bound on the signal: ∏ max|f′|·‖W‖₂", mode: "lines",
          line: { dash: "dash" } },
        { x: layers, y: lines[3], name: "(max|f′|)ⁿ: the activations' share, not a bound",
          mode: "lines", line: { dash: "dot" } },
      ], { margin: { l: 60, r: 15, t: 20, b: 45 },
           yaxis: { ...logDecades(lines), title: { text: "relative to the output layer" } },
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
