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
