//! The HTML report (`check --format html`): one self-contained page to attach to a ticket. A
//! summary, the findings with their fix, each flow as an inline SVG sequence diagram and a
//! table of the entries. No script, no external asset, no request: a Content-Security-Policy
//! of `default-src 'none'` makes the browser refuse any that a bug might add. Every text from
//! a capture is masked by the secrets policy before it gets here (findings, `FileView`,
//! `secret::policy::url` for URLs, fragments included) and escaped on the way out, since a
//! capture can be hostile.

use std::fmt::Write as _;

use super::flowview::FileView;
use super::svg::{self, esc};
use super::{FileReport, Report};
use crate::finding::Finding;
use crate::secret::policy;

/// Entries listed per file at most: a table of 60k rows helps nobody and weighs megabytes.
const MAX_ENTRIES: usize = 2000;

pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(HEAD);
    let summary = report.summary();
    let flows: usize = report.files.iter().filter_map(FileReport::flows).sum();
    let entries: usize = report.files.iter().map(|f| f.entries).sum();
    let _ = writeln!(
        out,
        r#"<header><h1>tokentrail report</h1><p class="summary"><span class="count error">{} error{}</span> <span class="count warning">{} warning{}</span> <span class="count info">{} info{}</span> in {} file{} ({} entries, {} OAuth flow{}{}).</p></header>"#,
        summary.errors,
        plural(summary.errors),
        summary.warnings,
        plural(summary.warnings),
        summary.infos,
        plural(summary.infos),
        report.files.len(),
        plural(report.files.len()),
        entries,
        flows,
        plural(flows),
        match report.unreadable() {
            0 => String::new(),
            n => format!("; {n} could not be read"),
        }
    );
    files_table(&mut out, report);
    for (n, file) in report.files.iter().enumerate() {
        file_section(&mut out, file, n + 1);
    }
    let _ = writeln!(
        out,
        r#"<footer>tokentrail {} · secrets are shown masked with a fingerprint: equal values look equal.</footer>"#,
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("</body>\n</html>\n");
    out
}

fn files_table(out: &mut String, report: &Report) {
    out.push_str(
        "<section id=\"files\"><h2>Files</h2><table class=\"files\"><thead><tr><th>file</th><th>format</th><th>entries</th><th>flows</th><th>errors</th><th>warnings</th><th>infos</th></tr></thead><tbody>\n",
    );
    for (n, f) in report.files.iter().enumerate() {
        let count =
            |s: crate::finding::Severity| f.findings.iter().filter(|x| x.severity == s).count();
        let _ = writeln!(
            out,
            r##"<tr><td><a href="#file-{}">{}</a>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"##,
            n + 1,
            esc(&f.name),
            f.error
                .as_deref()
                .map(|e| format!(r#"<div class="unreadable">{}</div>"#, esc(e)))
                .unwrap_or_default(),
            f.format.unwrap_or("—"),
            f.entries,
            f.flows().map_or("—".into(), |n| n.to_string()),
            count(crate::finding::Severity::Error),
            count(crate::finding::Severity::Warning),
            count(crate::finding::Severity::Info),
        );
    }
    out.push_str("</tbody></table></section>\n");
}

fn file_section(out: &mut String, file: &FileReport, n: usize) {
    let _ = writeln!(
        out,
        r#"<section class="file" id="file-{n}"><h2>{}</h2>"#,
        esc(&file.name)
    );
    if let Some(e) = &file.error {
        let _ = writeln!(
            out,
            r#"<p class="unreadable">Could not be read: {}</p></section>"#,
            esc(e)
        );
        return;
    }
    out.push_str("<h3>Findings</h3>\n");
    if file.findings.is_empty() {
        out.push_str("<p class=\"none\">No findings.</p>\n");
    }
    for (i, f) in file.findings.iter().enumerate() {
        finding(out, f, &format!("f{n}-{}", i + 1));
    }

    let view = FileView::new(file);
    out.push_str("<h3>Flows</h3>\n");
    if view.flows.is_empty() {
        out.push_str("<p class=\"none\">No OAuth flows found.</p>\n");
    }
    for flow in &view.flows {
        let actors: Vec<&str> = flow.actors.iter().map(|a| a.name()).collect();
        let _ = writeln!(
            out,
            r#"<figure class="flow"><figcaption>Flow {}: {}</figcaption>"#,
            flow.number,
            esc(&actors.join(" · "))
        );
        out.push_str(&svg::render(
            flow,
            &file.findings,
            &format!("s{n}-{}", flow.number),
        ));
        out.push_str("</figure>\n");
    }
    entries_table(out, file, n);
    out.push_str("</section>\n");
}

fn finding(out: &mut String, f: &Finding, id: &str) {
    let sev = f.severity.as_str();
    let _ = writeln!(
        out,
        r#"<article class="finding {sev}" id="{id}"><h4><span class="sev">{sev}</span> <code class="rule">{}</code></h4>"#,
        esc(&f.rule)
    );
    let mut place = Vec::new();
    if let Some(e) = f.entry {
        place.push(format!("entry #{e}"));
    } else {
        place.push("the whole capture".into());
    }
    if let (Some(m), Some(u)) = (&f.method, &f.url) {
        place.push(format!("{m} {u}"));
    }
    if let Some(t) = &f.time {
        place.push(format!("at {t}"));
    }
    let _ = writeln!(
        out,
        r#"<p class="where">{}</p><p class="message">{}</p>"#,
        esc(&place.join(" · ")),
        esc(&f.message)
    );
    let notes: Vec<String> = f
        .labels
        .iter()
        .filter(|l| !l.text.is_empty())
        .map(|l| {
            let at = match &l.place {
                crate::finding::Place::Entry { entry, .. } => format!("entry #{entry}"),
                crate::finding::Place::Offset(o) => format!("byte {o}"),
            };
            format!("{at}: {}", l.text)
        })
        .chain(
            f.related
                .iter()
                .map(|r| format!("entry #{}: {}", r.entry, r.note)),
        )
        .collect();
    if !notes.is_empty() {
        out.push_str("<ul class=\"labels\">");
        for note in notes {
            let _ = write!(out, "<li>{}</li>", esc(&note));
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(
        out,
        r#"<p class="help"><strong>Fix:</strong> {}</p></article>"#,
        esc(&f.help)
    );
}

fn entries_table(out: &mut String, file: &FileReport, n: usize) {
    let (Some(capture), Some(a)) = (&file.capture, &file.analysis) else {
        return;
    };
    let _ = writeln!(
        out,
        r#"<h3>Entries</h3><table class="entries" id="entries-{n}"><thead><tr><th>#</th><th>time</th><th>method</th><th>URL (secrets masked)</th><th>status</th><th>OAuth steps</th><th>findings</th></tr></thead><tbody>"#
    );
    for ex in capture.exchanges.iter().take(MAX_ENTRIES) {
        // An entry the fast read skimmed is only its place and time: read it again to show
        // it (an entry read in full comes out the same).
        let again = if ex.request.method.is_empty() {
            crate::read::reread(capture, ex)
        } else {
            None
        };
        let ex = again.as_ref().unwrap_or(ex);
        let time = match (ex.started, a.start) {
            (Some(s), Some(start)) => format!("+{:.1}s", (s - start).as_seconds_f64()),
            _ => "?".into(),
        };
        let steps: Vec<String> = a
            .steps
            .iter()
            .filter(|s| s.entry == ex.index)
            .map(|s| format!("{} (flow {})", s.kind.name(), s.flow))
            .collect();
        let rules: Vec<&str> = file
            .findings
            .iter()
            .filter(|f| f.entry == Some(ex.index))
            .map(|f| f.rule.as_str())
            .collect();
        let status = match (&ex.response, &ex.error) {
            (Some(r), _) if r.status != 0 => r.status.to_string(),
            (_, Some(e)) => format!("no response ({})", policy::note(e, &mut policy::Mask)),
            _ => "no response".into(),
        };
        let _ = writeln!(
            out,
            r#"<tr{}><td>{}</td><td>{}</td><td>{}</td><td class="url">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            if rules.is_empty() {
                ""
            } else {
                r#" class="flagged""#
            },
            ex.index,
            esc(&time),
            esc(&policy::method(&ex.request.method, &mut policy::Mask)),
            esc(&policy::url(&ex.request.url, &mut policy::Mask)),
            esc(&status),
            esc(&steps.join(", ")),
            esc(&rules.join(", ")),
        );
    }
    out.push_str("</tbody></table>\n");
    if capture.exchanges.len() > MAX_ENTRIES {
        let _ = writeln!(
            out,
            r#"<p class="none">{} more entries not listed.</p>"#,
            capture.exchanges.len() - MAX_ENTRIES
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tokentrail report</title>
<style>
:root { --error: #c62828; --warning: #b26a00; --info: #1565c0; --line: #d0d7de; --muted: #57606a; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1280px; padding: 16px 24px 40px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 32px; word-break: break-all; }
h3 { font-size: 15px; margin: 20px 0 8px; } h4 { margin: 0 0 4px; font-size: 14px; }
code, .url, td, svg text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.count { font-weight: 600; } .count.error { color: var(--error); } .count.warning { color: var(--warning); } .count.info { color: var(--info); }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-family: system-ui, sans-serif; }
td.url { word-break: break-all; } tr.flagged td { background: #fff5f5; }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--muted); border-radius: 4px; padding: 8px 12px; margin: 10px 0; }
.finding.error { border-left-color: var(--error); } .finding.warning { border-left-color: var(--warning); } .finding.info { border-left-color: var(--info); }
.sev { text-transform: uppercase; font-size: 11px; font-weight: 700; letter-spacing: .04em; margin-right: 6px; }
.error .sev { color: var(--error); } .warning .sev { color: var(--warning); } .info .sev { color: var(--info); }
.where { color: var(--muted); font-size: 12px; margin: 2px 0; word-break: break-all; } .message { margin: 6px 0; }
.help { background: #f6f8fa; padding: 6px 8px; border-radius: 3px; margin: 6px 0 0; } .labels { margin: 4px 0; color: var(--muted); font-size: 13px; }
.unreadable { color: var(--error); } .none { color: var(--muted); }
figure.flow { margin: 12px 0 20px; overflow-x: auto; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg.flow { background: #fcfcfd; border: 1px solid var(--line); border-radius: 4px; }
svg .actor rect { fill: #eef2f7; stroke: #8c959f; } svg .actor text { font-size: 12px; font-weight: 600; fill: #1f2328; }
svg .lifeline { stroke: #8c959f; stroke-dasharray: 4 4; }
svg .label { font-size: 11px; fill: #1f2328; } svg .label.first { font-weight: 700; }
svg .when, svg .entry { font-size: 11px; fill: var(--muted); }
svg .arrow { stroke: #1f2328; stroke-width: 1.4; } svg .arrow.reply { stroke-dasharray: 5 4; stroke: #57606a; }
svg .arrowhead { fill: #1f2328; } svg .cross { stroke: var(--error); stroke-width: 2; fill: none; }
svg .trace .tie { stroke-width: 1; stroke-dasharray: 2 3; opacity: .6; }
svg .hit.error { fill: #fdecea; } svg .hit.warning { fill: #fff4e0; } svg .hit.info { fill: #e8f1fb; }
svg .note rect { stroke-width: 1; } svg .note text { font-size: 11px; font-weight: 700; }
svg .note.error rect { fill: #fdecea; stroke: var(--error); } svg .note.error text { fill: var(--error); }
svg .note.warning rect { fill: #fff4e0; stroke: var(--warning); } svg .note.warning text { fill: var(--warning); }
svg .note.info rect { fill: #e8f1fb; stroke: var(--info); } svg .note.info text { fill: var(--info); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
</style>
</head>
<body>
"#;

/// `--format html`: the page, written when every file is done (it needs the captures).
pub struct Html;

impl super::output::Output for Html {
    fn keeps(&self) -> super::output::Keeps {
        super::output::Keeps::Everything
    }

    fn finish(&self, report: &Report, _: &super::summary::BatchSummary) -> Option<String> {
        Some(render(report))
    }
}
