//! `tokentrail flows`: each reconstructed flow as a timeline (time, entry, actor → actor, step,
//! masked artifacts), with lineage lanes joining the step that issued a code or token to the
//! steps that used it, and the findings under the step they concern.
//!
//! ```text
//!   +4.1s #3       skill auth server → app/browser: authorize answer
//!                ╭─● code SK…#2cae3c (redeemed at #5)
//!  +10.4s #5     │  app/browser → skill auth server: token request
//!                ╰─▶ code SK…#2cae3c (issued at #3)
//! ```

use super::flowview::{lanes, FileView, FlowView, Role};
use super::FileReport;
use crate::finding::{Finding, Severity};

/// How to draw: the caller decides colour (terminal, `NO_COLOR`, `--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineOptions {
    /// Columns every line fits in (at least 60).
    pub width: usize,
    pub color: bool,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            width: 80,
            color: false,
        }
    }
}

/// Lanes drawn at most; a trace beyond them is still named in words (`issued at #3`).
const MAX_LANES: usize = 6;
/// `{time:>7} {entry:<5} `
const PREFIX: usize = 14;

/// The timelines of several files one after the other, each headed by the file's name when
/// `headed` (`tokentrail flows a b`, and the page's flows).
pub fn render_files<'a>(
    files: impl IntoIterator<Item = &'a FileReport>,
    headed: bool,
    opts: &TimelineOptions,
) -> String {
    let mut out = String::new();
    for f in files {
        if headed {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("== {} ==\n", f.name));
        }
        out.push_str(&render(f, opts));
    }
    out
}

/// Renders the timeline of one checked file.
pub fn render(file: &FileReport, opts: &TimelineOptions) -> String {
    let Some(a) = &file.analysis else {
        return String::new();
    };
    let paint = Paint(opts.color);
    let width = opts.width.max(60);
    let view = FileView::new(file);
    let mut out = String::new();
    let header = format!(
        "{}: {} entries, {} OAuth step{}, {} flow{}, {} finding{}",
        file.name,
        file.entries,
        a.steps.len(),
        plural(a.steps.len()),
        a.flows,
        plural(a.flows),
        file.findings.len(),
        plural(file.findings.len())
    );
    for line in wrap(&header, width) {
        out.push_str(&paint.bold(&line));
        out.push('\n');
    }
    if let Some(t) = file.capture.as_ref().and_then(|c| c.truncation.as_ref()) {
        let text = format!(
            "cut off at byte {} after {} complete entries: {}",
            t.offset,
            t.complete_entries,
            crate::secret::policy::error_message(&t.reason)
        );
        for line in wrap(&text, width - 2) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if a.steps.is_empty() {
        out.push_str("\nNo OAuth steps found.\n");
    }
    for &i in &view.loose {
        let f = &file.findings[i];
        for line in wrap(&finding_text(f, true), width - 2) {
            out.push_str(&format!("  {}\n", paint.severity(f.severity, &line)));
        }
    }
    for flow in &view.flows {
        render_flow(&mut out, flow, file, width, paint);
    }
    out
}

fn finding_text(f: &Finding, with_entry: bool) -> String {
    let entry = match f.entry {
        Some(e) if with_entry => format!(" (entry #{e})"),
        _ => String::new(),
    };
    let text = format!("! {} {}{entry}: {}", f.severity.as_str(), f.rule, f.message);
    // A message can quote the capture: no terminal escapes from it.
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    None,
    Issue(usize),
    Use(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Title,
    Plain,
    Outcome,
    Finding(Severity),
}

struct Row {
    prefix: String,
    mark: Mark,
    text: String,
    style: Style,
}

fn render_flow(out: &mut String, flow: &FlowView, file: &FileReport, width: usize, paint: Paint) {
    let actors: Vec<&str> = flow.actors.iter().map(|a| a.name()).collect();
    let findings: usize = flow.messages.iter().map(|m| m.findings.len()).sum();
    let head = format!(
        "Flow {} · {} · {} step{}, {} finding{}",
        flow.number,
        actors.join(", "),
        flow.messages.len(),
        plural(flow.messages.len()),
        findings,
        plural(findings)
    );
    out.push('\n');
    for line in wrap(&head, width) {
        out.push_str(&paint.bold(&line));
        out.push('\n');
    }

    let rows = rows(flow, file);
    // Each trace spans the rows from its issue to its last use.
    let mut spans = vec![(usize::MAX, 0usize); flow.traces.len()];
    for (r, row) in rows.iter().enumerate() {
        if let Mark::Issue(t) | Mark::Use(t) = row.mark {
            if let Some(s) = spans.get_mut(t) {
                s.0 = s.0.min(r);
                s.1 = s.1.max(r);
            }
        }
    }
    let spans: Vec<(usize, usize)> = spans
        .into_iter()
        .map(|(s, e)| if s == usize::MAX { (0, 0) } else { (s, e) })
        .collect();
    let (lane_of, lane_count) = lanes(&spans, MAX_LANES);
    let active: Vec<(usize, usize, usize)> = lane_of
        .iter()
        .zip(&spans)
        .filter_map(|(l, &(s, e))| l.map(|l| (l, s, e)))
        .collect();
    let text_width = width.saturating_sub(PREFIX + 2 * lane_count + 2).max(20);

    for (r, row) in rows.iter().enumerate() {
        let mark_lane = match row.mark {
            Mark::Issue(t) | Mark::Use(t) => lane_of.get(t).copied().flatten(),
            Mark::None => None,
        };
        for (k, line) in wrap(&row.text, text_width).into_iter().enumerate() {
            let (prefix, gutter, marker) = if k == 0 {
                let gutter = gutter_first(&active, lane_count, r, mark_lane, row.mark);
                let marker = match row.mark {
                    Mark::Issue(_) => "● ",
                    Mark::Use(_) => "▶ ",
                    Mark::None => "  ",
                };
                (row.prefix.as_str(), gutter, marker)
            } else {
                ("", gutter_through(&active, lane_count, r), "  ")
            };
            let body = match row.style {
                Style::Title => paint.bold(&line),
                Style::Outcome => paint.dim(&line),
                Style::Finding(s) => paint.severity(s, &line),
                Style::Plain => line,
            };
            let full = format!(
                "{}{}{body}",
                paint.dim(&format!("{prefix:<PREFIX$}")),
                paint.cyan(&format!("{gutter}{marker}"))
            );
            out.push_str(full.trim_end());
            out.push('\n');
        }
    }
}

/// The gutter of a row's first line: lanes passing by, and the connector from the marked
/// lane to the text.
fn gutter_first(
    active: &[(usize, usize, usize)],
    lanes: usize,
    row: usize,
    mark_lane: Option<usize>,
    mark: Mark,
) -> String {
    let mut cols = vec![' '; 2 * lanes];
    for &(l, s, e) in active {
        if s <= row && row <= e {
            cols[2 * l] = '│';
        }
    }
    if let Some(i) = mark_lane {
        let end = active
            .iter()
            .find(|(l, s, e)| *l == i && *s <= row && row <= *e)
            .map(|&(_, _, e)| e);
        cols[2 * i] = match mark {
            Mark::Issue(_) => '╭',
            _ if end == Some(row) => '╰',
            _ => '├',
        };
        for c in cols.iter_mut().skip(2 * i + 1) {
            *c = if *c == '│' { '┼' } else { '─' };
        }
    }
    cols.into_iter().collect()
}

/// The gutter of a wrapped line: lanes that continue below the row.
fn gutter_through(active: &[(usize, usize, usize)], lanes: usize, row: usize) -> String {
    let mut cols = vec![' '; 2 * lanes];
    for &(l, s, e) in active {
        if s <= row && row < e {
            cols[2 * l] = '│';
        }
    }
    cols.into_iter().collect()
}

fn rows(flow: &FlowView, file: &FileReport) -> Vec<Row> {
    let mut rows = Vec::new();
    for m in &flow.messages {
        let prefix = if m.first_of_entry {
            format!("{:>7} {:<5} ", m.time(), format!("#{}", m.entry))
        } else {
            String::new()
        };
        let plain = |text: String| Row {
            prefix: String::new(),
            mark: Mark::None,
            text,
            style: Style::Plain,
        };
        rows.push(Row {
            prefix,
            mark: Mark::None,
            text: format!("{} → {}: {}", m.from.name(), m.to.name(), m.title),
            style: Style::Title,
        });
        if !m.request.is_empty() {
            let status = m.status.as_deref().unwrap_or("?");
            rows.push(plain(format!("{} → {status}", m.request)));
        }
        rows.extend(m.details.iter().cloned().map(plain));
        let artifact = |role: Role| {
            m.artifacts
                .iter()
                .filter(move |r| r.role == role)
                .map(|r| Row {
                    prefix: String::new(),
                    mark: match (r.role, r.trace) {
                        (Role::Issued, Some(t)) => Mark::Issue(t),
                        (Role::Used, Some(t)) => Mark::Use(t),
                        // Not traced in this flow: still marked, with no lane.
                        (Role::Issued, None) => Mark::Issue(usize::MAX),
                        (Role::Used, None) => Mark::Use(usize::MAX),
                    },
                    text: format!("{} {} ({})", r.word, r.masked, r.note),
                    style: Style::Plain,
                })
        };
        rows.extend(artifact(Role::Used));
        rows.extend(m.outcome.iter().map(|o| Row {
            prefix: String::new(),
            mark: Mark::None,
            text: format!("← {o}"),
            style: Style::Outcome,
        }));
        rows.extend(artifact(Role::Issued));
        for &fi in &m.findings {
            let f = &file.findings[fi];
            rows.push(Row {
                prefix: String::new(),
                mark: Mark::None,
                text: finding_text(f, false),
                style: Style::Finding(f.severity),
            });
        }
    }
    rows
}

/// Wraps at spaces; a word longer than the width (a URL) is broken so every line fits.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let opts = textwrap::Options::new(width.max(10))
        .break_words(true)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(text, opts)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 && !text.trim().is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
    fn cyan(self, text: &str) -> String {
        self.wrap("36", text)
    }
    fn severity(self, s: Severity, text: &str) -> String {
        match s {
            Severity::Error => self.wrap("31", text),
            Severity::Warning => self.wrap("33", text),
            Severity::Info => self.wrap("34", text),
        }
    }
}
