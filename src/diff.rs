//! `tokentrail diff A B`: a failing capture (A) and a working one (B) of the same linking
//! flow, step by step: which steps one of them lacks, and for the steps both have, what
//! differs (host, client id and its profile, scope, redirect URI, grant type, status, the
//! lineage of the codes and tokens used). Support staff hold an iOS and an Android recording
//! of the same account: the first difference is usually the mistake.
//!
//! Every value shown is as the secrets policy allows (`secret::policy`); codes and tokens appear only as
//! `secret::mask` (a fingerprint). Two captures never share code or token values, so those
//! are compared by where they came from (which server minted them, for which client and
//! profile), never by value.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::flow::url::Url;
use crate::flow::{Analysis, Detail, Profile, Step, StepKind};
use crate::model::Capture;
use crate::outcome::FileReport;
use crate::secret::{mask, policy};

/// One step as compared: its kind, where it went, and its comparable fields.
#[derive(Debug, Clone)]
pub struct StepView {
    pub entry: usize,
    pub kind: StepKind,
    pub host: String,
    pub fields: Vec<Field>,
    /// Rule ids of the capture's findings at this step's entry.
    pub findings: Vec<String>,
}

/// A fact of a step: what is shown (masked) and what is compared.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    /// Masked, safe to print.
    pub shown: String,
    /// What equality is decided on. May hold raw values: never printed.
    key: String,
}

/// How two aligned steps relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Same,
    Differs,
    /// A has it, B has none like it.
    OnlyA,
    /// B has it, A lacks it (the step missing from the failing capture).
    OnlyB,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Differs => "differs",
            Status::OnlyA => "only_a",
            Status::OnlyB => "only_b",
        }
    }
}

/// One row of the diff: a step of A, of B, or of both.
#[derive(Debug, Clone)]
pub struct Row {
    pub status: Status,
    pub a: Option<StepView>,
    pub b: Option<StepView>,
    /// For matched steps: (field, A's shown value, B's), `None` where a side lacks it.
    pub differences: Vec<(&'static str, Option<String>, Option<String>)>,
}

/// The whole comparison.
#[derive(Debug, Clone)]
pub struct Diff {
    pub rows: Vec<Row>,
    /// Rule ids reported in one capture and not the other, with the entries there.
    pub findings_only_a: Vec<(String, Vec<usize>)>,
    pub findings_only_b: Vec<(String, Vec<usize>)>,
}

impl Diff {
    /// Whether the captures differ in any step or finding.
    pub fn differs(&self) -> bool {
        self.rows.iter().any(|r| r.status != Status::Same)
            || !self.findings_only_a.is_empty()
            || !self.findings_only_b.is_empty()
    }

    fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }
}

/// Compares two checked captures (both readable: callers report unreadable ones first).
pub fn diff(a: &FileReport, b: &FileReport) -> Diff {
    let va = steps_of(a);
    let vb = steps_of(b);
    let rows = align(&va, &vb)
        .into_iter()
        .map(|pair| match pair {
            (Some(i), Some(j)) => compare(&va[i], &vb[j]),
            (Some(i), None) => Row {
                status: Status::OnlyA,
                a: Some(va[i].clone()),
                b: None,
                differences: Vec::new(),
            },
            (None, Some(j)) => Row {
                status: Status::OnlyB,
                a: None,
                b: Some(vb[j].clone()),
                differences: Vec::new(),
            },
            (None, None) => unreachable_row(),
        })
        .collect();
    let rules_a = rules_of(a);
    let rules_b = rules_of(b);
    let only = |x: &[(String, Vec<usize>)], y: &[(String, Vec<usize>)]| {
        x.iter()
            .filter(|(r, _)| !y.iter().any(|(s, _)| s == r))
            .cloned()
            .collect()
    };
    Diff {
        rows,
        findings_only_a: only(&rules_a, &rules_b),
        findings_only_b: only(&rules_b, &rules_a),
    }
}

// An alignment never yields a pair of two gaps; kept total rather than panicking.
fn unreachable_row() -> Row {
    Row {
        status: Status::Same,
        a: None,
        b: None,
        differences: Vec::new(),
    }
}

fn rules_of(file: &FileReport) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for f in &file.findings {
        let entries = f.entry.into_iter();
        match out.iter_mut().find(|(r, _)| *r == f.rule) {
            Some((_, e)) => e.extend(entries),
            None => out.push((f.rule.clone(), entries.collect())),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Alignment.

/// Above this many cells the alignment table would cost too much memory (4 bytes a cell):
/// captures that long are paired greedily instead.
const MAX_CELLS: usize = 4_000_000;

/// Pairs the steps of A and B, keeping each side's order.
///
/// This is a global sequence alignment (Needleman–Wunsch with free gaps, i.e. a weighted
/// longest common subsequence): two steps may pair only when they are of the same kind, and a
/// pair scores more when they went to the same host and agree on more fields. Why not pair
/// "the n-th token request of A with the n-th of B"? Because a failing capture typically has
/// steps the working one lacks (a retry, an extra authorize at the skill's server, a missing
/// lookup), and counting would then shift every later pair onto the wrong partner. The
/// alignment keeps the flow's order, lets either side skip steps, and among equally long
/// pairings prefers the one where the same servers line up, so a token request at LWA is not
/// paired with one at the skill's server while a better partner exists.
fn align(a: &[StepView], b: &[StepView]) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (a.len(), b.len());
    if (n + 1).saturating_mul(m + 1) > MAX_CELLS {
        return align_greedy(a, b);
    }
    let score = |i: usize, j: usize| -> Option<u32> {
        let (x, y) = (&a[i], &b[j]);
        (x.kind == y.kind).then(|| {
            let fields = x
                .fields
                .iter()
                .filter(|f| y.fields.iter().any(|g| g.name == f.name && g.key == f.key))
                .count() as u32;
            100 + if x.host == y.host { 20 } else { 0 } + fields
        })
    };
    // best[i][j]: the best score aligning a[i..] with b[j..].
    let w = m + 1;
    let mut best = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let skip = best[(i + 1) * w + j].max(best[i * w + j + 1]);
            let pair = score(i, j).map(|s| s + best[(i + 1) * w + j + 1]);
            best[i * w + j] = pair.map_or(skip, |p| p.max(skip));
        }
    }
    let mut out = Vec::with_capacity(n.max(m));
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let here = best[i * w + j];
        if score(i, j).is_some_and(|s| s + best[(i + 1) * w + j + 1] == here) {
            out.push((Some(i), Some(j)));
            i += 1;
            j += 1;
        } else if best[(i + 1) * w + j] == here {
            out.push((Some(i), None));
            i += 1;
        } else {
            out.push((None, Some(j)));
            j += 1;
        }
    }
    out.extend((i..n).map(|i| (Some(i), None)));
    out.extend((j..m).map(|j| (None, Some(j))));
    out
}

/// For very long captures: walk both in order, pairing a step with the next one of its kind
/// on the other side.
fn align_greedy(a: &[StepView], b: &[StepView]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].kind == b[j].kind {
            out.push((Some(i), Some(j)));
            i += 1;
            j += 1;
        } else if b[j..].iter().any(|s| s.kind == a[i].kind) {
            out.push((None, Some(j)));
            j += 1;
        } else {
            out.push((Some(i), None));
            i += 1;
        }
    }
    out.extend((i..a.len()).map(|i| (Some(i), None)));
    out.extend((j..b.len()).map(|j| (None, Some(j))));
    out
}

fn compare(x: &StepView, y: &StepView) -> Row {
    let mut differences = Vec::new();
    if x.host != y.host {
        differences.push(("host", Some(x.host.clone()), Some(y.host.clone())));
    }
    let mut names: Vec<&'static str> = x.fields.iter().map(|f| f.name).collect();
    for f in &y.fields {
        if !names.contains(&f.name) {
            names.push(f.name);
        }
    }
    for name in names {
        let fx = x.fields.iter().find(|f| f.name == name);
        let fy = y.fields.iter().find(|f| f.name == name);
        if fx.map(|f| &f.key) != fy.map(|f| &f.key) {
            differences.push((
                name,
                fx.map(|f| f.shown.clone()),
                fy.map(|f| f.shown.clone()),
            ));
        }
    }
    Row {
        status: if differences.is_empty() {
            Status::Same
        } else {
            Status::Differs
        },
        a: Some(x.clone()),
        b: Some(y.clone()),
        differences,
    }
}

// ---------------------------------------------------------------------------------------------
// What a step shows.

fn steps_of(file: &FileReport) -> Vec<StepView> {
    let (Some(a), Some(c)) = (&file.analysis, &file.capture) else {
        return Vec::new();
    };
    let mut seen_entries = BTreeSet::new();
    a.steps
        .iter()
        .map(|step| {
            let mut v = view(step, a, c);
            // A finding belongs to its entry: shown with the first step there.
            if seen_entries.insert(step.entry) {
                v.findings = file
                    .findings
                    .iter()
                    .filter(|f| f.entry == Some(step.entry))
                    .map(|f| f.rule.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
            }
            v
        })
        .collect()
}

struct Fields {
    out: Vec<Field>,
}

/// A plain value as the secrets policy shows it: a value from the capture by the name it
/// carries on the wire (default-deny: only public names are shown), a value the engine wrote
/// itself (a status, `sent`, `access token`) as it is.
fn shown(name: &str, value: &str) -> String {
    let mut mask = policy::Mask;
    match name {
        "status" | "state" | "client_auth" | "code_verifier" | "tokens_issued" => value.to_string(),
        "path" | "skill_id" => policy::path(value, &mut mask),
        "link_type" => policy::value("type", value, &mut mask),
        wire => policy::value(wire, value, &mut mask),
    }
}

impl Fields {
    /// A plain value: compared as is, shown as the policy allows.
    fn text(&mut self, name: &'static str, value: Option<&str>) {
        if let Some(v) = value {
            self.out.push(Field {
                name,
                shown: shown(name, v),
                key: v.to_string(),
            });
        }
    }

    /// A value compared by `key` (never a raw secret) and shown as `shown` (already masked).
    fn keyed(&mut self, name: &'static str, shown: String, key: String) {
        self.out.push(Field { name, shown, key });
    }
}

fn view(step: &Step, a: &Analysis, c: &Capture) -> StepView {
    let exchange = c.exchanges.get(step.entry.saturating_sub(1));
    let url = exchange.map(|e| e.request.url.as_str()).unwrap_or_default();
    let parsed = Url::parse(url);
    // Shown and compared as the policy shows it: a host name as it is, anything else masked.
    let host = policy::host(&parsed.host, &mut policy::Mask);
    let mut f = Fields { out: Vec::new() };
    if step.kind != StepKind::Answer {
        f.text("path", Some(parsed.path));
        let status = match exchange.and_then(|e| e.response.as_ref()) {
            Some(r) => r.status.to_string(),
            None => "no response".to_string(),
        };
        f.text("status", Some(&status));
    }
    let client = |f: &mut Fields, id: Option<&str>| {
        if let Some(id) = id {
            let (letter, source) = a
                .clients
                .get(id)
                .map(|c| (profile_letter(c.profile), c.source.name()))
                .unwrap_or(("unknown", "none"));
            f.keyed(
                "client",
                format!(
                    "{} (profile {letter}, {source})",
                    policy::value("client_id", id, &mut policy::Mask)
                ),
                format!("{id} {letter}"),
            );
        }
    };
    match &step.detail {
        Detail::Authorize(z) => {
            client(&mut f, z.client_id.as_deref());
            f.text("scope", z.scope.as_deref());
            f.text("redirect_uri", z.redirect_uri.as_deref());
            f.text("response_type", z.response_type.as_deref());
            f.text("code_challenge_method", z.code_challenge_method.as_deref());
            f.text("state", z.state.as_ref().map(|_| "sent"));
        }
        Detail::Answer(z) => {
            f.text("error", z.error.as_deref());
            if let Some(code) = z.code.and_then(|i| a.codes.get(i)) {
                f.keyed("code", mask(&code.value), "issued".to_string());
            }
            f.text("state", z.state.as_ref().map(|_| "returned"));
        }
        Detail::TokenRequest(t) => token_request(&mut f, t, a, c, &client),
        Detail::EndpointLookup(l) => {
            if let Some(i) = l.bearer {
                let (shown, key) = token_lineage(a, c, i);
                f.keyed("bearer", shown, key);
            }
            f.text(
                "endpoints",
                l.endpoints.as_ref().map(|e| e.join(", ")).as_deref(),
            );
        }
        Detail::Activation(z) => {
            f.text("skill_id", z.skill_id.as_deref());
            f.text("stage", z.stage.as_deref());
            f.text("link_type", z.link_type.as_deref());
            f.text("redirect_uri", z.redirect_uri.as_deref());
            if let Some(i) = z.auth_code {
                let (shown, key) = code_lineage(a, c, i);
                f.keyed("auth_code", shown, key);
            }
            if let Some(i) = z.bearer {
                let (shown, key) = token_lineage(a, c, i);
                f.keyed("bearer", shown, key);
            }
            f.text("message", z.message.as_deref());
        }
        Detail::BearerCall { bearer } => {
            let (shown, key) = token_lineage(a, c, *bearer);
            f.keyed("bearer", shown, key);
        }
    }
    StepView {
        entry: step.entry,
        kind: step.kind,
        host,
        fields: f.out,
        findings: Vec::new(),
    }
}

/// The fields of a token request, and of its response.
fn token_request(
    f: &mut Fields,
    t: &crate::flow::TokenRequest,
    a: &Analysis,
    c: &Capture,
    client: &dyn Fn(&mut Fields, Option<&str>),
) {
    f.text("grant_type", t.grant_type.as_deref());
    client(f, t.client_id.as_deref());
    f.text("client_auth", t.client_auth.map(|c| c.name()));
    f.text("redirect_uri", t.redirect_uri.as_deref());
    f.text("scope", t.scope.as_deref());
    if let Some(i) = t.code {
        let (shown, key) = code_lineage(a, c, i);
        f.keyed("code", shown, key);
    }
    if let Some(i) = t.refresh_token {
        let (shown, key) = token_lineage(a, c, i);
        f.keyed("refresh_token", shown, key);
    }
    f.text("code_verifier", t.code_verifier_present.then_some("sent"));
    if let Some(r) = &t.response {
        f.text("error", r.error.as_deref());
        let minted: Vec<&str> = [
            r.access_token.map(|_| "access token"),
            r.refresh_token.map(|_| "refresh token"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let minted = if minted.is_empty() {
            "none".to_string()
        } else {
            minted.join(", ")
        };
        f.text("tokens_issued", Some(&minted));
    }
}

fn profile_letter(p: Profile) -> &'static str {
    match p {
        Profile::Alexa => "B",
        Profile::Skill => "A",
        Profile::Unknown => "unknown",
    }
}

fn host_of(c: &Capture, entry: usize) -> String {
    c.exchanges
        .get(entry.saturating_sub(1))
        .map(|e| Url::parse(&e.request.url).host.to_string())
        .unwrap_or_default()
}

/// Where a client id stands: `id (profile B)`, for lineage descriptions.
fn client_words(a: &Analysis, id: Option<&str>) -> String {
    match id {
        Some(id) => {
            let letter = a
                .clients
                .get(id)
                .map_or("unknown", |c| profile_letter(c.profile));
            format!("client {id} (profile {letter})")
        }
        None => "no client id".to_string(),
    }
}

/// A code: masked, with the server that issued it and the client it was issued to. The key
/// leaves the value and entry numbers out: they differ between any two captures.
fn code_lineage(a: &Analysis, c: &Capture, code: usize) -> (String, String) {
    let Some(x) = a.codes.get(code) else {
        return ("?".into(), "?".into());
    };
    let origin = x.origin.and_then(|o| a.authorize(o).map(|z| (o, z)));
    let key = match origin {
        Some((o, z)) => {
            let host = a
                .steps
                .get(o)
                .map(|s| host_of(c, s.entry))
                .unwrap_or_default();
            format!(
                "issued by {host} to {}",
                client_words(a, z.client_id.as_deref())
            )
        }
        None => "issued by a request not in the capture".to_string(),
    };
    let at = x
        .issued
        .and_then(|s| a.steps.get(s))
        .map(|s| format!(", at #{}", s.entry))
        .unwrap_or_default();
    (format!("{} ({key}{at})", mask(&x.value)), key)
}

/// A token: masked, with the token request that minted it (server, client, profile).
fn token_lineage(a: &Analysis, c: &Capture, token: usize) -> (String, String) {
    let Some(t) = a.tokens.get(token) else {
        return ("?".into(), "?".into());
    };
    let minted = t.minted_by.and_then(|m| a.steps.get(m));
    let key = match minted {
        Some(s) => format!(
            "minted at {} for {}",
            host_of(c, s.entry),
            client_words(a, a.token_client(token))
        ),
        None => "minted by a request not in the capture".to_string(),
    };
    let at = minted
        .map(|s| format!(", at #{}", s.entry))
        .unwrap_or_default();
    (format!("{} ({key}{at})", mask(&t.value)), key)
}

// ---------------------------------------------------------------------------------------------
// Output.

fn side_line(file: &FileReport) -> String {
    let steps = file.analysis.as_ref().map_or(0, |a| a.steps.len());
    let findings = match file.findings.len() {
        0 => "no findings".to_string(),
        1 => "1 finding".to_string(),
        n => format!("{n} findings"),
    };
    format!(
        "{} ({}, {} entries, {steps} OAuth steps, {findings})",
        file.name,
        file.format.unwrap_or("?"),
        file.entries
    )
}

/// The diff for people: one line a step pair, the differing fields under it.
pub fn render_human(d: &Diff, a: &FileReport, b: &FileReport) -> String {
    let mut out = String::new();
    out.push_str(&format!("A: {}\nB: {}\n\n", side_line(a), side_line(b)));
    for row in &d.rows {
        let entry = |v: &Option<StepView>| {
            v.as_ref()
                .map_or("—".to_string(), |s| format!("#{}", s.entry))
        };
        let step = row.a.as_ref().or(row.b.as_ref());
        let kind = step.map_or("", |s| s.kind.name());
        let host = step.map_or("", |s| s.host.as_str());
        let what = match row.status {
            Status::Same => "same".to_string(),
            Status::Differs => format!(
                "differs: {}",
                row.differences
                    .iter()
                    .map(|d| d.0)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Status::OnlyA => "only in A".to_string(),
            Status::OnlyB => "missing from A (B has it)".to_string(),
        };
        let mark = match row.status {
            Status::Same => ' ',
            Status::Differs => '~',
            Status::OnlyA => '-',
            Status::OnlyB => '+',
        };
        out.push_str(&format!(
            "{mark} {:>5} {:>5}  {kind} {host}: {what}\n",
            entry(&row.a),
            entry(&row.b)
        ));
        for (name, x, y) in &row.differences {
            let none = || "(absent)".to_string();
            out.push_str(&format!(
                "      {name}\n        A: {}\n        B: {}\n",
                x.clone().unwrap_or_else(none),
                y.clone().unwrap_or_else(none)
            ));
        }
        let notes = |v: &Option<StepView>, side: &str| {
            v.as_ref()
                .filter(|s| !s.findings.is_empty())
                .map(|s| format!("      findings in {side}: {}\n", s.findings.join(", ")))
                .unwrap_or_default()
        };
        out.push_str(&notes(&row.a, "A"));
        out.push_str(&notes(&row.b, "B"));
    }
    let list = |items: &[(String, Vec<usize>)]| {
        items
            .iter()
            .map(|(r, e)| {
                let at: Vec<String> = e.iter().map(|e| format!("#{e}")).collect();
                if at.is_empty() {
                    r.clone()
                } else {
                    format!("{r} ({})", at.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push('\n');
    if !d.findings_only_a.is_empty() {
        out.push_str(&format!(
            "Findings only in A: {}\n",
            list(&d.findings_only_a)
        ));
    }
    if !d.findings_only_b.is_empty() {
        out.push_str(&format!(
            "Findings only in B: {}\n",
            list(&d.findings_only_b)
        ));
    }
    let matched = d.count(Status::Same) + d.count(Status::Differs);
    out.push_str(&format!(
        "{matched} steps in both ({} differ), {} only in A, {} missing from A.\n",
        d.count(Status::Differs),
        d.count(Status::OnlyA),
        d.count(Status::OnlyB)
    ));
    out
}

/// The diff as one JSON document.
pub fn render_json(d: &Diff, a: &FileReport, b: &FileReport) -> String {
    let side = |f: &FileReport| {
        json!({
            "file": f.name,
            "format": f.format,
            "entries": f.entries,
            "steps": f.analysis.as_ref().map_or(0, |a| a.steps.len()),
            "findings": f.findings.len(),
        })
    };
    let step = |v: &Option<StepView>| -> Value {
        match v {
            None => Value::Null,
            Some(s) => json!({
                "entry": s.entry,
                "kind": s.kind.name(),
                "host": s.host,
                "fields": s.fields.iter().map(|f| (f.name.to_string(), json!(f.shown))).collect::<serde_json::Map<_, _>>(),
                "findings": s.findings,
            }),
        }
    };
    let rows: Vec<Value> = d
        .rows
        .iter()
        .map(|r| {
            json!({
                "status": r.status.name(),
                "kind": r.a.as_ref().or(r.b.as_ref()).map(|s| s.kind.name()),
                "a": step(&r.a),
                "b": step(&r.b),
                "differences": r.differences.iter().map(|(n, x, y)| json!({"field": n, "a": x, "b": y})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let rules = |items: &[(String, Vec<usize>)]| -> Vec<Value> {
        items
            .iter()
            .map(|(r, e)| json!({"rule": r, "entries": e}))
            .collect()
    };
    let doc = json!({
        "version": 1,
        "a": side(a),
        "b": side(b),
        "steps": rows,
        "findings_only_a": rules(&d.findings_only_a),
        "findings_only_b": rules(&d.findings_only_b),
        "summary": {
            "same": d.count(Status::Same),
            "differ": d.count(Status::Differs),
            "only_a": d.count(Status::OnlyA),
            "only_b": d.count(Status::OnlyB),
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain fields follow the secrets policy by their wire name: public values shown, a
    /// secret-shaped path segment and a value under no public name masked.
    #[test]
    fn fields_are_shown_as_the_policy_allows() {
        assert_eq!(shown("scope", "profile"), "profile");
        assert_eq!(shown("status", "401"), "401");
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl";
        let path = shown("path", &format!("/reset/{jwt}"));
        assert!(path.starts_with("/reset/") && !path.contains(jwt), "{path}");
        let made_up = "s3cr3tValueNoListKnows42";
        assert!(!shown("tracking", made_up).contains(made_up));
    }

    fn step(kind: StepKind, host: &str, client: &str) -> StepView {
        StepView {
            entry: 0,
            kind,
            host: host.to_string(),
            fields: vec![Field {
                name: "client",
                shown: client.to_string(),
                key: client.to_string(),
            }],
            findings: Vec::new(),
        }
    }

    fn pairs(a: &[StepView], b: &[StepView]) -> Vec<(Option<usize>, Option<usize>)> {
        align(a, b)
    }

    use StepKind::*;

    #[test]
    fn a_missing_step_does_not_shift_the_rest() {
        let a = [
            step(Authorize, "lwa", "b"),
            step(TokenRequest, "lwa", "b"),
            step(Activation, "alexa", "-"),
        ];
        let b = [
            step(Authorize, "lwa", "b"),
            step(TokenRequest, "lwa", "b"),
            step(EndpointLookup, "alexa", "-"),
            step(Activation, "alexa", "-"),
        ];
        assert_eq!(
            pairs(&a, &b),
            [
                (Some(0), Some(0)),
                (Some(1), Some(1)),
                (None, Some(2)),
                (Some(2), Some(3)),
            ]
        );
    }

    /// A's extra token request at the skill's server comes first; counting "the first token
    /// request of each" would pair it with B's LWA one. The alignment pairs like with like.
    #[test]
    fn steps_pair_with_the_same_server_when_both_orders_fit() {
        let a = [
            step(TokenRequest, "skill", "a"),
            step(TokenRequest, "lwa", "b"),
            step(Activation, "alexa", "-"),
        ];
        let b = [
            step(TokenRequest, "lwa", "b"),
            step(Activation, "alexa", "-"),
        ];
        assert_eq!(
            pairs(&a, &b),
            [(Some(0), None), (Some(1), Some(0)), (Some(2), Some(1))]
        );
        // The greedy fallback for huge captures keeps order and kinds too.
        let greedy = align_greedy(&a, &b);
        assert_eq!(greedy.len(), 3);
        assert!(greedy.iter().all(
            |p| matches!(p, (Some(i), Some(j)) if a[*i].kind == b[*j].kind)
                || matches!(p, (Some(_), None) | (None, Some(_)))
        ));
    }

    #[test]
    fn steps_of_different_kinds_never_pair() {
        let a = [step(Authorize, "x", "a")];
        let b = [step(TokenRequest, "x", "a")];
        assert_eq!(pairs(&a, &b), [(Some(0), None), (None, Some(0))]);
    }

    #[test]
    fn differences_name_the_field_and_show_masked_values_only() {
        let mut x = step(TokenRequest, "lwa", "skill-client (profile A)");
        let mut y = step(TokenRequest, "lwa", "amzn1-client (profile B)");
        // Two tokens of the same lineage are equal whatever their values.
        x.fields.push(Field {
            name: "bearer",
            shown: "Atza|…#111111 (minted at lwa)".into(),
            key: "minted at lwa".into(),
        });
        y.fields.push(Field {
            name: "bearer",
            shown: "Atza|…#222222 (minted at lwa)".into(),
            key: "minted at lwa".into(),
        });
        let row = compare(&x, &y);
        assert_eq!(row.status, Status::Differs);
        assert_eq!(
            row.differences,
            [(
                "client",
                Some("skill-client (profile A)".to_string()),
                Some("amzn1-client (profile B)".to_string())
            )]
        );
    }
}
