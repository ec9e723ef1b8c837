// Shows the engine's reading of a network (readings.Reading as JSON): its words, its remedy, and any other
// findings, coloured by whether it is a failure. The words come from the server; nothing is judged here.
const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : "");

export function showReading(el, reading) {
  if (!reading) { el.textContent = ""; el.className = "reading"; return; }
  const others = (reading.findings || []).slice(1).map((f) => ` Also ${f.words}.`).join("");
  const remedy = reading.remedy ? ` ${reading.remedy}` : "";
  el.textContent = `${cap(reading.words)}.${remedy}${others}`;
  el.className = `reading ${reading.is_failure ? "failure" : reading.status === "healthy" ? "healthy" : "neutral"}`;
  el.dataset.status = reading.status;
}
