// Boots the playground: URL state, controls, the WebSocket to the server-side trainer, and the views.
import * as api from "./api.js";
import { CLASS_COLOURS, fmt, paintClassSurface, paintPoints, paintSurface } from "./charts.js";
import { createState } from "./state.js";
import * as gradientFlow from "./views/gradient-flow.js";
import * as network from "./views/network.js";
import * as training from "./views/training.js";

const $ = (id) => document.getElementById(id);
const DATASETS = [["circle", "Circle"], ["xor", "XOR"], ["gauss", "Gaussian"], ["spiral", "Spiral"], ["moons", "Moons"],
                  ["plane", "Plane"], ["multi_gauss", "Multi-Gauss"]];
const REGRESSION = ["plane", "multi_gauss"];
const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const INITS = ["playground", "standard", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal", "orthogonal"];
// Controls a teacher can hide with ?hide=lr,activation,...
const HIDEABLE = { lr: "ctl-lr", activation: "ctl-activation", slope: "ctl-slope", reg: "ctl-reg", reg_rate: "ctl-reg-rate",
  optimizer: "ctl-optimizer", loss: "ctl-loss", init: "ctl-init", speed: "ctl-speed", stop: "ctl-stop", target: "ctl-target",
  dataset: "ctl-dataset", problem: "ctl-problem", train: "ctl-train", noise: "ctl-noise", batch: "ctl-batch", csv: "ctl-csv", export: "ctl-export",
  layers: "add-layer", gradient: "gradient-chart" };

const state = createState({
  dataset: { type: "str", default: "circle", choices: [...DATASETS.map((d) => d[0]), "csv"] },
  noise: { type: "int", default: 0, min: 0, max: 50 },
  train: { type: "int", default: 50, min: 10, max: 90 },
  batch: { type: "int", default: 10, min: 1, max: 30 },
  lr: { type: "num", default: 0.03, min: 0, max: 10 },
  layers: { type: "ints", default: [4, 2] },
  activations: { type: "list", default: ["tanh"] },
  negative_slope: { type: "num", default: 0.01, min: 0, max: 1 },
  features: { type: "list", default: ["x1", "x2"] },
  reg: { type: "str", default: "none", choices: ["none", "l1", "l2"] },
  reg_rate: { type: "num", default: 0, min: 0, max: 10 },
  optimizer: { type: "str", default: "sgd", choices: ["sgd", "momentum", "adam"] },
  loss: { type: "str", default: "mse", choices: ["mse", "cross-entropy"] },
  init: { type: "str", default: "playground", choices: INITS },
  seed: { type: "int", default: 1, min: 0 },
  wseed: { type: "int", default: null, min: 0 },  // the initial weights' seed (null: the data's); Reset draws a new one
  speed: { type: "int", default: 1, choices: [1, 2, 5, 10, 25, 50] },
  show_test: { type: "bool", default: false },
  discretize: { type: "bool", default: false },
  hide: { type: "list", default: [] },
});

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

// regression data (the plane, the multi-Gaussian, a CSV of numbers) trains on MSE with a linear output
const isRegression = (s) => REGRESSION.includes(s.dataset) || (s.dataset === "csv" && csvTask === "regression");
// three or more classes (a CSV's) train on cross-entropy with a softmax output: MSE has one tanh output for two
const isMultiClass = (s) => s.dataset === "csv" && csvTask === "classification" && csvClasses > 2;
const newSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

function runConfig() {
  const s = state.all();
  return { dataset: s.dataset, noise: s.noise / 100, train_fraction: s.train / 100, batch_size: s.batch, lr: s.lr,
           layers: s.layers, activations: s.activations, negative_slope: s.negative_slope, features: s.features,
           reg: s.reg, reg_rate: s.reg_rate, optimizer: s.optimizer, init: s.init, seed: s.seed, weight_seed: s.wseed,
           loss: isRegression(s) ? "mse" : isMultiClass(s) ? "cross-entropy" : s.loss };
}

let limits = { max_layers: 8, max_width: 32 };
let conn = null, points = null, playing = false, csvToken = null, csvTask = null, csvClasses = 0, epochsSeen = 0;
// the settings of the run the server last accepted: a refused reset puts the controls back to them, so the page never
// shows one data set while the server trains another
let accepted = null;
// After a reset, frames of the old run may still be on their way: they are dropped until the server says the new
// run is ready (or that the reset was refused, in which case the old run goes on).
let awaitingReady = true;
let net, grad, train;

function fillSelect(el, values, labelFn = String) {
  el.replaceChildren(...values.map((v) => new Option(labelFn(v), String(v))));
}

function syncControls() {
  const s = state.all();
  $("lr").value = String(s.lr); $("activation").value = s.activations.length === 1 ? s.activations[0] : "";
  $("negative_slope").value = s.negative_slope; $("reg").value = s.reg; $("reg_rate").value = String(s.reg_rate);
  $("optimizer").value = s.optimizer; $("init").value = s.init; $("speed").value = String(s.speed);
  const regression = isRegression(s), multi = isMultiClass(s);  // the loss control shows what is trained; the URL keeps
  $("loss").value = regression ? "mse" : multi ? "cross-entropy" : s.loss;  // the learner's own choice
  $("loss").disabled = regression || multi;
  $("loss").options[0].textContent = regression ? "MSE (linear output)" : "MSE (tanh output)";
  $("loss").options[1].textContent = multi ? `cross-entropy (${csvClasses} classes)` : "cross-entropy";
  $("train_fraction").value = s.train; $("train-out").textContent = s.train;
  $("noise").value = s.noise; $("noise-out").textContent = s.noise;
  $("batch_size").value = s.batch; $("batch-out").textContent = s.batch;
  $("show_test").checked = s.show_test; $("discretize").checked = s.discretize;
  $("ctl-slope").hidden = !s.activations.includes("leaky_relu") || s.hide.includes("slope");
  $("layer-count").textContent = `${s.layers.length} hidden layer${s.layers.length === 1 ? "" : "s"}`;
  const problem = REGRESSION.includes(s.dataset) ? "regression" : "classification";
  $("problem").value = problem;
  document.querySelectorAll("#ctl-dataset button").forEach((b) => {
    b.setAttribute("aria-checked", String(b.dataset.value === s.dataset));
    b.tabIndex = b.dataset.value === s.dataset ? 0 : -1;
    b.hidden = s.dataset !== "csv" && REGRESSION.includes(b.dataset.value) !== (problem === "regression");
  });
  for (const [key, id] of Object.entries(HIDEABLE)) { const el = $(id); if (el) el.hidden = s.hide.includes(key) || (key === "slope" && el.hidden); }
}

function restart(patch = {}) {
  state.set(patch);
  syncControls();
  playing = false;
  $("play").textContent = "▶ Play";
  train.reset();
  grad.reset();
  queue.length = 0;
  awaitingReady = true;
  epochsSeen = 0;
  net.rebuild(true);  // a CSV's own inputs replace the feature column once the server has read it
  conn.send({ type: "reset", config: runConfig(), csv_token: state.get("dataset") === "csv" ? csvToken : null });
  sendRunSettings();
}

function showLinkCount(shown, total) {
  const text = shown < total ? `showing the ${shown.toLocaleString("en-US")} strongest of ${total.toLocaleString("en-US")} links` : "";
  if ($("link-count").textContent !== text) $("link-count").textContent = text;
}

function sendRunSettings() {
  const stop = Number($("stop_epoch").value) || null, target = $("target_loss").value === "" ? null : Number($("target_loss").value);
  conn.send({ type: "set", epochs_per_frame: state.get("speed"), stop_epoch: stop, target_loss: target });
}

const counters = { frames: 0, received: 0, renderMs: 0 };  // read by bench/playground.py
window.__actlab = counters;

// Frames wait in a short queue and are drawn one per animation frame: frames arrive slightly faster than the
// screen refreshes and not evenly, and drawing only the newest would leave some refreshes with nothing new.
// When the page falls behind, the oldest pictures are skipped; their numbers were already recorded.
const queue = [];
const QUEUE_MAX = 3;
const small = document.createElement("canvas");  // the output grid at its own resolution, scaled up when drawn
let renderPending = false;

function schedule() {
  if (!renderPending && queue.length) { renderPending = true; requestAnimationFrame(render); }
}

function render() {
  renderPending = false;
  const frame = queue.shift();
  schedule();
  if (!frame) return;
  counters.frames += 1;
  const started = performance.now();
  const h = frame.header;
  $("epoch").textContent = h.epoch.toLocaleString("en-US");
  $("step-count").textContent = h.step.toLocaleString("en-US");  // a Step is one minibatch: the epoch may not move
  train.draw(h, !playing);
  describeOutput(h);
  if (!h.grid) {  // a CSV with more than two inputs: no plane to draw the output over
    const canvas = $("output-surface"), ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#5b6570"; ctx.font = "14px system-ui, sans-serif"; ctx.textAlign = "center";
    ctx.fillText(`${points ? points.n_inputs : "These"} inputs: no 2-D surface to draw.`, canvas.width / 2, canvas.height / 2 - 10);
    ctx.fillText("Loss, accuracy and gradients still update.", canvas.width / 2, canvas.height / 2 + 12);
  } else {
    const canvas = $("output-surface");
    if (h.classes) paintClassSurface(small, frame.output, h.grid, h.class_levels, state.get("discretize"));
    else paintSurface(small, frame.output, h.grid, state.get("discretize"), 1 / 127);  // int8 grid to [-1, 1]
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    const outNode = document.querySelector("#network .layer-col:last-child .neuron");
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
  net.update(frame);
  grad.draw(!playing);
  if (h.status === "diverged") { playing = false; $("play").textContent = "▶ Play"; }
  counters.renderMs += performance.now() - started;
}

// with three or more classes each has its own colour: say which (class names are the learner's text: DOM calls)
function showClassLegend(names) {
  const items = names.length > 2 ? names.map((name, i) => {
    const swatch = Object.assign(document.createElement("span"), { className: "swatch", textContent: "●" });
    swatch.style.color = `rgb(${CLASS_COLOURS[i].join(",")})`;
    const item = document.createElement("span");
    item.append(swatch, ` ${name} `);
    return item;
  }) : [];
  $("class-legend").replaceChildren(...(items.length ? ["Classes: ", ...items] : []));
}

function label(v) {
  // classification labels 0/1 are drawn blue/orange; regression targets by sign
  return points && points.task === "regression" ? (v > 0 ? 1 : 0) : v;
}

let restoredNote = null;  // shown once the server has restored the run after a reconnect

function onText(msg) {
  if (msg.type === "ready") {
    awaitingReady = false;
    accepted = state.all();
    points = msg.points;
    showClassLegend(points.class_names || []);
    if (!points.two_d) net.rebuild(false, points.columns);
    setStatus(restoredNote || (playing ? "Training…" : "Ready: press Play."));
    restoredNote = null;
  } else if (msg.type === "error") {
    const refused = awaitingReady && accepted !== null;  // a reset the server refused: its previous run stays
    awaitingReady = false;
    if (refused) {
      state.set(accepted);
      syncControls();
      net.rebuild(points.two_d, points.columns);
    }
    setStatus(`${msg.field ? msg.field + ": " : ""}${msg.message}${refused ? " The previous run stays, paused." : ""}`, true);
    if (msg.field === "csv") $("csv-error").textContent = msg.message;
  } else if (msg.type === "stopped") {
    playing = false;
    train.flush();
    $("play").textContent = "▶ Play";
    setStatus(msg.message, msg.reason === "diverged");
  } else if (msg.type === "export") {
    const blob = new Blob([msg.body], { type: msg.format === "json" ? "application/json" : "text/x-python" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = msg.format === "json" ? "actlab-network.json" : "actlab_network.py";
    a.click();
    setStatus(`Exported ${a.download}.`);
  }
}

function onBinary(buffer) {
  counters.received += 1;
  if (awaitingReady) return;
  const frame = api.decodeFrame(buffer);
  train.record(frame.header);
  grad.record(frame.header);
  queue.push(frame);
  if (queue.length > QUEUE_MAX) queue.splice(0, queue.length - QUEUE_MAX);
  schedule();
}

// Text equivalents of the pictures, for a screen reader: they change with the surface and the loss curves. The
// words are rounded so the attributes change a few times a second at most, not every frame.
const pct = (v) => (v === null || v === undefined ? "" : `${Math.round(100 * v)}%`);
function describeOutput(h) {
  const acc = h.test_accuracy !== null && h.test_accuracy !== undefined
    ? `test accuracy ${pct(h.test_accuracy)}, training ${pct(h.train_accuracy)}` : "a regression output";
  const surface = h.grid ? `Output of the network over the input plane at epoch ${h.epoch}: ${acc}.`
    : `No surface: the data has more than two inputs; ${acc}.`;
  const loss = `Loss curves: test ${fmt(h.test_loss, 2)}, training ${fmt(h.train_loss, 2)} at epoch ${h.epoch}.`;
  if ($("output-surface").getAttribute("aria-label") !== surface) $("output-surface").setAttribute("aria-label", surface);
  if ($("loss-chart").getAttribute("aria-label") !== loss) $("loss-chart").setAttribute("aria-label", loss);
}

function bindControls(registry) {
  fillSelect($("lr"), LRS);
  fillSelect($("reg_rate"), REG_RATES);
  fillSelect($("init"), INITS);
  fillSelect($("activation"), ["", ...registry.filter((r) => !r.gated).map((r) => r.name)], (v) => v || "(per layer)");
  $("ctl-dataset").replaceChildren(...DATASETS.map(([value, text]) => {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.value = value; b.textContent = text; b.setAttribute("role", "radio");
    b.setAttribute("aria-label", `data set ${text}`);
    b.addEventListener("click", () => restart({ dataset: value }));
    return b;
  }));
  // a radio group: one Tab stop, arrow keys move the choice (and choose, as radio buttons do)
  $("ctl-dataset").addEventListener("keydown", (ev) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
    if (!step) return;
    ev.preventDefault();
    const shown = [...$("ctl-dataset").querySelectorAll("button")].filter((b) => !b.hidden);
    const at = shown.indexOf(document.activeElement);
    const next = shown[(at + step + shown.length) % shown.length];
    next.focus();
    next.click();
  });
  $("problem").addEventListener("change", () => restart({ dataset: $("problem").value === "regression" ? "plane" : "circle" }));
  $("play").addEventListener("click", () => {
    playing = !playing;
    $("play").textContent = playing ? "❚❚ Pause" : "▶ Play";
    $("play").setAttribute("aria-label", playing ? "Pause" : "Play");
    conn.send({ type: playing ? "play" : "pause" });
    setStatus(playing ? "Training…" : "Paused.");
    if (!playing) { train.flush(); grad.draw(true); }  // the paused picture's numbers, not 250 ms old ones
  });
  $("step").addEventListener("click", () => { playing = false; $("play").textContent = "▶ Play"; conn.send({ type: "step" }); });
  $("reset").addEventListener("click", () => restart({ wseed: newSeed() }));  // new weights, kept in the URL
  $("lr").addEventListener("change", () => { state.set({ lr: Number($("lr").value) }); conn.send({ type: "set", lr: state.get("lr") }); });
  $("activation").addEventListener("change", () => { if ($("activation").value) restart({ activations: [$("activation").value] }); });
  $("negative_slope").addEventListener("change", () => restart({ negative_slope: Math.min(1, Math.max(0, Number($("negative_slope").value) || 0)) }));
  for (const key of ["reg", "optimizer", "loss", "init"]) $(key).addEventListener("change", () => restart({ [key]: $(key).value }));
  $("reg_rate").addEventListener("change", () => restart({ reg_rate: Number($("reg_rate").value) }));
  $("speed").addEventListener("change", () => { state.set({ speed: Number($("speed").value) }); sendRunSettings(); });
  $("stop_epoch").addEventListener("change", sendRunSettings);
  $("target_loss").addEventListener("change", sendRunSettings);
  $("train_fraction").addEventListener("change", () => restart({ train: Number($("train_fraction").value) }));
  $("noise").addEventListener("change", () => restart({ noise: Number($("noise").value) }));
  $("batch_size").addEventListener("change", () => restart({ batch: Number($("batch_size").value) }));
  for (const id of ["train_fraction", "noise", "batch_size"]) {
    $(id).addEventListener("input", () => { $(id.replace("_fraction", "").replace("_size", "") + "-out").textContent = $(id).value; });
  }
  $("show_test").addEventListener("change", () => { state.set({ show_test: $("show_test").checked }); });
  $("discretize").addEventListener("change", () => { state.set({ discretize: $("discretize").checked }); });
  $("add-layer").addEventListener("click", () => {
    const layers = state.get("layers");
    if (layers.length >= limits.max_layers) return setStatus(`At most ${limits.max_layers} hidden layers here.`, true);
    const acts = state.get("activations");
    restart({ layers: [...layers, 2], activations: acts.length === 1 ? acts : [...acts, acts[acts.length - 1]] });
  });
  $("remove-layer").addEventListener("click", () => {
    const layers = state.get("layers");
    if (!layers.length) return;
    const acts = state.get("activations");
    restart({ layers: layers.slice(0, -1), activations: acts.length === 1 ? acts : acts.slice(0, -1) });
  });
  $("csv").addEventListener("change", async () => {
    const file = $("csv").files[0];
    if (!file) return;
    $("csv-error").textContent = ""; $("csv-info").textContent = "";
    try {
      const info = await api.postFile("/api/playground/csv", file);
      csvToken = info.token;
      csvTask = info.task;
      csvClasses = info.classes.length;
      $("csv-info").textContent = `${info.rows} rows, columns ${info.columns.join(", ")}; ${info.task}${info.classes.length ? " (classes " + info.classes.join(", ") + ")" : ""}.`;
      restart({ dataset: "csv" });
    } catch (err) {
      $("csv-error").textContent = err.message;
      setStatus("The CSV was not loaded; the current data stays.", true);
    }
  });
  $("export-json").addEventListener("click", () => conn.send({ type: "export", format: "json" }));
  $("export-torch").addEventListener("click", () => conn.send({ type: "export", format: "torch" }));
}

async function boot() {
  const first = Promise.all([api.getJSON("/api/activations"), api.getJSON("/api/playground/limits")]);
  const [registry, sizeLimits] = await first;
  limits = sizeLimits;
  bindControls(registry);
  net = network.mount($("network"), { state, registry, maxWidth: limits.max_width, onChange: (patch) => restart(patch),
                                       onLinks: showLinkCount });
  grad = gradientFlow.mount($("gradient-chart"), { chart: $("gradient-chart"), reading: $("gradient-reading"),
                                                  historyChart: $("gradient-history"), readout: $("gradient-readout") });
  train = training.mount($("output-surface"), { canvas: $("loss-chart"), trainOut: $("train-loss"), testOut: $("test-loss"), metrics: $("metrics") });
  syncControls();
  net.rebuild(true);
  conn = api.openPlayground(onText, onBinary, {
    onClose: (ev, retryMs) => {
      const why = ev.code === 1013 ? "the lab is full" : ev.reason === "idle" ? "the connection was idle" : "the connection closed";
      setStatus(`Disconnected: ${why}. Reconnecting in ${Math.round(retryMs / 1000) || 1} s…`, true);
    },
    onReopen: () => {  // a new server session: the run restarts from the settings in the address
      restoredNote = "Reconnected: the run was restored from the address (its settings; training starts again at epoch 0).";
      setStatus(restoredNote);
      restart();
    },
  });
  await conn.ready;
  // an upload lives only in the tab that sent it: a link or a reload that names it trains Circle, and says so
  const lostCsv = state.get("dataset") === "csv";
  if (lostCsv) {
    state.set({ dataset: "circle" });
    $("csv-error").textContent = "This link named your own CSV, which stays in the tab that uploaded it: "
      + "upload the file again to train on it. Circle is shown meanwhile.";
  }
  conn.send({ type: "init", config: runConfig() });
  sendRunSettings();
  document.body.dataset.ready = "true";
}

boot().catch((err) => setStatus(`The playground could not start: ${err.message || err}`, true));
