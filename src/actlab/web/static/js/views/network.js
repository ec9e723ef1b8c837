// The network drawing: feature toggles, one column per hidden layer with a thumbnail per neuron,
// links coloured by sign and sized by weight, dead and saturated units marked.
import { paintSurface } from "../charts.js";

const FEATURES = [["x1", "X₁"], ["x2", "X₂"], ["x1^2", "X₁²"], ["x2^2", "X₂²"], ["x1x2", "X₁X₂"], ["sin_x1", "sin(X₁)"], ["sin_x2", "sin(X₂)"]];

export function mount(root, { state, registry, onChange }) {
  let neuronEls = [];  // per hidden layer, the neuron elements
  let columns = [];
  const svgNS = "http://www.w3.org/2000/svg";

  function rebuild(twoD = true) {
    laidOut = false;
    const layers = state.get("layers"), acts = state.get("activations"), feats = state.get("features");
    root.replaceChildren();
    columns = [];
    const input = document.createElement("div");
    input.className = "layer-col";
    input.innerHTML = `<div class="head">inputs</div>`;
    for (const [key, label] of FEATURES) {
      const row = document.createElement("label");
      row.className = "feature";
      row.innerHTML = `<input type="checkbox" value="${key}" ${feats.includes(key) ? "checked" : ""} ${twoD ? "" : "disabled"}
        aria-label="feature ${label}"><span class="node-anchor">${label}</span>`;
      input.append(row);
    }
    input.addEventListener("change", () => {
      const chosen = [...input.querySelectorAll("input:checked")].map((i) => i.value);
      if (chosen.length === 0) { input.querySelector("input").checked = true; return; }
      onChange({ features: chosen });
    });
    root.append(input);
    columns.push([...input.querySelectorAll(".node-anchor")].filter((_, i) => feats.includes(FEATURES[i][0])));
    neuronEls = layers.map((width, l) => {
      const col = document.createElement("div");
      col.className = "layer-col";
      const act = acts.length === 1 ? acts[0] : acts[l];
      const options = registry.filter((r) => !r.gated).map((r) => `<option ${r.name === act ? "selected" : ""}>${r.name}</option>`).join("");
      col.innerHTML = `<div class="head">layer ${l + 1}
        <span><button class="secondary" data-op="-" aria-label="fewer neurons in layer ${l + 1}">−</button>
        <button class="secondary" data-op="+" aria-label="more neurons in layer ${l + 1}">+</button></span>
        <select aria-label="activation of layer ${l + 1}">${options}</select></div>`;
      col.querySelector("select").addEventListener("change", (ev) => {
        const per = layers.map((_, i) => (acts.length === 1 ? acts[0] : acts[i]));
        per[l] = ev.target.value;
        onChange({ activations: per.every((a) => a === per[0]) ? [per[0]] : per });
      });
      col.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => {
        const next = [...layers];
        next[l] = Math.max(1, Math.min(32, next[l] + (b.dataset.op === "+" ? 1 : -1)));
        onChange({ layers: next });
      }));
      const els = [];
      for (let i = 0; i < width; i++) {
        const n = document.createElement("div");
        n.className = "neuron";
        n.title = `layer ${l + 1}, neuron ${i + 1}`;
        n.append(document.createElement("canvas"));
        col.append(n);
        els.push(n);
      }
      const counts = document.createElement("div");
      counts.className = "counts";
      col.append(counts);
      col.counts = counts;
      root.append(col);
      columns.push(els);
      return { els, counts };
    });
    const out = document.createElement("div");
    out.className = "layer-col";
    out.innerHTML = `<div class="head">output</div><div class="neuron node-anchor" title="output"></div>`;
    root.append(out);
    columns.push([out.querySelector(".neuron")]);
    const svg = document.createElementNS(svgNS, "svg");
    svg.classList.add("links");
    root.prepend(svg);
  }

  // Links are created once per layout; each frame only restyles them (no layout reads per frame).
  let links = [];  // [{el, l, i, j}]
  let laidOut = false;

  function layoutLinks(weights) {
    const svg = root.querySelector("svg.links");
    if (!svg) return;
    const box = root.getBoundingClientRect();
    const centres = columns.map((col) => col.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left - box.left, right: r.right - box.left, y: r.top - box.top + r.height / 2 };
    }));
    svg.replaceChildren();
    links = [];
    weights.forEach((W, l) => {
      const from = centres[l], to = centres[l + 1];
      if (!from || !to || W.length !== from.length) return;
      W.forEach((row, i) => row.forEach((_, j) => {
        if (!to[j]) return;
        const line = document.createElementNS(svgNS, "line");
        line.setAttribute("x1", from[i].right); line.setAttribute("y1", from[i].y);
        line.setAttribute("x2", to[j].left); line.setAttribute("y2", to[j].y);
        line.setAttribute("stroke-opacity", "0.75");
        svg.append(line);
        links.push({ el: line, l, i, j });
      }));
    });
    laidOut = true;
  }

  function drawLinks(weights) {
    if (!weights || !weights.length) return;
    if (!laidOut) layoutLinks(weights);
    let max = 1e-9;
    for (const W of weights) for (const row of W) for (const w of row) max = Math.max(max, Math.abs(w));
    for (const link of links) {
      const w = weights[link.l]?.[link.i]?.[link.j];
      if (w === undefined) continue;
      link.el.setAttribute("stroke", w >= 0 ? "#0072B2" : "#E69F00");
      link.el.setAttribute("stroke-width", (0.4 + 4 * Math.abs(w) / max).toFixed(2));
    }
  }

  window.addEventListener("resize", () => { laidOut = false; });

  return {
    rebuild,
    update({ header, neurons }) {
      const t = header.thumb;
      let offset = 0;
      neuronEls.forEach(({ els, counts }, l) => {
        const info = header.layers[l] || { dead: [], saturated: [] };
        els.forEach((el, i) => {
          if (t) {
            const slice = neurons.subarray(offset, offset + t * t);
            const vals = Float32Array.from(slice, (v) => v / 127);
            paintSurface(el.firstChild, vals, t);
          }
          offset += t * t;
          const dead = info.dead.includes(i), sat = !dead && info.saturated.includes(i);
          const mark = dead ? "dead" : sat ? "saturated" : "";
          if (el.dataset.mark !== mark) {  // touch the DOM only when the state changes
            el.dataset.mark = mark;
            el.classList.toggle("dead", dead);
            el.classList.toggle("saturated", sat);
            el.setAttribute("aria-label", `layer ${l + 1} neuron ${i + 1}${mark ? ` (${mark})` : ""}`);
          }
        });
        const text = [info.dead.length ? `${info.dead.length} dead` : "", info.saturated.length ? `${info.saturated.length} saturated` : ""].filter(Boolean).join(", ");
        if (counts.textContent !== text) counts.textContent = text;
      });
      drawLinks(header.weights);
    },
    destroy() { root.replaceChildren(); },
  };
}
