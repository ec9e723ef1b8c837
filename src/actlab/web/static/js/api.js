// All network access: fetch for the JSON API and the playground's WebSocket.

export class ApiError extends Error {
  constructor(message, status, field) { super(message); this.status = status; this.field = field; }
}

export async function getJSON(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null));
  const url = query.toString() ? `${path}?${query}` : path;
  return handle(await fetch(url));
}

export async function postJSON(path, body) {
  return handle(await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify(body) }));
}

export async function postFile(path, file) {
  const form = new FormData();
  form.append("file", file);
  return handle(await fetch(path, { method: "POST", body: form }));
}

async function handle(response) {
  let data = null;
  try { data = await response.json(); } catch { /* an empty or non-JSON body */ }
  if (!response.ok) {
    const detail = data && data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail))
                                       : `${response.status} ${response.statusText}`;
    throw new ApiError(detail, response.status, data && data.field);
  }
  return data;
}

export function openPlayground(onText, onBinary, onClose) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/playground`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (ev) => (typeof ev.data === "string" ? onText(JSON.parse(ev.data)) : onBinary(ev.data));
  ws.onclose = (ev) => onClose(ev);
  return {
    send: (msg) => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); },
    ready: new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; }),
    close: () => ws.close(),
  };
}

// One binary frame: [u32 header length][header JSON][output int8 G*G][neurons int8 ...]
export function decodeFrame(buffer) {
  const view = new DataView(buffer);
  const headLen = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headLen)));
  const g = header.grid, t = header.thumb;
  const output = new Int8Array(buffer, 4 + headLen, g * g);
  const nNeurons = header.layer_sizes.slice(1, -1).reduce((a, b) => a + b, 0);
  const neurons = new Int8Array(buffer, 4 + headLen + g * g, t ? nNeurons * t * t : 0);
  return { header, output, neurons };
}
