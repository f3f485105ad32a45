//! How errors are printed.

/// Every error tokentrail prints has one shape: `error: <what, where, what was expected>`,
/// then, for a file it can point into (a config or rule file), the lines concerned with a
/// label, and a `help:` line when there is advice. No internal codes.
pub fn print_error(report: &miette::Report) {
    let mut out = format!("error: {report}\n");
    for cause in report.chain().skip(1) {
        out.push_str(&format!("  caused by: {cause}\n"));
    }
    let diagnostic: &dyn miette::Diagnostic = report.as_ref();
    let has_labels = diagnostic.labels().is_some_and(|mut l| l.next().is_some());
    if diagnostic.source_code().is_some() && has_labels {
        let color = super::terminal::stderr_color();
        let theme = if color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::none()
        };
        let handler = miette::GraphicalReportHandler::new_themed(theme)
            .with_width(super::terminal::width())
            .with_cause_chain();
        let mut rendered = String::new();
        if handler
            .render_report(&mut rendered, &SnippetOnly(diagnostic))
            .is_ok()
        {
            // The handler's own header line carries the (empty) message: the line above says it.
            for line in rendered.lines().skip(1) {
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
    }
    if let Some(help) = diagnostic.help() {
        out.push_str(&format!("  help: {help}\n"));
    }
    eprint!("{out}");
}

/// A diagnostic's snippet and labels without its message, code or help (printed apart).
struct SnippetOnly<'a>(&'a dyn miette::Diagnostic);

impl std::fmt::Debug for SnippetOnly<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnippetOnly")
    }
}

impl std::fmt::Display for SnippetOnly<'_> {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

impl std::error::Error for SnippetOnly<'_> {}

impl miette::Diagnostic for SnippetOnly<'_> {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
}
