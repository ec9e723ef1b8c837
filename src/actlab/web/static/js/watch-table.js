// The watch page's layer table: one row per layer of the latest report, every number as the log holds it. Where its
// thirteen columns do not fit the window, each layer is stacked as a block (watch.css .stacked), so nothing scrolls
// sideways; split from watch.js, which passes the wrapper it draws into.
import { fmt } from "./charts.js";
import { layerName } from "./watch-points.js";
import { sampledStep } from "./watch-status.js";

export function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

const LONG_NAME = 20;  // characters: a layer name longer than this may break after its dots in the table

// `text` appended to `el`; where it is longer than LONG_NAME, breakable after each dot only, never inside a part
// ("encoder.layers.0.linear1.weight"). Returns whether it may break.
function breakAtDots(el, text) {
  const parts = text.length > LONG_NAME ? text.split(".") : [text];
  parts.forEach((part, k) => {
    el.append(k < parts.length - 1 ? `${part}.` : part);
    if (k < parts.length - 1) el.append(document.createElement("wbr"));
  });
  return parts.length > 1;
}
const num = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? fmt(v) : String(v));

// ReLU cannot saturate (f' is 0 or 1): its units under the threshold are rarely active (the log's low_word). Those
// gone silent (on before, off since: the log's `silent`) are said apart, as the layer's words say them (W26: "2
// rarely active" stood beside words saying 1 rarely active and 1 gone silent)
const lowCount = (l) => {
  const silent = Number.isInteger(l.silent) && l.silent > 0 && l.saturated >= l.silent ? l.silent : 0;
  const rest = l.saturated - silent;
  if (!silent) {
    return l.saturated && l.low_word && l.low_word !== "saturated" ? `${num(l.saturated)} ${l.low_word}`
      : num(l.saturated);
  }
  return (rest ? `${num(rest)} ${l.low_word || "saturated"}, ` : "") + `${num(silent)} gone silent`;
};

// `finite`: the latest report with no NaN or inf, where `report` holds one (the bar chart draws that one instead);
// `warm`: per layer, the sampled batch the report is of where the monitor does not count dead units yet (0 where it
// does: watch-points.warmUp), and `need`, the batches it counts from
// `absent`: the places that did not run on this step ({name, last}: the latest sampled step each ran on, or none);
// `places`: every place in the charts' order, which the rows then take, so that a row's number is its line's
// `numbers`: per place of `places`, the number the charts give it; `hidden`: places folded away (a module's later
// calls, watch-points.arrange), which have no row until shown
export function drawTable(wrap, report, finite = null, warm = [], need = 5, absent = [], places = null, numbers = null,
                          hidden = new Set()) {
  const table = document.createElement("table");
  table.className = "data watch-table";
  // which step the rows are of (V12: a diverged run's rows were all "—" at step 120 while the bars drew step 7, and
  // nothing said so)
  const step = (n) => Number(n).toLocaleString("en-US");
  table.createCaption().textContent = `Each layer at step ${step(report.step)}, the latest sampled` +
    (report.non_finite ? `, which held a NaN or an inf` + (finite && finite !== report ? ` (the bar chart shows ` +
      `step ${step(finite.step)}, the latest finite one)` : "") : "");
  const head = table.createTHead().insertRow();
  const heads = ["layer", "activation", "units", "‖∂L/∂a‖", "ratio to last", "‖∂L/∂W‖", "W ratio to output", "mean",
                 "std", "dead", "saturated / rarely active", "dormant", "reading"];
  for (const h of heads) {
    const th = head.appendChild(cell("th", h));
    th.scope = "col";
    if (!h.includes(" ")) th.className = "one-word";  // "‖∂L/∂a‖" is not broken at its slash
  }
  const body = table.createTBody();
  for (const [k, l] of report.layers.entries()) {
    const row = body.insertRow();
    row.dataset.place = l.name;
    if (l.non_finite) row.className = "non-finite";
    // a long dotted name ("encoder.layers.0.linear1.activation") may break after its dots, never inside a part, so
    // the reading keeps its room at 1280 px; a short one stays on one line
    // an nn.Sequential's bare index carries its class, as in the charts (R15: the table's '2: 3' beside the
    // charts' '2: 3 (ReLU)' read as layer 2 of 3)
    const name = row.insertCell();
    if (breakAtDots(name, String(layerName(l)))) name.className = "long-name";
    for (const v of [l.activation ?? "—", l.width ?? "—", num(l.act_grad_norm),
                     num(l.act_grad_ratio_to_last), l.weights_frozen ? "frozen" : num(l.weight_grad_norm),
                     num(l.weight_grad_ratio_to_output), num(l.mean), num(l.std),
                     warm[k] ? `not counted yet (batch ${warm[k]} of ${l.dead_from > 0 ? l.dead_from : need})` : num(l.dead), lowCount(l),
                     num(l.dormant), l.words ?? ""]) {
      row.append(cell("td", String(v)));
    }
    // the weight the gradient norm is of, after the number (W26: the table did not say which weight belonged to which
    // row; a row whose weight another row carries has none)
    if (l.weights) {
      const of = row.cells[heads.indexOf("‖∂L/∂W‖")].appendChild(document.createElement("span"));
      of.className = "weight-of";
      of.append("of\u00a0");
      breakAtDots(of, l.weights);
    }
    // a narrow window stacks each layer's cells under its name, each beside its column's name (watch.css)
    [...row.cells].forEach((td, k) => { td.dataset.label = heads[k]; });
  }
  // a place the log names that did not run on this step (an MoE expert given no token): a row that says since when
  for (const { name, last } of absent) {
    const row = body.insertRow();
    row.className = "absent";
    row.dataset.place = name;
    row.append(cell("td", String(layerName({ name }))));
    const said = row.appendChild(cell("td", last === undefined ? "has not run on any sampled step read so far" :
      `did not run on step ${step(report.step)}: it last ran on ${sampledStep(last)}`));
    said.colSpan = heads.length - 1;
    said.dataset.label = "reading";
  }
  for (const row of [...body.rows]) if (hidden.has(row.dataset.place)) row.remove();
  if (places) {
    const at = (row) => { const k = places.indexOf(row.dataset.place); return k < 0 ? places.length : k; };
    [...body.rows].sort((a, b) => at(a) - at(b)).forEach((row) => body.append(row));
  }
  // each row's number, as the charts give its layer (watch.css writes it before the name)
  [...body.rows].forEach((row, k) => {
    const at = places ? places.indexOf(row.dataset.place) : -1;
    row.cells[0].dataset.number = String(at >= 0 && numbers ? numbers[at] : k + 1);
  });
  wrap.replaceChildren(table);
  fitTable(wrap);
}

// the table's columns side by side where they fit the window, else each layer stacked as a block (watch.css)
function fitTable(wrap) {
  wrap.classList.remove("stacked");
  if (wrap.firstChild && wrap.scrollWidth > wrap.clientWidth + 1) wrap.classList.add("stacked");
}

// a change of the wrapper's width (not of its height, which stacking itself changes) fits the table again
export function fitOnResize(wrap) {
  let width = 0;
  new ResizeObserver(([entry]) => {
    if (Math.round(entry.contentRect.width) === width) return;
    width = Math.round(entry.contentRect.width);
    fitTable(wrap);
  }).observe(wrap);
}
