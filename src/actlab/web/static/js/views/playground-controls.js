// The playground's controls: the run bar (play, step, reset, rates, activation, each layer's activation parameters,
// optimiser, loss, initialisation, speed, stop rule), the data panel (problem type, data sets, sliders, CSV upload),
// the layer buttons and the export buttons. Every list and range comes from /api/options.
import { HIDEABLE, isMultiClass, isRegression, taskOf } from "../playground-state.js";
import * as layerParams from "./layer-params.js";

// The hide= keys of the controls that change a pinned setting (the server's name -> the page's controls). Problem
// type hides with the data set: all it does is choose a data set of the other task, which the pin refuses.
const PINNED_CONTROLS = { dataset: ["dataset", "csv", "problem"], noise: ["noise"], train_fraction: ["train"], batch_size: ["batch"],
  lr: ["lr"], layers: ["layers"], activations: ["activation", "slope"], reg: ["reg"], reg_rate: ["reg_rate"],
  optimizer: ["optimizer"], loss: ["loss"], init: ["init"], epochs_per_frame: ["speed"], stop_epoch: ["stop"],
  target_loss: ["target"], features: ["features"] };
// the controls hidden: those the address hides and those of the pinned settings
export const hiddenKeys = (hide, pinned) => [...hide, ...pinned.flatMap((name) => PINNED_CONTROLS[name] || [])];

// the data panel's controls (hide= keys); with all of them hidden the panel says what the data is
const DATA_KEYS = ["problem", "dataset", "train", "noise", "batch", "csv"];

const newSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

// deps: state; options; csv() -> the uploaded file's { task, classes } or null; isPlaying() -> whether it trains;
// actions: restart(patch) (a new run with these settings), send(message) (to the run on the server: lr,
// export), play(on), step(), upload(file) (resolves with the server's summary of a CSV, rejects with its words),
// settings({ stop_epoch, target_loss }) (the stop rule; with no argument, the speed changed), error(text)
// pinned() -> the run settings the class's teacher pinned (the server's names), whose controls are hidden too
export function mount(root, { state, options, csv, isPlaying, actions, pinned = () => [] }) {
  const $ = (id) => root.querySelector(`#${CSS.escape(id)}`);
  const fill = (el, rows, title = (r) => r.title, value = (r) => r.name) =>
    el.replaceChildren(...rows.map((r) => new Option(String(title(r)), String(value(r)))));
  const same = (v) => v;
  const lossTitle = (name) => (options.losses.find((l) => l.name === name) || { title: name }).title;
  const dataSummary = (s) => {
    const title = s.dataset === "csv" ? "your CSV" : (options.datasets.find((d) => d.name === s.dataset) || { title: s.dataset }).title;
    return `Data set: ${title}; noise ${s.noise}%, ${s.train}% of the points for training, batches of ${s.batch}. `
      + "These are set for you and cannot be changed on this page.";
  };

  fill($("lr"), options.learning_rates, same, same);
  fill($("reg_rate"), options.reg_rates, same, same);
  fill($("speed"), options.epochs_per_frame, same, same);
  fill($("init"), options.initializers);
  fill($("optimizer"), options.optimizers);
  fill($("loss"), options.losses);
  fill($("reg"), options.regularizers);
  const perLayer = { name: "", title: "(per layer)" };
  const single = options.activations.filter((r) => !r.gated);
  fill($("activation"), [perLayer, ...single], (r) => r.name || r.title);
  for (const [id, key, scale] of [["noise", "noise", 100], ["train_fraction", "train_fraction", 100], ["batch_size", "batch_size", 1]]) {
    const range = options.sliders[key];  // the page shows noise and the training share in percent
    Object.assign($(id), { min: Math.round(range.min * scale), max: Math.round(range.max * scale), step: Math.round(range.step * scale) });
  }
  const params = layerParams.mount($("ctl-slope"), { state, records: single, onChange: actions.restart, onError: actions.error });

  $("ctl-dataset").replaceChildren(...options.datasets.map(({ name, title }) => {
    const b = document.createElement("button");
    b.type = "button"; b.dataset.value = name; b.textContent = title; b.setAttribute("role", "radio");
    b.setAttribute("aria-label", `data set ${title}`);
    b.addEventListener("click", () => actions.restart({ dataset: name }));
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
  $("problem").addEventListener("change", () =>
    actions.restart({ dataset: options.datasets.find((d) => d.task === $("problem").value).name }));

  $("play").addEventListener("click", () => actions.play(!isPlaying()));
  $("step").addEventListener("click", actions.step);
  $("reset").addEventListener("click", () => actions.restart({ wseed: newSeed() }));  // new weights, kept in the URL
  $("lr").addEventListener("change", () => { state.set({ lr: Number($("lr").value) }); actions.send({ type: "set", lr: state.get("lr") }); });
  $("activation").addEventListener("change", () => {
    if ($("activation").value) actions.restart({ activations: [{ name: $("activation").value, params: {} }] });
  });
  for (const key of ["reg", "optimizer", "loss", "init"]) $(key).addEventListener("change", () => actions.restart({ [key]: $(key).value }));
  $("reg_rate").addEventListener("change", () => actions.restart({ reg_rate: Number($("reg_rate").value) }));
  $("speed").addEventListener("change", () => { state.set({ speed: Number($("speed").value) }); actions.settings(); });
  const stopRule = () => {  // kept in the address, so a shared link stops where this one does
    const rule = { stop_epoch: Number($("stop_epoch").value) || null,
                   target_loss: $("target_loss").value === "" ? null : Number($("target_loss").value) };
    state.set(rule);
    actions.settings(rule);
  };
  $("stop_epoch").addEventListener("change", stopRule);
  $("target_loss").addEventListener("change", stopRule);
  $("train_fraction").addEventListener("change", () => actions.restart({ train: Number($("train_fraction").value) }));
  $("noise").addEventListener("change", () => actions.restart({ noise: Number($("noise").value) }));
  $("batch_size").addEventListener("change", () => actions.restart({ batch: Number($("batch_size").value) }));
  for (const id of ["train_fraction", "noise", "batch_size"]) {
    $(id).addEventListener("input", () => { $(id.replace("_fraction", "").replace("_size", "") + "-out").textContent = $(id).value; });
  }
  $("add-layer").addEventListener("click", () => {
    const layers = state.get("layers"), { max_layers: most } = options.limits;
    if (layers.length >= most) return actions.error(`At most ${most} hidden layers here.`);
    const acts = state.get("activations");
    actions.restart({ layers: [...layers, 2], activations: acts.length === 1 ? acts : [...acts, acts[acts.length - 1]] });
  });
  $("remove-layer").addEventListener("click", () => {
    const layers = state.get("layers");  // at none, a press said nothing (as "+ layer" past the most does)
    if (!layers.length) return actions.error("No hidden layer to remove: the inputs feed the output directly.");
    const acts = state.get("activations");
    actions.restart({ layers: layers.slice(0, -1), activations: acts.length === 1 ? acts : acts.slice(0, -1) });
  });
  $("csv").addEventListener("change", async () => {
    const file = $("csv").files[0];
    if (!file) return;
    $("csv-error").textContent = ""; $("csv-info").textContent = "";
    try {
      const info = await actions.upload(file);
      $("csv-info").textContent = `${info.rows} rows, columns ${info.columns.join(", ")}; ${info.task}${info.classes.length ? " (classes " + info.classes.join(", ") + ")" : ""}.`;
    } catch (err) {
      $("csv-error").textContent = err.message;
      actions.error("The CSV was not loaded; the current data stays.");
    }
  });
  $("export-json").addEventListener("click", () => actions.send({ type: "export", format: "json" }));
  $("export-torch").addEventListener("click", () => actions.send({ type: "export", format: "torch" }));

  // a rate from a link or a class's settings that is not one of the presets (lr=0.05) gets an option of its own, in
  // order, so the select shows the rate in use instead of nothing
  function showValue(select, value) {
    if (!Number.isFinite(value)) return;
    let option = [...select.options].find((o) => Number(o.value) === value);
    if (!option) {
      option = new Option(String(value), String(value));
      select.insertBefore(option, [...select.options].find((o) => Number(o.value) > value) || null);
    }
    select.value = option.value;
  }

  // update() shows the state; update({ csvError }) also says what is wrong with the learner's CSV
  function update({ csvError } = {}) {
    const s = state.all(), file = csv();
    if (csvError !== undefined) $("csv-error").textContent = csvError;
    const playing = isPlaying();
    $("play").textContent = playing ? "❚❚ Pause" : "▶ Play";
    $("play").setAttribute("aria-label", playing ? "Pause" : "Play");
    showValue($("lr"), s.lr); $("activation").value = s.activations.length === 1 ? s.activations[0].name : "";
    $("reg").value = s.reg; showValue($("reg_rate"), s.reg_rate);
    $("optimizer").value = s.optimizer; $("init").value = s.init; $("speed").value = String(s.speed);
    $("stop_epoch").value = s.stop_epoch ?? ""; $("target_loss").value = s.target_loss ?? "";
    const regression = isRegression(s, options, file), multi = isMultiClass(s, file);  // the loss control shows what
    $("loss").value = regression ? "mse" : multi ? "cross-entropy" : s.loss;  // is trained; the URL keeps the choice
    $("loss").disabled = regression || multi;
    for (const opt of $("loss").options) {  // the title says which output the loss trains
      const { title } = options.losses.find((l) => l.name === opt.value);
      opt.textContent = opt.value === "mse" ? `${title} (${regression ? "linear" : "tanh"} output)`
        : multi ? `${title} (${file.classes} classes)` : title;
    }
    $("train_fraction").value = s.train; $("train-out").textContent = s.train;
    $("noise").value = s.noise; $("noise-out").textContent = s.noise;
    $("batch_size").value = s.batch; $("batch-out").textContent = s.batch;
    params.update();  // hides itself when no layer's activation has a parameter
    $("layer-count").textContent = `${s.layers.length} hidden layer${s.layers.length === 1 ? "" : "s"}`;
    const problem = taskOf(options, s.dataset) === "regression" ? "regression" : "classification";
    $("problem").value = problem;
    for (const b of $("ctl-dataset").querySelectorAll("button")) {
      b.setAttribute("aria-checked", String(b.dataset.value === s.dataset));
      b.tabIndex = b.dataset.value === s.dataset ? 0 : -1;
      b.hidden = s.dataset !== "csv" && taskOf(options, b.dataset.value) !== problem;
    }
    // a loss pinned at anything but MSE rules out regression (its runs train on MSE): Problem type hides with it,
    // and the upload says which files fit (a file that does not is refused on the page: actions.upload)
    const lossPinned = pinned().includes("loss");
    const taskFixed = lossPinned && s.loss !== "mse" ? ["problem"] : [];
    $("csv-pin-note").hidden = !lossPinned;
    $("csv-pin-note").textContent = !lossPinned ? "" : s.loss === "mse"
      ? "Your teacher pinned the loss at MSE, so a CSV here needs a number to predict or two classes: three or more "
        + "classes train on cross-entropy."
      : `Your teacher pinned the loss at ${lossTitle(s.loss)}, so a CSV here needs class labels: a number to predict `
        + "trains on MSE.";
    const hidden = [...hiddenKeys(s.hide, pinned()), ...taskFixed];
    for (const [key, id] of Object.entries(HIDEABLE)) {
      const el = document.getElementById(id);  // the gradient chart lies outside the controls
      if (el) el.hidden = hidden.includes(key) || (key === "slope" && el.hidden);
    }
    // every data control hidden (a teacher's link): say what the data is instead of a heading over nothing
    const fixed = DATA_KEYS.every((key) => hidden.includes(key));
    $("data-fixed").hidden = !fixed;
    $("data-fixed").textContent = fixed ? dataSummary(s) : "";
  }

  return { update, destroy() { params.destroy(); } };
}
