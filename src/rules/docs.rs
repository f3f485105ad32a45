//! A rule's documentation, from its own file. One text serves both `tokentrail explain` and
//! the generated `docs/rules.md`, so the two never disagree.

use super::{Rule, RuleSet};
use crate::finding::Severity;

/// What each severity means; written once, shown in `docs/rules.md`.
pub const SEVERITY_POLICY: &str = "\
- **error**: the flow cannot succeed as captured (or a server already refused it).
- **warning**: risky, or will fail later: a leak, a missing safeguard, evidence removed.
- **info**: context: what the capture lacks, or an error the flow recovered from.";

/// The fix text as written in the rule, with `{…}` placeholders shown as `…` because there is
/// no capture to fill them from.
pub(crate) fn generic(template: &str) -> String {
    match super::template::split(template) {
        Ok(parts) => parts
            .into_iter()
            .map(|p| if p.expr { String::from("…") } else { p.text })
            .collect(),
        Err(_) => template.to_string(),
    }
}

fn severity_line(rule: &Rule) -> String {
    let mut line = format!("**Severity:** {}", rule.severity.as_str());
    for (when, severity) in &rule.severity_when {
        let word = match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        line.push_str(&format!("; {word} when `{}`", when.source.trim()));
    }
    if !rule.yields_to.is_empty() {
        let names: Vec<String> = rule.yields_to.iter().map(|y| format!("`{y}`")).collect();
        line.push_str(&format!(
            " · **Yields to:** {} (dropped where one of them fires on the same request)",
            names.join(", ")
        ));
    }
    line
}

/// One rule's documentation in Markdown: what `explain` prints, and its section of
/// `docs/rules.md`.
pub fn explain(rule: &Rule) -> String {
    format!(
        "## {id}\n\n{summary}\n\n{severity} · **Looks at:** `{subject}` · **Defined in:** `{origin}`\n\n\
### What it finds\n\n{what}\n\n### Why it matters\n\n{why}\n\n### Example\n\n```text\n{example}\n```\n\n\
### How to fix it\n\n{help}\n\n### Fires when\n\n```cel\n{when}\n```\n",
        id = rule.id,
        summary = rule.summary.trim(),
        severity = severity_line(rule),
        subject = rule.subject.describe(),
        origin = rule.origin,
        what = rule.what.trim(),
        why = rule.why.trim(),
        example = rule.example.trim(),
        help = generic(&rule.help.source).trim(),
        when = rule.when.source.trim(),
    )
}

/// The reference of every rule, for `docs/rules.md`.
pub fn markdown(rules: &RuleSet) -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated from rules/**/*.toml by `UPDATE_DOCS=1 cargo test --test integration docs::`; do not edit. -->\n\n\
Every rule is one TOML file under `rules/<pack>/<name>.toml`, and its id is that path. \
`tokentrail explain ID` prints the same text as its section here. The facts a rule reads are in \
[facts.md](facts.md).\n\n## Severity\n\n",
    );
    out.push_str(SEVERITY_POLICY);
    out.push_str("\n\n| rule | severity | summary |\n|---|---|---|\n");
    for r in &rules.rules {
        let anchor: String =
            r.id.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
        out.push_str(&format!(
            "| [`{}`](#{anchor}) | {} | {} |\n",
            r.id,
            r.severity.as_str(),
            r.summary.replace('|', "\\|")
        ));
    }
    for r in &rules.rules {
        out.push('\n');
        out.push_str(&explain(r));
    }
    out
}
