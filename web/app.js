// The page: takes files (drop or picker) and an optional tokentrail.toml, has the worker check
// them, and shows the report. Sets document.body.dataset.state to "loading", "ready",
// "working", "done" or "error" so tests (and people) know where it stands.
"use strict";

const $ = (id) => document.getElementById(id);
const body = document.body;
let worker = null;
let nextId = 1;
const waiting = new Map();
let files = [];
let config = null;
// One key for this page's life: copies sanitized here share placeholders (a value gets the
// same placeholder in every file); it is never shown or kept.
const key = crypto.getRandomValues(new Uint8Array(32));

function setState(state, text) {
  body.dataset.state = state;
  if (text !== undefined) $("status").textContent = text;
}

function fail(message) {
  $("error").textContent = message;
  $("error").hidden = false;
  $("progress").hidden = true;
  setState("error", "Could not check the files.");
}

function call(type, data, transfer) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, type, data }, transfer || []);
  });
}

function startWorker() {
  // From the page itself (no file to fetch: this works opened from disk as from a server).
  const source = $("worker-source").textContent;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  worker = new Worker(url);
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === "progress") {
      $("progress").max = m.total;
      $("progress").value = m.done;
      $("status").textContent = `Checked ${m.done} of ${m.total} capture${m.total === 1 ? "" : "s"}…`;
    } else if (m.type === "stage") {
      $("status").textContent = m.text[0].toUpperCase() + m.text.slice(1) + "…";
    } else if (m.type === "result") {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail("The checker stopped: " + (e.message || "unknown error"));
  };
  const bytes = fromBase64($("wasm-base64").textContent).buffer;
  const warmup = fromBase64($("warmup-har").textContent).buffer;
  return call("init", { module: bytes, warmup }, [bytes, warmup]);
}

function fromBase64(text) {
  const bin = atob(text.trim());
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c);
  return e;
}

let last = null;

async function run() {
  if (!files.length) return;
  $("error").hidden = true;
  $("results").hidden = true;
  $("progress").hidden = false;
  $("progress").removeAttribute("value");
  setState("working", "Reading the files…");
  try {
    // Timed from the files' reading to the rendered report (docs/performance.md).
    const started = performance.now();
    const list = [];
    for (const f of files) list.push({ name: f.name, bytes: await f.arrayBuffer() });
    const result = await call("check", { files: list, config }, list.map((f) => f.bytes));
    result.pageMs = performance.now() - started;
    last = result;
    show(result);
    $("progress").hidden = true;
    window.tokentrailTiming = { checkMs: result.checkedMs, totalMs: result.totalMs, pageMs: result.pageMs };
    setState("done", `Checked in ${(result.pageMs / 1000).toFixed(2)} s, on this computer.`);
  } catch (err) {
    fail(String((err && err.message) || err));
  }
}

function show({ summary, html, flows, explain }) {
  const s = summary;
  $("summary").textContent =
    `${s.errors} error${s.errors === 1 ? "" : "s"}, ${s.warnings} warning${s.warnings === 1 ? "" : "s"}, ` +
    `${s.infos} info${s.infos === 1 ? "" : "s"} in ${s.files.length} capture${s.files.length === 1 ? "" : "s"}.`;
  const ul = $("findings");
  ul.replaceChildren();
  for (const f of s.files) {
    if (f.error) ul.append(el("li", { className: "unreadable" }, f.error));
    for (const x of f.findings) {
      ul.append(
        el("li", { className: "finding " + x.severity },
          el("code", { className: "rule" }, x.rule), " ",
          el("span", { className: "where" }, f.name + (x.entry ? ` #${x.entry}` : "")), ": ",
          x.message),
      );
    }
  }
  if (!ul.children.length) ul.append(el("li", {}, "No finding."));
  $("flows").textContent = flows || "(no OAuth flow)";
  const ex = $("explain");
  ex.replaceChildren();
  for (const [id, text] of explain) {
    ex.append(el("details", {}, el("summary", {}, el("code", {}, id)), el("pre", {}, text)));
  }
  if (!explain.length) ex.append(el("p", {}, "No rule fired."));
  // The same page as `tokentrail check --format html`, sandboxed: no script runs in it.
  $("report").srcdoc = html;
  $("results").hidden = false;
}

async function sanitizeAll() {
  $("error").hidden = true;
  setState("working", "Making the sanitized copies…");
  try {
    for (const f of files) {
      const bytes = await f.arrayBuffer();
      const copies = await call("sanitize", { name: f.name, bytes, key, config }, [bytes]);
      for (const c of copies) {
        const base = c.name.replace(/^.*[\\/!]/, "").replace(/\.(har|json|chlsj|saz|xml|txt|gz|zip)$/i, "");
        download(base + ".sanitized.har", c.har, "application/json");
        $("sanitized-note").textContent = `${c.name}: ${c.summary}`;
      }
    }
    setState("done", "Sanitized copies saved.");
  } catch (err) {
    fail(String((err && err.message) || err));
  }
}

function takeFiles(list) {
  const all = [...list];
  const tomls = all.filter((f) => /\.toml$/i.test(f.name));
  const captures = all.filter((f) => !/\.toml$/i.test(f.name));
  if (tomls.length) {
    tomls[0].text().then((t) => {
      config = t;
      $("config-name").textContent = tomls[0].name;
      if (captures.length) {
        files = captures;
        run();
      } else if (files.length) run();
    });
    return;
  }
  if (captures.length) {
    files = captures;
    $("file-names").textContent = captures.map((f) => f.name).join(", ");
    run();
  }
}

$("files").addEventListener("change", (e) => takeFiles(e.target.files));
$("config").addEventListener("change", async (e) => {
  const f = e.target.files[0];
  config = f ? await f.text() : null;
  $("config-name").textContent = f ? f.name : "none";
  if (files.length) run();
});
const drop = $("drop");
for (const t of ["dragenter", "dragover"]) {
  drop.addEventListener(t, (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
}
for (const t of ["dragleave", "drop"]) {
  drop.addEventListener(t, () => drop.classList.remove("over"));
}
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  takeFiles(e.dataTransfer.files);
});
// A file dropped anywhere else would make the browser open it instead.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());
$("download-json").addEventListener("click", async () => {
  if (!last) return;
  try {
    download("tokentrail-report.json", await call("json"), "application/json");
  } catch (err) {
    fail(String((err && err.message) || err));
  }
});
$("download-html").addEventListener("click", () => {
  if (last) download("tokentrail-report.html", last.html, "text/html");
});
$("download-sanitized").addEventListener("click", sanitizeAll);

setState("loading", "Loading the checker…");
const loadStarted = performance.now();
startWorker().then(
  () => {
    window.tokentrailLoadMs = performance.now() - loadStarted;
    // (Files chosen while it loaded are being checked already.)
    if (body.dataset.state === "loading") setState("ready", "Ready: drop captures here or choose them.");
  },
  (err) => fail("The checker did not load: " + ((err && err.message) || err)),
);
