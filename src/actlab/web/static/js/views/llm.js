// Section 4: the census table, GELU's approximations and their error, the gates of GLU variants.
import { draw, fmt } from "../charts.js";

export function mount(root, { api, registry }) {
  const table = root.querySelector("#census"), numbers = root.querySelector("#gelu-numbers");
  const chart = root.querySelector("#gelu-chart"), gates = root.querySelector("#gates-chart");
  const byName = Object.fromEntries(registry.map((r) => [r.name, r]));
  return {
    async update({ census, gelu }) {
      const names = ["glu", "reglu", "geglu", "swiglu"].filter((n) => byName[n]);
      const gateSamples = Promise.all(names.map((n) => api.getJSON(`/api/activations/${n}/samples`, { x_min: -4, x_max: 4, n: 201 })));
      // data-label: on a narrow screen each row is a block of labelled lines (lab.css, table.stacked)
      const rows = census.map((r) => `<tr><td class="family">${r.family}</td><td class="num year">${r.year}</td>
        <td class="config" data-label="config"><code>${r.config_key}="${r.config_value}"</code></td>
        <td data-label="function">${r.activation}</td><td data-label="feed-forward">${r.block}</td>
        <td class="muted path source" data-label="source">${r.source}</td></tr>`).join("");
      table.innerHTML = `<table class="data stacked"><thead><tr><th>model family</th><th>year</th><th>config</th>
        <th>function</th><th>feed-forward</th><th>source</th></tr></thead><tbody>${rows}</tbody></table>`;
      // any order of speed the page states is the shipped benchmark table's (activations/costs.py), with its source
      const cost = gelu.ns_per_element, peer = gelu.torch_ns_per_element || {};
      const costs = gelu.cost_order.length === 0 ? "No cost table is shipped with this installation." :
        `Value + derivative in ns per element (float32), cheapest first: ${gelu.cost_order.map((k) =>
          `${k} ${fmt(cost[k])}${peer[k] ? ` (PyTorch ${fmt(peer[k])})` : ""}`).join(", ")}. Measured by ${gelu.cost_source}.
        ${gelu.cost_stale.length ? `These figures predate the current code (${gelu.cost_stale.join("; ")}).` : ""}
        actlab's kernels are NumPy code that puts accuracy first; inside a real model a framework's fused kernels
        set the cost.`;
      numbers.innerHTML = `Largest |gelu_tanh − gelu| = <strong>${fmt(gelu.max_error_tanh)}</strong> at
        x = ±${fmt(gelu.max_error_tanh_at, 4)}; largest |quick_gelu − gelu| = <strong>${fmt(gelu.max_error_quick)}</strong>
        at x = ±${fmt(Math.abs(gelu.max_error_quick_at), 4)} (both differences are even functions of x).
        <span class="costs">${costs}</span>`;
      await draw(chart, [
        { x: gelu.x, y: gelu.error_tanh, name: "gelu_tanh − gelu", mode: "lines" },
        { x: gelu.x, y: gelu.error_quick, name: "quick_gelu − gelu", mode: "lines", yaxis: "y2" },
      ], { yaxis: { title: { text: "tanh form − exact" }, exponentformat: "e" },
           yaxis2: { title: { text: "quick − exact" }, overlaying: "y", side: "right", exponentformat: "e", showgrid: false,
                     tickmode: "auto" },  // not synced to the left axis: its own round ticks
           xaxis: { title: { text: "x" } }, margin: { l: 60, r: 60, t: 30, b: 45 } });
      const samples = await gateSamples;
      await draw(gates, samples.map((s) => ({ x: s.x, y: s.value, name: `${s.name}: g(b)`, mode: "lines" })),
                 { xaxis: { title: { text: "gate input b" } }, yaxis: { title: { text: "a ⊙ g(b) with a = 1" } } });
    },
    destroy() {},
  };
}
