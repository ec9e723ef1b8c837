// Shared chart look: the Okabe-Ito colour-blind-safe palette, one layout, redraws through Plotly.react.

export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"];
export const NEG = [230, 159, 0];   // orange: negative / class 0
export const POS = [0, 114, 178];   // blue: positive / class 1
// three or more classes: class 0 and 1 keep orange and blue, then the rest of Okabe-Ito and two more, for up to 10
export const CLASS_COLOURS = [NEG, POS, [0, 158, 115], [204, 121, 167], [213, 94, 0], [86, 180, 233], [240, 228, 66],
                              [0, 0, 0], [136, 34, 85], [153, 153, 153]];

// Every axis, the views' own included, gets this look (a view's own axis settings are merged over it).
const AXIS = { zeroline: true, zerolinecolor: "#bbb", gridcolor: "#eee" };

export function layout(overrides = {}) {
  const axes = Object.fromEntries(Object.entries(overrides).filter(([k]) => /^[xy]axis\d*$/.test(k))
    .map(([k, v]) => [k, { ...AXIS, ...v }]));
  return {
    margin: { l: 55, r: 15, t: 30, b: 45 }, font: { family: "system-ui, sans-serif", size: 12 },
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff", hovermode: "x unified",
    legend: { orientation: "h", y: -0.2 }, colorway: PALETTE,
    xaxis: { ...AXIS }, yaxis: { ...AXIS },  // copies: Plotly writes autorange results into the layout
    ...overrides, ...axes,
  };
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
  // no mode bar: its buttons sat inside role="img" charts (unreachable by a screen reader, 50 of the lesson's Tab
  // stops) and covered chart titles on phones; hovering still reads values out
  return Plotly.react(el, traces, layout(layoutOverrides), { displaylogo: false, displayModeBar: false, responsive: true });
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
