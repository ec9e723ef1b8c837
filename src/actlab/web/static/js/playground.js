// Boots the playground: URL state, controls, the WebSocket to the server-side trainer, and the views.
import * as api from "./api.js";
import { CLASS_COLOURS, fmt, paintClassSurface, paintPoints, paintSurface } from "./charts.js";
import { checkActivation, createState } from "./state.js";
import * as gradientFlow from "./views/gradient-flow.js";
import * as layerParams from "./views/layer-params.js";
import * as network from "./views/network.js";
import * as training from "./views/training.js";

const $ = (id) => document.getElementById(id);
// Controls a teacher can hide with ?hide=lr,activation,...
const HIDEABLE = { lr: "ctl-lr", activation: "ctl-activation", slope: "ctl-slope", reg: "ctl-reg", reg_rate: "ctl-reg-rate",
  optimizer: "ctl-optimizer", loss: "ctl-loss", init: "ctl-init", speed: "ctl-speed", stop: "ctl-stop", target: "ctl-target",
  dataset: "ctl-dataset", problem: "ctl-problem", train: "ctl-train", noise: "ctl-noise", batch: "ctl-batch", csv: "ctl-csv", export: "ctl-export",
  layers: "add-layer", gradient: "gradient-chart" };
// Old links set leaky_relu's slope and silu's beta for every such layer with a key of their own (?negative_slope=0.1);
// the value now rides on each layer's activation (?activations=leaky_relu(negative_slope=0.1)).
const OLD_PARAM_KEYS = { negative_slope: "leaky_relu", beta: "silu" };

let options = null;  // /api/options: every list and limit, from the server's core
let state = null;

// The page's state, with every choice and limit from the options (the defaults are RunConfig's)
function playgroundState(o) {
  const d = o.run_defaults, names = (rows) => rows.map((r) => r.name), pct = (v) => Math.round(100 * v);
  const { noise, train_fraction: train, batch_size: batch } = o.sliders;
  const st = createState({
    dataset: { type: "str", default: d.dataset, choices: [...names(o.datasets), "csv"] },
    noise: { type: "int", default: pct(d.noise), min: pct(noise.min), max: pct(noise.max) },
    train: { type: "int", default: pct(d.train_fraction), min: pct(train.min), max: pct(train.max) },
    batch: { type: "int", default: d.batch_size, min: batch.min, max: batch.max },
    lr: { type: "num", default: d.lr, min: 0, max: Math.max(...o.learning_rates) },
    layers: { type: "ints", default: d.layers, min: 1, max: o.limits.max_width, maxItems: o.limits.max_layers },
    activations: { type: "acts", default: d.activations.map((name) => ({ name, params: {} })),
                   activations: o.activations.filter((a) => !a.gated) },
    ...Object.fromEntries(Object.keys(OLD_PARAM_KEYS).map((key) => [key, { type: "num", default: null }])),
    features: { type: "list", default: d.features, choices: names(o.features) },
    reg: { type: "str", default: d.reg, choices: names(o.regularizers) },
    reg_rate: { type: "num", default: d.reg_rate, min: 0, max: Math.max(...o.reg_rates) },
    optimizer: { type: "str", default: d.optimizer, choices: names(o.optimizers) },
    loss: { type: "str", default: d.loss, choices: names(o.losses) },
    init: { type: "str", default: d.init, choices: names(o.initializers) },
    seed: { type: "int", default: d.seed, min: 0 },
    wseed: { type: "int", default: null, min: 0 },  // the initial weights' seed (null: the data's); Reset draws a new one
    speed: { type: "int", default: o.epochs_per_frame[0], choices: o.epochs_per_frame },
    show_test: { type: "bool", default: false },
    discretize: { type: "bool", default: false },
    hide: { type: "list", default: [], choices: Object.keys(HIDEABLE) },
  });
  // an old link's flat key goes onto every layer of its activation that sets no value of its own
  const acts = st.get("activations").map((a) => {
    const params = { ...a.params };
    for (const [key, act] of Object.entries(OLD_PARAM_KEYS)) {
      if (st.get(key) === null || a.name !== act || key in params) continue;
      try {
        params[key] = checkActivation({ name: act, params: { [key]: st.get(key) } }, o.activations).params[key];
      } catch (err) {
        st.problems.push(`${key}: ${err.message}`);
      }
    }
    return { name: a.name, params };
  });
  st.set({ ...Object.fromEntries(Object.keys(OLD_PARAM_KEYS).map((key) => [key, null])), activations: acts });
  return st;
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

// regression data (the plane, the multi-Gaussian, a CSV of numbers) trains on MSE with a linear output
const taskOf = (dataset) => options.datasets.find((d) => d.name === dataset)?.task;
const isRegression = (s) => taskOf(s.dataset) === "regression" || (s.dataset === "csv" && csvTask === "regression");
// three or more classes (a CSV's) train on cross-entropy with a softmax output: MSE has one tanh output for two
const isMultiClass = (s) => s.dataset === "csv" && csvTask === "classification" && csvClasses > 2;
const newSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

// the run settings' form of a layer's activation: its name, or {name, params} when it sets parameters
const wireActivation = (a) => (Object.keys(a.params).length ? { name: a.name, params: a.params } : a.name);

function runConfig() {
  const s = state.all();
  return { dataset: s.dataset, noise: s.noise / 100, train_fraction: s.train / 100, batch_size: s.batch, lr: s.lr,
           layers: s.layers, activations: s.activations.map(wireActivation), features: s.features,
           reg: s.reg, reg_rate: s.reg_rate, optimizer: s.optimizer, init: s.init, seed: s.seed, weight_seed: s.wseed,
           loss: isRegression(s) ? "mse" : isMultiClass(s) ? "cross-entropy" : s.loss };
}

let conn = null, points = null, playing = false, csvToken = null, csvTask = null, csvClasses = 0, epochsSeen = 0;
// the settings of the run the server last accepted: a refused reset puts the controls back to them, so the page never
// shows one data set while the server trains another
let accepted = null;
// After a reset, frames of the old run may still be on their way: they are dropped until the server says the new
// run is ready (or that the reset was refused, in which case the old run goes on).
let awaitingReady = true;
let net, grad, train, params;

function fillSelect(el, values, labelFn = String) {
  el.replaceChildren(...values.map((v) => new Option(labelFn(v), String(v))));
}

function syncControls() {
  const s = state.all();
  $("lr").value = String(s.lr); $("activation").value = s.activations.length === 1 ? s.activations[0].name : "";
  $("reg").value = s.reg; $("reg_rate").value = String(s.reg_rate);
  $("optimizer").value = s.optimizer; $("init").value = s.init; $("speed").value = String(s.speed);
  const regression = isRegression(s), multi = isMultiClass(s);  // the loss control shows what is trained; the URL keeps
  $("loss").value = regression ? "mse" : multi ? "cross-entropy" : s.loss;  // the learner's own choice
  $("loss").disabled = regression || multi;
  for (const opt of $("loss").options) {  // the title says which output the loss trains
    const { title } = options.losses.find((l) => l.name === opt.value);
    opt.textContent = opt.value === "mse" ? `${title} (${regression ? "linear" : "tanh"} output)`
      : multi ? `${title} (${csvClasses} classes)` : title;
  }
  $("train_fraction").value = s.train; $("train-out").textContent = s.train;
  $("noise").value = s.noise; $("noise-out").textContent = s.noise;
  $("batch_size").value = s.batch; $("batch-out").textContent = s.batch;
  $("show_test").checked = s.show_test; $("discretize").checked = s.discretize;
  params.update();  // hides itself when no layer's activation has a parameter
  $("layer-count").textContent = `${s.layers.length} hidden layer${s.layers.length === 1 ? "" : "s"}`;
  const problem = taskOf(s.dataset) === "regression" ? "regression" : "classification";
  $("problem").value = problem;
  document.querySelectorAll("#ctl-dataset button").forEach((b) => {
    b.setAttribute("aria-checked", String(b.dataset.value === s.dataset));
    b.tabIndex = b.dataset.value === s.dataset ? 0 : -1;
    b.hidden = s.dataset !== "csv" && taskOf(b.dataset.value) !== problem;
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

function fillNamed(el, rows) {
  el.replaceChildren(...rows.map((r) => new Option(r.title, r.name)));
}

function bindControls() {
  fillSelect($("lr"), options.learning_rates);
  fillSelect($("reg_rate"), options.reg_rates);
  fillSelect($("speed"), options.epochs_per_frame);
  for (const [id, rows] of [["init", options.initializers], ["optimizer", options.optimizers], ["loss", options.losses],
                            ["reg", options.regularizers]]) fillNamed($(id), rows);
  fillSelect($("activation"), ["", ...options.activations.filter((r) => !r.gated).map((r) => r.name)], (v) => v || "(per layer)");
  for (const [id, key, scale] of [["noise", "noise", 100], ["train_fraction", "train_fraction", 100], ["batch_size", "batch_size", 1]]) {
    const range = options.sliders[key];  // the page shows noise and the training share in percent
    Object.assign($(id), { min: Math.round(range.min * scale), max: Math.round(range.max * scale), step: Math.round(range.step * scale) });
  }
  $("ctl-dataset").replaceChildren(...options.datasets.map(({ name: value, title: text }) => {
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
  $("problem").addEventListener("change", () => restart({ dataset: options.datasets.find((d) => d.task === $("problem").value).name }));
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
  $("activation").addEventListener("change", () => {
    if ($("activation").value) restart({ activations: [{ name: $("activation").value, params: {} }] });
  });
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
    const { max_layers: most } = options.limits;
    if (layers.length >= most) return setStatus(`At most ${most} hidden layers here.`, true);
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

// The network drawing deals in activation names; the state's activations also carry their parameters. A layer
// whose name the drawing leaves unchanged keeps its parameters.
function namesView() {
  return { get: (key) => (key === "activations" ? state.get("activations").map((a) => a.name) : state.get(key)) };
}

function withParams(patch) {
  if (!patch.activations) return patch;
  const before = state.get("activations"), names = patch.activations;
  const at = (list, i) => (list.length === 1 ? list[0] : list[i]);
  const acts = names.map((name, i) => (at(before, i)?.name === name ? at(before, i) : { name, params: {} }));
  const same = acts.every((a) => JSON.stringify(a) === JSON.stringify(acts[0]));  // one for all layers again
  return { ...patch, activations: same ? acts.slice(0, 1) : acts };
}

async function boot() {
  const [registry, opts] = await Promise.all([api.getJSON("/api/activations"), api.getJSON("/api/options")]);
  options = opts;
  state = playgroundState(options);
  if (state.problems.length) {
    $("url-problems").textContent = `The address held values the playground cannot use: ${state.problems.join("; ")}.`;
    $("url-problems").hidden = false;
  }
  params = layerParams.mount($("ctl-slope"), { state, records: options.activations.filter((a) => !a.gated),
                                               onChange: (patch) => restart(patch), onError: (text) => setStatus(text, true) });
  bindControls();
  net = network.mount($("network"), { state: namesView(), registry, features: options.features, maxWidth: options.limits.max_width,
                                       onChange: (patch) => restart(withParams(patch)), onLinks: showLinkCount });
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
