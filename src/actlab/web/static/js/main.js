// Boots the lesson page: fetches what the views need, mounts each view, keeps the nav and progress current.
import * as api from "./api.js";
import { createState } from "./state.js";
import * as collapse from "./views/collapse.js";
import * as dying from "./views/dying.js";
import * as exercisesView from "./views/exercises.js";
import * as explorer from "./views/explorer.js";
import * as insideModel from "./views/inside-model.js";
import * as llm from "./views/llm.js";
import * as vanishing from "./views/vanishing.js";
import { fmt, loadPlotly } from "./charts.js";

const statusEl = document.getElementById("status");
function setStatus(text, isError = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle("error", isError);
}

// Old lesson links name a slider's parameter on its own (?negative_slope=0.3); it now rides on the activation
// (?acts=leaky_relu(negative_slope=0.3)). The old keys are read once, moved there, and dropped from the address.
const OLD_SLIDER_KEYS = { negative_slope: ["leaky_relu", "negative_slope"], beta: ["silu", "beta"],
                          alpha: ["elu", "alpha"], softplus_beta: ["softplus", "beta"] };

// The lesson's address: only parsed here (text to values); the core checks it (POST /api/options/check-lesson) and
// each value it refuses is named in its words and replaced by the default. The defaults are the core's too.
const LESSON_KEYS = ["acts", "van_act", "van_init", "van_width", "van_depth"];
async function lessonState(options) {
  const d = options.lesson.defaults;
  const state = createState({
    acts: { type: "acts", default: d.acts },
    ...Object.fromEntries(Object.keys(OLD_SLIDER_KEYS).map((key) => [key, { type: "num", default: null }])),
    van_act: { type: "str", default: d.van_act },
    van_init: { type: "str", default: d.van_init },
    van_width: { type: "int", default: d.van_width },
    van_depth: { type: "int", default: d.van_depth },
  });
  const acts = state.get("acts").map((a) => {  // an old link's slider value moves onto its activation, unchecked
    const params = { ...a.params };
    for (const [key, [act, param]] of Object.entries(OLD_SLIDER_KEYS)) {
      const v = state.get(key);
      if (v !== null && a.name === act && !(param in params)) params[param] = v;
    }
    return { name: a.name, params };
  });
  const address = new URLSearchParams(location.search);
  const old = Object.keys(OLD_SLIDER_KEYS).some((key) => address.has(key));
  const given = LESSON_KEYS.filter((key) => address.has(key) || (key === "acts" && old));
  const cleared = Object.fromEntries(Object.keys(OLD_SLIDER_KEYS).map((key) => [key, null]));
  if (!given.length) return state;
  try {
    const answer = await api.postJSON("/api/options/check-lesson",
      Object.fromEntries(given.map((key) => [key, key === "acts" ? acts : state.get(key)])));
    for (const p of answer.problems) {
      const used = LESSON_KEYS.includes(p.setting) ? state.defaultText(p.setting) : "none";
      state.problems.push(`${p.field}: ${p.message}; using the default (${used})`);
    }
    state.set({ ...cleared, ...Object.fromEntries(given.map((key) => [key, answer.settings[key]])) });
  } catch (err) {  // unchecked values are not used: the defaults stand
    state.problems.push(`the address's settings could not be checked (${err.message}); using the defaults`);
    state.set({ ...cleared, ...Object.fromEntries(given.map((key) => [key, state.defaultOf(key)])) });
  }
  return state;
}

function learner() {
  return document.getElementById("learner").value.trim();
}

function trackSection() {
  const links = [...document.querySelectorAll("header nav a[href^='#']")];
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) links.forEach((a) => a.classList.toggle("current", a.getAttribute("href") === `#${e.target.id}`));
    }
  }, { rootMargin: "-40% 0px -55% 0px" });
  document.querySelectorAll("section.lesson").forEach((s) => observer.observe(s));
}

async function boot() {
  performance.mark("boot");
  // every request the first view needs leaves at once; the views draw as their data and Plotly.js arrive
  const later = ["/api/conventions", "/api/accuracy", "/api/demos/census", "/api/demos/gelu-approx",
    "/api/demos/linear-collapse"].map((path) => api.getJSON(path));
  later.forEach((p) => p.catch(() => {}));  // a failure is reported once, by the Promise.all below
  const [conventions, accuracy, census, gelu, collapseData] = later;
  const first = Promise.all([api.getJSON("/api/activations"), api.getJSON("/api/exercises"), api.getJSON("/api/options")]);
  const me = api.getJSON("/api/class/me").catch(() => ({ mode: "local" }));  // who the lab takes us for
  loadPlotly();
  const [registry, exercises, options] = await first;
  const state = await lessonState(options);
  const deps = { state, api, registry, options, setStatus };
  const views = [explorer, vanishing, dying].map((v, i) =>
    v.mount(document.getElementById(i === 0 ? "activations" : "vanishing"), deps));

  const progressBar = document.getElementById("lesson-progress");
  const progressText = document.getElementById("lesson-progress-text");
  progressBar.max = exercises.length;
  const onProgress = (status) => {
    const solved = [...status.values()].filter((s) => s === "correct").length;
    progressBar.value = solved;
    progressText.textContent = `${solved} / ${exercises.length}`;
  };
  const learnerInput = document.getElementById("learner");
  learnerInput.value = localStorage.getItem("actlab-learner") || "learner";
  const joined = await me;
  if (joined.learner) {  // class mode: answers are saved under the name this learner joined with, whatever is typed
    learnerInput.value = joined.learner;
    learnerInput.readOnly = true;
    learnerInput.title = `You joined ${joined.class} as ${joined.learner}`;
    // in a class, attempts live in the class's records on the lab's server (any device you rejoin from), not here
    document.getElementById("saved-where").textContent = `Your attempts are saved in the records of ${joined.class} `
      + `on the lab's server, under the name you joined with (${joined.learner}); your teacher sees them.`;
  }
  const exView = exercisesView.mount(document.getElementById("exercises"), { ...deps, exercises, learner, onProgress });
  learnerInput.addEventListener("change", () => {
    localStorage.setItem("actlab-learner", learner());
    exView.update();
  });

  const llmView = llm.mount(document.getElementById("llm"), deps);
  const insideView = insideModel.mount(document.getElementById("inside-model"), deps);
  const insideFigures = api.getJSON("/api/llm/figures").then((f) => insideView.update(f))
    .catch((err) => { document.getElementById("inside-summary").textContent = `Not available: ${err.message}`; });
  const collapseView = collapse.mount(document.getElementById("why"), deps);
  setStatus("Training the small networks of section 1…");
  await Promise.all([
    ...views.map((v) => v.ready),
    exView.update(),
    Promise.all([conventions, accuracy]).then(([c, a]) => { renderConventions(c); renderAccuracy(a, options); }),
    Promise.all([census, gelu]).then(([c, g]) => llmView.update({ census: c, gelu: g })),
    collapseData.then((d) => collapseView.update(d)),
    insideFigures,
  ]);
  if (!statusEl.classList.contains("error")) setStatus("");  // a view's error stays on screen
  if (state.problems.length) setStatus(`The address held values the lesson cannot use: ${state.problems.join("; ")}.`, true);
  performance.mark("lesson-ready");
  document.body.dataset.ready = "true";
  trackSection();
  if (location.hash) document.querySelector(location.hash)?.scrollIntoView();
}

function renderConventions(c) {
  const names = Object.entries(c.gelu_names).map(([k, v]) => `<tr><td>${k}</td><td>${v.join(", ")}</td></tr>`).join("");
  const gaps = c.gelu_gaps.map((g) => `<tr><td>max |gelu − ${g.approximation}|</td><td class="num">${fmt(g.max_abs_error)}</td>
    <td>at x = ±${fmt(g.at_x, 4)}</td></tr>`).join("");
  document.getElementById("conventions").innerHTML = `
    <table class="data"><thead><tr><th>question</th><th>actlab</th><th>PyTorch</th><th>TensorFlow</th></tr></thead>
    <tbody><tr><td>ReLU′(0)</td><td class="num">${c.relu_deriv_at_zero}</td><td class="num">${c.torch_relu_deriv_at_zero}</td>
    <td class="num">${c.tensorflow_relu_deriv_at_zero}</td></tr></tbody></table>
    <p class="muted">${c.relu_note}</p>
    <table class="data"><tbody>${gaps}</tbody></table>
    <table class="data"><thead><tr><th>registry key</th><th>the same function elsewhere</th></tr></thead><tbody>${names}</tbody></table>`;
}

// the table's rows: the lesson's six (the registry's first group) and the tanh GELU the lesson compares with GELU
function renderAccuracy(acc, options) {
  const shown = new Set([...options.activations.filter((a) => a.group === options.activation_groups[0]).map((a) => a.name),
                         "gelu_tanh"]);
  const rows = acc.rows.filter((r) => shown.has(r.name)).map((r) => `<tr><td>${r.name}</td><td>${r.dtype}</td>
    <td class="num">${fmt(r.actlab_value_ulp)}</td><td class="num">${fmt(r.actlab_deriv_ulp)}</td>
    <td class="num">${fmt(r.torch_value_ulp)}</td><td class="num">${fmt(r.torch_deriv_ulp)}</td></tr>`).join("");
  document.getElementById("accuracy").innerHTML = `<table class="data"><thead><tr><th>function</th><th>dtype</th>
    <th>actlab f</th><th>actlab f′</th><th>PyTorch ${acc.torch || ""} f</th><th>PyTorch f′</th></tr></thead>
    <tbody>${rows}</tbody></table><p class="muted">Largest error in ULP; PyTorch's huge figures come from the tails,
    where it computes 1 − σ, 1 − tanh² or 1 + erf and loses every digit.</p>`;
  // the machine's part in these figures (which of NumPy's routines measured them, how other CPUs differ)
  if (acc.note) document.getElementById("accuracy").append(Object.assign(document.createElement("p"),
    { className: "muted", textContent: acc.note }));
}

boot().catch((err) => setStatus(`The lesson could not load: ${err.message}`, true));
