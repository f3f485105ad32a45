//! Default-deny, tried as an attacker would: captures in every input format (HAR, Polly.JS HAR,
//! Charles, raw HTTP, Burp, Fiddler, mitmproxy dumps), with random secret
//! values at random places under random names that no list knows (headers, header names,
//! cookies, query keys and fragments, form, multipart and JSON fields at any depth, JSON inside
//! JSON strings, base64 bodies, `Set-Cookie`, `Location`, `Referer`, Polly.JS array values).
//! Every command and output format runs over them, and no secret may appear in any output, in
//! any encoding. A positive control shows the same search finds them with `--show-secrets`.
//!
//! Deterministic: a seeded generator, so a failure names a seed that reproduces it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::common::{self, rng::Rng};

/// What this test draws from the shared generator: secrets and names no list knows.
impl Rng {
    /// A secret: 18 to 33 characters with digits among the letters, as tokens are.
    fn secret(&mut self) -> String {
        const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const DIGITS: &[u8] = b"23456789";
        let len = 18 + self.below(16);
        let mut s = String::with_capacity(len);
        for i in 0..len {
            let c = if i % 3 == 1 {
                DIGITS[self.below(DIGITS.len())]
            } else {
                LETTERS[self.below(LETTERS.len())]
            };
            s.push(c as char);
        }
        s
    }

    /// A name no list knows: made-up syllables, as an app would name a field.
    fn name(&mut self) -> String {
        const SYLLABLES: &[&str] = &[
            "zor", "vak", "mel", "tri", "quo", "pla", "nex", "dru", "fim", "yol", "kes", "bav",
        ];
        loop {
            let n = 2 + self.below(2);
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(self.pick::<&str>(SYLLABLES));
            }
            let known = tokentrail::secret::policy::public_name(
                &s,
                tokentrail::secret::policy::Applies::Field,
            )
            .is_some();
            if !known {
                return s;
            }
        }
    }
}

/// One generated capture: the same exchanges in every format, and the secrets they hold.
struct Case {
    secrets: Vec<String>,
    /// Secrets in request URLs (query and fragment), which the HTML report's entries table
    /// shows with `--show-secrets`: the positive control looks for these.
    in_urls: Vec<String>,
    exchanges: Vec<Exchange>,
}

struct Exchange {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<(String, String)>,
    status: u16,
    response_headers: Vec<(String, String)>,
    response_body: (String, String),
}

fn pct(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// The generator of one case, and the secrets drawn so far (in the order drawn).
struct Draw {
    rng: Rng,
    secrets: Vec<String>,
    in_urls: Vec<String>,
}

impl Draw {
    fn secret(&mut self) -> String {
        let v = self.rng.secret();
        self.secrets.push(v.clone());
        v
    }

    /// A secret placed in a request URL (see [`Case::in_urls`]).
    fn url_secret(&mut self) -> String {
        let v = self.secret();
        self.in_urls.push(v.clone());
        v
    }

    fn name(&mut self) -> String {
        self.rng.name()
    }
}

const BOUNDARY: &str = "XyZbOuNdArY";

/// An authorize request with secrets in its query and fragment, unknown headers, a header
/// name, a Referer and cookies; answered by a redirect with secrets in `Location`, two
/// cookies in one `Set-Cookie`, and the page.
fn authorize(d: &mut Draw) -> Exchange {
    let (q1, q2, frag) = (d.url_secret(), d.url_secret(), d.url_secret());
    let (k1, k2, k3) = (d.name(), d.name(), d.name());
    Exchange {
        method: "GET",
        url: format!(
            "https://login.example.com/authorize?client_id=my-client&response_type=code&{k1}={q1}&{k2}={}&scope=profile#{k3}={frag}&access_token={}",
            pct(&q2),
            d.url_secret()
        ),
        headers: vec![
            (format!("X-{}", d.name()), d.secret()),
            ("Referer".into(), format!("https://app.example.com/cb?code={}&{}=1", d.secret(), d.name())),
            ("Cookie".into(), format!("{}={}; {}={}", d.name(), d.secret(), d.name(), d.secret())),
            // A header whose name is the secret.
            (d.secret(), "1".into()),
        ],
        body: None,
        status: 302,
        response_headers: vec![
            ("Location".into(), format!("https://app.example.com/cb#id_token={}&{}={}", d.secret(), d.name(), d.secret())),
            (
                "Set-Cookie".into(),
                format!(
                    "{}={}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, {}={}; Secure",
                    d.name(),
                    d.secret(),
                    d.name(),
                    d.secret()
                ),
            ),
        ],
        response_body: ("text/html".into(), format!("<p>{}</p>", d.secret())),
    }
}

/// A multipart body with a secret under an unknown field name.
fn multipart(d: &mut Draw) -> String {
    let boundary = BOUNDARY;
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n--{boundary}--\r\n",
        d.name(),
        d.secret()
    )
}

/// A token request with a Bearer header, an unknown header and form fields; its error answer
/// holds secrets deep in JSON and in JSON inside a JSON string.
fn token(d: &mut Draw) -> Exchange {
    Exchange {
        method: "POST",
        url: "https://login.example.com/token".into(),
        headers: vec![
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("Authorization".into(), format!("Bearer {}", d.secret())),
            (format!("{}-{}", d.name(), d.name()), d.secret()),
        ],
        body: Some((
            "application/x-www-form-urlencoded".into(),
            format!(
                "grant_type=authorization_code&client_id=my-client&code={}&{}={}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
                d.secret(),
                d.name(),
                pct(&d.secret())
            ),
        )),
        status: 400,
        response_headers: vec![("Content-Type".into(), "application/json".into())],
        response_body: (
            "application/json".into(),
            format!(
                r#"{{"error":"invalid_grant","{}":{{"{}":[1,{{"{}":"{}"}}]}},"{}":"{{\"{}\":\"{}\"}}"}}"#,
                d.name(),
                d.name(),
                d.name(),
                d.secret(),
                d.name(),
                d.name(),
                d.secret()
            ),
        ),
    }
}

/// An upload with a secret in its query and the multipart body; its answer holds a secret
/// and base64 of JSON holding another.
fn upload(d: &mut Draw, multipart: String) -> Exchange {
    let boundary = BOUNDARY;
    let nested_b64 = base64::engine::general_purpose::STANDARD.encode(format!(
        r#"{{"{}":"{}"}}"#,
        d.name(),
        d.secret()
    ));
    Exchange {
        method: "POST",
        url: format!(
            "https://api.example.com/upload?{}={}",
            d.name(),
            d.url_secret()
        ),
        headers: vec![(
            "Content-Type".into(),
            format!("multipart/form-data; boundary={boundary}"),
        )],
        body: Some((
            format!("multipart/form-data; boundary={boundary}"),
            multipart,
        )),
        status: 200,
        response_headers: vec![("Content-Type".into(), "application/json".into())],
        response_body: (
            "application/json".into(),
            format!(
                r#"{{"{}":"{}","blob":"{nested_b64}"}}"#,
                d.name(),
                d.secret()
            ),
        ),
    }
}

fn case(seed: u64) -> Case {
    let mut d = Draw {
        rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        secrets: Vec::new(),
        in_urls: Vec::new(),
    };
    let authorize = authorize(&mut d);
    let multipart = multipart(&mut d);
    let token = token(&mut d);
    let upload = upload(&mut d, multipart);
    Case {
        secrets: d.secrets,
        in_urls: d.in_urls,
        exchanges: vec![authorize, token, upload],
    }
}

fn headers_json(headers: &[(String, String)], polly: bool) -> serde_json::Value {
    serde_json::Value::Array(
        headers
            .iter()
            .map(|(n, v)| {
                // Polly.JS writes every value as a list.
                let value = if polly {
                    serde_json::json!([v])
                } else {
                    serde_json::json!(v)
                };
                serde_json::json!({"name": n, "value": value})
            })
            .collect(),
    )
}

fn har(c: &Case, polly: bool, b64_bodies: bool) -> String {
    let entries: Vec<serde_json::Value> = c
        .exchanges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut request = serde_json::json!({
                "method": e.method, "url": e.url, "httpVersion": "HTTP/1.1",
                "headers": headers_json(&e.headers, polly),
            });
            if let Some((mime, text)) = &e.body {
                request["postData"] = serde_json::json!({"mimeType": mime, "text": text});
            }
            let (mime, text) = &e.response_body;
            let content = if b64_bodies {
                serde_json::json!({"mimeType": mime, "encoding": "base64",
                    "text": base64::engine::general_purpose::STANDARD.encode(text)})
            } else {
                serde_json::json!({"mimeType": mime, "text": text})
            };
            serde_json::json!({
                "startedDateTime": format!("2026-01-01T10:00:0{i}.000Z"),
                "time": 10,
                "request": request,
                "response": {"status": e.status, "statusText": "", "httpVersion": "HTTP/1.1",
                    "headers": headers_json(&e.response_headers, polly), "content": content},
            })
        })
        .collect();
    serde_json::to_string_pretty(
        &serde_json::json!({"log": {"version": "1.2", "entries": entries}}),
    )
    .expect("json")
}

fn charles(c: &Case) -> String {
    let items: Vec<serde_json::Value> = c
        .exchanges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (scheme_host, target) = e.url.split_at(e.url[8..].find('/').map_or(e.url.len(), |p| p + 8));
            let host = scheme_host.trim_start_matches("https://");
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p, Some(q)),
                None => (target, None),
            };
            let header = |first: String, h: &[(String, String)]| {
                serde_json::json!({"firstLine": first, "headers": headers_json(h, false)})
            };
            let mut request = serde_json::json!({
                "header": header(format!("{} {target} HTTP/1.1", e.method), &e.headers),
            });
            if let Some((mime, text)) = &e.body {
                request["mimeType"] = serde_json::json!(mime);
                request["body"] = serde_json::json!({"text": text});
            }
            let (mime, text) = &e.response_body;
            serde_json::json!({
                "status": "COMPLETE", "method": e.method, "protocolVersion": "HTTP/1.1",
                "scheme": "https", "host": host, "actualPort": 443, "path": path, "query": query,
                "times": {"start": format!("2026-01-01T10:00:0{i}.000Z")},
                "request": request,
                "response": {"status": e.status, "mimeType": mime,
                    "header": header(format!("HTTP/1.1 {} X", e.status), &e.response_headers),
                    "body": {"encoded": base64::engine::general_purpose::STANDARD.encode(text)}},
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).expect("json")
}

fn raw_request(e: &Exchange) -> String {
    let target = e
        .url
        .splitn(4, '/')
        .nth(3)
        .map_or("/".to_string(), |t| format!("/{t}"));
    let host = e.url.split('/').nth(2).unwrap_or("");
    let mut out = format!("{} {target} HTTP/1.1\r\nHost: {host}\r\n", e.method);
    for (n, v) in &e.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    let body = e.body.as_ref().map_or("", |(_, t)| t.as_str());
    if e.body.is_some() {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

fn raw_response(e: &Exchange) -> String {
    let mut out = format!("HTTP/1.1 {} X\r\n", e.status);
    for (n, v) in &e.response_headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    let (mime, text) = &e.response_body;
    out.push_str(&format!(
        "Content-Type: {mime}\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    ));
    out
}

fn raw_http(c: &Case) -> String {
    c.exchanges
        .iter()
        .map(|e| format!("{}\r\n\r\n{}\r\n\r\n", raw_request(e), raw_response(e)))
        .collect()
}

fn burp(c: &Case) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<items burpVersion=\"2023.10.3.4\" exportTime=\"Thu Jan 01 10:00:00 UTC 2026\">\n");
    for (i, e) in c.exchanges.iter().enumerate() {
        let b64 = i % 2 == 1;
        let msg = |m: String| {
            if b64 {
                format!(
                    "base64=\"true\"><![CDATA[{}]]>",
                    base64::engine::general_purpose::STANDARD.encode(m)
                )
            } else {
                format!("base64=\"false\"><![CDATA[{m}]]>")
            }
        };
        let target = e
            .url
            .splitn(4, '/')
            .nth(3)
            .map_or("/".to_string(), |t| format!("/{t}"));
        let host = e.url.split('/').nth(2).unwrap_or("");
        out.push_str(&format!(
            "  <item>\n    <time>Thu Jan 01 10:00:0{i} UTC 2026</time>\n    <url><![CDATA[{}]]></url>\n    <host ip=\"203.0.113.10\">{host}</host>\n    <port>443</port>\n    <protocol>https</protocol>\n    <method><![CDATA[{}]]></method>\n    <path><![CDATA[{target}]]></path>\n    <extension>null</extension>\n    <request {}</request>\n    <status>{}</status>\n    <responselength>1</responselength>\n    <mimetype>JSON</mimetype>\n    <response {}</response>\n    <comment></comment>\n  </item>\n",
            e.url, e.method, msg(raw_request(e)), e.status, msg(raw_response(e))
        ));
    }
    out.push_str("</items>\n");
    out
}

fn saz(c: &Case) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (i, e) in c.exchanges.iter().enumerate() {
        let n = i + 1;
        // Fiddler writes absolute URLs in its request lines.
        let request = raw_request(e).replacen(
            &format!(" /{}", e.url.splitn(4, '/').nth(3).unwrap_or("")),
            &format!(" {}", e.url),
            1,
        );
        zip.start_file(format!("raw/{n:02}_c.txt"), opts)
            .expect("zip");
        zip.write_all(request.as_bytes()).expect("zip");
        zip.start_file(format!("raw/{n:02}_s.txt"), opts)
            .expect("zip");
        zip.write_all(raw_response(e).as_bytes()).expect("zip");
        zip.start_file(format!("raw/{n:02}_m.xml"), opts)
            .expect("zip");
        zip.write_all(format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Session SID=\"{n}\"><SessionTimers ClientBeginRequest=\"2026-01-01T10:00:0{i}.0000000+00:00\" /></Session>").as_bytes()).expect("zip");
    }
    zip.finish().expect("zip").into_inner()
}

/// A typed netstring (mitmproxy's dump format; see `src/read/tnetstring.rs`).
enum Tnet {
    Null,
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
    Str(String),
    List(Vec<Tnet>),
    Dict(Vec<(&'static str, Tnet)>),
}

impl Tnet {
    fn write(&self, out: &mut Vec<u8>) {
        let (data, tag) = match self {
            Tnet::Null => (Vec::new(), b'~'),
            Tnet::Int(n) => (n.to_string().into_bytes(), b'#'),
            Tnet::Float(f) => (format!("{f:?}").into_bytes(), b'^'),
            Tnet::Bytes(b) => (b.clone(), b','),
            Tnet::Str(s) => (s.clone().into_bytes(), b';'),
            Tnet::List(items) => {
                let mut d = Vec::new();
                items.iter().for_each(|i| i.write(&mut d));
                (d, b']')
            }
            Tnet::Dict(members) => {
                let mut d = Vec::new();
                for (k, v) in members {
                    Tnet::Str((*k).to_string()).write(&mut d);
                    v.write(&mut d);
                }
                (d, b'}')
            }
        };
        out.extend_from_slice(format!("{}:", data.len()).as_bytes());
        out.extend_from_slice(&data);
        out.push(tag);
    }
}

/// A mitmproxy dump (`mitmdump -w`, flow format 21 as mitmproxy 10 writes it): one flow a
/// record, header names and values and bodies as bytes.
fn mitm(c: &Case) -> Vec<u8> {
    let b = |s: &str| Tnet::Bytes(s.as_bytes().to_vec());
    let headers = |list: &[(String, String)]| {
        Tnet::List(
            list.iter()
                .map(|(n, v)| Tnet::List(vec![b(n), b(v)]))
                .collect(),
        )
    };
    let mut out = Vec::new();
    for (i, e) in c.exchanges.iter().enumerate() {
        let t = 1_767_261_600.0 + i as f64;
        let host = e.url.split('/').nth(2).unwrap_or("");
        let target = e
            .url
            .splitn(4, '/')
            .nth(3)
            .map_or("/".to_string(), |t| format!("/{t}"));
        let mut request_headers = vec![("Host".to_string(), host.to_string())];
        request_headers.extend(e.headers.iter().cloned());
        let body = e.body.as_ref().map_or("", |(_, t)| t.as_str());
        let mut response_headers = e.response_headers.clone();
        response_headers.push(("Content-Type".to_string(), e.response_body.0.clone()));
        let flow = Tnet::Dict(vec![
            ("id", Tnet::Str(format!("00000000-0000-4000-a000-{i:012}"))),
            ("type", Tnet::Str("http".into())),
            ("version", Tnet::Int(21)),
            ("timestamp_created", Tnet::Float(t)),
            ("error", Tnet::Null),
            (
                "request",
                Tnet::Dict(vec![
                    ("method", b(e.method)),
                    ("scheme", b("https")),
                    ("host", Tnet::Str(host.to_string())),
                    ("port", Tnet::Int(443)),
                    ("path", b(&target)),
                    ("authority", b("")),
                    ("http_version", b("HTTP/1.1")),
                    ("headers", headers(&request_headers)),
                    ("content", b(body)),
                    ("trailers", Tnet::Null),
                    ("timestamp_start", Tnet::Float(t)),
                    ("timestamp_end", Tnet::Float(t)),
                ]),
            ),
            (
                "response",
                Tnet::Dict(vec![
                    ("http_version", b("HTTP/1.1")),
                    ("status_code", Tnet::Int(i64::from(e.status))),
                    ("reason", b("X")),
                    ("headers", headers(&response_headers)),
                    ("content", b(&e.response_body.1)),
                    ("trailers", Tnet::Null),
                    ("timestamp_start", Tnet::Float(t + 0.1)),
                    ("timestamp_end", Tnet::Float(t + 0.1)),
                ]),
            ),
        ]);
        flow.write(&mut out);
    }
    out
}

/// Writes every case in every format; returns the files.
fn write_cases(dir: &Path, cases: &[Case]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let mut put = |name: String, bytes: Vec<u8>| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write");
            files.push(path);
        };
        put(format!("c{i}.har"), har(c, false, false).into_bytes());
        put(format!("c{i}-polly.har"), har(c, true, true).into_bytes());
        put(format!("c{i}.chlsj"), charles(c).into_bytes());
        put(format!("c{i}.http"), raw_http(c).into_bytes());
        put(format!("c{i}.xml"), burp(c).into_bytes());
        put(format!("c{i}.saz"), saz(c));
        put(format!("c{i}.mitm"), mitm(c));
    }
    files
}

/// Every way a secret may be written in an output: raw, JSON-escaped, percent- (upper and
/// lower hex) and form-encoded, and inside base64 at each of the three alignments.
fn spellings(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let json = serde_json::to_string(secret).expect("json");
    out.push(json[1..json.len() - 1].to_string());
    let p = pct(secret);
    out.push(p.to_lowercase());
    out.push(p.replace("%20", "+"));
    out.push(p);
    for pad in 0..3 {
        let padded = format!("{}{secret}", "x".repeat(pad));
        let b64 = base64::engine::general_purpose::STANDARD.encode(&padded);
        // The characters that depend on the secret alone (not the padding or the end).
        let from = (pad * 4).div_ceil(3) + 1;
        let to = (padded.len() / 3) * 4 - 1;
        if to > from + 8 {
            out.push(b64[from..to].to_string());
        }
    }
    out
}

/// HTML and Mermaid entities decoded, so a secret written with entities is found too.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The secrets found in `output`, in any spelling.
fn found(output: &str, secrets: &[String]) -> Vec<String> {
    let decoded = decode_entities(output);
    secrets
        .iter()
        .filter(|s| {
            spellings(s)
                .iter()
                .any(|sp| output.contains(sp.as_str()) || decoded.contains(sp.as_str()))
        })
        .cloned()
        .collect()
}

fn run(args: &[String]) -> String {
    let o = common::tokentrail(args);
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every command and output format over the files: `check` in every format (all files in one
/// run; in this order: human, json, ndjson, sarif, html), `flows` as text and Mermaid (a file
/// per run), `diff` of each file against the next (human and JSON), and `sanitize` of each
/// file to standard output with its `--report` (not with `--show-secrets`, which it does not
/// take). `explain` prints no capture text.
fn commands(files: &[PathBuf], show: bool) -> Vec<Vec<String>> {
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut out = Vec::new();
    for format in ["human", "json", "ndjson", "sarif", "html"] {
        let mut args = vec![
            "check".to_string(),
            "--format".into(),
            format.into(),
            "--color".into(),
            "never".into(),
        ];
        if show {
            args.push("--show-secrets".into());
        }
        args.extend(paths.iter().cloned());
        out.push(args);
    }
    for p in &paths {
        for format in ["text", "mermaid"] {
            let mut args = vec![
                "flows".to_string(),
                p.clone(),
                "--format".into(),
                format.into(),
            ];
            if show {
                args.push("--show-secrets".into());
            }
            out.push(args);
        }
    }
    for (i, p) in paths.iter().enumerate() {
        let other = &paths[(i + 1) % paths.len()];
        for format in ["human", "json"] {
            let mut args = vec![
                "diff".to_string(),
                p.clone(),
                other.clone(),
                "--format".into(),
                format.into(),
            ];
            if show {
                args.push("--show-secrets".into());
            }
            out.push(args);
        }
        if !show {
            out.push(vec![
                "sanitize".to_string(),
                p.clone(),
                "-o".into(),
                "-".into(),
                "--report".into(),
            ]);
        }
    }
    out
}

const SEEDS: std::ops::Range<u64> = 1..4;

#[test]
fn no_output_holds_a_secret_placed_where_no_list_expects_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<Case> = SEEDS.map(case).collect();
    let files = write_cases(dir.path(), &cases);
    let secrets: Vec<String> = cases.iter().flat_map(|c| c.secrets.clone()).collect();
    assert!(secrets.len() >= 3 * 20, "{} secrets", secrets.len());
    let mut outputs = 0;
    for args in commands(&files, false) {
        let out = run(&args);
        if args[0] == "sanitize" {
            // The copy was written (to standard output), so there was something to search.
            assert!(out.contains("\"entries\""), "no copy from {args:?}: {out}");
        }
        let leaked = found(&out, &secrets);
        assert!(
            leaked.is_empty(),
            "`tokentrail {}` shows {} secret(s), e.g. {:?} (seeds {SEEDS:?})",
            args.join(" "),
            leaked.len(),
            leaked.first()
        );
        outputs += 1;
    }
    // The check reads every file: none was skipped as unreadable, so the secrets were read.
    let json = run(&commands(&files, false)[1]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("json report");
    let read = report["files"].as_array().expect("files");
    assert_eq!(read.len(), files.len());
    for f in read {
        assert!(
            f["error"].is_null(),
            "{} not read: {}",
            f["name"],
            f["error"]
        );
        assert_eq!(f["entries"], serde_json::json!(3), "{}", f["name"]);
    }
    assert!(outputs >= 5 + 2 * files.len());
}

/// The positive control: with `--show-secrets` the same search finds the secrets, in every
/// format's file, so the test above can fail.
#[test]
fn the_search_finds_the_secrets_when_they_are_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<Case> = SEEDS.map(case).collect();
    let files = write_cases(dir.path(), &cases);
    // The HTML report lists every request URL: each URL secret of each case.
    let html = run(&commands(&files, true)[4]);
    for c in &cases {
        let shown = found(&html, &c.in_urls);
        assert_eq!(
            shown.len(),
            c.in_urls.len(),
            "HTML with --show-secrets misses URL secrets"
        );
    }
    // Each format's file on its own, the mitmproxy dump too: its URL secrets are shown.
    for (i, c) in cases.iter().enumerate() {
        for ext in ["har", "chlsj", "http", "xml", "saz", "mitm"] {
            let file = [dir.path().join(format!("c{i}.{ext}"))];
            let html = run(&commands(&file, true)[4]);
            assert_eq!(
                found(&html, &c.in_urls).len(),
                c.in_urls.len(),
                "c{i}.{ext}: HTML with --show-secrets misses URL secrets"
            );
        }
    }
    // The human report shows the token request's entry whole: its secrets are found there.
    let human = run(&commands(&files, true)[0]);
    let all: Vec<String> = cases.iter().flat_map(|c| c.secrets.clone()).collect();
    let shown = found(&human, &all);
    assert!(
        shown.len() >= cases.len() * 4,
        "only {} secrets shown:\n{human}",
        shown.len()
    );
    // And the search itself: every spelling of a secret, embedded in text, is found.
    let s = &all[0];
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{{\"k\":\"{s}\"}}"));
    for text in [
        format!("a {s} b"),
        format!("x={}", pct(s).to_lowercase()),
        format!("\"{}\"", serde_json::to_string(s).expect("json")),
        b64,
        s.chars().map(|c| format!("&#x{:x};", c as u32)).collect(),
    ] {
        assert_eq!(found(&text, std::slice::from_ref(s)).len(), 1, "{text}");
    }
}
