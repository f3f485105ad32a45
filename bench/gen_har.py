#!/usr/bin/env python3
"""Writes a large, realistic HAR for the throughput benchmark (see docs/performance.md).

    python3 bench/gen_har.py --mb 200 OUT.har

Deterministic: a fixed seed drives `random.Random`, and no clock is read, so the same size
gives byte-identical files on every machine. The file is written as it is generated (never
held whole in memory).

What is in it, in the shape Chrome devtools exports (pretty-printed, 2-space indent):

* about 3.4 KB per entry, so 200 MB is about 60,000 entries;
* every entry has a text body of 0.6-1.7 KB: a JSON API answer, an HTML page, a script or a
  stylesheet as the response content; 20 % of the entries are `application/x-www-form-urlencoded`
  POSTs (a search, filter or analytics form) whose request body is also 0.6-1.7 KB;
* Chrome's usual request headers (accept, referer, user-agent), a `Cookie` header on
  40 % of the requests (a session cookie, listed in `cookies` too), a `Set-Cookie` on 3 % of the
  answers, a Bearer `Authorization` header on 4 % of the API calls, 2 % of images with a small
  base64 body, and the timings and vendor fields Chrome writes;
* three real OAuth captures from `fixtures/` spliced in at 25 %, 50 % and 75 % of the file (with
  their clocks shifted to fit), so the check has flows to reconstruct and findings to report:
  the README's wrong-profile sample, a good two-flow capture, and a reused code.
"""

import argparse
import base64
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
SPLICED = [
    "samples/wrong-profile.har",
    "good/two-flows-chrome.har",
    "oauth/code-reused/fires-two-token-requests-chrome.har",
]
ENTRY_BYTES = 3500  # rough average, only used to place the spliced flows

UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/123.0.0.0 Safari/537.36")
HOSTS = ["www.shop-example.com", "api.shop-example.com", "cdn.shop-example.net",
         "static.shop-example.net", "metrics.example.net"]
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu "
         "garden kitchen lamp chair table window shelf basket candle mirror pillow blanket "
         "wooden steel cotton linen ceramic glass modern classic rustic compact deluxe").split()


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def text_of(rng, n):
    out = []
    size = 0
    while size < n:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n]


def json_body(rng, n):
    items = []
    size = 2
    i = 0
    while size < n:
        item = {
            "id": rng.randrange(10**6),
            "sku": f"SKU-{rng.randrange(10**8):08d}",
            "name": text_of(rng, rng.randrange(12, 40)),
            "price": round(rng.uniform(1, 500), 2),
            "currency": "EUR",
            "inStock": rng.random() < 0.8,
            "tags": [rng.choice(WORDS) for _ in range(3)],
            "description": text_of(rng, rng.randrange(40, 160)),
        }
        s = json.dumps(item, separators=(",", ":"))
        items.append(s)
        size += len(s) + 1
        i += 1
    return '{"items":[' + ",".join(items) + '],"page":' + str(rng.randrange(1, 50)) + "}"


def html_body(rng, n):
    parts = ["<!DOCTYPE html><html><head><title>Shop</title></head><body>"]
    size = len(parts[0])
    while size < n:
        p = f'<div class="card"><h2>{text_of(rng, 20)}</h2><p>{text_of(rng, 120)}</p></div>\n'
        parts.append(p)
        size += len(p)
    parts.append("</body></html>")
    return "".join(parts)


def script_body(rng, n):
    parts = []
    size = 0
    while size < n:
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        p = f'function {a}_{b}(x){{return x.{a}+"{text_of(rng, 30)}"}}\n'
        parts.append(p)
        size += len(p)
    return "".join(parts)


def form_body(rng, n):
    pairs = []
    size = 0
    while size < n:
        k = rng.choice(["q", "filter", "sort", "category", "color", "size", "page", "ref",
                        "utm_source", "utm_campaign", "event", "label", "path"])
        v = text_of(rng, rng.randrange(8, 60)).replace(" ", "+")
        if rng.random() < 0.3:
            v = "https%3A%2F%2Fwww.shop-example.com%2F" + v.replace("+", "-")
        pairs.append(f"{k}={v}")
        size += len(k) + len(v) + 2
    return "&".join(pairs)


def header(name, value):
    return {"name": name, "value": value}


def entry(rng, t, session, bearer):
    kind = rng.random()
    host = rng.choice(HOSTS)
    path = "/" + "/".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 4)))
    is_form = kind < 0.20
    body_n = rng.randrange(600, 1700)
    method = "POST" if is_form else "GET"
    if is_form:
        url = f"https://{host}{path}"
        mime, content = "application/json", '{"ok":true,"id":%d}' % rng.randrange(10**6)
        kind_name = "xhr"
    elif kind < 0.55:
        url = f"https://{host}/api/v2{path}?page={rng.randrange(1, 40)}&lang=en"
        mime, content = "application/json", json_body(rng, body_n)
        kind_name = "fetch"
    elif kind < 0.75:
        url = f"https://{host}{path}.html"
        mime, content = "text/html; charset=utf-8", html_body(rng, body_n)
        kind_name = "document"
    elif kind < 0.90:
        url = f"https://{host}/static{path}.js?v={rng.randrange(10**6)}"
        mime, content = "application/javascript", script_body(rng, body_n)
        kind_name = "script"
    elif kind < 0.98:
        url = f"https://{host}/static{path}.css"
        mime, content = "text/css", "\n".join(
            f".{rng.choice(WORDS)}-{i}{{margin:{i}px;color:#{rng.randrange(16**6):06x}}}"
            for i in range(body_n // 40))
        kind_name = "stylesheet"
    else:
        url = f"https://{host}/img{path}.png"
        mime, content = "image/png", None
        kind_name = "image"
    scheme_host = url.split("/")[2]
    headers = [
        header("accept", "*/*"),
        header("referer", "https://www.shop-example.com/"),
        header("user-agent", UA),
    ]
    cookies = []
    if rng.random() < 0.40:
        headers.append(header("cookie", f"sid={session}; theme=dark; consent=yes"))
        cookies = [{"name": "sid", "value": session}]
    if kind_name == "fetch" and rng.random() < 0.04:
        headers.append(header("authorization", f"Bearer {bearer}"))
    request = {
        "method": method,
        "url": url,
        "httpVersion": "http/2.0",
        "headers": headers,
        "cookies": cookies,
        "bodySize": 0,
    }
    if is_form:
        form = form_body(rng, body_n)
        headers.append(header("content-type", "application/x-www-form-urlencoded"))
        request["bodySize"] = len(form)
        request["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": form}
    resp_headers = [
        header("cache-control", "private, max-age=0"),
        header("content-type", mime),
        header("date", t.strftime("%a, %d %b %Y %H:%M:%S GMT")),
        header("server", "nginx"),
    ]
    resp_cookies = []
    if rng.random() < 0.03:
        resp_headers.append(header("set-cookie", f"sid={session}; Path=/; Secure; HttpOnly"))
        resp_cookies = [{"name": "sid", "value": session, "path": "/"}]
    if content is None:
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(60, 300)))
        content_obj = {"size": len(raw), "mimeType": mime,
                       "text": base64.b64encode(raw).decode(), "encoding": "base64"}
    else:
        content_obj = {"size": len(content), "mimeType": mime, "text": content}
    response = {
        "status": 200,
        "statusText": "",
        "httpVersion": "http/2.0",
        "headers": resp_headers,
        "cookies": resp_cookies,
        "content": content_obj,
        "redirectURL": "",
        "bodySize": -1,
        "_error": None,
    }
    wait = round(rng.uniform(5, 300), 3)
    return {
        "_initiator": {"type": "script", "url": "https://www.shop-example.com/app.js"},
        "_priority": "High",
        "_resourceType": kind_name,
        "pageref": "page_1",
        "request": request,
        "response": response,
        "startedDateTime": iso(t),
        "time": round(wait + 2.5, 3),
        "timings": {"blocked": 1.2, "send": 0.3, "wait": wait, "receive": 1.0},
    }


def spliced(path, t):
    """The entries of a fixture with their clock shifted to start at `t`, and the time after."""
    with open(os.path.join(FIXTURES, path), encoding="utf-8") as f:
        entries = json.load(f)["log"]["entries"]

    def parse(s):
        return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)

    first = parse(entries[0]["startedDateTime"])
    last = t
    for e in entries:
        at = t + (parse(e["startedDateTime"]) - first)
        e["startedDateTime"] = iso(at)
        last = max(last, at)
    return entries, last


def indent(text, pad):
    return "\n".join(pad + line for line in text.split("\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, required=True, help="size of the file in MB (10^6 B)")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("out")
    args = ap.parse_args()
    target = int(args.mb * 1_000_000)
    rng = random.Random(args.seed)
    session = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    bearer = "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(
        bytes(rng.randrange(256) for _ in range(60))).decode().rstrip("=") + ".sig"
    t = datetime(2024, 3, 14, 9, 0, 0, tzinfo=timezone.utc)
    head = ('{\n  "log": {\n    "version": "1.2",\n    "creator": {"name": "WebInspector", '
            '"version": "537.36"},\n    "pages": [{"startedDateTime": "' + iso(t) +
            '", "id": "page_1", "title": "https://www.shop-example.com/", '
            '"pageTimings": {"onContentLoad": 412.3, "onLoad": 655.9}}],\n    "entries": [\n')
    tail = "\n    ]\n  }\n}\n"
    splice_at = [target * k // 4 for k in (1, 2, 3)]
    written = 0
    count = 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        out.write(head)
        written += len(head)
        first = True
        while written + len(tail) + ENTRY_BYTES // 2 < target:
            if splice_at and written >= splice_at[0]:
                splice_at.pop(0)
                entries, t = spliced(SPLICED[2 - len(splice_at)], t)
            else:
                entries = [entry(rng, t, session, bearer)]
            for e in entries:
                text = ("" if first else ",\n") + indent(json.dumps(e, indent=2), "      ")
                out.write(text)
                written += len(text.encode())
                first = False
                count += 1
            t += timedelta(milliseconds=rng.randrange(1, 120))
        out.write(tail)
        written += len(tail)
    print(f"{args.out}: {written / 1e6:.1f} MB, {count} entries", file=sys.stderr)


if __name__ == "__main__":
    main()
