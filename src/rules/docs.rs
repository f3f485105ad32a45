//! A rule's documentation, from its own file: `tokentrail explain` prints it.

use super::Rule;

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

fn indent(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("  {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Plain-text documentation of one rule.
pub fn explain(rule: &Rule) -> String {
    format!(
        "{id} ({severity}): {summary}\n\nWhat it finds\n{what}\n\nWhy it matters\n{why}\n\nExample\n{example}\n\nHow to fix it\n{help}\n\nLooks at: {subject}\nFires when:\n{when}\n\nDefined in {origin}\n",
        id = rule.id,
        severity = rule.severity.as_str(),
        summary = rule.summary,
        what = indent(&rule.what),
        why = indent(&rule.why),
        example = indent(&rule.example),
        help = indent(&generic(&rule.help.source)),
        subject = rule.subject.describe(),
        when = indent(&rule.when.source),
        origin = rule.origin,
    )
}
