//! A flow drawn as an inline SVG sequence diagram for the HTML report: one lifeline per actor,
//! an arrow per request and reply, lineage lanes on the left joining the message that issued
//! a code or token to those that used it, and the findings marked on their messages. Static
//! markup only (no script, no external reference), every text escaped.

use std::fmt::Write as _;

use super::flowview::{lanes, Actor, FlowView, Message, Role};
use crate::finding::{Finding, Severity};

const TOP: f64 = 52.0;
const LANE_X: f64 = 70.0;
const LANE_W: f64 = 9.0;
const MAX_LANES: usize = 6;
const COL: f64 = 260.0;
const LINE_H: f64 = 15.0;
/// Average advance of the monospace font at 11px, to fit labels between lifelines.
const CHAR_W: f64 = 6.7;
const MAX_LINES: usize = 4;
const PALETTE: [&str; 6] = [
    "#1f77b4", "#9467bd", "#2ca02c", "#d62728", "#ff7f0e", "#17becf",
];

/// One drawn arrow: a request, a reply or an answer.
struct Arrow<'m> {
    /// Index of the message in the flow.
    index: usize,
    message: &'m Message,
    from: Actor,
    to: Actor,
    dashed: bool,
    lost: bool,
    lines: Vec<String>,
}

/// Renders a flow; `id` makes the SVG's internal ids unique within the page.
pub fn render(flow: &FlowView, findings: &[Finding], id: &str) -> String {
    let arrows = arrows(flow);
    let (lane_of, lane_count) = trace_lanes(flow);
    let left = LANE_X + LANE_W * lane_count as f64 + 16.0;
    let x_of = |a: Actor| {
        let i = flow.actors.iter().position(|x| *x == a).unwrap_or(0);
        left + COL * i as f64 + COL / 2.0
    };
    let width = left + COL * flow.actors.len() as f64 + 8.0;

    // Lay out rows top to bottom, remembering where each message's arrows sit.
    let mut body = String::new();
    let mut y = TOP + 16.0;
    // Where each message's first arrow (its request) and last arrow (its reply) sit: uses
    // are drawn on the first, issues on the last.
    let mut use_y: Vec<Option<f64>> = vec![None; flow.messages.len()];
    let mut issue_y: Vec<Option<f64>> = vec![None; flow.messages.len()];
    let mut last_message: Option<usize> = None;
    for (ai, arrow) in arrows.iter().enumerate() {
        let m = arrow.message;
        let mi = arrow.index;
        let shown = arrow.lines.len().min(MAX_LINES);
        let top = y;
        y += LINE_H * shown as f64 + 6.0;
        let (x1, x2) = (x_of(arrow.from), x_of(arrow.to));
        if last_message != Some(mi) {
            let severity = m.findings.iter().map(|&f| findings[f].severity).max();
            if let Some(s) = severity {
                let _ = writeln!(
                    body,
                    r#"<rect class="hit {}" x="{:.0}" y="{:.0}" width="{:.0}" height="{:.0}"/>"#,
                    s.as_str(),
                    left,
                    top - 4.0,
                    width - left - 4.0,
                    y - top + 10.0
                );
            }
            if m.first_of_entry {
                let _ = writeln!(
                    body,
                    r#"<text class="when" x="6" y="{:.0}">{}</text><text class="entry" x="6" y="{:.0}">#{}</text>"#,
                    top + 11.0,
                    esc(&m.time()),
                    top + 25.0,
                    m.entry
                );
            }
        }
        // The label, centred over the arrow and cut to the space between the lifelines.
        let room = ((x1 - x2).abs() - 12.0).max(COL - 12.0);
        let max_chars = (room / CHAR_W) as usize;
        let _ = write!(
            body,
            r#"<g class="msg"><title>{}</title>"#,
            esc(&arrow.lines.join("\n"))
        );
        for (k, line) in arrow.lines.iter().take(shown).enumerate() {
            let mut text = cut(line, max_chars);
            if k + 1 == shown && arrow.lines.len() > shown {
                text = cut(&format!("{text} …"), max_chars);
            }
            let _ = write!(
                body,
                r#"<text class="{}" x="{:.0}" y="{:.0}" text-anchor="middle">{}</text>"#,
                if k == 0 { "label first" } else { "label" },
                (x1 + x2) / 2.0,
                top + LINE_H * (k as f64 + 1.0) - 3.0,
                esc(&text)
            );
        }
        let head = if arrow.lost { "lost" } else { "head" };
        let _ = writeln!(
            body,
            r#"<line class="arrow{}" x1="{x1:.0}" y1="{y:.0}" x2="{:.0}" y2="{y:.0}" marker-end="url(#{id}-{head})"/></g>"#,
            if arrow.dashed { " reply" } else { "" },
            if x2 > x1 { x2 - 2.0 } else { x2 + 2.0 },
        );
        use_y[mi].get_or_insert(y);
        issue_y[mi] = Some(y);
        last_message = Some(mi);
        y += 12.0;
        // Findings follow the last arrow of their message.
        let next_is_same = arrows.get(ai + 1).is_some_and(|a| a.index == mi);
        if !next_is_same {
            notes(&mut body, &m.findings, findings, (x1, x2), &mut y);
        }
    }
    let height = y + 14.0;

    let mut svg = frame(flow, id, (width, height), &x_of);
    svg.push_str(&body);
    lineage(&mut svg, flow, &lane_of, (&issue_y, &use_y), left);
    svg.push_str("</svg>\n");
    svg
}

/// The lane of each trace (from the message that issued it to its last use), and how many.
fn trace_lanes(flow: &FlowView) -> (Vec<Option<usize>>, usize) {
    let spans: Vec<(usize, usize)> = flow
        .traces
        .iter()
        .map(|t| (t.issued, t.uses.last().copied().unwrap_or(t.issued)))
        .collect();
    lanes(&spans, MAX_LANES)
}

/// The notes of a message's findings, under its last arrow.
fn notes(body: &mut String, of: &[usize], findings: &[Finding], (x1, x2): (f64, f64), y: &mut f64) {
    for &fi in of {
        let f = &findings[fi];
        let (a, b) = (x1.min(x2), x1.max(x2));
        let text = format!("{} {}", mark(f.severity), f.rule);
        let _ = writeln!(
            body,
            r#"<g class="note {}"><title>{}</title><rect x="{:.0}" y="{:.0}" width="{:.0}" height="20" rx="3"/><text x="{:.0}" y="{:.0}" text-anchor="middle">{}</text></g>"#,
            f.severity.as_str(),
            esc(&f.message),
            a - 30.0,
            *y - 4.0,
            b - a + 60.0,
            (a + b) / 2.0,
            *y + 10.0,
            esc(&text)
        );
        *y += 26.0;
    }
}

/// Lineage lanes: from the message that issued an artifact to the last that used it.
fn lineage(
    svg: &mut String,
    flow: &FlowView,
    lane_of: &[Option<usize>],
    (issue_y, use_y): (&[Option<f64>], &[Option<f64>]),
    left: f64,
) {
    for (t, trace) in flow.traces.iter().enumerate() {
        let (Some(lane), Some(y0)) = (lane_of[t], issue_y[trace.issued]) else {
            continue;
        };
        let ys: Vec<f64> = trace.uses.iter().filter_map(|&u| use_y[u]).collect();
        let Some(&y1) = ys.last() else { continue };
        let x = LANE_X + LANE_W * lane as f64;
        let colour = PALETTE[t % PALETTE.len()];
        let uses: Vec<String> = trace
            .uses
            .iter()
            .map(|&u| format!("#{}", flow.messages[u].entry))
            .collect();
        let _ = write!(
            svg,
            r#"<g class="trace" stroke="{colour}" fill="{colour}"><title>{}</title><line x1="{x:.0}" y1="{y0:.0}" x2="{x:.0}" y2="{y1:.0}" stroke-width="2"/><circle cx="{x:.0}" cy="{y0:.0}" r="3.5"/>"#,
            esc(&format!(
                "{} {} issued at #{}, used at {}",
                trace.word,
                trace.masked,
                flow.messages[trace.issued].entry,
                uses.join(", ")
            ))
        );
        let _ = write!(
            svg,
            r#"<line class="tie" x1="{x:.0}" y1="{y0:.0}" x2="{:.0}" y2="{y0:.0}"/>"#,
            left + COL / 2.0
        );
        for yu in ys {
            let _ = write!(
                svg,
                r#"<path d="M{:.0},{:.0} l8,4 l-8,4 z" stroke="none"/><line class="tie" x1="{:.0}" y1="{yu:.0}" x2="{:.0}" y2="{yu:.0}"/>"#,
                x - 3.0,
                yu - 4.0,
                x + 5.0,
                left + COL / 2.0
            );
        }
        svg.push_str("</g>\n");
    }
}

/// The `<svg>` element's start, its markers and the actors with their lifelines.
fn frame(
    flow: &FlowView,
    id: &str,
    (width, height): (f64, f64),
    x_of: &dyn Fn(Actor) -> f64,
) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="flow" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="Flow {} sequence diagram">"#,
        flow.number
    );
    let _ = writeln!(
        svg,
        r#"<defs><marker id="{id}-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker><marker id="{id}-lost" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="9" markerHeight="9"><path d="M1,1 L9,9 M9,1 L1,9" class="cross"/></marker></defs>"#
    );
    for &a in &flow.actors {
        let x = x_of(a);
        let _ = writeln!(
            svg,
            r#"<g class="actor {}"><rect x="{:.0}" y="8" width="{:.0}" height="28" rx="4"/><text x="{x:.0}" y="27" text-anchor="middle">{}</text><line class="lifeline" x1="{x:.0}" y1="36" x2="{x:.0}" y2="{:.0}"/></g>"#,
            a.id(),
            x - COL / 2.0 + 14.0,
            COL - 28.0,
            esc(a.name()),
            height - 6.0
        );
    }
    svg
}

fn arrows(flow: &FlowView) -> Vec<Arrow<'_>> {
    let mut out = Vec::new();
    for (index, m) in flow.messages.iter().enumerate() {
        let artifacts = |role: Role| {
            m.artifacts
                .iter()
                .filter(move |r| r.role == role)
                .map(|r| format!("{} {}", r.word, r.masked))
        };
        if m.is_reply() {
            let mut lines = vec![m.title.clone()];
            lines.extend(artifacts(Role::Issued));
            lines.extend(m.outcome.iter().cloned());
            out.push(Arrow {
                index,
                message: m,
                from: m.from,
                to: m.to,
                dashed: true,
                lost: false,
                lines,
            });
            continue;
        }
        // The artifacts first: what a reader follows from arrow to arrow.
        let mut lines = vec![m.title.clone()];
        lines.extend(artifacts(Role::Used));
        lines.push(path_only(&m.request));
        lines.extend(m.details.iter().cloned());
        out.push(Arrow {
            index,
            message: m,
            from: m.from,
            to: m.to,
            dashed: false,
            lost: false,
            lines,
        });
        if !m.answered_here {
            let status = m.status.clone().unwrap_or_else(|| "?".into());
            let lost = status.starts_with("no response");
            let mut lines = vec![status];
            lines.extend(artifacts(Role::Issued));
            lines.extend(m.outcome.iter().cloned());
            out.push(Arrow {
                index,
                message: m,
                from: m.to,
                to: m.from,
                dashed: true,
                lost,
                lines,
            });
        }
    }
    out
}

/// `GET host/path` as `GET /path`: the lifeline already names the server.
fn path_only(request: &str) -> String {
    let Some((method, target)) = request.split_once(' ') else {
        return request.to_string();
    };
    let after_scheme = target.find("://").map_or(0, |i| i + 3);
    match target[after_scheme..].find('/') {
        Some(i) => format!("{method} {}", &target[after_scheme + i..]),
        None => request.to_string(),
    }
}

fn mark(s: Severity) -> &'static str {
    match s {
        Severity::Error => "✖",
        Severity::Warning => "▲",
        Severity::Info => "ℹ",
    }
}

/// `text` cut to `max` characters with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Escapes text for HTML and XML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML forbids even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            esc(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
    }
}
