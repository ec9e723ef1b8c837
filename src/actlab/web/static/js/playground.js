// Boots the playground: the options and the URL state, the views, and the WebSocket to the server-side trainer.
// The views: controls (views/playground-controls.js), the network drawing, the gradient flow, the loss curves and
// the output panel (views/playground-output.js); this module carries messages between them and the server.
import * as api from "./api.js";
import { frameQueue } from "./frame-queue.js";
import { defaultText, pageKey, pageValues, playgroundState, runConfig, runValues, settingName, shownValue, withParams }
  from "./playground-state.js";
import * as controlsView from "./views/playground-controls.js";
import { hiddenKeys } from "./views/playground-controls.js";
import * as gradientFlow from "./views/gradient-flow.js";
import * as network from "./views/network.js";
import * as outputView from "./views/playground-output.js";
import * as training from "./views/training.js";

const $ = (id) => document.getElementById(id);
const PIN_CHECK_MS = 3000;  // how often a class's learner's page looks for the teacher's changed pins
const counters = { frames: 0, received: 0, renderMs: 0 };  // read by bench/playground.py
window.__actlab = counters;

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

async function boot() {
  const [registry, options] = await Promise.all([api.getJSON("/api/activations"), api.getJSON("/api/options")]);
  const state = await playgroundState(options, (settings) => api.postJSON("/api/options/check", settings));
  function showProblems() {
    if (!state.problems.length) return;
    $("url-problems").textContent = `The address held values the playground cannot use: ${state.problems.join("; ")}.`;
    $("url-problems").hidden = false;
  }
  showProblems();
  let conn = null, points = null, playing = false, csv = null;  // csv: the upload's { token, task, classes }
  let pinned = [];  // the settings the class's teacher pinned, as the server's last run said
  let pins = {};  // their values (setting -> value), as the server's last run or the page's last look said
  let lastFrame = null;  // the frame on screen: a drawing rebuilt after a refused change shows it again
  const stopRule = { stop_epoch: state.get("stop_epoch"), target_loss: state.get("target_loss") };
  // the settings of the run the server last accepted: a refused reset puts the controls back to them, so the page
  // never shows one data set while the server trains another
  let accepted = null;
  // After a reset, frames of the old run may still be on their way: they are dropped until the server says the new
  // run is ready (or that the reset was refused, in which case the old run goes on).
  let awaitingReady = true;
  let restoredNote = null;  // shown once the server has restored the run after a reconnect
  let refusal = null;  // the server's words when it refused the page's first run: Play says them again
  let playOnReady = false;  // Play pressed before the first run was ready
  let lastError = null;  // the server's last error ({ text, at }): a socket it then closes keeps its words on the page
  let pinFixes = 0;  // runs re-sent with the values a class's pins require (a bound, so a loop cannot form)
  const pinReplaced = new Set();  // the settings whose value here the class's pins replaced
  // the learner's own values the pins replaced (the page's key -> { mine, pinnedTo: the pins' value put in its place }):
  // from the server's redirect (pinned_own) and from the page's own takePinned; offered back once unpinned
  const own = new Map(Object.entries(state.own).map(([key, mine]) => [key, { mine, pinnedTo: state.get(key) }]));
  let runPins = {};  // the pins of the run on screen (its "ready"): a value they set is the class's, not the learner's

  const config = () => runConfig(state.all(), options, csv);
  const sendSettings = () => conn.send({ type: "set", epochs_per_frame: state.get("speed"), ...stopRule });
  function setPlaying(on) {
    playing = on;
    controls.update();
  }
  function restart(patch = {}) {
    state.set(patch);
    playing = false;
    controls.update();
    output.update();
    train.reset();
    grad.reset();
    frames.clear();
    awaitingReady = true;
    rebuildNet(true);  // a CSV's own inputs replace the feature column once the server has read it
    conn.send({ type: "reset", config: config(), csv_token: state.get("dataset") === "csv" ? csv?.token : null });
    sendSettings();
  }
  const actions = {
    restart,
    send: (message) => conn.send(message),
    play(on) {
      if (on && accepted === null) {  // no run yet: it plays once the server has started it, or says why it refused
        playOnReady = refusal === null;
        setStatus(refusal ? `Nothing to play: ${refusal}` : "Starting the run; it plays as soon as it is ready…", refusal !== null);
        return;
      }
      setPlaying(on);
      conn.send({ type: on ? "play" : "pause" });
      setStatus(on ? "Training…" : "Paused.");
      if (!on) { train.flush(); grad.draw(true); }  // the paused picture's numbers, not 250 ms old ones
    },
    step() {
      if (accepted === null) {
        setStatus(refusal ? `Nothing to step: ${refusal}` : "Starting the run: Step once it is ready.", refusal !== null);
        return;
      }
      setPlaying(false);
      conn.send({ type: "step" });
    },
    settings(patch = {}) { Object.assign(stopRule, patch); sendSettings(); },
    async upload(file) {
      const info = await api.postFile("/api/playground/csv", file);
      csv = { token: info.token, task: info.task, classes: info.classes.length };
      restart({ dataset: "csv" });
      return info;
    },
    error: (text) => setStatus(text, true),
  };

  const view = controlsView.mount(document.body, { state, options, csv: () => csv, isPlaying: () => playing, actions,
                                                   pinned: () => pinned });
  // activations pinned one per layer (different ones) fix the layer count: "+ layer" and "- layer" hide with it
  const countFixed = () => !pinned.includes("layers") && Array.isArray(pins.activations)
    && new Set(pins.activations.map((a) => JSON.stringify(a))).size > 1;
  const controls = { ...view, update(arg) {
    view.update(arg);
    if (countFixed()) $("add-layer").hidden = $("remove-layer").hidden = true;
  } };
  // the drawing picks activations by name; the state's also carry their parameters
  const names = { get: (key) => (key === "activations" ? state.get("activations").map((a) => a.name) : state.get(key)) };
  const net = network.mount($("network"), {
    state: names, registry, features: options.features, maxWidth: options.limits.max_width,
    onChange: (patch) => restart(patch.activations ? { ...patch, activations: withParams(state.get("activations"), patch.activations) } : patch),
    onLinks: (shown, total) => {
      const text = shown < total ? `showing the ${shown.toLocaleString("en-US")} strongest of ${total.toLocaleString("en-US")} links` : "";
      if ($("link-count").textContent !== text) $("link-count").textContent = text;
    },
  });
  // the drawing's controls hide with the page's: its per-layer activation pickers with the activation control, its
  // +/- neuron buttons (and "- layer") with the layers control, its input boxes with features (a hide= key, or a
  // pin); a hidden box is disabled too, as a click on its label would still tick it
  function hidePickers() {
    const hidden = hiddenKeys(state.get("hide"), pinned);
    for (const select of $("network").querySelectorAll("select")) select.hidden = hidden.includes("activation");
    const layersOff = hidden.includes("layers");
    for (const button of $("network").querySelectorAll(".layer-col button")) button.hidden = layersOff;
    $("remove-layer").hidden = layersOff || countFixed();
    if (!hidden.includes("features")) return;
    for (const box of $("network").querySelectorAll(".feature input")) {
      box.hidden = box.disabled = true;
      box.closest(".feature").hidden = !box.checked;  // the inputs the network reads stay named
    }
  }
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
    const shown = names.filter((name) => name in config).map((name) => `${name} ${shownValue(config[name])}`).join("; ");
    const count = counted ? `Your teacher pinned one activation per hidden layer, which fixes the count at ${config.layers.length}: `
      + `your layers became ${shownValue(config.layers)} (your widths, cut or extended to that count). ` : "";
    const rest = names.length ? `Your teacher's pins for this class replaced ${names.join(", ")}: the class's value is used${shown ? ` (${shown})` : ""}; ` : "";
    note.textContent = `${count}${rest}${rest ? "your other settings stay." : "Your other settings stay."}`;
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
  const said = (patch) => Object.entries(runValues(patch)).map(([name, v]) => `${name} ${shownValue(v)}`).join("; ");
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
        restart(mine);
        pinsTail = `A new run started with your own settings again: ${said(mine)}.`;
      }
      showPinsChanged();
    };
  }
  // run controls the class pins (speed, the stop rule): the page shows and sends the class's values from now on
  const RUN_CONTROLS = ["epochs_per_frame", "stop_epoch", "target_loss"];
  function takeControls(values) {
    const page = pageValues(values);
    if (!Object.keys(page).length) return;
    state.set(page);
    for (const key of ["stop_epoch", "target_loss"]) if (key in page) stopRule[key] = page[key];
    controls.update();
  }
  // A refusal by the class's pins carries the values they require (msg.fix). A setting the learner did not just change
  // (the address's value, or the teacher moved a pin since this page loaded) takes that value and the run is sent
  // again; a setting the learner changed stays refused, and the page says so.
  function takePinned(msg) {
    const fix = pageValues(msg.fix || {});
    const keys = Object.keys(fix);
    if (!keys.length || pinFixes >= 5) return false;
    const mine = accepted !== null && keys.some((key) => state.written(key, state.get(key)) !== state.written(key, accepted[key]));
    if (mine) return false;
    pinFixes += 1;
    for (const name of Object.keys(msg.fix)) pinReplaced.add(name);
    for (const key of keys) {  // the learner's value (not one the previous run's pins set) is kept to offer back
      const before = own.get(key)?.mine ?? (settingName(key) in runPins ? undefined : state.get(key));
      if (before !== undefined) own.set(key, { mine: before, pinnedTo: fix[key] });
    }
    state.set(fix);
    controls.update();
    output.update();
    rebuildNet(true);
    conn.send({ type: accepted === null ? "init" : "reset", config: config(),
                csv_token: state.get("dataset") === "csv" ? csv?.token : null });
    sendSettings();
    return true;
  }
  // A class's learner: the page looks at the class's pins every few seconds. When the teacher changed them, it says so
  // and what the next run uses, hides the newly pinned controls and shows those given back (the run on screen keeps
  // its settings until the next run starts, which the server then holds to the new pins).
  let watching = false;
  let pinsChanged = "", pinsTail = "";  // the note's sentences: what the teacher changed, and what it means for the runs
  const KEEPS = "The run on screen keeps its settings; the next run (Reset, or any change of a setting) starts with these pins.";
  // with nothing pinned any more there are no pins to start with: the same moment said for settings that are all the learner's
  const FREED = "The run on screen keeps its settings; from the next run (Reset, or any change of a setting) every setting is yours.";
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
  const canon = (values) => JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]]));
  function watchPins() {
    if (watching) return;
    watching = true;
    setInterval(async () => {
      let saved;
      try { saved = await api.getJSON("/api/class/playground"); } catch { return; }  // offline: look again later
      const now = Object.fromEntries(saved.pinned.map((name) => [name, saved.config[name]]));
      if (canon(now) === canon(pins)) return;
      const given = pinned.filter((name) => !(name in now));
      const unhide = hiddenKeys([], given);
      state.set({ hide: state.get("hide").filter((key) => !unhide.includes(key)) });
      pinned = Object.keys(now).sort();
      pins = now;
      controls.update();
      // the drawing's pickers and buttons shown or hidden move its boxes: a paused drawing is drawn again to match
      rebuildNet(points.two_d, points.columns);
      if (lastFrame) { net.update(lastFrame); output.update({ frame: lastFrame }); }  // and the output neuron's picture
      trimReplaced();
      const list = Object.entries(now).map(([name, value]) => `${name} ${shownValue(value)}`).join("; ");
      pinsChanged = `Your teacher changed the class's pins: ${list ? `now pinned: ${list}` : "nothing is pinned now"}`
        + `${given.length ? ` (given back to you: ${given.join(", ")})` : ""}.`;
      pinsTail = KEEPS;
      showPinsChanged();
    }, PIN_CHECK_MS);
  }
  function rebuildNet(...args) {
    net.rebuild(...args);
    hidePickers();
  }
  const grad = gradientFlow.mount($("gradient-chart"), { chart: $("gradient-chart"), reading: $("gradient-reading"),
                                                        historyChart: $("gradient-history"), readout: $("gradient-readout") });
  const train = training.mount($("output-surface"), { canvas: $("loss-chart"), trainOut: $("train-loss"), testOut: $("test-loss"), metrics: $("metrics") });
  const output = outputView.mount(document.querySelector(".pg-out"), {
    state, outputNeuron: () => document.querySelector("#network .layer-col:last-child .neuron") });

  const frames = frameQueue((frame) => {
    counters.frames += 1;
    const started = performance.now();
    const h = frame.header;
    $("epoch").textContent = h.epoch.toLocaleString("en-US");
    $("step-count").textContent = h.step.toLocaleString("en-US");  // a Step is one minibatch: the epoch may not move
    train.draw(h, !playing);
    output.update({ frame });
    net.update(frame);
    lastFrame = frame;
    grad.draw(!playing);
    if (h.status === "diverged") setPlaying(false);
    counters.renderMs += performance.now() - started;
  });

  function onText(msg) {
    if (msg.type === "ready") {
      awaitingReady = false;
      if (msg.restarted) {  // the server began a new run with the teacher's new pins (a Play on the old run): its curve
        state.set(pageValues(msg.pins || {}));  // starts afresh, and the page holds the pinned values it runs with
        train.reset();
        grad.reset();
        frames.clear();
        rebuildNet(true);
      }
      accepted = state.all();
      points = msg.points;
      pinned = msg.pinned || [];
      pins = msg.pins || {};
      runPins = pins;
      if (msg.class_pins) watchPins();
      pinFixes = 0;
      refusal = null;
      takeControls(Object.fromEntries(Object.entries(msg.pins || {}).filter(([k]) => !(k in msg.config))));
      notePinned({ ...msg.config, ...(msg.pins || {}) });
      trimReplaced();  // pins the page saw change before this run's answer
      if (pinsChanged) {  // a new run: it started with the pins the note names (and the offer drops what changed)
        if (pinsTail === KEEPS) {
          pinsTail = pinned.length ? "The run on screen started with these pins." : "The run on screen started with your own settings.";
        }
        showPinsChanged();
      }
      controls.update();
      output.update({ points });
      if (!points.two_d) rebuildNet(false, points.columns); else hidePickers();
      setStatus(restoredNote || (playing ? "Training…" : "Ready: press Play."));
      restoredNote = null;
      if (playOnReady) { playOnReady = false; actions.play(true); }
    } else if (msg.type === "error") {
      // the server's message may already start with its field ("lr: pinned by ..."): the field is shown once
      const said = msg.field && msg.message.startsWith(`${msg.field}: `) ? msg.message.slice(msg.field.length + 2) : msg.message;
      if (msg.fix && RUN_CONTROLS.includes(msg.field)) {  // a 'set' the pins refused: the page takes the class's value
        takeControls(msg.fix);
        if (awaitingReady) {  // the run about to start has the class's value already: its note names the setting
          for (const name of Object.keys(msg.fix)) pinReplaced.add(name);
          return;
        }
      } else if (msg.fix && awaitingReady && takePinned(msg)) {
        return;
      } else if (msg.fix && msg.field === "lr" && !awaitingReady) {  // a 'set' of the rate the pins refused: the
        state.set(pageValues(msg.fix));  // select and the address go back to the class's rate (the run kept it)
        controls.update();
      }
      if (awaitingReady && accepted === null && useDefaultFor(msg.field, said)) return;
      if (awaitingReady && accepted === null) refusal = `${msg.field ? msg.field + ": " : ""}${said}`;
      const refused = awaitingReady && accepted !== null;  // a reset the server refused: its previous run stays
      awaitingReady = false;
      if (refused) {
        if (pinsTail !== KEEPS && pinsChanged) pinsTail = KEEPS;  // the learner's own settings did not start: offered again
        state.set(accepted);
        controls.update();
        rebuildNet(points.two_d, points.columns);
        if (lastFrame) net.update(lastFrame);  // the previous run's drawing stays on screen with its numbers
        if (pinsChanged) showPinsChanged();
      }
      const sentence = /[.!?]$/.test(said) ? said : `${said}.`;
      setStatus(`${msg.field ? msg.field + ": " : ""}${refused ? `${sentence} The previous run stays, paused.` : said}`, true);
      lastError = { text: msg.field && msg.field !== "tab" ? `${msg.field}: ${said}` : said, at: performance.now() };
      if (msg.field === "csv") controls.update({ csvError: said });
    } else if (msg.type === "stopped") {
      train.flush();
      setPlaying(false);
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

  // The first run refused a setting of the address (a check only the server makes, such as three activations for
  // two layers, or hardtanh's min_val above its max_val): the setting is named with the others the address could
  // not use and its default taken, and the run starts again. False when the field names no setting of the page.
  function useDefaultFor(field, said) {
    const name = /^[a-z_]+/.exec(field || "")?.[0];
    const key = name && pageKey(name);
    if (!key || !(key in state.all())) return false;
    const def = state.defaultOf(key);
    if (state.written(key, state.get(key)) === state.written(key, def)) return false;  // the default itself: no way out
    state.problems.push(`${field}: ${said}; using the default (${defaultText(state, key)})`);
    showProblems();
    state.set({ [key]: def });
    controls.update();
    output.update();
    rebuildNet(true);
    conn.send({ type: "init", config: config() });
    sendSettings();
    return true;
  }

  function onBinary(buffer) {
    counters.received += 1;
    if (awaitingReady) return;
    const frame = api.decodeFrame(buffer);
    train.record(frame.header);
    grad.record(frame.header);
    frames.push(frame);
  }

  controls.update();
  output.update();
  rebuildNet(true);
  conn = api.openPlayground(onText, onBinary, {
    onClose: (ev, retryMs) => {
      // a socket the server refused (the lab full, the tab's share taken) says why in its last message: its words stay
      const said = lastError && performance.now() - lastError.at < 5000 ? lastError.text : null;
      lastError = null;
      const why = ev.code === 1013 ? "the lab is full" : ev.reason === "idle" ? "the connection was idle" : "the connection closed";
      const retry = `Reconnecting in ${Math.round(retryMs / 1000) || 1} s…`;
      setStatus(said ? `${said} ${retry}` : `Disconnected: ${why}. ${retry}`, true);
    },
    onReopen: () => {  // a new server session: the run restarts from the settings in the address
      restoredNote = "Reconnected: the run was restored from the address (its settings; training starts again at epoch 0).";
      setStatus(restoredNote);
      restart();
    },
  });
  await conn.ready;
  // an upload lives only in the tab that sent it: a link or a reload that names it trains the default set, and says so
  if (state.get("dataset") === "csv") {
    const fallback = options.datasets.find((d) => d.name === options.run_defaults.dataset);
    state.set({ dataset: fallback.name });
    controls.update({ csvError: "This link named your own CSV, which stays in the tab that uploaded it: upload the "
                                + `file again to train on it. ${fallback.title} is shown meanwhile.` });
  }
  conn.send({ type: "init", config: config() });
  sendSettings();
  document.body.dataset.ready = "true";
}

boot().catch((err) => setStatus(`The playground could not start: ${err.message || err}`, true));
