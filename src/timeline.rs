//! `tokentrail flows`: the reconstructed flows as a readable timeline, with masked artifacts,
//! lineage between steps, and the findings attached to the steps they concern.

use std::fmt::Write as _;

use crate::flow::{self, Analysis, Detail, Step, Via};
use crate::model::Capture;
use crate::report::FileReport;
use crate::secret::mask;

/// Renders the timeline of one checked file, wrapped to `width` columns.
pub fn render(file: &FileReport, width: usize) -> String {
    let (Some(capture), Some(a)) = (&file.capture, &file.analysis) else {
        return String::new();
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} entries, {} OAuth step{}, {} flow{}, {} finding{}",
        file.name,
        capture.exchanges.len(),
        a.steps.len(),
        plural(a.steps.len()),
        a.flows,
        plural(a.flows),
        file.findings.len(),
        plural(file.findings.len())
    );
    if let Some(t) = &capture.truncation {
        wrap_into(
            &mut out,
            &format!(
                "cut off at byte {} after {} complete entries: {}",
                t.offset, t.complete_entries, t.reason
            ),
            "  ",
            width,
        );
    }
    if a.steps.is_empty() {
        out.push_str("\nNo OAuth steps found.\n");
    }
    for f in file.findings.iter().filter(|f| f.entry.is_none()) {
        wrap_into(
            &mut out,
            &format!("! {} {}: {}", f.severity.as_str(), f.rule, f.message),
            "  ",
            width,
        );
    }
    for flow_no in 1..=a.flows {
        let _ = writeln!(out, "\nFlow {flow_no}");
        let mut last_entry = 0;
        for (i, step) in a
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.flow == flow_no)
        {
            let head = if step.entry == last_entry {
                // A second step of the same entry (an authorize answered by its own redirect).
                format!("{:>8}  {:<5}{}", "", "", step.kind.name())
            } else {
                format!(
                    "{:>8}  {:<5}{}  {}",
                    offset(capture, a, step),
                    format!("#{}", step.entry),
                    step.kind.name(),
                    where_(capture, step, file)
                )
            };
            last_entry = step.entry;
            wrap_into(&mut out, &head, "", width);
            for line in details(a, step) {
                wrap_into(&mut out, &line, DETAIL_INDENT, width);
            }
            if is_last_step_of_entry(a, i) {
                for f in file.findings.iter().filter(|f| f.entry == Some(step.entry)) {
                    let text = format!("! {} {}: {}", f.severity.as_str(), f.rule, f.message);
                    wrap_into(&mut out, &text, DETAIL_INDENT, width);
                }
            }
        }
    }
    out
}

const DETAIL_INDENT: &str = "               ";

/// Appends `text` wrapped to `width`, every line indented by `indent`.
fn wrap_into(out: &mut String, text: &str, indent: &str, width: usize) {
    let opts = textwrap::Options::new(width.max(40))
        .initial_indent(indent)
        .subsequent_indent(if indent.is_empty() {
            DETAIL_INDENT
        } else {
            indent
        })
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    for line in textwrap::wrap(text, opts) {
        out.push_str(&line);
        out.push('\n');
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Findings are printed once per entry, under its last step.
fn is_last_step_of_entry(a: &Analysis, i: usize) -> bool {
    let entry = a.steps[i].entry;
    !a.steps.iter().skip(i + 1).any(|s| s.entry == entry)
}

fn offset(capture: &Capture, a: &Analysis, step: &Step) -> String {
    let started = step
        .entry
        .checked_sub(1)
        .and_then(|i| capture.exchanges.get(i))
        .and_then(|e| e.started);
    match (started, a.start) {
        (Some(s), Some(start)) => format!("+{:.1}s", (s - start).as_seconds_f64()),
        _ => String::from("?"),
    }
}

fn where_(capture: &Capture, step: &Step, file: &FileReport) -> String {
    let Some(ex) = step
        .entry
        .checked_sub(1)
        .and_then(|i| capture.exchanges.get(i))
    else {
        return String::new();
    };
    let url = flow::url::Url::parse(&ex.request.url);
    let status = match &ex.response {
        Some(r) => format!("→ {}", r.status),
        None => String::from("→ no response"),
    };
    let target = file.secrets.mask_text(&format!("{}{}", url.host, url.path));
    format!("{} {} {}", ex.request.method, target, status)
}

fn code_line(a: &Analysis, code: Option<usize>, what: &str) -> Option<String> {
    let c = a.codes.get(code?)?;
    let origin = match c.issued.and_then(|i| a.steps.get(i)) {
        Some(s) => format!("issued at #{}", s.entry),
        None => String::from("issued outside the capture"),
    };
    Some(format!("{what} {} ({origin})", mask(&c.value)))
}

fn token_line(a: &Analysis, token: Option<usize>, what: &str) -> Option<String> {
    let t = a.tokens.get(token?)?;
    let origin = match t.minted_by.and_then(|i| a.steps.get(i)) {
        Some(s) => format!("minted at #{}", s.entry),
        None => String::from("minted outside the capture"),
    };
    Some(format!("{what} {} ({origin})", mask(&t.value)))
}

fn client_line(a: &Analysis, id: Option<&str>) -> Option<String> {
    let c = a.clients.get(id?)?;
    Some(format!(
        "client {} (profile {}, {})",
        c.id,
        c.profile.name(),
        c.source.name()
    ))
}

fn details(a: &Analysis, step: &Step) -> Vec<String> {
    let mut lines = Vec::new();
    match &step.detail {
        Detail::Authorize(auth) => {
            lines.extend(client_line(a, auth.client_id.as_deref()));
            if let Some(s) = &auth.scope {
                lines.push(format!("scope {s}"));
            }
            if let Some(r) = &auth.redirect_uri {
                lines.push(format!("redirect_uri {r}"));
            }
            if auth.code_challenge.is_some() {
                lines.push("PKCE code_challenge sent".into());
            }
            match auth.answer.and_then(|x| a.steps.get(x)) {
                Some(ans) => lines.push(format!("answered at #{}", ans.entry)),
                None => lines.push("no answer in the capture".into()),
            }
        }
        Detail::Answer(ans) => {
            let via = match ans.via {
                Via::Location => "Location header",
                Via::Url => "redirect URL",
            };
            let to = a.steps.get(ans.authorize).map(|s| s.entry).unwrap_or(0);
            lines.push(format!("answers #{to} via {via}"));
            lines.extend(code_line(a, ans.code, "code"));
            if let Some(e) = &ans.error {
                lines.push(format!(
                    "error {e}{}",
                    ans.error_description
                        .as_deref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ));
            }
        }
        Detail::TokenRequest(t) => {
            lines.push(format!(
                "grant_type {}",
                t.grant_type.as_deref().unwrap_or("(not visible)")
            ));
            lines.extend(client_line(a, t.client_id.as_deref()));
            lines.extend(code_line(a, t.code, "code"));
            lines.extend(token_line(a, t.refresh_token, "refresh token"));
            if let Some(r) = &t.response {
                if let Some(e) = &r.error {
                    lines.push(format!("answer: error {e}"));
                }
                if let Some(t) = r.access_token.and_then(|t| a.tokens.get(t)) {
                    lines.push(format!("answer: access token {}", mask(&t.value)));
                }
            }
        }
        Detail::EndpointLookup(l) => {
            lines.extend(token_line(a, l.bearer, "bearer"));
            if let Some(e) = &l.endpoints {
                lines.push(format!("endpoints {}", e.join(", ")));
            }
        }
        Detail::Activation(act) => {
            lines.extend(
                act.skill_id
                    .as_ref()
                    .map(|s| format!("skill {s}, stage {}", act.stage.as_deref().unwrap_or("?"))),
            );
            lines.extend(token_line(a, act.bearer, "bearer"));
            lines.extend(code_line(a, act.auth_code, "authCode"));
            if let Some(m) = &act.message {
                lines.push(format!("answer: {m}"));
            }
        }
        Detail::BearerCall { bearer } => {
            lines.extend(token_line(a, Some(*bearer), "bearer"));
        }
    }
    lines
}
