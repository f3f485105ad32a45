//! `tokentrail flows --format mermaid`: Markdown with one Mermaid `sequenceDiagram` per flow,
//! ready to paste into a pull request or an issue (or to feed to the Mermaid CLI, which reads
//! Markdown). Findings are notes over the messages they concern. Every label comes from the
//! masked [`FileView`] and is escaped for Mermaid (`#`, `;`, quotes, `<`, `>`, `&`), so a
//! capture cannot break out of a label.

use std::fmt::Write as _;

use super::flowview::{Actor, FileView, FlowView, Message, Role};
use super::FileReport;
use crate::finding::Finding;

/// Characters per label line before a `<br/>`: keeps diagrams narrow enough to read.
const LINE: usize = 56;

/// Renders every flow of one file as a fenced Mermaid block.
pub fn render(file: &FileReport) -> String {
    let view = FileView::new(file);
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", markdown_text(&file.name));
    if let Some(error) = &file.error {
        let _ = writeln!(out, "Could not be read: {}", markdown_text(error));
        return out;
    }
    if view.flows.is_empty() {
        let _ = writeln!(out, "No OAuth flows found.\n");
        if !view.loose.is_empty() {
            out.push_str("```mermaid\nsequenceDiagram\n");
            let _ = writeln!(out, "    participant App as {}", Actor::App.name());
            for &i in &view.loose {
                note(&mut out, &[Actor::App], &file.findings[i], true);
            }
            out.push_str("```\n");
        }
        return out;
    }
    for (k, flow) in view.flows.iter().enumerate() {
        let actors: Vec<&str> = flow.actors.iter().map(|a| a.name()).collect();
        let _ = writeln!(
            out,
            "### Flow {}: {}\n\n```mermaid\nsequenceDiagram",
            flow.number,
            actors.join(", ")
        );
        for a in &flow.actors {
            let _ = writeln!(out, "    participant {} as {}", a.id(), a.name());
        }
        if k == 0 {
            // Findings about the whole capture (or an entry outside every flow) head the
            // first diagram, so a reader of the diagrams alone still sees them.
            for &i in &view.loose {
                note(&mut out, &flow.actors, &file.findings[i], true);
            }
        }
        render_flow(&mut out, flow, file);
        out.push_str("```\n\n");
    }
    out
}

fn render_flow(out: &mut String, flow: &FlowView, file: &FileReport) {
    for m in &flow.messages {
        let mut request = vec![format!("#{} {} {}", m.entry, m.time(), m.title)];
        if m.is_reply() {
            request.extend(m.details.iter().cloned());
            request.extend(artifacts(m, Role::Issued));
            request.extend(m.outcome.iter().cloned());
            arrow(out, m.from, "-->>", m.to, &request);
        } else {
            if !m.request.is_empty() {
                request.push(m.request.clone());
            }
            request.extend(m.details.iter().cloned());
            request.extend(artifacts(m, Role::Used));
            arrow(out, m.from, "->>", m.to, &request);
            if !m.answered_here {
                let status = m.status.clone().unwrap_or_else(|| "?".into());
                let lost = status.starts_with("no response");
                let mut reply = vec![status];
                reply.extend(m.outcome.iter().cloned());
                reply.extend(artifacts(m, Role::Issued));
                arrow(out, m.to, if lost { "--x" } else { "-->>" }, m.from, &reply);
            }
        }
        for &i in &m.findings {
            note(out, &[m.from, m.to], &file.findings[i], false);
        }
    }
}

fn artifacts(m: &Message, role: Role) -> impl Iterator<Item = String> + '_ {
    m.artifacts
        .iter()
        .filter(move |r| r.role == role)
        .map(move |r| {
            let sign = if role == Role::Issued { "●" } else { "▶" };
            format!("{sign} {} {} ({})", r.word, r.masked, r.note)
        })
}

fn arrow(out: &mut String, from: Actor, kind: &str, to: Actor, lines: &[String]) {
    let _ = writeln!(out, "    {}{kind}{}: {}", from.id(), to.id(), label(lines));
}

fn note(out: &mut String, over: &[Actor], f: &Finding, with_entry: bool) {
    let first = over.iter().min().copied().unwrap_or(Actor::App);
    let last = over.iter().max().copied().unwrap_or(Actor::App);
    let span = if first == last {
        first.id().to_string()
    } else {
        format!("{},{}", first.id(), last.id())
    };
    let entry = match f.entry {
        Some(e) if with_entry => format!(" at entry #{e}"),
        _ => String::new(),
    };
    let lines = [
        format!("{} {}{entry}", f.severity.as_str(), f.rule),
        f.message.clone(),
    ];
    let _ = writeln!(out, "    Note over {span}: {}", label(&lines));
}

/// Lines wrapped, escaped and joined with Mermaid's line break.
fn label(lines: &[String]) -> String {
    let opts = textwrap::Options::new(LINE)
        .break_words(true)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    lines
        .iter()
        .flat_map(|l| textwrap::wrap(l, &opts))
        .map(|l| escape(&l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// Escapes text for a Mermaid message or note. Mermaid ends a label at `#`, `;` or a line
/// break and reads `#name;` as an entity, so those (and markup characters, which it would
/// pass to the SVG) become entity codes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '%' => out.push_str("#37;"),
            '\\' => out.push_str("#92;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A file name or error as Markdown text: no markup, one line.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_breakers_are_entities() {
        let e = escape("a;b#c\"d<e>f&g%%h\ni");
        for bad in [';', '"', '<', '>', '\n', '%'] {
            assert!(
                !e.replace("#59;", "")
                    .replace("#35;", "")
                    .replace("#quot;", "")
                    .replace("#lt;", "")
                    .replace("#gt;", "")
                    .replace("#amp;", "")
                    .replace("#37;", "")
                    .contains(bad),
                "{bad:?} in {e}"
            );
        }
        assert_eq!(escape("SK…#2cae3c"), "SK…#35;2cae3c");
    }
}
