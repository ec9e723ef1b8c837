// The watch charts' keys and text: the margins, the line colours (a palette for a few lines, a ramp of colours each
// dark enough on white for many), text fitted or wrapped to a width, layer names shortened to what tells them apart,
// the keys drawn along a chart's top, and the sentence a chart shows before it has anything to draw. watch-charts.js
// draws the charts with them.
import { PALETTE } from "./charts.js";
import { sized } from "./livechart.js";

export const M = { l: 48, r: 10, t: 20, b: 34 };
export const NAN_COLOUR = "#b3261e";
const BAND_FILL = "rgba(91, 101, 112, 0.25)", BAND_EDGE = "#5b6570";  // the key's swatch for the thinned bands
export const BAND_KEY = "band: the lowest to highest value of each thinned stretch";
export const WARM_FILL = "rgba(91, 101, 112, 0.08)", WARM_EDGE = "rgba(91, 101, 112, 0.35)";  // the dead count's warm-up
export const MANY = 8;  // past this many lines, a shaded ramp replaces the named keys

// WCAG 2's contrast of hsl(h, s%, l%) against the white of the charts: (1.05) / (relative luminance + 0.05)
function contrastOnWhite(h, s, l) {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const channel = (m) => {
    const k = (m + h / 30) % 12, v = l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 1.05 / (0.2126 * channel(0) + 0.7152 * channel(8) + 0.0722 * channel(4) + 0.05);
}
export const LINE_CONTRAST = 3.2;  // WCAG 2.1's 3:1 for graphics, with a little to spare

// the k-th of n lines' colour: the palette for a few, a ramp from dark blue (first layer) to orange (last) for many.
// Each colour of the ramp is made darker where it would stand out from the white by less than LINE_CONTRAST (V11:
// the greens and yellows of a 34-layer net's middle layers had 1.6:1, hard to see as 1.5 px lines).
export function lineColour(k, n) {
  if (n <= MANY) return PALETTE[k % PALETTE.length];
  const t = n > 1 ? k / (n - 1) : 0, hue = Math.round(215 - 185 * t);
  let light = Math.round(32 + 20 * t);
  while (light > 15 && contrastOnWhite(hue, 75, light) < LINE_CONTRAST) light--;
  return `hsl(${hue}, 75%, ${light}%)`;
}

// text cut to `max` px with an ellipsis (the full text is in the hover readout and the table)
export function fitText(ctx, text, max) {
  if (ctx.measureText(text).width <= max) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > max) s = s.slice(0, -1);
  return `${s}…`;
}

// text broken at spaces into lines of at most `max` px (a word longer than that is cut with an ellipsis)
export function wrapText(ctx, text, max) {
  const out = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (!line || ctx.measureText(next).width <= max) { line = next; continue; }
    out.push(fitText(ctx, line, max)); line = word;
  }
  if (line) out.push(fitText(ctx, line, max));
  return out;
}

// text cut from the front to `max` px with an ellipsis, so its end stays: a layer name's end is the place itself
// ("linear1:gelu"), and its numbers tell the layers apart
export function fitTail(ctx, text, max) {
  if (ctx.measureText(text).width <= max) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`…${s}`).width > max) s = s.slice(1);
  return `…${s}`;
}

// Layer names shortened to what tells them apart: the dotted parts all of them share at the front are cut, keeping
// the last shared part in front for context. Given `fits` (name, index) => bool, the first form whose names all fit
// is taken: the rest of the name to its end ("…layers.0.linear1:gelu"), then the same without the shared part in
// front ("…0.linear1:gelu"). Else, or where none fits, the parts shared at the back are cut too ("…layers.3…"; R17:
// the TransformerEncoder's keys lost "linear1:gelu" at 1280 px, where the end had room). A name is kept whole where
// nothing is shared; the readout and the table give every name in full.
export function distinctNames(names, fits = null) {
  const parts = names.map((n) => n.split("."));
  if (new Set(names).size < 2) return names;
  let front = 0, back = 0;
  const shortest = Math.min(...parts.map((p) => p.length));
  while (front < shortest - 1 && parts.every((p) => p[front] === parts[0][front])) front++;
  while (back < shortest - front - 1 && parts.every((p) => p[p.length - 1 - back] === parts[0][parts[0].length - 1 - back])) back++;
  const keep = Math.max(front - 1, 0);
  const ends = fits && (front || back) ? [keep, front].filter((from, i, all) => from > 0 && all.indexOf(from) === i)
    .map((from) => parts.map((p) => `…${p.slice(from).join(".")}`)) : [];
  const cut = !front && !back ? names :
    parts.map((p) => `${front ? "…" : ""}${p.slice(keep, p.length - back).join(".")}${back ? "…" : ""}`);
  const found = ends.find((form) => form.every(fits));
  if (found || !fits || cut.every(fits)) return found ?? cut;
  return dropShared(names, fits) ?? cut;
}

// Names whose dotted ends differ but whose words are shared all the same (W19: a ResNet's "stem:relu",
// "blocks.0.c1>batch_norm:relu", "blocks.0.c2>add:relu"...: nothing shared at the front, so each key was cut to the
// same "…tch_norm:relu"): the names are split into words at ".", ">" and ":", and the word most of them hold (the
// longer of two as common) among those of the names still too long is left out of all of them, a "…" in its place,
// again and again until every name fits or no word can go without two names becoming the same (or a name empty):
// "…0.c1…", "…0.c2>add…". Null where nothing could go.
const WORD_SEP = /(?=[.>:])/;
function dropShared(names, fits) {
  let words = names.map((n) => n.split(WORD_SEP).map((w) => ({ text: w.replace(/^[.>:]/, ""), raw: w, gone: false })));
  const said = (ws) => ws.map((w, j) => (w.gone ? (ws[j - 1]?.gone ? "" : "…") :
    ws[j - 1]?.gone ? w.text : j ? w.raw : w.text)).join("");
  const distinct = new Set(names).size;
  const tried = new Set();
  let form = null;
  for (;;) {
    const held = new Map();  // a word -> how many names still hold it
    words.forEach((ws) => new Set(ws.filter((w) => !w.gone).map((w) => w.text)).forEach((t) => held.set(t, (held.get(t) ?? 0) + 1)));
    const short = (form ?? names).map((n, k) => !fits(n, k));  // only a word of a name still too long goes
    const wanted = new Set(words.flatMap((ws, k) => (short[k] ? ws.map((w) => w.text) : [])));
    const order = [...held].filter(([t, n]) => n > 1 && !tried.has(t) && wanted.has(t))
      .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length);
    if (!order.length) return form;
    const [word] = order[0];
    tried.add(word);
    const next = words.map((ws) => ws.map((w) => (w.text === word ? { ...w, gone: true } : w)));
    const names2 = next.map(said);
    if (next.some((ws) => ws.every((w) => w.gone)) || new Set(names2).size < distinct) continue;
    words = next; form = names2;
    if (form.every(fits)) return form;
  }
}

export const dashOf = (dash) => (Array.isArray(dash) ? dash : dash ? [4, 3] : []);  // true: the palette's second round
export const keyRoom = (w, n) => Math.max(90, (w - M.l - M.r) / Math.max(n, 2) - 32);  // px for one key's name

// Named keys along the top, wrapped onto a second row when they do not fit; a name longer than a third of the
// width is cut with an ellipsis. Returns the height the keys took.
export function keys(ctx, items, w, start = M.l, drawn = [], room = keyRoom(w, items.length)) {
  let x = start, y = 9;
  ctx.textAlign = "left"; ctx.textBaseline = "middle";
  for (const { name, color, dash, band, whole, tail, warm } of items) {
    // a key marked whole (the band's, a unit-health measure's) is cut only where the chart's width is too short; a
    // layer's (tail) is cut at the front, so that its end stays
    // a layer's number stays in front ("4: …tch_norm:relu" had lost its "4: ", W19)
    const [, number = "", rest = name] = tail ? /^(\d+: )?(.*)$/s.exec(name) : [];
    const label = band || whole || warm ? fitText(ctx, name, w - M.l - M.r - 18) :
      tail ? number + fitTail(ctx, rest, room - ctx.measureText(number).width) : fitText(ctx, name, room);
    const width = 18 + ctx.measureText(label).width + 14;
    if (x > M.l && x + width > w - M.r) { x = M.l; y += 14; }
    if (warm) {  // a hatched swatch: the steps before the monitor counts dead units
      ctx.fillStyle = WARM_FILL; ctx.fillRect(x, y - 5, 14, 10);
      ctx.strokeStyle = WARM_EDGE; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y - 4.5, 13, 9);
      ctx.beginPath(); ctx.moveTo(x + 2, y + 5); ctx.lineTo(x + 10, y - 5); ctx.stroke();
    } else if (band) {  // a shaded swatch: the range a thinned stretch held
      ctx.fillStyle = BAND_FILL; ctx.fillRect(x, y - 5, 14, 10);
      ctx.strokeStyle = BAND_EDGE; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y - 4.5, 13, 9);
    } else {
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash(dashOf(dash));
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 14, y); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = "#333"; ctx.fillText(label, x + 18, y);
    drawn.push({ label, left: x, right: x + width - 14, y });
    x += width;
  }
  return y - 9;
}

// The key for many lines: a ramp of their colours between the first and the last line's names.
export const rampRoom = (w) => (w - M.l - M.r - 70) / 2;  // px for each of the ramp key's two names
export function rampKey(ctx, first, last, n, w, drawn = []) {
  ctx.textBaseline = "middle"; ctx.textAlign = "left"; ctx.fillStyle = "#333";
  const room = rampRoom(w);
  const a = fitTail(ctx, first, room), b = fitTail(ctx, last, room);  // layer names: their ends stay
  drawn.push(a, b);
  ctx.fillText(a, M.l, 9);
  const x0 = M.l + ctx.measureText(a).width + 6, x1 = x0 + 50;
  for (let k = 0; k < n; k++) {
    ctx.fillStyle = lineColour(k, n);
    ctx.fillRect(x0 + (k / n) * (x1 - x0), 4, (x1 - x0) / n + 0.5, 10);
  }
  ctx.fillStyle = "#333"; ctx.fillText(b, x1 + 6, 9);
  return x1 + 6 + ctx.measureText(b).width + 14;
}

// A chart with nothing to draw yet: only a sentence saying when it will have something (its lines wrapped to fit)
export function chartNote(canvas, text) {
  canvas.drawn = null; canvas.geom = null;
  canvas.redraw = () => chartNote(canvas, text);
  const { ctx, w, h } = sized(canvas);  // cleared
  ctx.fillStyle = "#5b6570"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
  const lines = wrapText(ctx, text, w - 40);
  lines.forEach((line, k) => ctx.fillText(line, w / 2, h / 2 + 16 * (k - (lines.length - 1) / 2)));
  canvas.emptyNote = text;
}
