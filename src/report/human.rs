//! The human report: each finding as a rustc-like diagnostic (miette) with labels on a masked
//! snippet of the capture, then a one-line summary.

use std::fmt::{self, Write as _};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::snippet::{Snippet, Snippets};
use super::{FileReport, Report};
use crate::finding::{Finding, Locator, Place, Severity};
use crate::model::Capture;
use crate::secret::policy;

/// How to draw. The caller decides (terminal detection, `NO_COLOR`); rendering is pure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanOptions {
    pub color: bool,
    pub unicode: bool,
    /// Columns to wrap messages at.
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            unicode: true,
            width: 100,
        }
    }
}

/// Renders every file's findings, then the summary line.
pub fn render(report: &Report, opts: &HumanOptions) -> String {
    let mut out = String::new();
    for file in &report.files {
        out.push_str(&render_file(file, opts));
    }
    out.push_str(&render_summary(report));
    out
}

/// One file's findings (a batch renders each file as it is done).
pub fn render_file(file: &FileReport, opts: &HumanOptions) -> String {
    let handler = handler(opts);
    let mut out = String::new();
    if file.error.is_some() {
        // Said once, on stderr, where every error about an input goes (on a terminal the
        // report and stderr show together, and it was printed twice).
        return out;
    }
    // One per file: it indexes the file's lines once for all its findings.
    let sources = Sources::new(file);
    for finding in &file.findings {
        let diagnostic = FindingDiagnostic::new(finding, file, &sources).wrapped(opts.width);
        // Writing into a String fails only if a Display impl does; skip such a finding
        // rather than abort the whole report.
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &diagnostic).is_ok() {
            out.push_str(&rendered);
            out.push('\n');
        }
    }
    out
}

/// The closing summary line.
pub fn render_summary(report: &Report) -> String {
    let mut out = summary_line(report);
    out.push('\n');
    out
}

/// The snippet makers of a report's captures: its own, or one per file of a session, with
/// entry numbers mapped to each file's own.
struct Sources<'a> {
    file: &'a FileReport,
    snippets: Vec<(&'a str, Snippets<'a>)>,
}

impl<'a> Sources<'a> {
    fn new(file: &'a FileReport) -> Self {
        let captures: Vec<&Capture> = match &file.session {
            Some(s) => s.parts.iter().collect(),
            None => file.capture.iter().collect(),
        };
        Sources {
            file,
            snippets: captures
                .into_iter()
                .map(|c| (c.name.as_str(), Snippets::new(c)))
                .collect(),
        }
    }

    fn of(&self, name: &str) -> Option<&Snippets<'a>> {
        self.snippets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
    }

    fn entry(&self, entry: usize, labels: &[LabelSpec]) -> Option<Snippet> {
        let origin = self.file.origin(entry);
        self.of(origin.file)?.entry(origin.entry, labels)
    }

    fn offset(&self, offset: usize, label: &str) -> Option<Snippet> {
        let (name, _) = self.file.offset_origin();
        Some(self.of(name)?.offset(offset, label))
    }
}

fn handler(opts: &HumanOptions) -> GraphicalReportHandler {
    let theme = match (opts.unicode, opts.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme::ascii(),
        (false, false) => GraphicalTheme::none(),
    };
    // Wrapping is ours (see `fill`): miette's splits words at hyphens, which breaks timestamps
    // and host names in two.
    GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_wrap_lines(false)
        .with_links(false)
        .with_context_lines(1)
        .without_syntax_highlighting()
}

/// Columns miette puts before a message (`  × `) and before help text (`  help: `).
const MESSAGE_INDENT: usize = 4;
const HELP_INDENT: usize = 8;

/// Wraps each line of `text` at spaces to `width` columns; a word longer than that (a URL)
/// keeps a line of its own, whole, so it can still be copied.
fn fill(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut used = 0;
        for word in line.split(' ') {
            let len = word.chars().count();
            if used > 0 && used + 1 + len > width {
                out.push('\n');
                used = 0;
            } else if used > 0 {
                out.push(' ');
                used += 1;
            }
            out.push_str(word);
            used += len;
        }
    }
    out
}

/// `2 errors, 1 warning, 0 infos in 1 file (14 entries, 3 OAuth flows)`, or
/// `no findings in login.har (14 entries, 3 OAuth flows)`.
fn summary_line(report: &Report) -> String {
    let summary = report.summary();
    let mut line = if summary.errors + summary.warnings + summary.infos == 0 {
        // With nothing to count, name the file: "no findings in 1 file" says less.
        let files = match report.files.as_slice() {
            [only] if only.session.is_none() => only.name.clone(),
            _ => plural(report.file_count(), "file", "files"),
        };
        format!("no findings in {files} ({})", contents(report))
    } else {
        format!(
            "{}, {}, {} in {} ({})",
            plural(summary.errors, "error", "errors"),
            plural(summary.warnings, "warning", "warnings"),
            plural(summary.infos, "info", "infos"),
            plural(report.file_count(), "file", "files"),
            contents(report),
        )
    };
    let unreadable = report.unreadable();
    if unreadable > 0 {
        let _ = write!(
            line,
            "; {} could not be read",
            plural(unreadable, "file", "files")
        );
    }
    line
}

/// `14 entries, 3 OAuth flows`; flows only when some file was reconstructed.
fn contents(report: &Report) -> String {
    let entries: usize = report.files.iter().map(|f| f.entries).sum();
    let mut text = plural(entries, "entry", "entries");
    let flows: Option<usize> = report
        .files
        .iter()
        .filter_map(FileReport::flows)
        .reduce(|a, b| a + b);
    if let Some(flows) = flows {
        let _ = write!(text, ", {}", plural(flows, "OAuth flow", "OAuth flows"));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One finding (or one related entry of it) in the shape miette renders.
#[derive(Debug)]
struct FindingDiagnostic {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    snippet: Option<Snippet>,
    related: Vec<FindingDiagnostic>,
}

/// Where a group of labels is shown: one snippet per entry, one for a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Entry(usize),
    Offset(usize),
}

type LabelSpec<'f> = (Option<&'f Locator>, &'f str);

impl FindingDiagnostic {
    fn new(finding: &Finding, file: &FileReport, snippets: &Sources) -> Self {
        let mut groups = label_groups(finding);
        let primary = finding
            .entry
            .map(Target::Entry)
            .or_else(|| groups.first().map(|(t, _)| *t));
        let primary_labels = primary
            .and_then(|p| take_group(&mut groups, p))
            .unwrap_or_default();

        let mut message = finding.message.clone();
        if let Some(line) = request_line(finding, file) {
            message.push('\n');
            message.push_str(&line);
        }
        let snippet = primary.and_then(|p| snippet_for(snippets, p, &primary_labels));
        if snippet.is_none() {
            message.push_str(&unplaced_labels(primary, &primary_labels));
        }

        let mut related: Vec<FindingDiagnostic> = finding
            .related
            .iter()
            .map(|r| {
                let mut labels = vec![(r.locator.as_ref(), r.note.as_str())];
                labels.extend(take_group(&mut groups, Target::Entry(r.entry)).unwrap_or_default());
                let header = format!(
                    "related: {} — {}",
                    entry_name(r.entry, finding, file),
                    r.note
                );
                Self::aside(header, snippets, Target::Entry(r.entry), &labels)
            })
            .collect();
        // Labels at entries that are neither the finding's nor a related one.
        related.extend(groups.into_iter().map(|(target, labels)| {
            let header = match target {
                Target::Entry(n) => describe_entry(n, finding, file),
                Target::Offset(off) => format!("at byte {off} of {}", file.offset_origin().0),
            };
            Self::aside(header, snippets, target, &labels)
        }));

        FindingDiagnostic {
            code: Some(finding.rule.clone()),
            severity: severity(finding.severity),
            message,
            help: Some(finding.help.clone()).filter(|h| !h.is_empty()),
            snippet,
            related,
        }
    }

    /// Wraps the message and help (and those of related diagnostics) for `width` columns.
    fn wrapped(mut self, width: usize) -> Self {
        self.message = fill(&self.message, width.saturating_sub(MESSAGE_INDENT));
        self.help = self
            .help
            .map(|h| fill(&h, width.saturating_sub(HELP_INDENT)));
        self.related = self.related.into_iter().map(|r| r.wrapped(width)).collect();
        self
    }

    /// A related diagnostic: advice with its own snippet.
    fn aside(
        mut message: String,
        snippets: &Sources,
        target: Target,
        labels: &[LabelSpec],
    ) -> Self {
        let snippet = snippet_for(snippets, target, labels);
        if snippet.is_none() {
            message.push_str(&unplaced_labels(Some(target), labels));
        }
        FindingDiagnostic {
            // miette heads a related diagnostic with its severity and code: without a code
            // the heading is an empty `Advice: `.
            code: Some(String::from("see also")),
            severity: miette::Severity::Advice,
            message,
            help: None,
            snippet,
            related: Vec::new(),
        }
    }
}

/// The finding's labels grouped by where they are shown, in first-appearance order.
fn label_groups(finding: &Finding) -> Vec<(Target, Vec<LabelSpec<'_>>)> {
    let mut groups: Vec<(Target, Vec<LabelSpec>)> = Vec::new();
    for label in &finding.labels {
        let (target, locator) = match &label.place {
            Place::Entry { entry, locator } => (Target::Entry(*entry), locator.as_ref()),
            Place::Offset(off) => (Target::Offset(*off), None),
        };
        let spec = (locator, label.text.as_str());
        match groups.iter_mut().find(|(t, _)| *t == target) {
            Some((_, specs)) => specs.push(spec),
            None => groups.push((target, vec![spec])),
        }
    }
    groups
}

fn take_group<'f>(
    groups: &mut Vec<(Target, Vec<LabelSpec<'f>>)>,
    target: Target,
) -> Option<Vec<LabelSpec<'f>>> {
    let i = groups.iter().position(|(t, _)| *t == target)?;
    Some(groups.remove(i).1)
}

fn snippet_for(snippets: &Sources, target: Target, labels: &[LabelSpec]) -> Option<Snippet> {
    match target {
        Target::Entry(entry) => snippets.entry(entry, labels),
        Target::Offset(off) => {
            // An offset snippet carries one label; several at one offset read as one.
            let text = labels
                .iter()
                .map(|(_, t)| *t)
                .collect::<Vec<_>>()
                .join("; ");
            snippets.offset(off, &text)
        }
    }
}

/// Label texts as message lines, for when no snippet can be shown (no such entry).
fn unplaced_labels(target: Option<Target>, labels: &[LabelSpec]) -> String {
    let place = match target {
        Some(Target::Entry(n)) => format!("entry #{n}"),
        Some(Target::Offset(off)) => format!("byte {off}"),
        None => String::new(),
    };
    labels
        .iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(_, text)| format!("\n  at {place}: {text}"))
        .collect()
}

/// `entry #7`, or in a session where the entry is in another file than the finding's,
/// `entry #7 of backend.har`.
fn entry_name(entry: usize, finding: &Finding, file: &FileReport) -> String {
    let origin = file.origin(entry);
    if origin.file == finding.file {
        format!("entry #{}", origin.entry)
    } else {
        format!("entry #{} of {}", origin.entry, origin.file)
    }
}

/// `entry #7 POST https://api.amazon.com/auth/o2/token at 2024-05-01T10:00:03.000Z`.
fn request_line(finding: &Finding, file: &FileReport) -> Option<String> {
    let entry = finding.entry?;
    let mut line = entry_name(entry, finding, file);
    for part in [&finding.method, &finding.url].into_iter().flatten() {
        line.push(' ');
        line.push_str(part);
    }
    if let Some(time) = &finding.time {
        line.push_str(" at ");
        line.push_str(time);
    }
    Some(line)
}

/// `entry #3 GET https://…`, read from the capture (URL masked), for labels at other entries.
fn describe_entry(entry: usize, finding: &Finding, file: &FileReport) -> String {
    let exchange = file
        .capture
        .as_ref()
        .and_then(|c| c.exchanges.iter().find(|e| e.index == entry));
    let name = entry_name(entry, finding, file);
    match exchange {
        Some(e) => format!(
            "{name} {} {}",
            policy::method(&e.request.method, &mut policy::Mask),
            policy::url(&e.request.url, &mut policy::Mask)
        ),
        None => name,
    }
}

fn severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let snippet = self.snippet.as_ref()?;
        Some(Box::new(snippet.labels().iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

/// `--format human`: each file's diagnostics as it is done, then the summary line.
pub struct Human {
    pub opts: HumanOptions,
    /// `-q`: no summary line.
    pub quiet: bool,
}

impl super::output::Output for Human {
    fn file(&self, file: &mut FileReport) -> Option<String> {
        Some(render_file(file, &self.opts))
    }

    fn finish(&self, report: &Report, _: &super::summary::BatchSummary) -> Option<String> {
        // Nothing to sum up: the caller says the inputs held no capture.
        (!self.quiet && report.found > 0).then(|| render_summary(report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::snippet::fixture::*;

    fn plain(width: usize) -> HumanOptions {
        HumanOptions {
            color: false,
            unicode: false,
            width,
        }
    }

    #[test]
    fn snapshot_ascii_80() {
        insta::assert_snapshot!(render(&report(), &plain(80)));
    }

    #[test]
    fn wraps_at_spaces_only() {
        let out = render(&report(), &plain(200));
        assert!(out.contains(
            "  x the token endpoint refused the code: invalid_grant\n  \
             | entry #2 POST https://api.amazon.com/auth/o2/token at 2024-05-01T10:00:03.000Z\n"
        ));
        let narrow = render(&report(), &plain(60));
        assert!(narrow.contains("| 2024-05-01T10:00:03.000Z\n"), "{narrow}");
        assert_eq!(fill("a bb ccc", 4), "a bb\nccc");
        assert_eq!(
            fill("https://very.long/url x", 5),
            "https://very.long/url\nx"
        );
    }

    #[test]
    fn names_rule_lines_and_help_but_no_secret() {
        let out = render(&report(), &plain(80));
        assert_no_raw_secret(&out);
        assert!(out.contains("oauth/code-redeemed-late"), "{out}");
        assert!(out.contains("Redeem a code once"), "{out}");
        assert!(
            out.contains("related: entry #1 — the code was issued here"),
            "{out}"
        );
        assert!(
            out.ends_with("1 error, 0 warnings, 0 infos in 1 file (2 entries, 1 OAuth flow)\n"),
            "{out}"
        );

        // The body line is shown with the file's own number, and its label follows it.
        let n = line_holding(PRETTY, "grant_type=");
        let lines: Vec<&str> = out.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{n} |")))
            .unwrap_or_else(|| panic!("no line {n} in:\n{out}"));
        assert!(
            lines[at].contains(&crate::secret::mask(CODE)),
            "{}",
            lines[at]
        );
        assert!(
            lines[at + 1..at + 4]
                .iter()
                .any(|l| l.contains("this code...")),
            "{out}"
        );
        // The related entry's URL line, with its own number.
        let n = line_holding(PRETTY, "example.com/cb?code=");
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(&format!("{n} |"))),
            "{out}"
        );
    }

    #[test]
    fn unreadable_file_is_counted_not_repeated() {
        let mut report = report();
        report.files.push(FileReport::unreadable(
            "page.html".into(),
            "page.html: not a HAR file: an HTML page".into(),
        ));
        let out = render(&report, &plain(80));
        // The error itself is printed on stderr by the caller, once.
        assert!(!out.contains("page.html"), "{out}");
        assert!(
            out.ends_with(" in 2 files (2 entries, 1 OAuth flow); 1 file could not be read\n"),
            "{out}"
        );
    }

    #[test]
    fn no_findings_says_so() {
        let mut report = report();
        report.files[0].findings.clear();
        assert_eq!(
            render(&report, &plain(80)),
            "no findings in login.har (2 entries, 1 OAuth flow)\n"
        );
    }

    #[test]
    fn truncation_label_points_at_the_cut() {
        let cut = PRETTY
            .find("\"response\": {\n          \"status\": 400")
            .unwrap();
        let capture = capture("cut.har", &PRETTY[..cut]);
        let mut finding = finding("cut.har");
        finding.rule = "capture/truncated".into();
        finding.entry = None;
        finding.related.clear();
        finding.labels = vec![crate::finding::Label {
            place: Place::Offset(cut),
            text: "the file ends here".into(),
        }];
        let report = Report {
            files: vec![file_report(capture, vec![finding])],
            ..Default::default()
        };
        let out = render(&report, &plain(80));
        assert_no_raw_secret(&out);
        assert!(out.contains("the file ends here"), "{out}");
        assert!(out.contains("[cut.har:"), "{out}");
    }

    #[test]
    fn unicode_and_colour_themes_render() {
        let out = render(
            &report(),
            &HumanOptions {
                color: true,
                unicode: true,
                width: 100,
            },
        );
        assert!(out.contains('\u{1b}'));
        assert!(out.contains('×'));
        assert_no_raw_secret(&out);
    }
}
