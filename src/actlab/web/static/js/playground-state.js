// The playground's state: its URL table built from /api/options, old links' keys, and the run settings it sends.
// No DOM here: the controls and the boot module share these functions.
import { checkActivation, createState } from "./state.js";

// Controls a teacher can hide with ?hide=lr,activation,... (key: the element's id)
export const HIDEABLE = { lr: "ctl-lr", activation: "ctl-activation", slope: "ctl-slope", reg: "ctl-reg", reg_rate: "ctl-reg-rate",
  optimizer: "ctl-optimizer", loss: "ctl-loss", init: "ctl-init", speed: "ctl-speed", stop: "ctl-stop", target: "ctl-target",
  dataset: "ctl-dataset", problem: "ctl-problem", train: "ctl-train", noise: "ctl-noise", batch: "ctl-batch", csv: "ctl-csv", export: "ctl-export",
  layers: "add-layer", gradient: "gradient-chart", features: "features" };  // features: the drawing's boxes (playground.js)
// Old links set leaky_relu's slope and silu's beta for every such layer with a key of their own (?negative_slope=0.1);
// the value now rides on each layer's activation (?activations=leaky_relu(negative_slope=0.1)).
const OLD_PARAM_KEYS = { negative_slope: "leaky_relu", beta: "silu" };

// The page's state, with every choice and limit from the options (the defaults are RunConfig's)
export function playgroundState(o) {
  const d = o.run_defaults, names = (rows) => rows.map((r) => r.name), pct = (v) => Math.round(100 * v);
  const { noise, train_fraction: train, batch_size: batch } = o.sliders;
  const schema = {
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
    stop_epoch: { type: "int", default: null, min: 1 },  // the stop rule: its epoch, and the loss it stops below
    target_loss: { type: "num", default: null, min: 0 },
    show_test: { type: "bool", default: false },
    discretize: { type: "bool", default: false },
    hide: { type: "list", default: [], choices: Object.keys(HIDEABLE) },
    pinned_overrides: { type: "list", default: [] },  // a class's link: the settings whose values the pins replaced
  };
  const st = createState(schema, { known: Object.keys(schema).filter((key) => !(key in OLD_PARAM_KEYS)) });
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

export const taskOf = (options, dataset) => options.datasets.find((d) => d.name === dataset)?.task;
// csv: what the server said of an uploaded file ({ task, classes }), or null
// regression data (the plane, the multi-Gaussian, a CSV of numbers) trains on MSE with a linear output
export const isRegression = (s, options, csv) =>
  taskOf(options, s.dataset) === "regression" || (s.dataset === "csv" && csv?.task === "regression");
// three or more classes (a CSV's) train on cross-entropy with a softmax output: MSE has one tanh output for two
export const isMultiClass = (s, csv) => s.dataset === "csv" && csv?.task === "classification" && csv.classes > 2;

// the run settings' form of a layer's activation: its name, or {name, params} when it sets parameters
const wireActivation = (a) => (Object.keys(a.params).length ? { name: a.name, params: a.params } : a.name);

// The run settings the server trains with (RunConfig's fields), from the page's state
export function runConfig(s, options, csv) {
  return { dataset: s.dataset, noise: s.noise / 100, train_fraction: s.train / 100, batch_size: s.batch, lr: s.lr,
           layers: s.layers, activations: s.activations.map(wireActivation), features: s.features,
           reg: s.reg, reg_rate: s.reg_rate, optimizer: s.optimizer, init: s.init, seed: s.seed, weight_seed: s.wseed,
           loss: isRegression(s, options, csv) ? "mse" : isMultiClass(s, csv) ? "cross-entropy" : s.loss };
}

// The network drawing picks activations by name; a layer whose name it leaves unchanged keeps its parameters.
// before: the state's activations; names: one name for every layer, or one per layer.
export function withParams(before, names) {
  const at = (list, i) => (list.length === 1 ? list[0] : list[i]);
  const acts = names.map((name, i) => (at(before, i)?.name === name ? at(before, i) : { name, params: {} }));
  const same = acts.every((a) => JSON.stringify(a) === JSON.stringify(acts[0]));  // one for all layers again
  return same ? acts.slice(0, 1) : acts;
}
