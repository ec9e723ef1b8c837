// All network access: fetch for the JSON API and the playground's WebSocket.

export class ApiError extends Error {
  constructor(message, status, field) { super(message); this.status = status; this.field = field; }
}

// A request that got no answer at all (the lab stopped, the network dropped), in a sentence that says so (fetch's own
// "Failed to fetch" tells a learner nothing). Not an ApiError: that one carries the server's words.
export class NoAnswerError extends Error {
  constructor() {
    super("The lab did not answer: it may have stopped, or the network dropped. Try again in a moment.");
    this.status = 0;
  }
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new NoAnswerError();
  }
  return handle(response);
}

export async function getJSON(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null));
  const url = query.toString() ? `${path}?${query}` : path;
  return send(url);
}

// headers: more request headers, such as the Idempotency-Key of an answer (sent again, it is saved once)
export async function postJSON(path, body, { headers = {} } = {}) {
  return send(path, { method: "POST", headers: { "Content-Type": "application/json", ...headers },
                      body: JSON.stringify(body) });
}

export async function postFile(path, file) {
  const form = new FormData();
  form.append("file", file);
  return send(path, { method: "POST", body: form });
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

// Long work runs as a job on the server: start it, report its status ("queued, position 2", "running: 3 of 6
// steps") through onProgress while polling, and resolve with its result. A busy lab or a failed job rejects.
export async function runJob(kind, onProgress = () => {}, { pollMs = 400, params = {} } = {}) {
  let job = await postJSON("/api/jobs", { kind, ...params });
  while (job.state === "queued" || job.state === "running") {
    onProgress(job);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    job = await getJSON(`/api/jobs/${encodeURIComponent(job.id)}`);
  }
  if (job.state !== "done") throw new ApiError(`The job ${job.status}.`, 500, null);
  return job.result;
}

const PING_MS = 25_000;  // a paused page says it is still there (the server closes a socket silent for 90 s)
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];  // then every 15 s

// The playground's socket, reopened by itself with backoff when the server closes it (idle, a restart, the lab
// full). The page's tab token (one per page load, from a POST) lets the server cap how many slots one page holds.
// onClose(ev, retryMs) is told each time the socket goes; onReopen() after each reconnect, to restore the run.
// close() ends it for good: no reconnect follows, not even one already timed.
export function openPlayground(onText, onBinary, { onClose = () => {}, onReopen = () => {} } = {}) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let ws = null, attempt = 0, ping = null, closedByPage = false, opened = false;
  let settle;
  const ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  const tab = postJSON("/api/playground/tab", {}).then((r) => r.tab);

  async function connect() {
    if (closedByPage) return;  // a reconnect timed before the page closed the socket for good
    let token;
    try { token = await tab; } catch (err) { settle.reject(err); return; }
    ws = new WebSocket(`${scheme}://${location.host}/ws/playground?tab=${encodeURIComponent(token)}`);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (ev) => (typeof ev.data === "string" ? onText(JSON.parse(ev.data)) : onBinary(ev.data));
    ws.onopen = () => {
      ping = setInterval(() => send({ type: "ping" }), PING_MS);
      if (!opened) { opened = true; settle.resolve(); } else { attempt = 0; onReopen(); }
    };
    ws.onclose = (ev) => {
      clearInterval(ping);
      if (closedByPage) return;
      const retryMs = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      attempt += 1;
      onClose(ev, retryMs);
      setTimeout(connect, retryMs);
    };
  }

  function send(msg) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); }

  connect();
  return { send, ready, close: () => { closedByPage = true; if (ws) ws.close(); } };
}

// One binary frame: [u32 header length][header JSON][output int8 G*G][neurons int8 ...]
export function decodeFrame(buffer) {
  const view = new DataView(buffer);
  const headLen = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headLen)));
  const g = header.grid, t = header.thumb;
  const output = new Int8Array(buffer, 4 + headLen, g * g);
  // the thumbnails of thumb_count neurons from thumb_from (a big network's live frame carries a run of them)
  const nNeurons = header.thumb_count ?? header.layer_sizes.slice(1, -1).reduce((a, b) => a + b, 0);
  const neurons = new Int8Array(buffer, 4 + headLen + g * g, t ? nNeurons * t * t : 0);
  return { header, output, neurons };
}
