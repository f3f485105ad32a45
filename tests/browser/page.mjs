// Drives Debian's Chromium over the browser page (web/dist/index.html) for tests/web_page.rs
// and prints what it saw as JSON; the Rust test decides what passes.
//
//   node page.mjs MANIFEST   manifest: {"page", "downloads", "runs": [{"files": [...],
//                            "config"?, "sanitize"?, "screenshot"?, "timeoutMs"?}]}
//
// Each run opens the page afresh, uploads the files through its <input type="file">, waits for
// data-state "done" or "error", and reports the page's text, findings, every request it made,
// console messages, and (with "sanitize") the files its sanitized-copy button downloaded.

import { readFileSync, mkdtempSync, rmSync, mkdirSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const [manifestPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const executablePath = process.env.TOKENTRAIL_CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "tokentrail-chromium-"));
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  userDataDir: profile,
  protocolTimeout: 600000,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
  ],
});

const url = pathToFileURL(resolve(manifest.page)).href;

async function waitState(page, states, timeout) {
  await page.waitForFunction(
    (states) => states.includes(document.body.dataset.state),
    { timeout, polling: 50 },
    states,
  );
  return page.evaluate(() => document.body.dataset.state);
}

async function one(run, index) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const seen = { console: [], pageErrors: [], requests: [], failed: [] };
  page.on("console", (m) => seen.console.push({ type: m.type(), text: m.text() }));
  page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
  page.on("request", (r) => seen.requests.push(r.url()));
  page.on("requestfailed", (r) => seen.failed.push(r.url()));
  // Workers' requests too (a worker has its own target).
  page.on("workercreated", (w) => seen.workers = (seen.workers || 0) + 1);
  const downloads = join(resolve(manifest.downloads), String(index));
  mkdirSync(downloads, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
  const timeout = run.timeoutMs || 120000;
  await page.goto(url, { waitUntil: "load" });
  const ready = await waitState(page, ["ready", "error"], timeout);
  const out = { ready, loadMs: await page.evaluate(() => window.tokentrailLoadMs ?? null) };
  if (ready === "ready") {
    if (run.config) {
      const input = await page.$("#config");
      await input.uploadFile(resolve(run.config));
    }
    const input = await page.$("#files");
    const t0 = Date.now();
    await input.uploadFile(...run.files.map((f) => resolve(f)));
    out.state = await waitState(page, ["done", "error"], timeout);
    out.wallMs = Date.now() - t0;
    out.timing = await page.evaluate(() => window.tokentrailTiming || null);
    Object.assign(out, await page.evaluate(() => ({
      text: document.body.innerText,
      error: document.getElementById("error").hidden ? null : document.getElementById("error").textContent,
      rules: [...document.querySelectorAll("#findings .rule")].map((e) => e.textContent),
      explained: [...document.querySelectorAll("#explain summary")].map((e) => e.textContent),
      flows: document.getElementById("flows").textContent,
      progressShown: !!document.getElementById("progress"),
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]').content,
    })));
    // The HTML report, in its sandboxed frame.
    const frame = page.frames().find((f) => f !== page.mainFrame());
    out.report = frame
      ? await frame.evaluate(() => ({
          text: document.body ? document.body.innerText : "",
          findings: document.querySelectorAll("article.finding").length,
          svgs: document.querySelectorAll("svg.flow").length,
        }))
      : null;
    if (run.screenshot) {
      mkdirSync(dirname(run.screenshot), { recursive: true });
      await page.screenshot({ path: run.screenshot, fullPage: false });
    }
    if (run.sanitize && out.state === "done") {
      await page.click("#download-sanitized");
      await waitState(page, ["done", "error"], timeout);
      await page.click("#download-json");
      // Downloads land as .crdownload first.
      const want = run.files.length + 1;
      const until = Date.now() + timeout;
      let names = [];
      while (Date.now() < until) {
        names = existsSync(downloads) ? readdirSync(downloads).filter((n) => !n.endsWith(".crdownload")) : [];
        if (names.length >= want) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      out.downloads = names.sort().map((n) => ({ name: n, text: readFileSync(join(downloads, n), "utf8") }));
    }
  }
  await page.close();
  return {
    ...out,
    ...seen,
    // The page itself is the one request it makes; blob: URLs are its own memory.
    requests: seen.requests.filter((r) => r !== url),
  };
}

try {
  const runs = [];
  for (const [i, run] of manifest.runs.entries()) runs.push(await one(run, i));
  process.stdout.write(JSON.stringify({ runs }));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
