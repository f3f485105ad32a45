#!/usr/bin/env python3
"""Writes a large, realistic HAR for the throughput benchmark (see docs/performance.md).

    python3 bench/gen_har.py --mb 200 OUT.har
    python3 bench/gen_har.py --mb 200 --shape logged-in OUT.har

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

That is the `sparse` shape (the default, byte for byte the benchmark's original file). The
others keep its entries and splices and change what a session carries (their extra randomness
comes from a generator of their own):

* `logged-in`: a developer logged in to the app. The whole cookie jar (session id, analytics id,
  a CSRF token, a preference) goes with every request, as a `Cookie` header and in `cookies`;
  5 % of the answers set a new CSRF token (`Set-Cookie` and `cookies`), which later requests
  send; 30 % of the API calls carry a Bearer JWT that the app renews every five minutes.
* `oauth-dense`: a test suite's log of Alexa linking runs against Login with Amazon. 40 % of
  the entries are LWA steps: authorize requests (`/ap/oa`, scope
  `alexa::skills::account_linking`, the Amazon jar as cookies) whose 302 carries a fresh `AN...`
  code, and `authorization_code` token requests (20 % of all entries) that redeem the oldest code
  issued before them, with their `Atza|`/`Atzr|` answers. The other entries carry the jar on
  every request, and every answer sets a new load-balancer stickiness cookie (`AWSALB`, as AWS
  ALB does), so nearly every cookie value is seen once or twice.
* `cookie-list`: `logged-in` as an exporter that writes cookies only as the `cookies` lists,
  without `Cookie` and `Set-Cookie` headers.
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


def entry(rng, t, session, bearer, shape=None):
    """One plain entry. `shape` (None for sparse) changes only what it carries of a logged-in
    session; sparse draws exactly the random numbers it always did, so its files stay the same."""
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
    if shape is not None:
        # A logged-in browser sends its whole jar with every request.
        jar = shape.jar()
        cookies = [{"name": n, "value": v} for n, v in jar]
        if not shape.list_only:
            headers.append(header("cookie", "; ".join(f"{n}={v}" for n, v in jar)))
        if kind_name == "fetch" and rng.random() < shape.bearer:
            headers.append(header("authorization", f"Bearer {shape.jwt}"))
    elif rng.random() < 0.40:
        headers.append(header("cookie", f"sid={session}; theme=dark; consent=yes"))
        cookies = [{"name": "sid", "value": session}]
    if shape is None and kind_name == "fetch" and rng.random() < 0.04:
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
    if shape is not None:
        for name, value, attrs in shape.answer_cookies(rng, t):
            if not shape.list_only:
                resp_headers.append(header("set-cookie", f"{name}={value}; {attrs}"))
            resp_cookies.append({"name": name, "value": value, "path": "/"})
    elif rng.random() < 0.03:
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


ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
B64 = ALNUM + "+/"
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The app's Login-with-Amazon profile (profile B of docs/domain: it asks for the linking scope).
LWA_CLIENT = "amzn1.application-oa2-client.4f1c2ab39e0d47c5a1b86e2f90c3d7e8"
LWA_SECRET = "amzn1.oa2-cs.v1." + "9a3f" * 16
REDIRECT = "https://www.shop-example.com/alexa/link"
SHAPES = ("sparse", "logged-in", "oauth-dense", "cookie-list")


def rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Session:
    """A logged-in user's cookie jar and Bearer token, as the shapes other than sparse carry
    them: the whole jar on every request, a rotating cookie set by some answers (a CSRF token;
    for oauth-dense the load balancer's stickiness cookie, which AWS ALB sets on every answer),
    a JWT on some API calls that the app renews every five minutes of the clock."""

    def __init__(self, rng, shape, t):
        self.list_only = shape == "cookie-list"
        self.dense = shape == "oauth-dense"
        self.bearer = 0.0 if self.dense else 0.30
        self.rotate = 1.0 if self.dense else 0.05
        self.sid = rand(rng, ALNUM, 32)
        self.ga = f"GA1.2.{rng.randrange(10**9)}.{rng.randrange(10**9)}"
        self.rotating = ("AWSALB", rand(rng, B64, 120)) if self.dense else (
            "csrftoken", rand(rng, ALNUM, 32))
        self.amazon = [("session-id", f"{rng.randrange(100, 999)}-{rng.randrange(10**7):07d}-"
                                      f"{rng.randrange(10**7):07d}"),
                       ("session-token", rand(rng, B64, 96)),
                       ("ubid-main", f"{rng.randrange(100, 999)}-{rng.randrange(10**7):07d}-"
                                     f"{rng.randrange(10**7):07d}")]
        self.jwt_until = t
        self.renew(rng, t)

    def renew(self, rng, t):
        while self.jwt_until <= t:
            self.jwt_until += timedelta(minutes=5)
        header = b64url(b'{"alg":"RS256","typ":"JWT","kid":"k1"}')
        payload = b64url(json.dumps({
            "sub": "user-4711", "aud": "shop-web", "iss": "https://auth.shop-example.com/",
            "iat": int(self.jwt_until.timestamp()) - 300, "exp": int(self.jwt_until.timestamp()),
            "jti": rand(rng, ALNUM, 16)}, separators=(",", ":")).encode())
        self.jwt = f"{header}.{payload}.{b64url(bytes(rng.randrange(256) for _ in range(64)))}"

    def jar(self):
        return [("sid", self.sid), ("_ga", self.ga), self.rotating, ("theme", "dark")]

    def answer_cookies(self, rng, t):
        """The cookies an answer sets: (name, value, Set-Cookie attributes)."""
        if t >= self.jwt_until:
            self.renew(rng, t)
        if rng.random() >= self.rotate:
            return []
        name = self.rotating[0]
        self.rotating = (name, rand(rng, B64 if self.dense else ALNUM, len(self.rotating[1])))
        attrs = "Expires=Tue, 19 Mar 2024 09:00:00 GMT; Path=/" if self.dense else (
            "Path=/; Secure; SameSite=Lax")
        return [(name, self.rotating[1], attrs)]


def oauth_entry(rng, t, session, pending):
    """A test suite's Alexa linking step against Login with Amazon: an authorize request whose
    302 carries a fresh code (kept in `pending`), or the token request that redeems the oldest
    pending code, with its answer."""
    if pending and (len(pending) > 3 or rng.random() < 0.5):
        code = pending.pop(0)
        form = "&".join([
            "grant_type=authorization_code", f"code={code}",
            "redirect_uri=" + REDIRECT.replace(":", "%3A").replace("/", "%2F"),
            f"client_id={LWA_CLIENT}", f"client_secret={LWA_SECRET}"])
        answer = json.dumps({
            "access_token": "Atza|IwEBI" + rand(rng, ALNUM, 300),
            "refresh_token": "Atzr|IwEBI" + rand(rng, ALNUM, 300),
            "token_type": "bearer", "expires_in": 3600}, separators=(",", ":"))
        request = {
            "method": "POST", "url": "https://api.amazon.com/auth/o2/token",
            "httpVersion": "HTTP/1.1",
            "headers": [header("host", "api.amazon.com"),
                        header("content-type", "application/x-www-form-urlencoded;charset=UTF-8"),
                        header("accept", "application/json"),
                        header("user-agent", "okhttp/4.12.0"),
                        header("content-length", str(len(form)))],
            "cookies": [], "bodySize": len(form),
            "postData": {"mimeType": "application/x-www-form-urlencoded;charset=UTF-8",
                         "text": form},
        }
        response = {
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
            "headers": [header("content-type", "application/json;charset=UTF-8"),
                        header("date", t.strftime("%a, %d %b %Y %H:%M:%S GMT")),
                        header("x-amzn-requestid", rand(rng, "0123456789abcdef", 32)),
                        header("cache-control", "no-cache, no-store, must-revalidate")],
            "cookies": [],
            "content": {"size": len(answer), "mimeType": "application/json", "text": answer},
            "redirectURL": "", "bodySize": len(answer),
        }
        kind = "fetch"
    else:
        code = "AN" + rand(rng, LETTERS, 18)
        state = rand(rng, ALNUM, 24)
        pending.append(code)
        query = "&".join([
            f"client_id={LWA_CLIENT}", "scope=alexa%3A%3Askills%3A%3Aaccount_linking",
            "response_type=code",
            "redirect_uri=" + REDIRECT.replace(":", "%3A").replace("/", "%2F"),
            f"state={state}"])
        location = f"{REDIRECT}?code={code}&scope=alexa%3A%3Askills%3A%3Aaccount_linking&state={state}"
        jar = session.amazon
        request = {
            "method": "GET", "url": f"https://www.amazon.com/ap/oa?{query}",
            "httpVersion": "http/2.0",
            "headers": [header("accept", "text/html,application/xhtml+xml"),
                        header("referer", "https://www.shop-example.com/account/alexa"),
                        header("user-agent", UA),
                        header("cookie", "; ".join(f"{n}={v}" for n, v in jar))],
            "cookies": [{"name": n, "value": v} for n, v in jar],
            "queryString": [{"name": k, "value": v} for k, v in
                            (p.split("=", 1) for p in query.split("&"))],
            "bodySize": 0,
        }
        response = {
            "status": 302, "statusText": "", "httpVersion": "http/2.0",
            "headers": [header("location", location),
                        header("content-type", "text/html;charset=UTF-8"),
                        header("date", t.strftime("%a, %d %b %Y %H:%M:%S GMT")),
                        header("server", "Server")],
            "cookies": [],
            "content": {"size": 0, "mimeType": "text/html", "text": ""},
            "redirectURL": location, "bodySize": 0,
        }
        kind = "document"
    wait = round(rng.uniform(40, 400), 3)
    return {
        "_priority": "High",
        "_resourceType": kind,
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
    ap.add_argument("--shape", choices=SHAPES, default="sparse",
                    help="what the traffic carries (see the module's doc); sparse is the "
                         "benchmark's original file, byte for byte")
    ap.add_argument("out")
    args = ap.parse_args()
    target = int(args.mb * 1_000_000)
    rng = random.Random(args.seed)
    session = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    bearer = "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(
        bytes(rng.randrange(256) for _ in range(60))).decode().rstrip("=") + ".sig"
    t = datetime(2024, 3, 14, 9, 0, 0, tzinfo=timezone.utc)
    # Drawn from a generator of its own, so the sparse file stays what it always was.
    shape_rng = random.Random(args.seed * 1000 + SHAPES.index(args.shape))
    session_of = None if args.shape == "sparse" else Session(shape_rng, args.shape, t)
    pending = []
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
            elif args.shape == "oauth-dense" and shape_rng.random() < 0.4:
                entries = [oauth_entry(shape_rng, t, session_of, pending)]
            else:
                entries = [entry(rng, t, session, bearer, session_of)]
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
