// Shows the engine's reading of a network (readings.Reading as JSON): its words in bold, then the remedy, then any
// other findings, coloured by whether it is a failure. The words come from the server; nothing is judged here.
const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : "");

function span(cls, text) {
  const el = document.createElement("span");
  el.className = cls;
  el.textContent = text;
  return el;
}

export function showReading(el, reading) {
  if (!reading) { el.replaceChildren(); el.className = "reading"; delete el.dataset.status; return; }
  const parts = [span("reading-words", `${cap(reading.words)}.`)];
  if (reading.remedy) parts.push(span("reading-remedy", ` ${reading.remedy}`));
  // the findings the headline does not already say (readings.Reading.others); a log written before it had only
  // `findings`, every one after the headline
  const rest = reading.others || (reading.findings || []).slice(1);
  const others = rest.map((f) => `Also ${f.words}.`).join(" ");
  if (others) parts.push(span("reading-more", ` ${others}`));
  el.replaceChildren(...parts);
  el.className = `reading ${reading.is_failure ? "failure" : reading.status === "healthy" ? "healthy" : "neutral"}`;
  el.dataset.status = reading.status;
}

// Python's "{:.Ng}" and "{:.Ne}" as Python writes them: trailing zeros dropped (g), a signed exponent of two digits
// or more. JavaScript rounds an exact tie up where Python rounds it to even (0.125 to 2 digits: "0.13", "0.12").
function pyExp(v, digits) {
  const [m, e] = v.toExponential(digits).split("e");
  const n = Number(e);
  return { m, n, e: `${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}` };
}
function pyG(v, precision) {
  const { m, n, e } = pyExp(v, precision - 1);
  const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  return n < -4 || n >= precision ? `${strip(m)}e${e}` : strip(v.toFixed(precision - 1 - n));
}

// A ratio as the readings' words write it (readings.sci in Python: 1.5e-7, 0.37, 4.2e3), so that a number a reading
// quotes is found, character for character, beside it. null (a ratio with nothing to divide by) is "—".
export function sci(v) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;  // "inf", "-inf": JSON has no infinity
  if (Number.isNaN(v)) return "nan";
  if (v === 0) return "0";
  if (Math.abs(v) >= 0.01 && Math.abs(v) < 1000) return pyG(v, 2);
  const { m, e } = pyExp(v, 1);
  return `${m}e${e}`.replace("e-0", "e-").replace("e+0", "e");
}
