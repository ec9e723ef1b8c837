// The playground's output panel: the network's output over the input plane with the data points on it, the class
// legend, the show-test and discretise toggles, and the text equivalents of the surface and the loss curves.
import { CLASS_COLOURS, colourSurface, fmt, paintPoints } from "../charts.js";

const pct = (v) => (v === null || v === undefined ? "" : `${Math.round(100 * v)}%`);

// The server sends the output over G x G points of the plane, spaced evenly from one edge to the other, with fewer
// points as the network grows (playground/session.py: 35 x 35 at 8 x 32, 10 x 10 at 32 x 256). The page draws it at
// the canvas's own n x n pixels: each pixel's value is interpolated bilinearly between the four points around its
// centre, so a coarse grid shows no blocks and the surface lines up with the data points drawn over it.
function bilinearPlan(g, n) {  // per pixel column (or row): the grid index to its left and the weight of the right one
  const lo = new Int32Array(n), w = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const u = ((p + 0.5) / n) * (g - 1);  // the pixel centre's place among the points (point i at plane edge + i steps)
    lo[p] = Math.min(Math.floor(u), Math.max(g - 2, 0));
    w[p] = g > 1 ? u - lo[p] : 0;
  }
  return { lo, w, hi: g > 1 ? 1 : 0 };
}

// a scalar surface (values in [-1, 1] after scale): the values are interpolated, then coloured, so the discretised
// view's boundary is the interpolated zero line, not a staircase of cells
function paintSmoothSurface(canvas, values, g, discrete, scale) {
  const n = canvas.width, { lo, w, hi } = bilinearPlan(g, n), up = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const r0 = lo[y] * g, r1 = r0 + hi * g, wy = w[y];
    for (let x = 0; x < n; x++) {
      const c0 = lo[x], c1 = c0 + hi, wx = w[x];
      const top = values[r0 + c0] + (values[r0 + c1] - values[r0 + c0]) * wx;
      const bottom = values[r1 + c0] + (values[r1 + c1] - values[r1 + c0]) * wx;
      up[y * n + x] = (top + (bottom - top) * wy) * scale;
    }
  }
  const ctx = canvas.getContext("2d");
  ctx.putImageData(colourSurface(ctx.createImageData(n, n), up, 1, discrete), 0, 0);
}

// a class surface (each value class * levels + confidence level, frames.py): the four cells' colours are blended
// by their weights; discretised, a pixel takes the class with the largest share of the weight around it
function paintSmoothClassSurface(canvas, values, g, levels, discrete) {
  const n = canvas.width, { lo, w, hi } = bilinearPlan(g, n);
  const rgb = new Float32Array(3 * g * g), cls = new Int32Array(g * g);
  for (let i = 0; i < g * g; i++) {
    cls[i] = Math.floor(values[i] / levels);
    const c = CLASS_COLOURS[cls[i]] || CLASS_COLOURS[0];
    const a = discrete ? 0.85 : 0.15 + 0.7 * (values[i] % levels) / (levels - 1);
    for (let j = 0; j < 3; j++) rgb[3 * i + j] = 255 + (c[j] - 255) * a;
  }
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n), d = img.data;
  const cells = [0, 0, 0, 0], weights = [0, 0, 0, 0];
  for (let y = 0; y < n; y++) {
    const r0 = lo[y] * g, r1 = r0 + hi * g, wy = w[y];
    for (let x = 0; x < n; x++) {
      const c0 = lo[x], c1 = c0 + hi, wx = w[x], o = 4 * (y * n + x);
      cells[0] = r0 + c0; cells[1] = r0 + c1; cells[2] = r1 + c0; cells[3] = r1 + c1;
      weights[0] = (1 - wx) * (1 - wy); weights[1] = wx * (1 - wy); weights[2] = (1 - wx) * wy; weights[3] = wx * wy;
      if (discrete) {
        let best = cells[0], bestShare = -1;
        for (let k = 0; k < 4; k++) {
          let share = 0;
          for (let m = 0; m < 4; m++) if (cls[cells[m]] === cls[cells[k]]) share += weights[m];
          if (share > bestShare) { bestShare = share; best = cells[k]; }
        }
        for (let j = 0; j < 3; j++) d[o + j] = Math.round(rgb[3 * best + j]);
      } else {
        for (let j = 0; j < 3; j++) {
          d[o + j] = Math.round(rgb[3 * cells[0] + j] * weights[0] + rgb[3 * cells[1] + j] * weights[1] +
                                rgb[3 * cells[2] + j] * weights[2] + rgb[3 * cells[3] + j] * weights[3]);
        }
      }
      d[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

// deps: state; outputNeuron() -> the network drawing's output neuron, which shows the same picture as a thumbnail
export function mount(root, { state, outputNeuron = () => null }) {
  const canvas = root.querySelector("#output-surface"), lossChart = root.querySelector("#loss-chart");
  const legend = root.querySelector("#class-legend");
  const showTest = root.querySelector("#show_test"), discretize = root.querySelector("#discretize");
  // the output at the canvas's size, interpolated from the server's grid; the data points are drawn over a copy
  const small = document.createElement("canvas");
  // what a big network's frame shows differently (playground/session.py): training part of an epoch per frame,
  // and numbers computed over several frames; hidden while neither holds (the default sizes)
  const note = Object.assign(document.createElement("p"), { className: "status-line", id: "frame-note" });
  note.hidden = true;
  root.append(note);
  let points = null;  // the run's data, from the server's "ready" message

  showTest.addEventListener("change", () => state.set({ show_test: showTest.checked }));
  discretize.addEventListener("change", () => state.set({ discretize: discretize.checked }));

  // classification labels 0/1 are drawn blue/orange; regression targets by sign
  const label = (v) => (points && points.task === "regression" ? (v > 0 ? 1 : 0) : v);

  // with three or more classes each has its own colour: say which (class names are the learner's text: DOM calls)
  function showClasses(names) {
    const items = names.length > 2 ? names.map((name, i) => {
      const swatch = Object.assign(document.createElement("span"), { className: "swatch", textContent: "●" });
      swatch.style.color = `rgb(${CLASS_COLOURS[i].join(",")})`;
      const item = document.createElement("span");
      item.append(swatch, ` ${name} `);
      return item;
    }) : [];
    legend.replaceChildren(...(items.length ? ["Classes: ", ...items] : []));
  }

  // Text equivalents of the pictures, for a screen reader: they change with the surface and the loss curves. The
  // words are rounded so the attributes change a few times a second at most, not every frame.
  function describe(h) {
    const acc = h.accuracy_note ? `no accuracy: ${h.accuracy_note}`
      : h.test_accuracy !== null && h.test_accuracy !== undefined
        ? `test accuracy ${pct(h.test_accuracy)}, training ${pct(h.train_accuracy)}` : "a regression output";
    const surface = h.grid ? `Output of the network over the input plane at epoch ${h.epoch}: ${acc}.`
      : `No surface: the data has more than two inputs; ${acc}.`;
    const loss = `Loss curves: test ${fmt(h.test_loss, 2)}, training ${fmt(h.train_loss, 2)} at epoch ${h.epoch}.`;
    if (canvas.getAttribute("aria-label") !== surface) canvas.setAttribute("aria-label", surface);
    if (lossChart.getAttribute("aria-label") !== loss) lossChart.setAttribute("aria-label", loss);
  }

  // steps and epochs with a comma per thousand, as the header's counters and the reading's words write them
  const count = (n) => n.toLocaleString("en-US");
  function explain(h) {
    const parts = [];
    if (h.epoch_step) {
      // mid-epoch: the run diverged there, or Step made one minibatch update, or a frame's budget is less than an
      // epoch (a big network). "Epoch" is the header's count of whole passes, so the two agree
      const why = h.status === "diverged" ? `the run diverged at step ${count(h.diverged_at_step)}, mid-epoch`
        : "Step trains one minibatch; a big network trains part of an epoch per frame, so the page stays live";
      parts.push(`Epoch ${count(h.epoch)} and ${count(h.epoch_step)} of the ${count(h.updates_per_epoch)} updates ` +
                 `of the next epoch (${why}).`);
    }
    if (h.evaluated_step !== undefined && h.evaluated_step !== h.step) {
      parts.push(`Losses, accuracy and the layer readings are computed on all the data for the network as it was at ` +
                 `step ${count(h.evaluated_step)} (epoch ${count(h.evaluated_epoch)}); at this size that takes several ` +
                 `frames, so they trail training (now at step ${count(h.step)}).`);
    }
    const text = parts.join(" ");
    if (note.textContent !== text) note.textContent = text;
    note.hidden = !text;
  }

  function draw(frame) {
    const h = frame.header, ctx = canvas.getContext("2d");
    describe(h);
    explain(h);
    if (!h.grid) {  // a CSV with more than two inputs: no plane to draw the output over
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = "#5b6570"; ctx.font = "14px system-ui, sans-serif"; ctx.textAlign = "center";
      ctx.fillText(`${points ? points.n_inputs : "These"} inputs: no 2-D surface to draw.`, canvas.width / 2, canvas.height / 2 - 10);
      ctx.fillText("Loss, accuracy and gradients still update.", canvas.width / 2, canvas.height / 2 + 12);
      return;
    }
    // a resize clears and reallocates; both sides are checked (a new canvas is 300 x 150)
    if (small.width !== canvas.width || small.height !== canvas.width) { small.width = canvas.width; small.height = canvas.width; }
    if (h.classes) paintSmoothClassSurface(small, frame.output, h.grid, h.class_levels, state.get("discretize"));
    else paintSmoothSurface(small, frame.output, h.grid, state.get("discretize"), 1 / 127);  // int8 grid to [-1, 1]
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    const outNode = outputNeuron();
    if (outNode) {  // the output neuron's own thumbnail
      let thumb = outNode.querySelector("canvas");
      if (!thumb) { thumb = document.createElement("canvas"); thumb.width = thumb.height = 40; outNode.append(thumb); }
      const tctx = thumb.getContext("2d");
      tctx.imageSmoothingEnabled = true;  // a smooth picture made smaller
      tctx.drawImage(small, 0, 0, thumb.width, thumb.height);
    }
    if (points && points.two_d) {
      paintPoints(canvas, points.train, points.train_labels.map(label), 6, 3, false, h.classes);
      if (state.get("show_test")) paintPoints(canvas, points.test, points.test_labels.map(label), 6, 3, true, h.classes);
    }
  }

  // update({ points }) when a run's data arrives, update({ frame }) for each frame to draw, update() after a
  // change of state
  function update({ points: next, frame } = {}) {
    if (next !== undefined) {
      points = next;
      showClasses((points && points.class_names) || []);
    }
    showTest.checked = state.get("show_test");
    discretize.checked = state.get("discretize");
    if (frame) draw(frame);
  }

  return { update, destroy() { note.remove(); legend.replaceChildren(); canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height); } };
}
