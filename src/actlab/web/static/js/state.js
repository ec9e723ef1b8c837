// URL state through one table of keys, types and defaults. The query string holds the state, so a
// link reproduces a view; the #hash stays free for section links.

const parsers = {
  str: (s) => s,
  int: (s) => (/^-?\d+$/.test(s) ? parseInt(s, 10) : undefined),
  num: (s) => (s !== "" && Number.isFinite(Number(s)) ? Number(s) : undefined),
  bool: (s) => (s === "1" || s === "true" ? true : s === "0" || s === "false" ? false : undefined),
  list: (s) => s.split(",").map((v) => v.trim()).filter(Boolean),
  ints: (s) => (s === "" ? [] : s.split(",").map((v) => parseInt(v, 10)).filter((v) => Number.isInteger(v))),
};
const writers = { bool: (v) => (v ? "1" : "0"), list: (v) => v.join(","), ints: (v) => v.join(",") };

export function createState(schema) {
  // schema: { key: { type, default, choices? } }
  const params = new URLSearchParams(location.search);
  const values = {};
  for (const [key, spec] of Object.entries(schema)) {
    let v = params.has(key) ? parsers[spec.type](params.get(key)) : undefined;
    if (v !== undefined && spec.choices && ![].concat(v).every((x) => spec.choices.includes(x))) v = undefined;
    if (v !== undefined && spec.min !== undefined && v < spec.min) v = undefined;
    if (v !== undefined && spec.max !== undefined && v > spec.max) v = undefined;
    values[key] = v === undefined ? structuredClone(spec.default) : v;
  }
  const listeners = new Set();
  return {
    get: (key) => values[key],
    all: () => ({ ...values }),
    set(patch) {
      Object.assign(values, patch);
      const out = new URLSearchParams(location.search);
      for (const [key, spec] of Object.entries(schema)) {
        const v = values[key];
        const text = (writers[spec.type] || String)(v);
        const def = (writers[spec.type] || String)(spec.default);
        if (text === def) out.delete(key); else out.set(key, text);
      }
      const q = out.toString();
      history.replaceState(null, "", `${location.pathname}${q ? "?" + q : ""}${location.hash}`);
      listeners.forEach((fn) => fn(values));
    },
    subscribe: (fn) => listeners.add(fn),
  };
}
