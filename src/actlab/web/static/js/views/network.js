// The network drawing: feature toggles, one column per hidden layer with a thumbnail per neuron,
// links coloured by sign and sized by weight, dead and saturated units marked.
import { paintSurface } from "../charts.js";

const FEATURES = [["x1", "X₁"], ["x2", "X₂"], ["x1^2", "X₁²"], ["x2^2", "X₂²"], ["x1x2", "X₁X₂"], ["sin_x1", "sin(X₁)"], ["sin_x2", "sin(X₂)"]];

export function mount(root, { state, registry, maxWidth = 32, onChange }) {
  let neuronEls = [];  // per hidden layer, the neuron elements
  let columns = [];

  function rebuild(twoD = true, csvColumns = []) {
    laidOut = false;
    const layers = state.get("layers"), acts = state.get("activations");
    // in the plane the inputs are the chosen features; a CSV with more columns feeds them as they are
    const inputs = twoD ? FEATURES : csvColumns.map((c) => [c, c]);
    const feats = twoD ? state.get("features") : csvColumns;
    root.replaceChildren();
    columns = [];
    const input = document.createElement("div");
    input.className = "layer-col";
    input.innerHTML = `<div class="head">inputs</div>`;
    for (const [key, label] of inputs) {  // built with DOM calls: CSV column names are the learner's text
      const row = document.createElement("label");
      row.className = "feature";
      const box = Object.assign(document.createElement("input"), { type: "checkbox", value: key,
                                                                  checked: feats.includes(key), disabled: !twoD });
      box.setAttribute("aria-label", `feature ${label}`);
      const name = Object.assign(document.createElement("span"), { className: "node-anchor", textContent: label });
      row.append(box, name);
      input.append(row);
    }
    input.addEventListener("change", () => {
      const chosen = [...input.querySelectorAll("input:checked")].map((i) => i.value);
      if (chosen.length === 0) { input.querySelector("input").checked = true; return; }
      onChange({ features: chosen });
    });
    root.append(input);
    columns.push([...input.querySelectorAll(".node-anchor")].filter((_, i) => feats.includes(inputs[i][0])));
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
        next[l] = Math.max(1, Math.min(maxWidth, next[l] + (b.dataset.op === "+" ? 1 : -1)));
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
    const linkCanvas = document.createElement("canvas");
    linkCanvas.className = "links";
    linkCanvas.setAttribute("aria-hidden", "true");
    root.prepend(linkCanvas);
  }

  // Links are drawn on one canvas: endpoints are measured once per layout, and each frame only strokes
  // lines (an SVG line per link would make the browser restyle hundreds of elements every frame).
  let links = [];  // [{x1, y1, x2, y2, l, i, j}]
  let laidOut = false;

  function layoutLinks(weights) {
    const canvas = root.querySelector("canvas.links");
    if (!canvas) return;
    const box = root.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    canvas.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
    const centres = columns.map((col) => col.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left - box.left, right: r.right - box.left, y: r.top - box.top + r.height / 2 };
    }));
    links = [];
    weights.forEach((W, l) => {
      const from = centres[l], to = centres[l + 1];
      if (!from || !to || W.length !== from.length) return;
      W.forEach((row, i) => row.forEach((_, j) => {
        if (to[j]) links.push({ x1: from[i].right, y1: from[i].y, x2: to[j].left, y2: to[j].y, l, i, j });
      }));
    });
    laidOut = true;
  }

  function drawLinks(weights) {
    if (!weights || !weights.length) return;
    if (!laidOut) layoutLinks(weights);
    const canvas = root.querySelector("canvas.links");
    if (!canvas) return;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    let max = 1e-9;
    for (const W of weights) for (const row of W) for (const w of row) max = Math.max(max, Math.abs(w));
    ctx.globalAlpha = 0.75;
    for (const k of links) {
      const w = weights[k.l]?.[k.i]?.[k.j];
      if (w === undefined) continue;
      ctx.strokeStyle = w >= 0 ? "#0072B2" : "#E69F00";
      ctx.lineWidth = 0.4 + 4 * Math.abs(w) / max;
      ctx.beginPath();
      ctx.moveTo(k.x1, k.y1);
      ctx.lineTo(k.x2, k.y2);
      ctx.stroke();
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
        // a dead unit is saturated too (f' = 0); each unit is counted once, as it is marked
        const satOnly = info.saturated.filter((i) => !info.dead.includes(i)).length;
        const text = [info.dead.length ? `${info.dead.length} dead` : "", satOnly ? `${satOnly} saturated` : ""].filter(Boolean).join(", ");
        if (counts.textContent !== text) counts.textContent = text;
      });
      drawLinks(header.weights);
    },
    destroy() { root.replaceChildren(); },
  };
}
