// Losses, the loss curves (a light canvas chart that keeps up at 60 frames/s), accuracy and confusion matrix.
import { fmt } from "../charts.js";
import { linearLines } from "../livechart.js";

// A loss as the readouts show it: a diverged run's NaN (JSON's null) said as NaN, not as a missing number.
// An overflowed one is "inf", as the reading's words write it.
const lossText = (v, diverged) => (v === null && diverged ? "NaN" : typeof v === "string" ? v : fmt(v, 3));

// What a diverged run keeps, what that loss is, and where the curve ends (``last``: the last evaluation whose
// training loss is a number, or null). The numbers are the frame's and the evaluations'; the words say which.
export function divergedWords(h, last) {
  const said = [["training", h.train_loss], ["test", h.test_loss]].filter(([, v]) => v !== undefined)
    .map(([name, v]) => `${name} ${lossText(v, true)}`).join(", ");
  const values = [h.train_loss, h.test_loss];
  const why = [];
  if (values.some((v) => v === null)) why.push("NaN is not a number: the network's outputs overflowed");
  if (values.some((v) => typeof v === "string")) why.push("inf: it overflowed past 1.8e308, the largest float64");
  const kept = `Diverged at step ${h.diverged_at_step.toLocaleString("en-US")}: the numbers shown are of the weights `
    + `the network keeps, its last finite ones. Their loss: ${said}${why.length ? ` (${why.join("; ")})` : ""}.`;
  const end = last
    ? ` The curve ends at epoch ${fmt(last.epoch, 3)} (step ${last.step.toLocaleString("en-US")}), the last `
      + `evaluation whose loss is a number: training ${fmt(last.train, 3)}, test ${lossText(last.test, true)}.`
    : " No evaluation had a loss that is a number, so there is no curve.";
  // the diverged reading quotes the minibatch losses before the NaN where it has two or more (readings.py)
  const batches = (h.diagnosis?.evidence?.recent_losses || []).length > 1
    ? " The reading under Gradient flow quotes the batch losses before it diverged." : "";
  return `${kept}${end}${batches}`;
}

export function mount(root, { canvas, trainOut, testOut, metrics, note }) {
  let epochs = [], train = [], test = [], pendingMetrics = null, metricsTimer = null, recordedStep = null;
  let trained = false;  // has the run made an update? (a big network's first evaluation may stand for many frames)
  let diverged = null;  // the diverged frame's header: no evaluation to come will add to the curve
  let last = null;  // the last evaluation whose training loss is a number: where the curve ends
  // test solid black, training dashed blue: told apart by the dash as well as the colour
  const emptyNote = () => {
    if (!diverged) return trained ? "Training: the curve starts at the next evaluation" : "Press Play to train";
    const at = `Diverged at step ${diverged.diverged_at_step.toLocaleString("en-US")}`;
    return last ? `${at} after one loss that is a number (epoch ${fmt(last.epoch, 3)}): too few for a curve`
      : `${at} before any loss that is a number: no curve to draw`;
  };
  const drawCurves = () => {
    canvas.dataset.points = epochs.length;  // how many evaluations the curve holds (a new run starts at none)
    canvas.dataset.ascending = epochs.every((e, i) => i === 0 || e >= epochs[i - 1]);  // one run's curve, in order
    linearLines(canvas, { x: epochs, xName: "epoch", series: [
      { name: "test loss", y: test, color: "#000" }, { name: "training loss", y: train, color: "#0072B2", dash: true }],
      empty: emptyNote(), mark: diverged && diverged.updates_per_epoch
        ? { x: diverged.diverged_at_step / diverged.updates_per_epoch,
            label: `diverged at step ${diverged.diverged_at_step.toLocaleString("en-US")}` } : null });
    if (note) {
      note.hidden = !diverged;
      note.textContent = diverged ? divergedWords(diverged, last) : "";
    }
  };
  drawCurves();  // empty axes and a note until the first losses come, not a blank box
  return {
    reset() {
      epochs = []; train = []; test = []; pendingMetrics = null; recordedStep = null; trained = false; diverged = null;
      last = null;
      metrics.replaceChildren();
      drawCurves();
    },
    // every evaluation's losses, drawn or not, at the (fractional) epoch they were taken: a big network's frames
    // repeat one evaluation for several frames (evaluated_step, playground/evaluation.py), recorded once
    record(h) {
      const at = h.evaluated_step ?? h.step;
      if (at === recordedStep) return;
      recordedStep = at;
      const epoch = h.updates_per_epoch ? at / h.updates_per_epoch : h.epoch;
      epochs.push(epoch); train.push(h.train_loss); test.push(h.test_loss);
      // kept apart from the curve's arrays, which a long run thins
      if (Number.isFinite(h.train_loss)) last = { epoch, step: at, train: h.train_loss, test: h.test_loss };
      if (train.length > 600) [epochs, train, test] = [epochs, train, test].map((a) => a.filter((_, i) => i % 2 === 0));
    },
    // while training, accuracy and the confusion matrix change at a readable 4 Hz; a paused page shows the frame
    // it stopped on at once, so the numbers on screen always belong together
    draw(h, now = false) {
      trained = h.step > 0;
      diverged = h.status === "diverged" ? h : null;
      trainOut.textContent = lossText(h.train_loss, diverged);
      testOut.textContent = lossText(h.test_loss, diverged);
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
    // outputs that are not numbers predict no class: no number and no confusion matrix, and the engine's word why
    metrics.innerHTML = `<p>${accuracyText(h)}</p>${h.accuracy_note ? "" : confusionTable(h)}`;
    if (h.accuracy_note) {
      const why = document.createElement("p");
      why.className = "no-accuracy";
      why.textContent = `No accuracy: ${h.accuracy_note}.`;
      metrics.append(why);
    }
  }
}

// a share as a percentage; "none" where a classifier has none on that set (its outputs there are not numbers)
const pct = (v) => (v === null || v === undefined ? "none" : `${(100 * v).toFixed(1)}%`);

function accuracyText(h) {
  const either = [h.test_accuracy, h.train_accuracy].some((v) => v !== null && v !== undefined);
  return either ? `Accuracy: test ${pct(h.test_accuracy)}, training ${pct(h.train_accuracy)}` : "";
}

function confusionTable(h) {
  return h.confusion ? `<table class="confusion" aria-label="Confusion matrix"><tr><th>true \\ predicted</th>${h.confusion.map((_, j) => `<th>${j}</th>`).join("")}</tr>
      ${h.confusion.map((row, i) => `<tr><th>${i}</th>${row.map((v) => `<td>${v}</td>`).join("")}</tr>`).join("")}</table>` : "";
}
