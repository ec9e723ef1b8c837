// The axis pieces the watch page's two kinds of chart share (watch-charts.js's lines over the steps, watch-bars.js's
// bars per layer): the y axis with its labels and grid, the left margin its labels need, and the height of a line
// of the charts' text.
import { M } from "./watch-keys.js";

export const TEXT_H = 11;  // px: the height of a line of the charts' 11 px text, for the boxes the tests compare
export { ZERO_ROW } from "./livechart.js";  // the playground's log charts put their 0 row as far down
export const positive = (v) => Number.isFinite(v) && v > 0;

export const leftMargin = (ctx, labels) => Math.max(M.l, Math.ceil(Math.max(0, ...labels.map((s) => ctx.measureText(s).width))) + 10);

export function yAxis(ctx, l, w, top, bottom, ticks) {
  ctx.strokeStyle = "#eee"; ctx.fillStyle = "#5b6570"; ctx.lineWidth = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const { y, label } of ticks) {
    const py = Math.round(y) + 0.5;
    ctx.beginPath(); ctx.moveTo(l, py); ctx.lineTo(w - M.r, py); ctx.stroke();
    ctx.fillText(label, l - 4, py);
  }
  ctx.strokeStyle = "#bbb";
  ctx.beginPath(); ctx.moveTo(l + 0.5, top); ctx.lineTo(l + 0.5, bottom); ctx.stroke();
}
