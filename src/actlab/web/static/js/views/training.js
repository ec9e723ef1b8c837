// Losses, the loss curves (a light canvas chart that keeps up at 60 frames/s), accuracy and confusion matrix.
import { fmt } from "../charts.js";
import { linearLines } from "../livechart.js";

export function mount(root, { canvas, trainOut, testOut, metrics }) {
  let epochs = [], train = [], test = [], pendingMetrics = null, metricsTimer = null, recordedStep = null;
  let trained = false;  // has the run made an update? (a big network's first evaluation may stand for many frames)
  let diverged = false;  // a diverged run's loss is not a number: no evaluation to come will draw its curve
  // test solid black, training dashed blue: told apart by the dash as well as the colour
  const drawCurves = () => {
    canvas.dataset.points = epochs.length;  // how many evaluations the curve holds (a new run starts at none)
    canvas.dataset.ascending = epochs.every((e, i) => i === 0 || e >= epochs[i - 1]);  // one run's curve, in order
    linearLines(canvas, { x: epochs, xName: "epoch", series: [
      { name: "test loss", y: test, color: "#000" }, { name: "training loss", y: train, color: "#0072B2", dash: true }],
      empty: diverged ? "Diverged: the loss is not a finite number, so there is no curve to draw"
        : trained ? "Training: the curve starts at the next evaluation" : "Press Play to train" });
  };
  drawCurves();  // empty axes and a note until the first losses come, not a blank box
  return {
    reset() {
      epochs = []; train = []; test = []; pendingMetrics = null; recordedStep = null; trained = false; diverged = false;
      metrics.replaceChildren();
      drawCurves();
    },
    // every evaluation's losses, drawn or not, at the (fractional) epoch they were taken: a big network's frames
    // repeat one evaluation for several frames (evaluated_step, playground/evaluation.py), recorded once
    record(h) {
      const at = h.evaluated_step ?? h.step;
      if (at === recordedStep) return;
      recordedStep = at;
      epochs.push(h.updates_per_epoch ? at / h.updates_per_epoch : h.epoch); train.push(h.train_loss); test.push(h.test_loss);
      if (train.length > 600) [epochs, train, test] = [epochs, train, test].map((a) => a.filter((_, i) => i % 2 === 0));
    },
    // while training, accuracy and the confusion matrix change at a readable 4 Hz; a paused page shows the frame
    // it stopped on at once, so the numbers on screen always belong together
    draw(h, now = false) {
      trained = h.step > 0;
      diverged = h.status === "diverged";
      trainOut.textContent = fmt(h.train_loss, 3);
      testOut.textContent = fmt(h.test_loss, 3);
      drawCurves();
      pendingMetrics = h;
      if (now) this.flush();
      else if (!metricsTimer) metricsTimer = setTimeout(showMetrics, 250);
    },
    flush() {
      clearTimeout(metricsTimer);
      showMetrics();
    },
    destroy() { clearTimeout(metricsTimer); },
  };

  function showMetrics() {
    metricsTimer = null;
    const h = pendingMetrics;
    if (!h) return;
    const acc = h.test_accuracy !== null && h.test_accuracy !== undefined
      ? `Accuracy: test ${(100 * h.test_accuracy).toFixed(1)}%, training ${(100 * h.train_accuracy).toFixed(1)}%` : "";
    const cm = h.confusion ? `<table class="confusion" aria-label="Confusion matrix"><tr><th>true \\ predicted</th>${h.confusion.map((_, j) => `<th>${j}</th>`).join("")}</tr>
      ${h.confusion.map((row, i) => `<tr><th>${i}</th>${row.map((v) => `<td>${v}</td>`).join("")}</tr>`).join("")}</table>` : "";
    metrics.innerHTML = `<p>${acc}</p>${cm}`;
  }
}
