// The network drawing: feature toggles, one column per hidden layer with a thumbnail per neuron,
// links coloured by sign and sized by weight, dead and saturated units marked.
import { colourSurface } from "../charts.js";

// Adaptive detail: the browser spends about 15 us rasterising each link, so the server sends only the links the
// drawing shows (playground/links.py: each layer's strongest, chosen stably, about LINK_BUDGET in all) with each
// layer's summary, never the weight matrices; the page says how many it shows. A network taller or wider than the
// window is drawn only where it is on screen, and again when it is scrolled.
export const LINK_BUDGET = 1200;

// features: the options' input features, [{name, title}] (the page keeps no list of its own)
export function mount(root, { state, registry, features, maxWidth = 32, onChange, onLinks = () => {} }) {
  let neuronEls = [];  // per hidden layer, the neuron elements
  let columns = [];

  // A drawing wider than its box is drawn compact: narrower columns, each activation list as wide as its chosen name
  // (a list is otherwise as wide as its longest option, "hardsigmoid", and that made eight layers of tanh twice the
  // panel's width): eight layers fit a 1280 px window. Wider than that it scrolls sideways, and a line above it
  // names the layers out of sight: the box's scrollbar sits under the last neuron, often below the window.
  const scroller = root.parentElement;
  const hiddenNote = document.createElement("p");
  hiddenNote.className = "muted small net-hidden";
  hiddenNote.setAttribute("aria-live", "off");
  if (scroller) scroller.before(hiddenNote);
  function fit() {
    if (!scroller) return;
    if (!root.classList.contains("compact") && scroller.scrollWidth > scroller.clientWidth + 1) {
      root.classList.add("compact");
      const measure = document.createElement("canvas").getContext("2d");
      for (const select of root.querySelectorAll(".layer-col .head select")) {
        measure.font = getComputedStyle(select).font;
        const name = select.selectedOptions[0] ? select.selectedOptions[0].text : "";
        select.style.width = `${Math.ceil(measure.measureText(name).width) + 26}px`;  // the name and the arrow
      }
      laidOut = false;
      if (last) requestAnimationFrame(() => { if (last) draw(last.links, last.neurons, last.t); });  // paused: now
    }
    sayHidden();
  }
  function sayHidden() {
    if (!scroller) return;
    const clip = scroller.getBoundingClientRect();
    const out = [];  // hidden layers (1-based) whose column lies outside the box, then the inputs and output
    root.querySelectorAll(":scope > .layer-col").forEach((col, i, all) => {
      const r = col.getBoundingClientRect();
      if (r.right > clip.right + 1 || r.left < clip.left - 1) out.push(i === 0 ? "the inputs" : i === all.length - 1 ? "the output" : i);
    });
    const layers = out.filter((v) => typeof v === "number"), others = out.filter((v) => typeof v !== "number");
    const named = [layers.length === 1 ? `layer ${layers[0]}` : layers.length ? `layers ${layers[0]}–${layers[layers.length - 1]}` : "", ...others]
      .filter(Boolean);
    const text = named.length ? `Scroll the drawing sideways to see ${named.join(" and ")}.` : "";
    if (hiddenNote.textContent !== text) hiddenNote.textContent = text;
    hiddenNote.hidden = !text;
  }
  if (scroller) scroller.addEventListener("scroll", sayHidden, { passive: true });

  function rebuild(twoD = true, csvColumns = []) {
    laidOut = false;
    placed = { w: -1, h: -1 };  // a new canvas
    marked = null;  // new neuron boxes
    const layers = state.get("layers"), acts = state.get("activations");
    // in the plane the inputs are the chosen features; a CSV with more columns feeds them as they are
    const inputs = twoD ? features.map((f) => [f.name, f.title]) : csvColumns.map((c) => [c, c]);
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
        <select aria-label="activation of layer ${l + 1}" title="${act}">${options}</select></div>`;
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
        n.setAttribute("role", "img");  // an aria-label needs a role; the drawing is a picture of the neuron
        n.setAttribute("aria-label", `layer ${l + 1} neuron ${i + 1}`);
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
    root.classList.remove("compact");
    requestAnimationFrame(fit);  // after the page has hidden what the link hides (playground.js)
  }

  // Links and every hidden neuron's thumbnail are drawn on one canvas behind the neuron boxes: positions are
  // measured once per layout, and each frame only strokes lines and copies small images. (An SVG line per link
  // would make the browser restyle hundreds of elements a frame; a canvas per neuron made it hand the compositor
  // hundreds of bitmaps a frame, most of a frame's time on a 8 x 32 network.)
  let centres = [];  // per column (inputs, hidden layers, output), each unit's {left, right, y}
  let boxes = [];  // per hidden layer, each neuron's inner box {x, y, w, h}
  let laidOut = false;
  let tile = null;  // a t x t canvas each thumbnail is coloured into before it is scaled onto the network
  let last = null;  // the last frame drawn: drawn again when the drawing scrolls into view
  let marked = null;  // the evaluation whose dead and saturated units are marked

  function layout() {
    const box = root.getBoundingClientRect();
    centres = columns.map((col) => col.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left - box.left, right: r.right - box.left, y: r.top - box.top + r.height / 2 };
    }));
    boxes = neuronEls.map(({ els }) => els.map((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.left - box.left + el.clientLeft, y: r.top - box.top + el.clientTop, w: el.clientWidth, h: el.clientHeight };
    }));
    laidOut = true;
    part = null;  // measured again at the next draw
  }

  // The canvas covers only the part of the drawing inside the window and its sideways-scrolling box (a 32 x 256
  // network is about 2,000 x 12,000 px: a canvas that size took the browser over a second a frame to paint); it is
  // moved there and drawn in the drawing's coordinates. The part is measured again after a scroll, a layout and
  // every 8th frame, not every frame: a measurement forces the browser to lay out 8,192 boxes then and there.
  // Returns the part, {x0, y0, x1, y1}, or null when none of the drawing is on screen.
  let placed = { w: -1, h: -1 }, part = null, sinceMeasured = 0;
  function measure() {
    const box = root.getBoundingClientRect();
    const clip = root.parentElement ? root.parentElement.getBoundingClientRect() : box;
    const x0 = Math.max(0, clip.left - box.left, -box.left), y0 = Math.max(0, -box.top);
    const x1 = Math.min(box.width, clip.right - box.left, window.innerWidth - box.left);
    const y1 = Math.min(box.height, window.innerHeight - box.top);
    part = x1 <= x0 || y1 <= y0 ? null : { x0, y0, w: Math.ceil(x1 - x0), h: Math.ceil(y1 - y0) };
    sinceMeasured = 0;
  }
  function place(canvas) {
    if (!part || sinceMeasured++ >= 8) measure();
    if (!part) return null;
    const { x0, y0, w, h } = part, ratio = window.devicePixelRatio || 1;
    if (placed.w !== w || placed.h !== h) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
      Object.assign(canvas.style, { width: `${w}px`, height: `${h}px`, right: "auto", bottom: "auto" });
      placed = { w, h };
    }
    Object.assign(canvas.style, { left: `${x0}px`, top: `${y0}px` });
    canvas.getContext("2d").setTransform(ratio, 0, 0, ratio, -x0 * ratio, -y0 * ratio);
    return { x0, y0, x1: x0 + w, y1: y0 + h };
  }

  function drawThumbnails(ctx, neurons, t, view) {
    ctx.globalAlpha = 1;
    if (t && (!tile || tile.width !== t)) {
      tile = document.createElement("canvas");
      tile.width = tile.height = t;
    }
    const tctx = t ? tile.getContext("2d") : null;
    const img = t ? tctx.createImageData(t, t) : null;
    ctx.imageSmoothingEnabled = false;
    let offset = 0;
    for (const layer of boxes) {
      for (const b of layer) {
        const seen = b.x + b.w >= view.x0 && b.x <= view.x1 && b.y + b.h >= view.y0 && b.y <= view.y1;
        if (!seen) {
          offset += t * t;
        } else if (t) {
          tctx.putImageData(colourSurface(img, neurons.subarray(offset, offset + t * t), 1 / 127), 0, 0);
          ctx.drawImage(tile, b.x, b.y, b.w, b.h);
          offset += t * t;
        } else {  // no plane to draw a neuron's response over (a CSV with more than two inputs)
          ctx.fillStyle = "#fff";
          ctx.fillRect(b.x, b.y, b.w, b.h);
        }
      }
    }
  }

  // links: per weight layer {from, to, w, count, rms, max_abs} (the header's "links", LinkSelection.to_json)
  function draw(links, neurons, t) {
    if (!links) return;
    const canvas = root.querySelector("canvas.links");
    if (!canvas) return;
    if (!laidOut) layout();
    last = { links, neurons, t };
    const view = place(canvas);
    if (!view) return;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(view.x0, view.y0, view.x1 - view.x0, view.y1 - view.y0);
    let max = 1e-9, total = 0;  // line widths are scaled by the largest |w| of the whole network, as before
    for (const layer of links) {
      max = Math.max(max, layer.max_abs ?? 0);
      if (layer.from.length) total += layer.count;
    }
    let shown = 0;
    ctx.globalAlpha = 0.75;
    links.forEach((layer, l) => {
      const from = centres[l], to = centres[l + 1];
      if (!from || !to) return;
      for (let k = 0; k < layer.from.length; k++) {
        const a = from[layer.from[k]], b = to[layer.to[k]], w = layer.w[k];
        if (!a || !b) continue;
        shown++;
        if (Math.max(a.y, b.y) < view.y0 || Math.min(a.y, b.y) > view.y1 || b.left < view.x0 || a.right > view.x1) continue;
        ctx.strokeStyle = w >= 0 ? "#0072B2" : "#E69F00";
        ctx.lineWidth = 0.4 + 4 * Math.abs(w) / max;
        ctx.beginPath();
        ctx.moveTo(a.right, a.y);
        ctx.lineTo(b.left, b.y);
        ctx.stroke();
      }
    });
    drawThumbnails(ctx, neurons, t, view);
    onLinks(shown, total);
  }

  // a scroll moves the drawing's visible part; a paused drawing scrolled into view is drawn again from the last
  // frame (a playing one is redrawn by the next frame)
  let scrollPending = false;
  window.addEventListener("scroll", () => {
    part = null;
    if (scrollPending || !last) return;
    scrollPending = true;
    requestAnimationFrame(() => { scrollPending = false; if (last) draw(last.links, last.neurons, last.t); });
  }, { passive: true, capture: true });

  // measure again whenever the drawing's box changes size (a window resize, a scrollbar appearing, a wrapped line)
  const resized = new ResizeObserver(() => { laidOut = false; fit(); });
  resized.observe(root);
  if (scroller) resized.observe(scroller);

  // Every neuron's thumbnail, kept between frames: a big network's live frame carries a run of them (the header's
  // thumb_from and thumb_count, playground/session.py THUMB_BYTES) and the others stay as their last frame drew them.
  // A frame with another layout (a reset, a new size) starts the store again; neurons not yet sent are blank (0).
  let thumbs = null, thumbKey = "";
  function storeThumbnails(header, neurons) {
    const t = header.thumb, total = header.layer_sizes.slice(1, -1).reduce((a, b) => a + b, 0);
    const key = `${t}/${header.layer_sizes.join(",")}`;
    if (!thumbs || key !== thumbKey) { thumbs = new Int8Array(total * t * t); thumbKey = key; }
    thumbs.set(neurons.subarray(0, Math.min(neurons.length, thumbs.length - (header.thumb_from ?? 0) * t * t)),
               (header.thumb_from ?? 0) * t * t);
    return thumbs;
  }

  return {
    rebuild,
    update({ header, neurons }) {
      // the marks change only with a new evaluation (a big network's frames repeat one for several frames)
      const evaluated = `${header.evaluated_step ?? header.step}/${header.train_loss}/${neuronEls.length}`;
      if (evaluated !== marked) markUnits(header);
      marked = evaluated;
      draw(header.links, storeThumbnails(header, neurons), header.thumb);
    },
    destroy() { last = null; thumbs = null; root.replaceChildren(); },
  };

  function markUnits(header) {
    neuronEls.forEach(({ els, counts }, l) => {
      // the layer's reading as LayerReading.to_dict() writes it; its saturated_units leave the dead ones out,
      // so each unit is marked and counted once
      const info = header.layers[l];
      const dead = new Set(info ? info.dead_units : []), sat = new Set(info ? info.saturated_units : []);
      els.forEach((el, i) => {
        const mark = dead.has(i) ? "dead" : sat.has(i) ? "saturated" : "";
        if (el.dataset.mark !== mark) {  // touch the DOM only when the state changes
          el.dataset.mark = mark;
          el.classList.toggle("dead", mark === "dead");
          el.classList.toggle("saturated", mark === "saturated");
          const said = mark === "saturated" ? ((info && info.low_word) || mark) : mark;
          el.setAttribute("aria-label", `layer ${l + 1} neuron ${i + 1}${said ? ` (${said})` : ""}`);
        }
      });
      // ReLU cannot saturate: its units under the threshold are "rarely active" (the reading's low_word)
      const low = (info && info.low_word) || "saturated";
      const text = [dead.size ? `${dead.size} dead` : "", sat.size ? `${sat.size} ${low}` : ""].filter(Boolean).join(", ");
      if (counts.textContent !== text) counts.textContent = text;
    });
  }
}
