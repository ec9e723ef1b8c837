// URL state through one table of keys, types and defaults. The query string holds the state, so a
// link reproduces a view; the #hash stays free for section links. A page builds its table from /api/options
// (choices and limits are the core's); a value the table refuses is reported, with what is allowed, and the
// default is used instead.

// An activation with parameters, written as the CLI's --activation writes it: leaky_relu(negative_slope=0.1).
// In the state it is { name, params } (params: only the values set; the rest are the record's defaults).
export function formatActivation({ name, params = {} }) {
  const set = Object.entries(params);
  return set.length ? `${name}(${set.map(([k, v]) => `${k}=${v === null ? "none" : v}`).join(",")})` : name;
}

// "relu,hardtanh(min_val=-2,max_val=2)" -> the items, split at the commas outside brackets
function splitTopLevel(text) {
  const items = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth += 1;
    else if (text[i] === ")") depth -= 1;
    else if (text[i] === "," && depth === 0) { items.push(text.slice(start, i)); start = i + 1; }
    if (depth < 0) throw new Error(`a ")" without its "(" in ${JSON.stringify(text)}`);
  }
  if (depth) throw new Error(`a "(" is never closed in ${JSON.stringify(text)}`);
  items.push(text.slice(start));
  return items.map((s) => s.trim()).filter(Boolean);
}

function parseActivation(text) {
  const m = /^([A-Za-z_][A-Za-z0-9_-]*)\s*(?:\((.*)\))?$/s.exec(text.trim());
  if (!m) throw new Error(`${JSON.stringify(text)} is not a name or name(param=value, ...)`);
  const params = {};
  for (const part of (m[2] || "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const pm = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)$/.exec(part);
    const value = pm && (pm[2].toLowerCase() === "none" ? null : Number(pm[2]));
    if (!pm || (value !== null && !Number.isFinite(value))) {
      throw new Error(`${JSON.stringify(part)} in ${JSON.stringify(text)}: write parameters as name=number`);
    }
    params[pm[1]] = value;
  }
  return { name: m[1].toLowerCase().replace(/-/g, "_"), params };
}

const parsers = {
  str: (s) => s,
  int: (s) => (/^-?\d+$/.test(s) ? parseInt(s, 10) : undefined),
  num: (s) => (s !== "" && Number.isFinite(Number(s)) ? Number(s) : undefined),
  bool: (s) => (s === "1" || s === "true" ? true : s === "0" || s === "false" ? false : undefined),
  list: (s) => s.split(",").map((v) => v.trim()).filter(Boolean),
  ints: (s) => (s === "" ? [] : /^\s*\d+\s*(,\s*\d+\s*)*$/.test(s) ? s.split(",").map((v) => parseInt(v, 10)) : undefined),
  acts: (s) => splitTopLevel(s).map(parseActivation),
};
const writers = { bool: (v) => (v ? "1" : "0"), list: (v) => v.join(","), ints: (v) => v.join(","),
                  acts: (v) => v.map(formatActivation).join(",") };
const kinds = { int: "a whole number", num: "a number", bool: "1 or 0", ints: "whole numbers separated by commas" };

// Why a parsed value is refused, or null when it is fine. Spec fields: choices, min, max (of a number, or of each
// item of a list), maxItems. A key with none of them is only
// parsed here (the playground's run settings: the server checks those, POST /api/options/check).
function refusal(v, spec) {
  const items = [].concat(v);
  if (spec.choices) {
    const bad = items.find((x) => !spec.choices.includes(x));
    if (bad !== undefined) return `${JSON.stringify(bad)} is not allowed; allowed: ${spec.choices.join(", ")}`;
  }
  if (spec.maxItems !== undefined && items.length > spec.maxItems) return `at most ${spec.maxItems} items; got ${items.length}`;
  const low = items.find((x) => typeof x === "number" && spec.min !== undefined && x < spec.min);
  const high = items.find((x) => typeof x === "number" && spec.max !== undefined && x > spec.max);
  if (low !== undefined || high !== undefined) {
    const range = spec.max === undefined ? `at least ${spec.min}` : spec.min === undefined ? `at most ${spec.max}` : `${spec.min} to ${spec.max}`;
    return `${low ?? high} is out of range; allowed: ${range}`;
  }
  return null;
}

// a setting's value in a sentence: none for null (no stop epoch, no target loss), else as the address writes it
const shown = (spec, v) => (v == null ? "none" : (writers[spec.type] || String)(v));

// a value as the address shows it: commas, "=" and brackets stay readable (they are safe inside a query value)
const readable = (v) => encodeURIComponent(v).replace(/%2C/g, ",").replace(/%3D/g, "=");

// the known key nearest a misspelt one (a few edits away, or one containing the other), or undefined
export function nearestKey(key, known) {
  const distance = (a, b) => {
    let row = [...Array(b.length + 1).keys()];
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  const scored = known.map((k) => [k.includes(key) || key.includes(k) ? 0 : distance(key, k), k]).sort((x, y) => x[0] - y[0]);
  return scored.length && scored[0][0] <= Math.max(2, Math.floor(key.length / 3)) ? scored[0][1] : undefined;
}

// options.known: the keys a page offers (those of the table that it still reads but no longer offers, such as an
// old link's, left out); given, a key of the address outside the table is named, with the nearest known key, and
// ignored, and the known keys are listed once
export function createState(schema, { known = null } = {}) {
  // schema: { key: { type, default, choices?, min?, max?, maxItems? } }
  const params = new URLSearchParams(location.search);
  const values = {};
  const problems = [];  // what the address held that could not be used: "init: "x" is not allowed; allowed: ..."
  const unknown = known ? [...new Set(params.keys())].filter((key) => !(key in schema)) : [];
  for (const key of unknown) {
    const near = nearestKey(key, known);
    problems.push(`unknown setting ${JSON.stringify(key)}${near ? `; did you mean ${JSON.stringify(near)}?` : ""}`);
  }
  if (unknown.length) problems.push(`${unknown.length === 1 ? "it is" : "they are"} ignored; the settings: ${known.join(", ")}`);
  for (const [key, spec] of Object.entries(schema)) {
    let v;
    if (params.has(key)) {
      const raw = params.get(key);
      let why = null;
      try {
        v = parsers[spec.type](raw);
        if (v === undefined) why = `${kinds[spec.type] || "a value"}; got ${JSON.stringify(raw)}`;
        else if (spec.type === "list" && spec.choices) {  // a list drops only the items it cannot use
          const bad = v.filter((x) => !spec.choices.includes(x));
          if (bad.length) {
            problems.push(`${key}: ${bad.map((x) => JSON.stringify(x)).join(", ")} ${bad.length === 1 ? "is" : "are"} not allowed `
                          + `and left out; allowed: ${spec.choices.join(", ")}`);
            v = v.filter((x) => spec.choices.includes(x));
            if (!v.length) v = undefined;
          }
        }
        if (v !== undefined && why === null) why = refusal(v, spec);
      } catch (err) {
        why = err.message;
      }
      if (why) {
        problems.push(`${key}: ${why}; using the default (${shown(spec, spec.default)})`);
        v = undefined;
      }
    }
    values[key] = v === undefined ? structuredClone(spec.default) : v;
  }
  const listeners = new Set();
  return {
    get: (key) => values[key],
    all: () => structuredClone(values),
    defaultOf: (key) => structuredClone(schema[key].default),
    written: (key, v) => (writers[schema[key].type] || String)(v),
    defaultText: (key) => shown(schema[key], schema[key].default),
    problems,
    set(patch) {
      Object.assign(values, patch);
      const out = new URLSearchParams(location.search);
      for (const [key, spec] of Object.entries(schema)) {
        const v = values[key];
        const text = (writers[spec.type] || String)(v);
        const def = (writers[spec.type] || String)(spec.default);
        if (text === def) out.delete(key); else out.set(key, text);
      }
      const q = [...out].map(([k, v]) => `${encodeURIComponent(k)}=${readable(v)}`).join("&");
      history.replaceState(null, "", `${location.pathname}${q ? "?" + q : ""}${location.hash}`);
      listeners.forEach((fn) => fn(values));
    },
    subscribe: (fn) => listeners.add(fn),
  };
}
