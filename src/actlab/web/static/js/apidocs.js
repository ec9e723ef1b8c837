// The API reference page: every operation of /openapi.json as text, rendered here (no Swagger UI, no CDN).
import { getJSON } from "./api.js";

const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

// a short type description of a JSON schema: "integer, 1 to 64", "one of: a, b", "Attempt"
function typeOf(schema, spec) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(s, spec)).join(" or ");
  if (schema.enum) return `one of: ${schema.enum.join(", ")}`;
  const limits = [];
  if (schema.minimum !== undefined) limits.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) limits.push(`≤ ${schema.maximum}`);
  if (schema.maxLength !== undefined) limits.push(`up to ${schema.maxLength} characters`);
  if (schema.maxItems !== undefined) limits.push(`up to ${schema.maxItems} items`);
  const base = schema.type === "array" ? `list of ${typeOf(schema.items, spec) || "values"}` : schema.type || "any";
  return limits.length ? `${base} (${limits.join(", ")})` : base;
}

function parameters(op) {
  const rows = (op.parameters || []).map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td>
    <td>${esc(typeOf(p.schema))}${p.required ? ", required" : ""}${p.schema && p.schema.default !== undefined ? `, default ${esc(JSON.stringify(p.schema.default))}` : ""}</td></tr>`);
  return rows.length ? `<table class="data" aria-label="Parameters"><thead><tr><th>parameter</th><th>in</th><th>type</th></tr></thead>
    <tbody>${rows.join("")}</tbody></table>` : "";
}

function body(op, spec) {
  const content = op.requestBody && op.requestBody.content;
  if (!content) return "";
  return Object.entries(content).map(([type, c]) => {
    const name = typeOf(c.schema);
    const model = c.schema && c.schema.$ref ? spec.components.schemas[name] : null;
    const fields = model && model.properties ? Object.entries(model.properties)
      .map(([k, s]) => `<code>${esc(k)}</code>: ${esc(typeOf(s))}`).join("; ") : "";
    return `<p>Body (${esc(type)}): ${esc(name)}${fields ? ` — ${fields}` : ""}</p>`;
  }).join("");
}

function operation(path, method, op, spec) {
  const responses = Object.entries(op.responses || {}).map(([code, r]) => `<li><strong>${esc(code)}</strong>: ${esc(r.description)}</li>`);
  return `<article class="operation" id="${esc(op.operationId)}"><h3><code>${method.toUpperCase()} ${esc(path)}</code></h3>
    ${op.description ? `<p>${esc(op.description).replace(/\n\n/g, "</p><p>")}</p>` : `<p>${esc(op.summary)}</p>`}
    ${parameters(op)}${body(op, spec)}<ul>${responses.join("")}</ul></article>`;
}

async function boot() {
  const spec = await getJSON("/openapi.json");
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op, spec));
    }
  }
  document.getElementById("operations").innerHTML = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join("")}`).join("");
  document.body.dataset.ready = "true";
}

boot().catch((err) => { document.getElementById("status").textContent = `Could not load the schema: ${err.message}`; });
