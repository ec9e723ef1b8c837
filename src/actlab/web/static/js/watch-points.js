// The watch page's copy of the run: the points the lab sent (the server's RunHistory, kept by the same rule), the
// series the charts draw from them and the latest report. The server keeps the first `head` sampled steps, every
// `every`-th one after them up to report `recent_from` and every one after that (run_history.RunHistory), and the
// page holds the same points, dropping the ones the server dropped, so neither holds more than 1,756 points however
// long the run. Each kept point of the thinned stretch carries the range of the reports it stands for (its band: the
// lowest and highest loss and gradient, the most units dead, saturated and dormant), which the charts shade, so a
// spike between two drawn steps stays visible; a point the page drops widens the band of the kept one before it, as
// the server's does (run_history._widen). Split from watch.js, which draws what this holds.

export const finite = (v) => typeof v === "number" && Number.isFinite(v);
export const HEALTH_KEYS = ["dead", "saturated", "dormant"];

// what the page holds of the run. points: as the server keeps them ({index, step, loss, non_finite, grads, dead,
// saturated, dormant, units}: one per kept report, oldest first); spans: [first, last, how many] stretches of steps
// that held a NaN or an inf. Drawn from the points: per point its step, its finite loss, per layer its finite
// gradient and its share of units in the health measure chosen (null where the log holds no count); the bands, per
// point of the thinned stretch, [low, high, last step]; healthRows: per line of the health chart, [measure, layer].
// firstSeen: the first report that held a NaN or an inf, {step, previous, place} (the report before it, where the
// monitor met it); firstNan: the first NaN the banner names ({step, place}), kept for the run; lossSaid: per point
// the loss as the log holds it ("inf", null, a number), for the readout; previewing: the latest report drawn is the
// lab's preview, the newest report at the end of a log it is still reading.
export const view = { run: null };
export function resetView() {
  Object.assign(view, {
    next: 0, points: [], head: 0, every: 1, recentFrom: 0, spans: [], nonFinite: 0, total: 0,
    steps: [], losses: [], heldOutStep: [], heldOutAll: new Map(), heldOutX: [], heldOutY: [], history: [],
    health: [], names: [], lastFinite: null, latest: null, lossSaid: [],
    historyBands: [], healthBands: [], lossBands: [], lossLead: null, lossTail: null, tail: null, healthRows: [],
    firstSeen: null, previewing: false,
    firstNan: null, warm: [], warmUp: [], order: null, places: null, slots: null, numbers: null, folds: [],
    hidden: new Set(), ended: null, partNames: [], parts: [], partChance: [], chance: [], header: null,
    rateAll: new Map(), rateSeries: [],
  });
}
resetView();

// One answer's learning-rate changes ({group: [[step, rate], ...]}) into view.rateAll: numbers only (an end line is
// sent as the log holds it), a rate of 0 or more at an integer step; at most the server's bounds (limits.rate_points a
// group: past it, every other one goes, the first and the latest kept; limits.rate_groups_most groups)
function takeRates(given) {
  if (!given || typeof given !== "object") return;
  const { rate_points: most, rate_groups_most: groups } = view.limits;
  for (const [name, changes] of Object.entries(given)) {
    if (!Array.isArray(changes)) continue;
    if (!view.rateAll.has(name)) { if (view.rateAll.size >= groups) continue; view.rateAll.set(name, new Map()); }
    const kept = view.rateAll.get(name);
    for (const c of changes) {
      if (Array.isArray(c) && Number.isInteger(c[0]) && finite(c[1]) && c[1] >= 0) kept.set(c[0], c[1]);
    }
    if (kept.size > most) {
      const all = [...kept].sort((a, b) => a[0] - b[0]);
      view.rateAll.set(name, new Map(all.filter((_, i) => i % 2 === 0 || i === all.length - 1)));
    }
  }
}

// The learning-rate chart's lines, one per group: each rate held from its change to the next (a step drawn as a
// vertical rise at the change), the last to `end`. Groups whose every change read is the same (one schedule over
// the decayed weights and the others) are one line, named by all of them (W84 walkthrough finding 11: two lines
// drawn one over the other, and the sentence under the chart said the same thing twice). ``who``: the line's name,
// "group holding 'a'" or "groups holding 'a' and 'b'".
export function rateLines(end) {
  const lines = [];
  for (const [name, kept] of view.rateAll) {
    const all = [...kept].sort((a, b) => a[0] - b[0]), key = JSON.stringify(all);
    const same = lines.find((l) => l.key === key);
    if (same) { same.names.push(name); continue; }
    const x = [], y = [];
    all.forEach(([t, v], i) => { if (i) { x.push(t); y.push(all[i - 1][1]); } x.push(t); y.push(v); });
    if (all.length && end > all.at(-1)[0]) { x.push(end); y.push(all.at(-1)[1]); }
    lines.push({ name, names: [name], key, x, y, changes: all });
  }
  for (const l of lines) {
    const n = l.names;
    l.who = n.length === 1 ? `group holding ${n[0]}` : `groups holding ${n.slice(0, -1).join(", ")} and ${n.at(-1)}`;
  }
  return lines;
}

// A layer's name as the page shows it: an nn.Sequential's modules are named by bare indices ('1', '3', or '3#2' for
// a second call), which read as counts ('1: 1'), so those carry the module's class: '1 (ReLU)'.
export function layerName(l) {
  return /^\d+(#\d+)?$/.test(String(l.name)) && l.module_type ? `${l.name} (${l.module_type})` : l.name;
}

// A point's band: the range of the reports it stands for ({last: the last step, loss: [low, high], grads: per layer
// [low, high], dead, saturated, dormant: per layer the most}); a point that came without one stands for itself.
// The same as the server's run_history._band_of and _widen, so page and server hold the same bands.
function bandOf(p) {
  if (p.band) return p.band;
  const bad = p.non_finite;
  return { last: p.step, loss: !bad && finite(p.loss) ? [p.loss, p.loss] : null,
           grads: p.grads.map((g) => (bad || g === null || g === undefined ? null : [g, g])),
           ...Object.fromEntries(HEALTH_KEYS.map((key) => [key, (p[key] ?? []).map((v) => (bad ? null : v ?? null))])) };
}
const upper = (a, b) => (a === null || a === undefined ? b ?? null : b === null || b === undefined ? a : Math.max(a, b));
const span = (a, b) => (!a ? b ?? null : !b ? a : [Math.min(a[0], b[0]), Math.max(a[1], b[1])]);
const withLosses = (band, range) => (range ? { ...band, loss: span(band.loss, range) } : band);
// the loss chart's band: a thinned stretch's range, or the range of the steps between two sampled steps
export const LOSS_BAND_KEY = "band: lowest to highest loss up to the next point";  // whole at 420 px (W44)
// the held-out loss's key on the loss chart (Monitor.held_out), and the most held-out losses the page keeps: past it,
// every other one goes but the lowest and the latest: the server's rule, at the bound each answer carries
// (limits.held_out_points, run_history.HELD_OUT_POINTS)
export const HELD_OUT_KEY = "held-out loss (mon.held_out), every one given";  // (a dot each where they do not crowd)
function widen(band, other) {
  const n = Math.max(band.grads.length, other.grads.length);
  const pair = (a, b, f) => Array.from({ length: n }, (_, k) => f(a?.[k], b?.[k]));
  return { last: Math.max(band.last, other.last), loss: span(band.loss, other.loss), grads: pair(band.grads, other.grads, span),
           ...Object.fromEntries(HEALTH_KEYS.map((key) => [key, pair(band[key], other[key], upper)])) };
}

// The points of an answer join the page's, and the ones the server no longer keeps go (the same rule as its own),
// each widening the band of the kept point before it. Returns whether points were dropped (`thinned`: a step a
// readout named may have gone) and whether the charts' series must be drawn again (`changed`: then call series()).
export function take(data) {
  const { points } = view;
  const last = points.length ? points[points.length - 1].index : -1;
  const fresh = data.points.filter((p) => p.index > last);
  // the band of a thinned point the page has, as it grew since (reports the page had not read were thinned into it)
  if (data.grown) { const had = points.find((q) => q.index === data.grown.index); if (had) had.band = data.grown.band; }
  const before = points.length + fresh.length;
  // every held-out loss given, by the step it was given after: the server's list on the first answer, then those the
  // new points carry (W41: only the one each reading took in was drawn, 29 of 75, the lowest among those left out)
  for (const [t, v] of data.held_out ?? []) view.heldOutAll.set(t, v);
  for (const p of fresh) for (const [t, v] of p.held_out_given ?? []) view.heldOutAll.set(t, v);
  // and those given after the run's last sampled step, which its end line carries with the reading that takes them in
  view.ended = data.ended ?? null;
  view.tail = data.loss_tail ?? null;  // the steps after the last sampled one, from the end line (run_points.tail_of)
  view.limits = data.limits;  // the server's bounds (parts per point, held-out losses and rates kept), on every answer
  for (const [t, v] of view.ended?.held_out_given ?? []) view.heldOutAll.set(t, v);
  // the learning rate's changes, per parameter group: the server's lists on the first answer, then those the new
  // points and the end line carry (the monitor reads the rate at every optimiser step)
  for (const given of [data.rates, ...fresh.map((p) => p.rates), view.ended?.rates]) takeRates(given);
  if (view.heldOutAll.size > view.limits.held_out_points) {  // bounded on a page that follows a long run for hours
    const all = [...view.heldOutAll].sort((a, b) => a[0] - b[0]);
    const low = all.reduce((k, g, i) => (g[1] < all[k][1] ? i : k), 0);
    view.heldOutAll = new Map(all.filter((_, i) => i % 2 === 0 || i === low || i === all.length - 1));
  }
  view.firstSeen = data.first_seen ?? null;
  Object.assign(view, { head: data.head, every: data.every, recentFrom: data.recent_from, spans: data.spans,
                        nonFinite: data.non_finite, total: data.total });
  const held = [], all = points.concat(fresh);
  let keeper = null;  // the thinned point whose stretch the points after it join
  all.forEach((p, k) => {
    // the losses of the steps up to the next report, which that report carries (as the server's RunHistory takes
    // them in): a thinned stretch's loss band holds them
    const next = all[k + 1], after = next?.index === p.index + 1 ? next.between : null;
    if (p.index < view.head || p.index >= view.recentFrom) held.push(p);
    else if ((p.index - view.head) % view.every === 0) { p.band = withLosses(bandOf(p), after); held.push(p); keeper = p; }
    else if (keeper) keeper.band = withLosses(widen(keeper.band, bandOf(p)), after);
  });
  view.points = held;
  if (data.latest) {
    view.latest = data.latest;
    view.lastFinite = view.latest.non_finite ? data.latest_finite ?? view.lastFinite : view.latest;
  }
  // one name per series: the places the server keeps them by (W21: a place that did not run on the latest step,
  // an MoE expert given no token, had a line and no name), with an nn.Sequential index's class where a report gave it
  // the page lists the places in the forward order the log records (the server's `order`; V25: the charts listed
  // them in the header's order, the order the model registers its modules, while the bars took the forward order);
  // view.slots[k]: where the k-th place's figures sit in a point (the server's slot, in `places` order)
  if (data.places) Object.assign(view, { order: data.order ?? data.places, serverPlaces: data.places });
  if (data.last_ran) view.lastRan = data.last_ran;
  view.latestOf = new Map((view.latest?.layers ?? []).map((l) => [l.name, l]));
  view.header = data.header;
  arrange(data.header.layers);
  return { thinned: held.length < before, changed: fresh.length > 0 || held.length !== view.steps.length };
}

// A module called FOLD_CALLS or more times in one forward ('act', then 'act#2' to 'act#6') fills every chart with its
// calls (V25); its later calls are folded, the first shown, until the reader asks for all (view.showAll).
export const FOLD_CALLS = 4;
view.showAll = false;

// view.places: the places shown, in the forward order; view.numbers[k]: the k-th one's number in that order (a
// folded call keeps its number, so a layer is numbered alike folded or not); view.folds: [module, later calls]
function arrange(headerLayers) {
  const order = view.order;
  if (order) {
    const later = new Map();
    for (const name of order) {
      const call = /^(.*)#\d+$/.exec(name);
      if (call && order.includes(call[1])) later.set(call[1], [...(later.get(call[1]) ?? []), name]);
    }
    view.folds = [...later].filter(([, calls]) => calls.length + 1 >= FOLD_CALLS);
    view.hidden = new Set(view.showAll ? [] : view.folds.flatMap(([, calls]) => calls));
    view.places = order.filter((name) => !view.hidden.has(name));
    view.numbers = view.places.map((name) => order.indexOf(name) + 1);
    view.slots = view.places.map((name) => view.serverPlaces.indexOf(name));
  }
  view.names = view.places ? view.places.map((n) => layerName(view.latestOf.get(n) ?? { name: n })) :
    view.latest ? view.latest.layers.map(layerName) : (headerLayers ?? []);
}

// the folded calls shown, or folded again: the page draws the series again (series())
export function showAllCalls(all) {
  view.showAll = all;
  arrange();
}

// the number the page gives the k-th layer it shows (its place in the forward order)
export const numberOf = (k) => view.numbers?.[k] ?? k + 1;

// whether the k-th place shown has run on no sampled step read so far: a module the header names that the forward
// never calls (W89 walkthrough finding 10: '41: act' in the legend of a loop of 40 torch.tanh calls, beside an
// nn.Tanh the model holds and never runs), said beside its name on the charts' keys as the table's row says it
export const neverRan = (k) => Boolean(view.latest && view.lastRan && view.places) && !(view.places[k] in view.lastRan);

// the k-th place's entry of one of a point's per-place arrays (grads, dead, units, ...), in the page's order
export const ofPlace = (arr, k) => arr?.[view.slots ? view.slots[k] : k];

// The series the charts draw, from the points; `health` is the health chart's choice ({all, measure, layer}).
export function series(health) {
  const held = view.points;
  view.steps = held.map((p) => p.step);
  // a step that held a NaN or an inf is a red mark, not a point: its loss is not drawn either
  view.losses = held.map((p) => (!p.non_finite && finite(p.loss) ? p.loss : null));
  view.lossSaid = held.map((p) => p.loss ?? null);
  // the script's held-out losses (Monitor.held_out), each at the step it was given after, in order; and per point the
  // step of the one its reading took in (the readout names it)
  const given = [...view.heldOutAll].filter(([, v]) => finite(v)).sort((a, b) => a[0] - b[0]);
  view.heldOutX = given.map(([t]) => t);
  view.heldOutY = given.map(([, v]) => v);
  view.heldOutStep = held.map((p) => (Array.isArray(p.held_out) ? p.held_out[0] : null));
  // the loss's named parts (s.parts): per name, in the order first given (at most limits.parts_most, as the server
  // keeps them), its value at each point, null where that step gave none or held a NaN or an inf
  const names = [], most = view.limits?.parts_most ?? 0;  // (none before the server's first answer)
  for (const p of held) {
    for (const name of Object.keys(p.parts ?? {})) if (!names.includes(name) && names.length < most) names.push(name);
  }
  view.partNames = names;
  // each part's chance level, where the log's header gives one (Monitor(part_chance=...)): a number above 0
  const levels = view.header?.part_chance;
  view.partChance = names.map((name) => (levels && typeof levels === "object" && finite(levels[name]) &&
    levels[name] > 0 ? levels[name] : null));
  view.parts = names.map((name) => held.map((p) => (!p.non_finite && finite(p.parts?.[name]) ? p.parts[name] : null)));
  // the chance level each reading judged the loss against (chance_loss), null where none (W84 walkthrough finding 11)
  view.chance = held.map((p) => (finite(p.chance) && p.chance > 0 ? p.chance : null));
  const layers = view.slots ? view.slots.length :
    held.reduce((n, p) => Math.max(n, p.grads.length), 0);  // a new header adds places
  view.history = Array.from({ length: layers }, (_, k) => held.map((p) => ofPlace(p.grads, k) ?? null));
  // the bands, [low, high, last step] per point of the thinned stretch (null elsewhere)
  const banded = (range, p) => (range ? [range[0], range[1], p.band.last] : null);
  view.historyBands = Array.from({ length: layers }, (_, k) => held.map((p) => banded(ofPlace(p.band?.grads, k), p)));
  // the steps before the run's first sampled step, whose losses its report carries: a band of their own from the
  // first of them to that step, [low, high, first step, the sampled step] (W73 walkthrough finding 8: every="auto"
  // sampled step 4 first, and a blow-up to 634 at step 3 that the headline named was on no chart); null: none
  const lead = held[0];
  view.lossLead = lead && lead.index === 0 && lead.between && Number.isInteger(lead.between_from) &&
    lead.between_from < lead.step ? [lead.between[0], lead.between[1], lead.between_from, lead.step] : null;
  // the steps after the last sampled one, whose losses the end line carries: a band from that step to the last of
  // them, [low, high, the sampled step, the last step] (W74 walkthrough finding 12: the 49 steps after the last
  // sampled one were on no chart); null: none, none finite, or the page does not hold the last point yet. Where the
  // end line holds the last of more steps (the monitor keeps the latest 100), the band begins at the first it holds
  const tail = view.tail, last = held.at(-1);
  view.lossTail = tail?.range && last && tail.after === last.step && tail.to > last.step ?
    [tail.range[0], tail.range[1], tail.from > last.step + 1 ? tail.from : last.step, tail.to] : null;
  // a point of its own: the range of its loss and of the steps up to the next point, which that one carries (W32)
  view.lossBands = held.map((p, i) => {
    if (p.band) return banded(p.band.loss, p);
    const next = held[i + 1];
    if (!next?.between || next.index !== p.index + 1) return null;
    const range = span(!p.non_finite && finite(p.loss) ? [p.loss, p.loss] : null, next.between);
    // the first step whose loss the monitor held (it holds the latest 100: under every=1000, the last 100 of 999)
    return [range[0], range[1], next.step - 1, Number.isInteger(next.between_from) ? next.between_from : p.step + 1];
  });
  healthShares(health);
}

// The monitor calls a unit dead only once its window holds DEAD_EVIDENCE sampled batches (interop/_monitor_base, the
// same number; fewer where Monitor(window=...) is smaller), or more where its batches hold few points: a layer's
// `dead_from` says how many (100 points at least, W34: at batch size 1, 100 batches). Before that every layer's dead
// count is 0, whatever its units do, unless all of them are off. Those first sampled steps are the warm-up: the health chart draws no dead share there and shades
// them (W19: units dead from the start read 0% for sampled steps 1 to 16, then 47% at step 21, as if they had died
// there). A layer's batches are counted as the monitor counts them: its finite sampled steps (a step that held a
// NaN or an inf adds none). The first 256 points are never thinned, so the count is exact. A log whose reports do not
// give the window (written by other means than a Monitor) is given no warm-up. Returns per layer, per point, the
// batch the point is of where it is in the warm-up, else 0.
export const DEAD_EVIDENCE = 5;
export function warmUp(layers) {
  const { points, latest } = view;
  view.deadNeed = DEAD_EVIDENCE;
  view.deadNeeds = [];  // per layer: the batches its dead count waits for
  return Array.from({ length: layers }, (_, k) => {
    const finiteHeld = points.filter((p) => !p.non_finite).length;
    const row = view.places ? view.latestOf?.get(view.places[k]) : latest?.layers?.[k];
    const window = row?.window;
    if (!Number.isInteger(window)) return points.map(() => 0);  // a log that does not say its window: none assumed
    // the monitor's own figure where the log gives it; else a window of fewer batches than DEAD_EVIDENCE, full by
    // now (the page holds more steps than it covers)
    const need = Number.isInteger(row.dead_from) && row.dead_from > 0 ? row.dead_from
      : window < DEAD_EVIDENCE && finiteHeld > window ? window : DEAD_EVIDENCE;
    if (k === 0 || need < view.deadNeed) view.deadNeed = need;
    view.deadNeeds[k] = need;
    let seen = 0;
    return points.map((p) => {
      if (p.index >= view.head) return 0;  // past the unthinned head: long after any warm-up
      if (!p.non_finite) seen++;
      return seen < need && !p.non_finite && !(stoppedOf(p, k) > 0) ? seen : 0;
    });
  });
}

// The units the dead share draws at a point: the dead ones and those gone silent (on before, then off on every point
// of the latest sampled batches, counted dead once off for DEAD_EVIDENCE in a row at least). The reading names a layer dying
// from both (W30/W31: it dated units killed at step 211 while the dead share, waiting for 5 sampled batches, stayed
// at 0 until 251). null where the log counts no dead units.
export function stoppedOf(p, k) {
  const dead = ofPlace(p?.dead, k), silent = ofPlace(p?.silent, k);
  return typeof dead !== "number" ? null : dead + (Number.isInteger(silent) && silent > 0 ? silent : 0);
}

// Per layer, the share of its units in the chosen measure at each point (null where the log counts none, and for
// the dead share in the warm-up), and on the thinned stretch the band from that share up to the most its stretch
// counted; with `all`, the three measures of one layer instead. view.warm: per line, the warm-up's batch per point.
export function healthShares({ all, measure, layer }) {
  const { points } = view;
  view.healthRows = all ? HEALTH_KEYS.map((key) => [key, Math.min(layer, view.history.length - 1)])
    : Array.from({ length: view.history.length }, (_, k) => [measure, k]);
  const warm = view.warmUp = warmUp(view.history.length);
  view.warm = view.healthRows.map(([key, k]) => (key === "dead" ? warm[k] : points.map(() => 0)));
  view.health = view.healthRows.map(([key, k], r) => points.map((p, i) => {
    const n = key === "dead" ? stoppedOf(p, k) : ofPlace(p[key], k), units = ofPlace(p.units, k);
    return p.non_finite || typeof n !== "number" || !units || view.warm[r][i] ? null : n / units;
  }));
  // (a thinned stretch's band holds the most dead units it counted; the silent ones of its own point are added by
  // the line, which the band never goes under)
  view.healthBands = view.healthRows.map(([key, k], r) => points.map((p, i) => {
    const most = ofPlace(p.band?.[key], k), units = ofPlace(p.units, k);
    if (typeof most !== "number" || !units) return null;
    const line = view.health[r][i];
    return [line ?? most / units, Math.max(most / units, line ?? 0), p.band.last];
  }));
}

// Whether the loss is drawn on a log axis: every finite value is above 0 and the largest is at least 10 times the
// smallest (a diverging run: 131 then 1.3e7 would sit on the floor of a linear axis running to 4e21; a first loss of
// 61.9 put a character model's losses of 2.5 to 3.5 in the bottom 2% of a linear axis to 70, W70 walkthrough).
export const LOSS_DECADES = 1;
export function lossIsLog(values) {
  const ok = values.filter(Number.isFinite);
  if (!ok.length || ok.some((v) => v <= 0)) return false;
  return Math.log10(Math.max(...ok) / Math.min(...ok)) >= LOSS_DECADES;
}

// the left margin: wide enough for the widest tick label (a loss of 3.2e+32 is not clipped)
