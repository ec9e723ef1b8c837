// The playground's output panel: the network's output over the input plane with the data points on it, the class
// legend, the show-test and discretise toggles, and the text equivalents of the surface and the loss curves.
import { CLASS_COLOURS, fmt, paintClassSurface, paintPoints, paintSurface } from "../charts.js";

const pct = (v) => (v === null || v === undefined ? "" : `${Math.round(100 * v)}%`);

// deps: state; outputNeuron() -> the network drawing's output neuron, which shows the same picture as a thumbnail
export function mount(root, { state, outputNeuron = () => null }) {
  const canvas = root.querySelector("#output-surface"), lossChart = root.querySelector("#loss-chart");
  const legend = root.querySelector("#class-legend");
  const showTest = root.querySelector("#show_test"), discretize = root.querySelector("#discretize");
  const small = document.createElement("canvas");  // the output grid at its own resolution, scaled up when drawn
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
    const acc = h.test_accuracy !== null && h.test_accuracy !== undefined
      ? `test accuracy ${pct(h.test_accuracy)}, training ${pct(h.train_accuracy)}` : "a regression output";
    const surface = h.grid ? `Output of the network over the input plane at epoch ${h.epoch}: ${acc}.`
      : `No surface: the data has more than two inputs; ${acc}.`;
    const loss = `Loss curves: test ${fmt(h.test_loss, 2)}, training ${fmt(h.train_loss, 2)} at epoch ${h.epoch}.`;
    if (canvas.getAttribute("aria-label") !== surface) canvas.setAttribute("aria-label", surface);
    if (lossChart.getAttribute("aria-label") !== loss) lossChart.setAttribute("aria-label", loss);
  }

  const count = (n) => n.toLocaleString("en-US");
  function explain(h) {
    const parts = [];
    if (h.epoch_step) {
      parts.push(`Epoch ${count(h.epoch + 1)} is ${count(h.epoch_step)} of ${count(h.updates_per_epoch)} updates in: ` +
                 "a network this big trains part of an epoch per frame, so the page stays live.");
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
    if (h.classes) paintClassSurface(small, frame.output, h.grid, h.class_levels, state.get("discretize"));
    else paintSurface(small, frame.output, h.grid, state.get("discretize"), 1 / 127);  // int8 grid to [-1, 1]
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    const outNode = outputNeuron();
    if (outNode) {  // the output neuron's own thumbnail
      let thumb = outNode.querySelector("canvas");
      if (!thumb) { thumb = document.createElement("canvas"); thumb.width = thumb.height = 40; outNode.append(thumb); }
      const tctx = thumb.getContext("2d");
      tctx.imageSmoothingEnabled = false;
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
