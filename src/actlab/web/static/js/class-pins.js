// The class's pins on a learner's playground: which settings the teacher pinned, the notes that say what the pins
// replaced and what changed, the learner's own values offered back once unpinned, the class's values taken when the
// server refuses a run for its pins, and the watch for the teacher's changes. playground.js carries the messages.
import * as api from "./api.js";
import { pageValues, runValues, settingName, shownValue } from "./playground-state.js";
import { hiddenKeys } from "./views/playground-controls.js";

const $ = (id) => document.getElementById(id);
const PIN_CHECK_MS = 3000;  // how often a class's learner's page looks for the teacher's changed pins
// run controls the class pins (speed, the stop rule): the page shows and sends the class's values from now on
const RUN_CONTROLS = ["epochs_per_frame", "stop_epoch", "target_loss"];
const KEEPS = "The run on screen keeps its settings; the next run (Reset, or any change of a setting) starts with these pins.";
// with nothing pinned any more there are no pins to start with: the same moment said for settings that are all the learner's
const FREED = "The run on screen keeps its settings; from the next run (Reset, or any change of a setting) every setting is yours.";
const canon = (values) => JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]]));
// A run setting as the page's controls name it, and its value in the page's units (the notes speak to a learner, who
// sees "Training data: 80%", not train_fraction 0.8)
const WORDS = { dataset: "data set", features: "features", layers: "hidden layers", activations: "activations",
  lr: "learning rate", optimizer: "optimiser", loss: "loss", init: "initialisation", reg: "regularisation",
  reg_rate: "regularisation rate", batch_size: "batch size", noise: "noise", train_fraction: "training data",
  n_points: "points", seed: "data seed", weight_seed: "weight seed", epochs_per_frame: "epochs per frame",
  stop_epoch: "stop at epoch", target_loss: "target test loss" };
const PERCENT = ["noise", "train_fraction"];
export const settingWords = (name) => WORDS[name] ?? name.replace(/_/g, " ");
export function valueWords(name, value) {
  if (PERCENT.includes(name) && typeof value === "number") return `${Math.round(100 * value)}%`;
  if (value === null || value === undefined) return name === "stop_epoch" ? "never" : "none";
  return shownValue(value);
}
const named = (name, value) => `${settingWords(name)} ${valueWords(name, value)}`;

// page: state, stopRule (the page's stop rule, which pinned run controls set), accepted() (the settings of the run the
// server last accepted, or null), restart(patch) (a new run with these settings), resend() (the run sent again with
// the page's settings, as init or reset), update() (the controls), redraw() (the drawing and output of the paused
// frame, after controls were shown or hidden), lost(err) (the look at the class's pins was refused or got no answer)
export function mount(page) {
  const { state, stopRule } = page;
  let pinned = [];  // the settings the class's teacher pinned, as the server's last run said
  let pins = {};  // their values (setting -> value), as the server's last run or the page's last look said
  let runPins = {};  // the pins of the run on screen (its "ready"): a value they set is the class's, not the learner's
  let pinFixes = 0;  // runs re-sent with the values a class's pins require (a bound, so a loop cannot form)
  const pinReplaced = new Set();  // the settings whose value here the class's pins replaced
  // the learner's own values the pins replaced (the page's key -> { mine, pinnedTo: the pins' value put in its place }):
  // from the server's redirect (pinned_own) and from the page's own takePinned; offered back once unpinned
  const own = new Map(Object.entries(state.own).map(([key, mine]) => [key, { mine, pinnedTo: state.get(key) }]));

  // activations pinned one per layer (different ones) fix the layer count: "+ layer" and "- layer" hide with it
  const countFixed = () => !pinned.includes("layers") && Array.isArray(pins.activations)
    && new Set(pins.activations.map((a) => JSON.stringify(a))).size > 1;

  // a class's link whose values the teacher's pins replaced (the address's pinned_overrides, put there by the server's
  // redirect, and any the server's refusals replaced since): the page says which, and with what
  let replacedNote = null;  // what #pinned-note says: { names, config, counted }, kept so a change of pins can trim it
  function notePinned(config) {
    for (const name of state.get("pinned_overrides")) pinReplaced.add(name);
    state.set({ pinned_overrides: [], pinned_own: "" });  // said once (the values kept in own): a reload does not repeat it
    if (!pinReplaced.size) return;
    // layers refitted to activations pinned one per layer: the count is the class's, the widths stay the learner's
    const counted = pinReplaced.has("layers") && countFixed() && Array.isArray(config.layers);
    replacedNote = { names: [...pinReplaced].filter((name) => !(counted && name === "layers")), config, counted };
    pinReplaced.clear();
    showReplaced();
  }
  function showReplaced() {
    let note = $("pinned-note");
    if (!replacedNote) {
      note?.remove();
      return;
    }
    if (!note) {
      note = Object.assign(document.createElement("p"), { id: "pinned-note", className: "small" });
      note.setAttribute("role", "status");
      $("url-problems").after(note);
    }
    const { names, config, counted } = replacedNote;
    const count = counted ? `Your teacher pinned one activation per hidden layer, which fixes the count at ${config.layers.length}: `
      + `your layers became ${shownValue(config.layers)} (your widths, cut or extended to that count). ` : "";
    const values = names.map((name) => (name in config ? named(name, config[name]) : settingWords(name))).join("; ");
    const rest = names.length ? `Your teacher pinned ${names.length === 1 ? "a setting" : "settings"} for the class, so the class's `
      + `${names.length === 1 ? "value replaces" : "values replace"} yours: ${values}. ` : "";
    note.textContent = `${count}${rest}Your other settings stay.`;
  }
  // the teacher changed the pins: the note keeps only the replacements still pinned (a layer count still fixed)
  function trimReplaced() {
    if (!replacedNote) return;
    const names = replacedNote.names.filter((name) => pinned.includes(name));
    const counted = replacedNote.counted && countFixed();
    replacedNote = names.length || counted ? { ...replacedNote, names, counted } : null;
    showReplaced();
  }
  // The learner's own values that are theirs to use again (the page's key -> value): no longer pinned (layers: no
  // longer fixed to another count by activations pinned one per layer), still set to the pins' value (not changed
  // by the learner since) and not what the page has now. Layers offered alone fit per-layer activations to them.
  function offered() {
    const patch = {};
    for (const key of Object.keys(state.all()).filter((k) => own.has(k))) {  // in the page's order: layers first
      const { mine, pinnedTo } = own.get(key);
      const now = state.get(key), same = (a, b) => state.written(key, a) === state.written(key, b);
      if (pinned.includes(settingName(key)) || !same(now, pinnedTo) || same(now, mine)) continue;
      if (key === "layers" && countFixed() && pins.activations.length !== mine.length) continue;
      patch[key] = mine;
    }
    const acts = state.get("activations");
    if (patch.layers && !patch.activations && acts.length > 1 && acts.length !== patch.layers.length) {
      patch.activations = [...acts, ...patch.layers.map(() => acts[acts.length - 1])].slice(0, patch.layers.length);
    }
    return patch;
  }
  const said = (patch) => Object.entries(runValues(patch)).map(([name, v]) => named(name, v)).join("; ");
  // the pins-changed note's one action: the next run with the learner's own values again (nothing restarts without it)
  function showOffer() {
    const note = $("pins-changed");
    if (!note) return;
    const patch = offered();
    let button = $("use-own");
    if (!Object.keys(patch).length) {
      button?.remove();
      return;
    }
    if (!button) {
      button = Object.assign(document.createElement("button"), { id: "use-own", type: "button" });
      note.append(" ", button);
    }
    button.textContent = `Use my own settings again: ${said(patch)}`;
    button.onclick = () => {
      const mine = offered();
      if (Object.keys(mine).length) {
        page.restart(mine);
        pinsTail = `A new run started with your own settings again: ${said(mine)}.`;
      }
      showPinsChanged();
    };
  }
  function takeControls(values) {
    const fromClass = pageValues(values);
    if (!Object.keys(fromClass).length) return;
    state.set(fromClass);
    for (const key of ["stop_epoch", "target_loss"]) if (key in fromClass) stopRule[key] = fromClass[key];
    page.update();
  }
  // A refusal by the class's pins carries the values they require (msg.fix). A setting the learner did not just change
  // (the address's value, or the teacher moved a pin since this page loaded) takes that value and the run is sent
  // again; a setting the learner changed stays refused, and the page says so.
  function takePinned(msg) {
    const fix = pageValues(msg.fix || {});
    const keys = Object.keys(fix);
    if (!keys.length || pinFixes >= 5) return false;
    const accepted = page.accepted();
    const mine = accepted !== null && keys.some((key) => state.written(key, state.get(key)) !== state.written(key, accepted[key]));
    if (mine) return false;
    pinFixes += 1;
    for (const name of Object.keys(msg.fix)) pinReplaced.add(name);
    for (const key of keys) {  // the learner's value (not one the previous run's pins set) is kept to offer back
      const before = own.get(key)?.mine ?? (settingName(key) in runPins ? undefined : state.get(key));
      if (before !== undefined) own.set(key, { mine: before, pinnedTo: fix[key] });
    }
    state.set(fix);
    page.resend();
    return true;
  }
  // A class's learner: the page looks at the class's pins every few seconds. When the teacher changed them, it says so
  // and what the next run uses, hides the newly pinned controls and shows those given back (the run on screen keeps
  // its settings until the next run starts, which the server then holds to the new pins).
  let watching = false;
  let pinsChanged = "", pinsTail = "";  // the note's sentences: what the teacher changed, and what it means for the runs
  function showPinsChanged() {
    let note = $("pins-changed");
    if (!note) {
      note = Object.assign(document.createElement("p"), { id: "pins-changed", className: "small" });
      note.setAttribute("role", "status");
      $("url-problems").after(note);
    }
    note.textContent = `${pinsChanged} ${pinsTail === KEEPS && !pinned.length ? FREED : pinsTail}`;
    showOffer();
  }
  async function look() {
    let saved;
    try {
      saved = await api.getJSON("/api/class/playground");
    } catch (err) {  // offline: look again later; refused (the class archived, the sign-in ended): the page stops
      page.lost?.(err);
      return;
    }
    const now = Object.fromEntries(saved.pinned.map((name) => [name, saved.config[name]]));
    if (canon(now) === canon(pins)) return;
    const given = pinned.filter((name) => !(name in now));
    const unhide = hiddenKeys([], given);
    state.set({ hide: state.get("hide").filter((key) => !unhide.includes(key)) });
    pinned = Object.keys(now).sort();
    pins = now;
    page.update();
    page.redraw();  // the drawing's pickers and buttons shown or hidden move its boxes
    trimReplaced();
    const list = Object.entries(now).map(([name, value]) => named(name, value)).join("; ");
    pinsChanged = `Your teacher changed the class's pins: ${list ? `now pinned: ${list}` : "nothing is pinned now"}`
      + `${given.length ? ` (given back to you: ${given.map(settingWords).join(", ")})` : ""}.`;
    pinsTail = KEEPS;
    showPinsChanged();
  }
  function watchPins() {
    if (watching) return;
    watching = true;
    setInterval(look, PIN_CHECK_MS);
  }

  return {
    pinned: () => pinned,
    countFixed,
    // the server's "ready": the pins the new run started with, its notes, and the watch for a class's learner;
    // returns the class's values this run took in place of the page's, in words ("" when none)
    ready(msg) {
      const config = { ...msg.config, ...(msg.pins || {}) };
      const took = [...new Set([...pinReplaced, ...state.get("pinned_overrides")])]
        .map((name) => (name in config ? named(name, config[name]) : settingWords(name))).join("; ");
      pinned = msg.pinned || [];
      pins = msg.pins || {};
      runPins = pins;
      if (msg.class_pins) watchPins();
      pinFixes = 0;
      takeControls(Object.fromEntries(Object.entries(msg.pins || {}).filter(([k]) => !(k in msg.config))));
      notePinned(config);
      trimReplaced();  // pins the page saw change before this run's answer
      if (pinsChanged) {  // a new run: it started with the pins the note names (and the offer drops what changed)
        if (pinsTail === KEEPS) {
          pinsTail = pinned.length ? "The run on screen started with these pins." : "The run on screen started with your own settings.";
        }
        showPinsChanged();
      }
      return took;
    },
    // an error carrying the values the pins require (msg.fix): true when the page took them and the error is answered
    refused(msg, awaitingReady) {
      if (RUN_CONTROLS.includes(msg.field)) {  // a 'set' the pins refused: the page takes the class's value
        takeControls(msg.fix);
        if (awaitingReady) {  // the run about to start has the class's value already: its note names the setting
          for (const name of Object.keys(msg.fix)) pinReplaced.add(name);
          return true;
        }
        return false;
      }
      if (awaitingReady) return takePinned(msg);
      if (msg.field === "lr") {  // a 'set' of the rate the pins refused: the select and the address go back to the
        state.set(pageValues(msg.fix));  // class's rate (the run kept it)
        page.update();
      }
      return false;
    },
    // a reset the server refused: the previous run stays, and the learner's own settings are offered again; a refusal
    // by pins the page did not know of (the teacher moved one since its last look) has it look now, so the note and
    // the offer follow the pins that refused it
    resetRefused(msg) {
      if (pinsTail !== KEEPS && pinsChanged) pinsTail = KEEPS;
      if (pinsChanged) showPinsChanged();
      if (msg.fix && watching) look();
    },
  };
}
