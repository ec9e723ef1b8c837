// Shared chart look: the Okabe-Ito colour-blind-safe palette, one layout, redraws through Plotly.react.

export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"];
export const NEG = [230, 159, 0];   // orange: negative / class 0
export const POS = [0, 114, 178];   // blue: positive / class 1
// three or more classes: class 0 and 1 keep orange and blue, then the rest of Okabe-Ito and two more, for up to 10
export const CLASS_COLOURS = [NEG, POS, [0, 158, 115], [204, 121, 167], [213, 94, 0], [86, 180, 233], [240, 228, 66],
                              [0, 0, 0], [136, 34, 85], [153, 153, 153]];

// Every axis, the views' own included, gets this look (a view's own axis settings are merged over it). automargin:
// the margins grow to hold the tick labels and the axis title, so a right-hand axis's title never sits on its
// labels; an x axis's labels stand a little further off, clear of the bottom y label in the corner.
const AXIS = { zeroline: true, zerolinecolor: "#bbb", gridcolor: "#eee", automargin: true };
const X_AXIS = { ...AXIS, ticklabelstandoff: 6 };

// A title wider than the chart wraps at spaces (Plotly sets it on one line, past the chart's edges on a phone), and
// the top margin grows to hold it above the plot.
function fitTitle(title, width) {
  if (!title?.text) return title;
  const size = title.font?.size ?? 16;
  const perLine = Math.max(12, Math.floor((width - 24) / (0.62 * size)));
  const lines = [];
  for (const word of title.text.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= perLine) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return { ...title, text: lines.join("<br>"), automargin: true, yref: "container" };
}

export function layout(overrides = {}, width = 600) {
  const axes = Object.fromEntries(Object.entries(overrides).filter(([k]) => /^[xy]axis\d*$/.test(k))
    .map(([k, v]) => [k, { ...(k.startsWith("x") ? X_AXIS : AXIS), ...v }]));
  const title = fitTitle(overrides.title, width);
  return {
    margin: { l: 55, r: 15, t: 30, b: 45 }, font: { family: "system-ui, sans-serif", size: 12 },
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff", hovermode: "x unified", colorway: PALETTE,
    xaxis: { ...X_AXIS }, yaxis: { ...AXIS },  // copies: Plotly writes autorange results into the layout
    ...overrides, ...axes, ...(title ? { title } : {}),
    showlegend: false,  // the legend is the page's own, under the chart (chartLegend below)
  };
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
export const power10 = (k) => (k === 0 ? "1" : k === 1 ? "10" : `10${String(k).split("").map((c) => SUPERSCRIPT[c]).join("")}`);

// A log axis labelled in whole decades only (1, 10⁻², 10⁻⁴ ...), spanning every positive finite value and at least
// one decade; at most about maxTicks labels. Plotly's own log ticks label the 2s and 5s between decades with a bare
// "2" or "5" when the range is short, which read as "2, 10, 5, 2, 1".
export function logDecades(values, maxTicks = 7) {
  const pos = values.flat().filter((v) => typeof v === "number" && Number.isFinite(v) && v > 0);
  let lo = pos.length ? Math.floor(Math.log10(Math.min(...pos))) : -1;
  let hi = pos.length ? Math.ceil(Math.log10(Math.max(...pos))) : 0;
  if (hi <= lo) hi = lo + 1;
  const step = Math.max(1, Math.ceil((hi - lo) / (maxTicks - 1)));
  lo = hi - step * Math.ceil((hi - lo) / step);  // the lowest value sits above a labelled decade too
  const decades = [];
  for (let k = hi; k >= lo; k -= step) decades.push(k);  // from the top, so the top decade is always labelled
  const pad = 0.04 * (hi - lo);  // markers on the first and last decade are not cut in half
  return { type: "log", range: [lo - pad, hi + pad], tickmode: "array", tickvals: decades.map((k) => 10 ** k),
           ticktext: decades.map(power10) };
}

// Plotly.js is large: the page preloads it (<link rel=preload>) but runs it only once its own requests are out,
// so the server answers them while Plotly.js starts. Called again, it returns the same promise.
const PLOTLY_URL = "/vendor/plotly-basic.min.js";
let plotlyReady = null;
export function loadPlotly() {
  plotlyReady ??= new Promise((resolve, reject) => {
    if (window.Plotly) return resolve(window.Plotly);
    const tag = document.createElement("script");
    tag.src = PLOTLY_URL;
    tag.addEventListener("load", () => { performance.mark("plotly-ready"); resolve(window.Plotly); });
    tag.addEventListener("error", () => reject(new Error(`Plotly.js could not be loaded from ${PLOTLY_URL}`)));
    document.head.append(tag);
  });
  return plotlyReady;
}

export async function draw(el, traces, layoutOverrides = {}) {
  const Plotly = await loadPlotly();
  const frame = framed(el);
  // no mode bar: its buttons sat inside role="img" charts (unreachable by a screen reader, 50 of the lesson's Tab
  // stops) and covered chart titles on phones; hovering still reads values out
  const drawn = await Plotly.react(el, traces, layout(layoutOverrides, el.clientWidth || 600),
                                   { displaylogo: false, displayModeBar: false, responsive: true });
  chartLegend(Plotly, el, frame.querySelector(":scope > .chart-legend"), layoutOverrides.showlegend);
  return drawn;
}

// Each chart sits in a frame of its own with its legend under it, so a chart in a grid keeps its one grid cell.
function framed(el) {
  if (el.parentElement?.classList.contains("chart-frame")) return el.parentElement;
  const frame = document.createElement("div");
  frame.className = "chart-frame";
  el.replaceWith(frame);
  const legend = document.createElement("ul");
  legend.className = "chart-legend";
  legend.hidden = true;
  frame.append(el, legend);
  return frame;
}

// The legend is part of the page, not of the picture: Plotly's own legend, drawn inside the chart's box, sat over
// the x-axis title whenever it wrapped onto a second row (and a screen reader could not read it inside role="img").
// This one wraps like text under the chart, names every line with its colour, dash and marker, and each entry is a
// button that hides or shows its line, as a click on Plotly's legend did.
function chartLegend(Plotly, el, list, show) {
  const traces = (el._fullData || []).filter((t) => t.name);
  list.hidden = show === false || (show !== true && traces.length < 2);
  if (list.hidden) { list.replaceChildren(); return; }
  list.setAttribute("aria-label", `Legend: ${el.getAttribute("aria-label") || "the chart above"}`);
  list.replaceChildren(...traces.map((t) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    const shown = () => t.visible !== "legendonly" && t.visible !== false;
    button.setAttribute("aria-pressed", String(shown()));
    button.title = "Show or hide this line";
    button.append(swatch(t), Object.assign(document.createElement("span"), { textContent: t.name }));
    button.addEventListener("click", async () => {
      const visible = button.getAttribute("aria-pressed") !== "true";
      await Plotly.restyle(el, { visible: visible ? true : "legendonly" }, [t.index]);
      button.setAttribute("aria-pressed", String(visible));
    });
    item.append(button);
    return item;
  }));
  el.legendNames = traces.map((t) => t.name);  // what the legend shows, for a test
}

const DASHES = { dash: "6 3", dot: "2 2", dashdot: "6 2 2 2", longdash: "10 3", longdashdot: "10 3 2 3" };
const NS = "http://www.w3.org/2000/svg";
function swatch(t) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", "26"); svg.setAttribute("height", "12"); svg.setAttribute("aria-hidden", "true");
  const colour = t.type === "bar" ? t.marker?.color : t.line?.color || t.marker?.color;
  const part = (name, attrs) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    svg.append(node);
  };
  if (t.type === "bar") part("rect", { x: 3, y: 1, width: 20, height: 10, fill: colour, opacity: t.marker?.opacity ?? 1 });
  else {
    if (!t.mode || t.mode.includes("lines")) {
      part("line", { x1: 1, y1: 6, x2: 25, y2: 6, stroke: colour, "stroke-width": 2,
                     "stroke-dasharray": DASHES[t.line?.dash] || "none" });
    }
    if (t.mode?.includes("markers")) {
      if (t.marker?.symbol === "diamond") part("polygon", { points: "13,1 18,6 13,11 8,6", fill: colour });
      else part("circle", { cx: 13, cy: 6, r: 3.5, fill: colour });
    }
  }
  return svg;
}

// Colour values * scale, in [-1, 1], into an ImageData of the same number of pixels: orange to white to blue.
export function colourSurface(img, values, scale = 1, discrete = false) {
  const d = img.data;
  for (let i = 0; i < values.length; i++) {
    let v = values[i] * scale;
    if (discrete) v = v >= 0 ? 1 : -1;
    const c = v >= 0 ? POS : NEG;
    const a = Math.min(Math.abs(v), 1) * 0.85;
    d[4 * i] = Math.round(255 + (c[0] - 255) * a);
    d[4 * i + 1] = Math.round(255 + (c[1] - 255) * a);
    d[4 * i + 2] = Math.round(255 + (c[2] - 255) * a);
    d[4 * i + 3] = 255;
  }
  return img;
}

// Paint a (g x g) grid of values in [-1, 1] (row 0 at the top) into a canvas.
export function paintSurface(canvas, values, g, discrete = false, scale = 1) {
  if (canvas.width !== g || canvas.height !== g) { canvas.width = g; canvas.height = g; }  // a resize clears and reallocates
  const ctx = canvas.getContext("2d");
  ctx.putImageData(colourSurface(ctx.createImageData(g, g), values, scale, discrete), 0, 0);
}

// A class surface: each value is class * levels + confidence level (0 a toss-up, levels - 1 certain), as the server
// codes it; a cell takes its class's colour, paler where the network is less sure.
export function paintClassSurface(canvas, values, g, levels, discrete = false) {
  if (canvas.width !== g || canvas.height !== g) { canvas.width = g; canvas.height = g; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(g, g), d = img.data;
  for (let i = 0; i < values.length; i++) {
    const c = CLASS_COLOURS[Math.floor(values[i] / levels)] || CLASS_COLOURS[0];
    const a = discrete ? 0.85 : 0.15 + 0.7 * (values[i] % levels) / (levels - 1);
    for (let j = 0; j < 3; j++) d[4 * i + j] = Math.round(255 + (c[j] - 255) * a);
    d[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// Dots for data points on a canvas drawn over a surface; extent is the half-width of the plane shown. With three or
// more classes (classes > 2) each label is a class index and gets its class colour; else orange for 0, blue above.
export function paintPoints(canvas, points, labels, extent, scale = 4, hollow = false, classes = 0) {
  const ctx = canvas.getContext("2d");
  const size = canvas.width;
  for (let i = 0; i < points.length; i++) {
    const [x, y] = points[i];
    const px = ((x + extent) / (2 * extent)) * size, py = ((extent - y) / (2 * extent)) * size;
    const c = classes > 2 ? CLASS_COLOURS[labels[i]] || CLASS_COLOURS[0] : labels[i] > 0 ? POS : NEG;
    ctx.beginPath();
    ctx.arc(px, py, scale, 0, 2 * Math.PI);
    ctx.fillStyle = hollow ? "#fff" : `rgb(${c[0]},${c[1]},${c[2]})`;
    ctx.strokeStyle = hollow ? `rgb(${c[0]},${c[1]},${c[2]})` : "#fff";
    ctx.lineWidth = hollow ? 2 : 1;
    ctx.fill(); ctx.stroke();
  }
}

export function fmt(v, digits = 3) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v === "inf" ? "∞" : v === "-inf" ? "−∞" : v;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? Number(v.toPrecision(digits)).toString() : v.toExponential(digits - 1);
}
