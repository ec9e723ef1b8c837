// Shows the engine's reading of a network (readings.Reading as JSON): its words in bold, then the remedy, then any
// other findings, coloured by whether it is a failure. The words come from the server; nothing is judged here.
const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : "");

function span(cls, text) {
  const el = document.createElement("span");
  el.className = cls;
  el.textContent = text;
  return el;
}

// Words longer than `fold` characters show up to the first clause that ends past half of it, and a button shows the
// rest (the monitor's readings run to 100 words and more: W41 walkthrough, 14 lines at 420 px before the remedy); the
// button's state is kept when the reading is drawn again.
// where a clause ends ("; " or ": ", outside brackets; with `comma`, ", " too) between `from` and `to`, or -1
function clauseEnd(words, from, to, comma = false) {
  let depth = 0;
  for (let i = 0; i < Math.min(words.length - 1, to + 1); i++) {
    const c = words[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (i >= from && depth === 0 && (c === ";" || c === ":" || (comma && c === ",")) && words[i + 1] === " ") {
      return i;
    }
  }
  return -1;
}

// Where a reading longer than `fold` folds: the first clause end past half of it, within it; where none is, the first
// comma past half, within it (W84 walkthrough finding 4: 'healthy: gradients reach every layer (...); 334 of 768
// hidden units are saturated (...), 165 of 256 in ...' folded at character 91, before the saturated units, its one
// warning); where none is either, the last clause end before half (past a quarter), else the first past it (W61
// walkthrough: an 889-character headline whose clauses ended at 172 and 415 showed whole, some 20 lines at 420 px
// before the remedy)
function foldAt(words, fold) {
  if (!fold || words.length <= fold) return -1;
  const half = Math.floor(fold / 2), within = clauseEnd(words, half, fold);
  if (within >= 0) return within;
  const comma = clauseEnd(words, half, fold, true);
  if (comma >= 0) return comma;
  let before = -1;
  for (let from = Math.floor(fold / 4), at; (at = clauseEnd(words, from, half - 1)) >= 0; from = at + 1) before = at;
  return before >= 0 ? before : clauseEnd(words, fold, words.length - 3);
}

function foldedWords(el, words, fold) {
  const at = foldAt(words, fold);
  if (at < 0) return [span("reading-words", words)];
  const found = { index: at };
  const open = el.querySelector(".reading-fold")?.getAttribute("aria-expanded") === "true";
  const rest = span("reading-words reading-rest", `${words.slice(found.index + 2)} `);
  rest.id = `${el.id}-rest`;
  rest.hidden = !open;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "reading-fold";
  button.setAttribute("aria-controls", rest.id);
  const show = (on) => {
    rest.hidden = !on;
    button.setAttribute("aria-expanded", String(on));
    button.textContent = on ? "show less" : "show the rest of the reading";
  };
  show(open);
  button.addEventListener("click", () => show(rest.hidden));
  return [span("reading-words", `${words.slice(0, found.index + 1)} `), rest, button];
}

export function showReading(el, reading, { fold = 0 } = {}) {
  if (!reading) { el.replaceChildren(); el.className = "reading"; delete el.dataset.status; return; }
  const parts = foldedWords(el, `${cap(reading.words)}.`, fold);
  if (reading.remedy) parts.push(span("reading-remedy", ` ${reading.remedy}`));
  // the findings the headline does not already say (readings.Reading.others); a log written before it had only
  // `findings`, every one after the headline
  const rest = reading.others || (reading.findings || []).slice(1);
  const others = rest.map((f) => `Also ${f.words}.`).join(" ");
  if (others) parts.push(span("reading-more", ` ${others}`));
  el.replaceChildren(...parts);
  // green only for a healthy reading with nothing after its status: "healthy, but ..." and "healthy where it trains,
  // but ..." name a fault beside it, in ink (W107 walkthrough finding 5: units that were copies of one another, at
  // 0.25 accuracy, read in green under a green "healthy" mark)
  const plain = reading.status === "healthy" && /^healthy:/.test(String(reading.words));
  el.className = `reading ${reading.is_failure ? "failure" : plain ? "healthy" : "neutral"}`;
  el.dataset.status = reading.status;
}
