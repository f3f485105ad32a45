"""Writes web/dist/index.html: the page with its script, style, worker and WebAssembly module
inline, so it is one file that works from file:// as from any static host. The script runs
under a Content-Security-Policy naming its hash; nothing may connect anywhere.

    python3 web/assemble.py TOKENTRAIL.wasm web/dist
"""
import base64
import hashlib
import pathlib
import sys

web = pathlib.Path(__file__).resolve().parent
wasm_path, dist = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
app = (web / "app.js").read_text()
worker = (web / "worker.js").read_text()
style = (web / "style.css").read_text()
wasm = wasm_path.read_bytes()
# A small capture the page checks while it waits for files (see worker.js).
# (Base64: its HTML bodies would end the <script> element that holds it.)
warmup = base64.b64encode((web.parent / "fixtures/samples/wrong-profile.har").read_bytes()).decode()
for name, text in [("app.js", app), ("worker.js", worker)]:
    # Inside <script>, these would end the element early.
    assert "</script" not in text.lower() and "<!--" not in text, name
app_hash = base64.b64encode(hashlib.sha256(app.encode()).digest()).decode()
csp = "; ".join([
    "default-src 'none'",
    f"script-src 'sha256-{app_hash}' 'wasm-unsafe-eval'",
    "worker-src blob:",
    "style-src 'unsafe-inline'",
    "img-src data:",
    "connect-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
])
page = (web / "index.html").read_text()
for key, value in [("CSP", csp), ("STYLE", style), ("WORKER", worker), ("APP", app), ("WARMUP", warmup),
                   ("WASM", base64.b64encode(wasm).decode())]:
    page = page.replace("{{" + key + "}}", value, 1)
dist.mkdir(parents=True, exist_ok=True)
(dist / "index.html").write_text(page)
(dist / "tokentrail.wasm").write_bytes(wasm)
print(f"{dist / 'index.html'}: {len(page.encode()):,} bytes; tokentrail.wasm {len(wasm):,} bytes")
