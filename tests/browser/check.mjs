// Drives Debian's Chromium (never a downloaded browser) for tests/browser.rs and prints what
// it saw as JSON; the Rust test decides what passes.
//
//   node check.mjs html    MANIFEST   manifest: {"pages":[{"path", "screenshot"?}]}
//   node check.mjs mermaid MANIFEST   manifest: {"diagrams":[{"name", "text"}]}
//
// The browser path comes from TOKENTRAIL_CHROMIUM (default /usr/bin/chromium).

import { readFileSync, mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const [mode, manifestPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const executablePath = process.env.TOKENTRAIL_CHROMIUM || "/usr/bin/chromium";

// A fresh profile each run; without the background-networking flags Chromium tries to reach
// Google's services, which the closed network refuses.
const profile = mkdtempSync(join(tmpdir(), "tokentrail-chromium-"));
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  userDataDir: profile,
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

try {
  const result = mode === "html" ? await html(manifest) : await mermaid(manifest);
  process.stdout.write(JSON.stringify(result));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}

async function html({ pages }) {
  const out = [];
  for (const spec of pages) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const url = pathToFileURL(resolve(spec.path)).href;
    const seen = { console: [], pageErrors: [], requests: [], failed: [], dialogs: [] };
    page.on("console", (m) => seen.console.push({ type: m.type(), text: m.text() }));
    page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
    page.on("request", (r) => seen.requests.push(r.url()));
    page.on("requestfailed", (r) => seen.failed.push(r.url()));
    page.on("dialog", async (d) => {
      seen.dialogs.push(d.message());
      await d.dismiss();
    });
    const response = await page.goto(url, { waitUntil: "load" });
    const facts = await page.evaluate(() => ({
      title: document.title,
      text: document.body.innerText,
      svgs: document.querySelectorAll("svg.flow").length,
      // Rendered sizes prove the SVGs are drawn without script.
      svgSizes: [...document.querySelectorAll("svg.flow")].map((s) => {
        const r = s.getBoundingClientRect();
        return [Math.round(r.width), Math.round(r.height)];
      }),
      // Including the <title> tooltips, where labels too long to draw are given whole.
      svgText: [...document.querySelectorAll("svg.flow")].map((s) => s.textContent).join("\n"),
      findings: document.querySelectorAll("article.finding").length,
      scripts: document.querySelectorAll("script").length,
      images: document.querySelectorAll("img, image, iframe, object, embed, link").length,
    }));
    if (spec.screenshot) {
      mkdirSync(dirname(spec.screenshot), { recursive: true });
      await page.screenshot({ path: spec.screenshot, fullPage: !!spec.fullPage });
    }
    out.push({
      path: spec.path,
      status: response ? response.status() : null,
      ...seen,
      // The document itself is the one request a page from disk makes.
      requests: seen.requests.filter((r) => r !== url),
      ...facts,
    });
    await page.close();
  }
  return { pages: out };
}

async function mermaid({ diagrams }) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.setContent("<!DOCTYPE html><html><body></body></html>");
  await page.addScriptTag({ path: require.resolve("mermaid/dist/mermaid.min.js") });
  const version = await page.evaluate(() => {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    return window.mermaid.version ? window.mermaid.version() : "unknown";
  });
  const results = [];
  for (const [i, d] of diagrams.entries()) {
    results.push(
      await page.evaluate(
        async (text, id) => {
          try {
            const parsed = await window.mermaid.parse(text);
            const { svg } = await window.mermaid.render(id, text);
            const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
            return {
              ok: !!parsed,
              type: parsed && parsed.diagramType,
              text: [...doc.querySelectorAll("text")].map((t) => t.textContent).join("\n"),
              svgBytes: svg.length,
            };
          } catch (e) {
            return { ok: false, error: String((e && e.message) || e) };
          }
        },
        d.text,
        `d${i}`,
      ),
    );
  }
  await page.close();
  return { version, pageErrors: errors, results: results.map((r, i) => ({ name: diagrams[i].name, ...r })) };
}
