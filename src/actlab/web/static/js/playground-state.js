// The playground's state: its URL table (parsed here, checked by the server), old links' keys, and the run settings it sends.
// No DOM here: the controls and the boot module share these functions.
import { createState } from "./state.js";

// Controls a teacher can hide with ?hide=lr,activation,... (key: the element's id)
export const HIDEABLE = { lr: "ctl-lr", activation: "ctl-activation", slope: "ctl-slope", reg: "ctl-reg", reg_rate: "ctl-reg-rate",
  optimizer: "ctl-optimizer", loss: "ctl-loss", init: "ctl-init", speed: "ctl-speed", stop: "ctl-stop", target: "ctl-target",
  dataset: "ctl-dataset", problem: "ctl-problem", train: "ctl-train", noise: "ctl-noise", batch: "ctl-batch", csv: "ctl-csv", export: "ctl-export",
  layers: "add-layer", gradient: "gradient-chart", features: "features" };  // features: the drawing's boxes (playground.js)
// a setting's default as the page's words give it: a stop rule with no default is "none", not null
export const defaultText = (st, key) => st.defaultText(key);
// Old links set leaky_relu's slope and silu's beta for every such layer with a key of their own (?negative_slope=0.1);
// the server reads them and puts the value on each layer's activation (?activations=leaky_relu(negative_slope=0.1)).
const OLD_PARAM_KEYS = ["negative_slope", "beta"];
// The run settings under the page's names: their names in the run settings (RunConfig's fields and the run
// controls), and the page's units (noise and the training share are percent in the address)
const SETTING = { dataset: "dataset", noise: "noise", train: "train_fraction", batch: "batch_size", lr: "lr",
  layers: "layers", activations: "activations", features: "features", reg: "reg", reg_rate: "reg_rate",
  optimizer: "optimizer", loss: "loss", init: "init", seed: "seed", wseed: "weight_seed", speed: "epochs_per_frame",
  stop_epoch: "stop_epoch", target_loss: "target_loss", negative_slope: "negative_slope", beta: "beta" };
const PERCENT = ["noise", "train"];
// the run's names that differ from the page's keys (batch_size for batch, train_fraction for train): an address may
// use either, as a class's link may (the server's classroom.read_link reads both)
const RUN_NAMES = Object.entries(SETTING).filter(([key, name]) => key !== name);
// the run settings' form of a layer's activation: its name, or {name, params} when it sets parameters
const wireActivation = (a) => (Object.keys(a.params).length ? { name: a.name, params: a.params } : a.name);
const pageActivation = (a) => (typeof a === "string" ? { name: a, params: {} } : { name: a.name, params: { ...a.params } });
const toSetting = (key, v) => (PERCENT.includes(key) ? v / 100 : key === "activations" ? v.map(wireActivation) : v);
const fromSetting = (key, v) => (PERCENT.includes(key) ? Math.round(100 * v) : key === "activations" ? v.map(pageActivation) : v);
// the page's key of a run setting's name (a server's error names the setting: train_fraction -> train)
export const pageKey = (setting) => Object.keys(SETTING).find((key) => SETTING[key] === setting) ?? setting;
// the run setting's name of a page's key (train -> train_fraction), and the page's values under the run's names
// and in its units ({train: 80} -> {train_fraction: 0.8}), as the page's notes name settings
export const settingName = (key) => SETTING[key] ?? key;
export const runValues = (values) =>
  Object.fromEntries(Object.entries(values).map(([key, v]) => [settingName(key), toSetting(key, v)]));

// the page's state for run settings under their run names ({train_fraction: 0.8} -> {train: 80}), such as the values a
// class's pins require; names the page has no setting for are left out
export const pageValues = (settings) => Object.fromEntries(Object.entries(settings)
  .filter(([name]) => pageKey(name) in SETTING).map(([name, v]) => [pageKey(name), fromSetting(pageKey(name), v)]));

// a setting's value as a person reads it (the server's classroom.shown_value): "relu, tanh" for a list, "none" for null
export function shownValue(v) {
  if (v === null || v === undefined) return "none";
  if (Array.isArray(v)) return v.map(shownValue).join(", ") || "none";
  if (typeof v === "object" && "name" in v) {
    const params = Object.entries(v.params || {}).map(([k, p]) => `${k}=${shownValue(p)}`).join(", ");
    return params ? `${v.name}(${params})` : String(v.name);
  }
  if (typeof v === "boolean") return v ? "on" : "off";
  return String(v);
}

// The page's state. The address is only parsed here (text to numbers and lists); its values are checked once, by the
// server's core (check: the settings -> POST /api/options/check's answer), and each value it refuses is named with its
// words and replaced by the default. The defaults are RunConfig's, from the options.
export async function playgroundState(o, check) {
  const d = o.run_defaults, pct = (v) => Math.round(100 * v);
  const schema = {
    dataset: { type: "str", default: d.dataset },
    noise: { type: "num", default: pct(d.noise) },
    train: { type: "num", default: pct(d.train_fraction) },
    batch: { type: "num", default: d.batch_size },
    lr: { type: "num", default: d.lr },
    layers: { type: "ints", default: d.layers },
    activations: { type: "acts", default: d.activations.map((name) => ({ name, params: {} })) },
    ...Object.fromEntries(OLD_PARAM_KEYS.map((key) => [key, { type: "num", default: null }])),
    features: { type: "list", default: d.features },
    reg: { type: "str", default: d.reg },
    reg_rate: { type: "num", default: d.reg_rate },
    optimizer: { type: "str", default: d.optimizer },
    loss: { type: "str", default: d.loss },
    init: { type: "str", default: d.init },
    seed: { type: "num", default: d.seed },
    wseed: { type: "num", default: null },  // the initial weights' seed (null: the data's); Reset draws a new one
    speed: { type: "num", default: o.epochs_per_frame[0] },
    stop_epoch: { type: "num", default: null },  // the stop rule: its epoch, and the loss it stops below
    target_loss: { type: "num", default: null },
    show_test: { type: "bool", default: false },
    discretize: { type: "bool", default: false },
    hide: { type: "list", default: [], choices: Object.keys(HIDEABLE) },  // the page's own controls
    pinned_overrides: { type: "list", default: [] },  // a class's link: the settings whose values the pins replaced
    pinned_own: { type: "str", default: "" },  // and the learner's own values they replaced ("layers:8,8,8;lr:0.03")
  };
  const named = runNamesRead(schema);
  // the keys a person writes (the pinned_ ones are the class redirect's own, and old links' keys are read only)
  const known = Object.keys(schema).filter((key) => !OLD_PARAM_KEYS.includes(key) && !key.startsWith("pinned_"));
  const st = createState(schema, { known });
  st.problems.unshift(...named);
  st.own = {};  // pinned_own's values, checked: the page's key -> its value
  const address = new URLSearchParams(location.search);
  const given = Object.keys(SETTING).filter((key) => address.has(key));
  let answer = null;
  if (given.length) {  // else the defaults: nothing to check
    const values = Object.fromEntries(given.map((key) => [SETTING[key], toSetting(key, st.get(key))]));
    // on a regression data set the page's loss is the choice kept for classification: a run trains on MSE
    // (runConfig), so the run is checked with MSE and the kept choice on its own
    const kept = taskOf(o, st.get("dataset")) === "regression" && "loss" in values ? values.loss : undefined;
    if (kept !== undefined) values.loss = "mse";
    try {
      answer = await check(values);
      if (kept !== undefined) {
        const own = await check({ loss: kept });
        answer.problems.push(...own.problems);
        answer.settings.loss = own.settings.loss;
      }
    } catch (err) {  // the run's own check still names any bad value when it starts
      st.problems.push(`the address's settings could not be checked (${err.message})`);
    }
  }
  if (answer === null) {
    st.set({});  // the address as read: a value it could not parse, or a bad hide= entry, is left out
    return st;
  }
  for (const p of answer.problems) {
    const key = pageKey(p.setting);
    st.problems.push(`${p.field}: ${p.message}; using the default (${key in schema ? defaultText(st, key) : "none"})`);
  }
  const used = Object.keys(SETTING).filter((key) => !OLD_PARAM_KEYS.includes(key));
  st.set({ ...Object.fromEntries(used.map((key) => [key, fromSetting(key, answer.settings[SETTING[key]])])),
           ...Object.fromEntries(OLD_PARAM_KEYS.map((key) => [key, null])) });  // now on the activations
  if (st.get("pinned_own")) st.own = await ownValues(st, schema, used, check);
  return st;
}

// The address's settings under the run's names (batch_size=5, train_fraction=0.8) put under the page's keys and in
// its units (batch=5, train=80) before the state reads the address. Returns what it could not use, in words: a value
// that is not a number, or one setting given under both names with different values (the page's key's is used).
function runNamesRead(schema) {
  const address = new URLSearchParams(location.search), problems = [];
  const given = RUN_NAMES.filter(([, name]) => address.has(name));
  for (const [key, name] of given) {
    const text = address.get(name), v = text.trim() === "" ? NaN : Number(text);
    address.delete(name);
    const page = Number.isFinite(v) ? fromSetting(key, v) : null;
    const other = address.has(key) ? address.get(key) : null;
    const using = other !== null ? `${key}=${other}` : `the default (${shownValue(schema[key].default)})`;
    const percent = PERCENT.includes(key);
    if (page === null) {
      const unit = percent ? ` (a fraction: ${toSetting(key, schema[key].default)} is ${key}=${schema[key].default})` : "";
      problems.push(`${name}: a number${unit}; got ${JSON.stringify(text)}; using ${using}`);
    } else if (other !== null && Number(other) !== page) {
      const said = percent ? ` (${key}=${page})` : "";
      problems.push(`${key}=${other} and ${name}=${text}${said} give one setting two values; using ${using}`);
    } else {
      address.set(key, String(page));
    }
  }
  if (given.length) history.replaceState(null, "", `${location.pathname}?${address}${location.hash}`);
  return problems;
}

// The learner's own values a class's pins replaced (pinned_own, which the server's redirect writes: the page's keys
// and texts), checked by the server with the address's other settings; one it refuses is left out (never offered)
async function ownValues(st, schema, used, check) {
  const parts = st.get("pinned_own").split(";").map((part) => /^([a-z_]+):(.+)$/s.exec(part))
    .filter((m) => m && used.includes(m[1]) && (schema[m[1]].type !== "num" || Number.isFinite(Number(m[2]))));
  if (!parts.length) return {};
  // a number's text is read as the address reads it (in the page's units); a list's text is read by the server
  const own = Object.fromEntries(parts.map(([, key, text]) =>
    [SETTING[key], schema[key].type === "num" ? toSetting(key, Number(text)) : text]));
  const base = Object.fromEntries(used.map((key) => [SETTING[key], toSetting(key, st.get(key))]));
  try {
    const answer = await check({ ...base, ...own });
    const refused = new Set(answer.problems.map((p) => p.setting));
    return Object.fromEntries(Object.keys(own).filter((name) => !refused.has(name))
      .map((name) => [pageKey(name), fromSetting(pageKey(name), answer.settings[name])]));
  } catch {
    return {};  // not checked: nothing is offered back
  }
}

export const taskOf = (options, dataset) => options.datasets.find((d) => d.name === dataset)?.task;
// csv: what the server said of an uploaded file ({ task, classes }), or null
// regression data (the plane, the multi-Gaussian, a CSV of numbers) trains on MSE with a linear output
export const isRegression = (s, options, csv) =>
  taskOf(options, s.dataset) === "regression" || (s.dataset === "csv" && csv?.task === "regression");
// three or more classes (a CSV's) train on cross-entropy with a softmax output: MSE has one tanh output for two
export const isMultiClass = (s, csv) => s.dataset === "csv" && csv?.task === "classification" && csv.classes > 2;

// the page's keys that are RunConfig's fields (the others are run controls, sent with "set", or old links' keys)
const RUN_KEYS = ["dataset", "noise", "train", "batch", "lr", "layers", "activations", "features", "reg", "reg_rate",
                  "optimizer", "init", "seed", "wseed", "loss"];

// The run settings the server trains with (RunConfig's fields), from the page's state
export function runConfig(s, options, csv) {
  const config = Object.fromEntries(RUN_KEYS.map((key) => [SETTING[key], toSetting(key, s[key])]));
  config.loss = isRegression(s, options, csv) ? "mse" : isMultiClass(s, csv) ? "cross-entropy" : s.loss;
  return config;
}

// The network drawing picks activations by name; a layer whose name it leaves unchanged keeps its parameters.
// before: the state's activations; names: one name for every layer, or one per layer.
export function withParams(before, names) {
  const at = (list, i) => (list.length === 1 ? list[0] : list[i]);
  const acts = names.map((name, i) => (at(before, i)?.name === name ? at(before, i) : { name, params: {} }));
  const same = acts.every((a) => JSON.stringify(a) === JSON.stringify(acts[0]));  // one for all layers again
  return same ? acts.slice(0, 1) : acts;
}
