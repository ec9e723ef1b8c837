// Boots the playground: the options and the URL state, the views, and the WebSocket to the server-side trainer.
// The views: controls (views/playground-controls.js), the network drawing, the gradient flow, the loss curves and
// the output panel (views/playground-output.js); this module carries messages between them and the server.
import * as api from "./api.js";
import * as classPins from "./class-pins.js";
import { frameQueue } from "./frame-queue.js";
import { defaultText, pageKey, pageValues, playgroundState, runConfig, withParams } from "./playground-state.js";
import * as controlsView from "./views/playground-controls.js";
import { hiddenKeys } from "./views/playground-controls.js";
import * as gradientFlow from "./views/gradient-flow.js";
import * as network from "./views/network.js";
import * as outputView from "./views/playground-output.js";
import * as training from "./views/training.js";

const $ = (id) => document.getElementById(id);
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
  let lastFrame = null;  // the frame on screen: a drawing rebuilt after a refused change shows it again
  const stopRule = { stop_epoch: state.get("stop_epoch"), target_loss: state.get("target_loss") };
  // the stop rule before the last change sent: a value the server refuses (a stop epoch of -5 or 2.5) is put back to
  // it, as the server keeps it; the box and the address held the refused value while the run never stopped.
  // ruleSaid: the status line holds words about the rule (a refused value, a stop that names it), which a change ends
  let ruleBefore = null, ruleSaid = false;
  // the settings of the run the server last accepted: a refused reset puts the controls back to them, so the page
  // never shows one data set while the server trains another
  let accepted = null;
  // After a reset, frames of the old run may still be on their way: they are dropped until the server says the new
  // run is ready (or that the reset was refused, in which case the old run goes on).
  let awaitingReady = true;
  let restoredNote = null;  // shown once the server has restored the run after a reconnect
  // the page was reloaded: its first run starts at epoch 0 (the run before went with the old page), which Ready says
  let reloaded = performance.getEntriesByType("navigation")[0]?.type === "reload";
  let refusal = null;  // the server's words when it refused the page's first run: Play says them again
  let playOnReady = false;  // Play pressed before the first run was ready
  let lastError = null;  // the server's last error ({ text, at }): a socket it then closes keeps its words on the page

  const config = () => runConfig(state.all(), options, csv);
  // the stop-rule control that holds a stopped run (its words name it): outlined until it changes or a new run starts
  const STOP_CONTROLS = { epochs: "ctl-stop", target: "ctl-target" };
  function markStopControl(reason) {
    for (const [key, id] of Object.entries(STOP_CONTROLS)) $(id).classList.toggle("holds-run", key === reason);
  }
  const sendSettings = () => conn.send({ type: "set", epochs_per_frame: state.get("speed"), ...stopRule });
  function setPlaying(on) {
    playing = on;
    controls.update();
  }
  function restart(patch = {}) {
    state.set(patch);
    markStopControl(null);
    playing = false;
    controls.update();
    output.update();
    train.reset();
    grad.reset();
    frames.clear();
    awaitingReady = true;
    rebuildNet(true);  // a CSV's own inputs replace the feature column once the server has read it
    sendRun("reset");
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
      // a Step pauses a playing run: said, or the status kept "Training…" over a run that had stopped
      if (playing) setStatus("Paused: Step trains one minibatch a press; Play trains on.");
      setPlaying(false);
      conn.send({ type: "step" });
    },
    settings(patch = {}) {
      ruleBefore = { ...stopRule };
      Object.assign(stopRule, patch);
      markStopControl(null);
      controls.update();  // the box shows the rule sent (a stop epoch of 0 is none: the box empties)
      if (ruleSaid) {  // the words of a refused value, or of a stop that named the rule, go once it changes
        ruleSaid = false;
        setStatus(playing ? "Training…" : "Ready: press Play.");
      }
      sendSettings();
    },
    async upload(file) {
      const info = await api.postFile("/api/playground/csv", file);
      // a file whose task trains on another loss than the one the class pinned: said here, before a run is refused
      const needs = info.task === "regression" ? "mse" : info.classes.length > 2 ? "cross-entropy" : null;
      if (needs && pins.pinned().includes("loss") && state.get("loss") !== needs) {
        const title = (name) => (options.losses.find((l) => l.name === name) || { title: name }).title;
        const what = needs === "mse" ? "a number to predict" : `${info.classes.length} classes`;
        throw new Error(`This CSV has ${what} and would train on ${title(needs)}, but your teacher pinned the loss at `
                        + `${title(state.get("loss"))}: it cannot be used here.`);
      }
      csv = { token: info.token, task: info.task, classes: info.classes.length };
      restart({ dataset: "csv" });
      return info;
    },
    error: (text) => setStatus(text, true),
  };

  // The lab refused this page for good (its class archived, the learner's sign-in ended or was replaced, a tab token
  // it no longer knows): the run stops, the socket closes and stays closed, and the page says why in the server's
  // words, with what to do (join again, reload). Until then a closed socket only pauses the run while it reconnects.
  let stopped = null;
  function stopFor(words, { join = false } = {}) {
    if (stopped !== null) return;
    stopped = words;
    conn.send({ type: "pause" });
    conn.close();
    setPlaying(false);
    train.flush();
    for (const id of ["play", "step", "reset"]) $(id).disabled = true;
    setStatus("");
    const reload = Object.assign(document.createElement("button"), { type: "button", className: "secondary",
                                                                     textContent: "Reload the page" });
    reload.addEventListener("click", () => location.reload());
    const said = /[.!?]$/.test(words) ? words : `${words}.`;
    const box = $("stopped");
    box.replaceChildren(`The playground stopped${/^[A-Z]/.test(said) ? "." : ":"} ${said} `,
      ...(join ? [Object.assign(document.createElement("a"), { href: "/join", textContent: "Open the join page" }), " "] : []),
      reload);
    box.hidden = false;
  }
  // an answer that will not change by trying again (the gate's 401, a closed class): not a busy or lost request
  const isFinal = (err) => err instanceof api.ApiError && err.status >= 400 && err.status < 500
    && ![408, 429].includes(err.status);
  // a socket that closed without saying why: the lab is asked, so its words (or its silence) can be said
  async function askWhy(retryMs) {
    try {
      await api.getJSON("/api/class/playground");
    } catch (err) {
      if (isFinal(err)) stopFor(err.message, { join: err.status === 401 });
      else if (err instanceof api.NoAnswerError && stopped === null) {
        setStatus("The lab is not answering (it may have stopped, or the network dropped), so the run stopped. "
                  + `Trying to reconnect in ${Math.round(retryMs / 1000) || 1} s…`, true);
      }
    }
  }

  const sendRun = (kind) => conn.send({ type: kind, config: config(), csv_token: state.get("dataset") === "csv" ? csv?.token : null });
  const pins = classPins.mount({ state, stopRule, accepted: () => accepted, restart, update: () => controls.update(),
    lost: (err) => { if (isFinal(err)) stopFor(err.message, { join: err.status === 401 }); },
    resend() {  // the run again with the page's settings (the class's values taken): as the first run, or a reset
      controls.update();
      output.update();
      rebuildNet(true);
      sendRun(accepted === null ? "init" : "reset");
      sendSettings();
    },
    redraw() {  // a paused drawing is drawn again to match, and the output neuron's picture
      rebuildNet(points.two_d, points.columns);
      if (lastFrame) { net.update(lastFrame); output.update({ frame: lastFrame }); }
    } });
  const view = controlsView.mount(document.body, { state, options, csv: () => csv, isPlaying: () => playing, actions,
                                                   pinned: pins.pinned });
  // activations pinned one per layer (different ones) fix the layer count: "+ layer" and "- layer" hide with it
  const controls = { ...view, update(arg) {
    view.update(arg);
    if (pins.countFixed()) $("add-layer").hidden = $("remove-layer").hidden = true;
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
    const hidden = hiddenKeys(state.get("hide"), pins.pinned());
    for (const select of $("network").querySelectorAll("select")) select.hidden = hidden.includes("activation");
    const layersOff = hidden.includes("layers");
    for (const button of $("network").querySelectorAll(".layer-col button")) button.hidden = layersOff;
    $("remove-layer").hidden = layersOff || pins.countFixed();
    if (!hidden.includes("features")) return;
    for (const box of $("network").querySelectorAll(".feature input")) {
      box.hidden = box.disabled = true;
      box.closest(".feature").hidden = !box.checked;  // the inputs the network reads stay named
    }
  }
  function rebuildNet(...args) {
    net.rebuild(...args);
    hidePickers();
  }
  const grad = gradientFlow.mount($("gradient-chart"), { chart: $("gradient-chart"), reading: $("gradient-reading"),
                                                        historyChart: $("gradient-history"), readout: $("gradient-readout"),
                                                        ratios: $("gradient-ratios"), notation: options.notation });
  const train = training.mount($("output-surface"), { canvas: $("loss-chart"), trainOut: $("train-loss"), testOut: $("test-loss"), metrics: $("metrics"),
                                                         note: $("loss-note") });
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
      refusal = null;
      const took = pins.ready(msg);
      controls.update();
      output.update({ points });
      if (!points.two_d) rebuildNet(false, points.columns); else hidePickers();
      // after a reconnect: a new run from the address's settings, unless the class's pins replaced some of them
      const restored = restoredNote && took ? "Reconnected: the run before was lost with the connection, and a new one "
        + `started at epoch 0 from the address's settings, with the class's pinned values in place of yours: ${took}.` : restoredNote;
      setStatus(restored || (playing ? "Training…" : reloaded ? "Reloaded: a reload starts the run again at epoch 0, "
        + "from the address's settings and starting weights; press Play." : "Ready: press Play."));
      reloaded = false;
      restoredNote = null;
      if (playOnReady) { playOnReady = false; actions.play(true); }
    } else if (msg.type === "error") {
      // the server's message may already start with its field ("lr: pinned by ..."): the field is shown once
      const said = msg.field && msg.message.startsWith(`${msg.field}: `) ? msg.message.slice(msg.field.length + 2) : msg.message;
      if (msg.fix && pins.refused(msg, awaitingReady)) return;  // the class's values taken (class-pins.js)
      // the run a reconnect restarts was refused: the server holds no run any more (the old one went with the
      // connection), so nothing stays to play, and the note of a restored run is not said later
      const lost = awaitingReady && restoredNote !== null;
      if (lost) { restoredNote = null; accepted = null; }
      if (awaitingReady && accepted === null && !lost && useDefaultFor(msg.field, said)) return;  // the address's own
      if (awaitingReady && accepted === null) refusal = `${msg.field ? msg.field + ": " : ""}${said}`;
      const refused = awaitingReady && accepted !== null;  // a reset the server refused: its previous run stays
      awaitingReady = false;
      if (refused) {
        state.set(accepted);
        controls.update();
        rebuildNet(points.two_d, points.columns);
        if (lastFrame) net.update(lastFrame);  // the previous run's drawing stays on screen with its numbers
        pins.resetRefused(msg);  // the learner's own settings did not start: offered again
      }
      const sentence = /[.!?]$/.test(said) ? said : `${said}.`;
      // a refusal by the class's pins names the setting as the page's controls do ("Hidden layers", not "layers")
      const named = msg.fix ? classPins.settingWords(msg.field).replace(/^./, (c) => c.toUpperCase()) : msg.field;
      const field = msg.field ? `${named}: ` : "";
      if (lost) {
        // a setting the learner changed that the pins now refuse: Reset starts a run with the class's values
        const next = msg.fix ? "press Reset for a new run with the class's values" : "change that setting to start a new one";
        setStatus(`Reconnected, but the run could not start again: ${field}${sentence} The run before was lost with `
                  + `the connection; ${next}.`, true);
      } else {
        setStatus(`${field}${refused ? `${sentence} The previous run stays, paused.` : said}`, true);
      }
      lastError = { text: msg.field && msg.field !== "tab" ? `${named}: ${said}` : said, at: performance.now() };
      if (msg.field === "csv") controls.update({ csvError: said });
      if (ruleBefore && msg.field in ruleBefore) {  // a stop rule value refused: the box shows the one in force
        const key = msg.field, kept = ruleBefore[key];
        stopRule[key] = kept;
        state.set({ [key]: kept });
        controls.update();
        const label = key === "stop_epoch" ? "Stop at epoch" : "Target test loss";
        const now = key === "stop_epoch" ? (kept ? `epoch ${kept.toLocaleString("en-US")}` : "never")
          : (kept === null ? "none" : String(kept));
        setStatus(`${label}: ${sentence} It stays at ${now}.`, true);
        ruleSaid = true;
      }
    } else if (msg.type === "stopped") {
      train.flush();
      setPlaying(false);
      setStatus(msg.message, msg.reason === "diverged" || msg.again);
      markStopControl(msg.reason);
      ruleSaid = msg.reason in STOP_CONTROLS;
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
      if (playing) setPlaying(false);  // the run went with the connection: nothing trains until a new one starts
      // 1008: the lab refused this page (a closed class says so in the close reason; a tab token it lost, in its
      // last message): trying again would be refused again
      if (ev.code === 1008) return stopFor(ev.reason || said || "the lab refused this page's connection");
      const why = ev.code === 1013 ? "the lab is full" : ev.reason === "idle" ? "the connection was idle"
        : ev.reason ? `the lab closed the connection (${ev.reason})` : "the connection closed";
      const retry = `Reconnecting in ${Math.round(retryMs / 1000) || 1} s…`;
      setStatus(said ? `${said} ${retry}` : `Disconnected: ${why}. ${retry}`, true);
      if (ev.code !== 1013 && ev.reason !== "idle") askWhy(retryMs);
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
