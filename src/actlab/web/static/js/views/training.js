// Losses, the loss curves (a light canvas chart that keeps up at 60 frames/s), accuracy and confusion matrix.
import { fmt } from "../charts.js";

export function mount(root, { canvas, trainOut, testOut, metrics }) {
  let train = [], test = [], pendingMetrics = null, metricsTimer = null;
  function drawCurves() {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const all = train.concat(test).filter((v) => v !== null && Number.isFinite(v));
    if (!all.length) return;
    const max = Math.max(...all, 1e-9);
    const n = Math.max(train.length, 2);
    for (const [series, colour] of [[test, "#000"], [train, "#888"]]) {
      ctx.beginPath();
      series.forEach((v, i) => {
        if (!Number.isFinite(v)) return;  // null (NaN) and "inf" leave a gap
        const x = (i / (n - 1)) * w, y = h - (v / max) * (h - 4) - 2;
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.strokeStyle = colour; ctx.lineWidth = 1.5; ctx.stroke();
    }
  }
  return {
    reset() {
      train = []; test = []; pendingMetrics = null;
      metrics.replaceChildren();
      drawCurves();
    },
    // every frame's losses, drawn or not
    record(h) {
      train.push(h.train_loss); test.push(h.test_loss);
      if (train.length > 600) { train = train.filter((_, i) => i % 2 === 0); test = test.filter((_, i) => i % 2 === 0); }
    },
    // while training, accuracy and the confusion matrix change at a readable 4 Hz; a paused page shows the frame
    // it stopped on at once, so the numbers on screen always belong together
    draw(h, now = false) {
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
