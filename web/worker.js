// tokentrail's engine, off the page's thread. The page hands over the WebAssembly module's
// bytes once, then files to check; results come back as messages. Nothing here can reach the
// network: the page's Content-Security-Policy (inherited by this worker) has
// `connect-src 'none'`, and the module imports nothing but the progress callback.
"use strict";

let wasm = null;
const enc = new TextEncoder();
const dec = new TextDecoder();

function put(bytes) {
  const ptr = wasm.tt_alloc(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  return [ptr, bytes.length];
}

function out() {
  const ptr = wasm.tt_out_ptr();
  const len = wasm.tt_out_len();
  return dec.decode(new Uint8Array(wasm.memory.buffer, ptr, len));
}

let quiet = false;

async function init({ module, warmup }) {
  const { instance } = await WebAssembly.instantiate(module, {
    env: {
      tt_progress: (done, total) => quiet || postMessage({ type: "progress", done, total }),
    },
  });
  wasm = instance.exports;
  // Checks of a sample while the page waits for files: the browser compiles the module's
  // functions quickly at first and optimizes those that run often, but a function running
  // its first long call stays unoptimized to its end. The sample's entries, repeated to a
  // capture of 600 (1.4 MB), give reading, the rules and rendering that practice: the first
  // check of a 20 MB HAR then takes 1.1-1.3x the time of a second one, not 2.5x.
  quiet = true;
  try {
    const har = JSON.parse(dec.decode(warmup));
    har.log.entries = Array(60).fill(har.log.entries).flat();
    const bytes = enc.encode(JSON.stringify(har)).buffer;
    for (let i = 0; i < 2; i++) check({ files: [{ name: "warm-up.har", bytes }] }, true);
  } finally {
    quiet = false;
  }
}

function check({ files, config }, silent) {
  const started = performance.now();
  silent || postMessage({ type: "stage", text: "reading " + files.length + " file" + (files.length === 1 ? "" : "s") });
  for (const f of files) {
    const [np, nl] = put(enc.encode(f.name));
    const [bp, bl] = put(new Uint8Array(f.bytes));
    wasm.tt_add_file(np, nl, bp, bl);
  }
  silent || postMessage({ type: "stage", text: "checking" });
  const [cp, cl] = config ? put(enc.encode(config)) : [0, 0];
  if (wasm.tt_check(cp, cl) !== 0) {
    throw new Error(out());
  }
  const checkedMs = performance.now() - started;
  const summary = JSON.parse(out());
  silent || postMessage({ type: "stage", text: "rendering the report" });
  const render = (what) => {
    if (wasm.tt_render(what) !== 0) throw new Error(out());
    return out();
  };
  const html = render(0);
  const flows = render(2);
  const explain = JSON.parse(render(3));
  return { summary, html, flows, explain, checkedMs, totalMs: performance.now() - started };
}

// The JSON report of the last check, when asked for.
function json() {
  if (wasm.tt_render(1) !== 0) throw new Error(out());
  return out();
}

// With the config the check used, so the copy records what `check` of it needs to find the
// same (which placeholder secrets stand for a declared profile, bodies over the limits).
function sanitize({ name, bytes, key, config }) {
  const [np, nl] = put(enc.encode(name));
  const [bp, bl] = put(new Uint8Array(bytes));
  const [kp, kl] = put(key);
  const [cp, cl] = config ? put(enc.encode(config)) : [0, 0];
  if (wasm.tt_sanitize(np, nl, bp, bl, kp, kl, cp, cl) !== 0) {
    throw new Error(out());
  }
  return JSON.parse(out());
}

// One message at a time, in order: a check sent while the module still loads waits for it.
let queue = Promise.resolve();
onmessage = (e) => {
  queue = queue.then(() => handle(e));
};

async function handle(e) {
  const { id, type, data } = e.data;
  try {
    let result;
    if (type === "init") result = await init(data);
    else if (type === "check") result = check(data);
    else if (type === "sanitize") result = sanitize(data);
    else if (type === "json") result = json();
    postMessage({ type: "result", id, result });
  } catch (err) {
    postMessage({ type: "result", id, error: String((err && err.message) || err) });
  }
}
