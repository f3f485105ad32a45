//! What a batch amounts to: files, entries, flows, findings by severity and by rule. The
//! counts add up, so the summaries of shards (NDJSON summary lines) merge by addition.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::Report;
use crate::finding::Severity;

/// Counts over a report; every field sums across disjoint batches ([`BatchSummary::add`]).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub files: usize,
    pub unreadable: usize,
    pub entries: usize,
    pub flows: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings per rule id, with the files they were found in.
    pub rules: BTreeMap<String, RuleCount>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    /// The most severe of its findings.
    pub severity: Severity,
    pub findings: usize,
    /// Files with at least one finding of the rule.
    pub files: usize,
}

impl BatchSummary {
    pub fn of(report: &Report) -> BatchSummary {
        let mut s = BatchSummary {
            files: report.file_count(),
            unreadable: report.unreadable(),
            ..BatchSummary::default()
        };
        for file in &report.files {
            s.entries += file.entries;
            s.flows += file.flows().unwrap_or(0);
            let mut seen: Vec<&str> = Vec::new();
            for f in &file.findings {
                match f.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                    Severity::Info => s.infos += 1,
                }
                let count = s.rules.entry(f.rule.clone()).or_insert(RuleCount {
                    severity: f.severity,
                    findings: 0,
                    files: 0,
                });
                // The worst of the rule's findings (a rule's `severity_when` may lower some),
                // so the summary does not depend on which file came first.
                count.severity = count.severity.max(f.severity);
                count.findings += 1;
                if !seen.contains(&f.rule.as_str()) {
                    seen.push(&f.rule);
                    count.files += 1;
                }
            }
        }
        s
    }

    /// Adds the counts of a disjoint batch (another shard, another file).
    pub fn add(&mut self, other: &BatchSummary) {
        self.files += other.files;
        self.unreadable += other.unreadable;
        self.entries += other.entries;
        self.flows += other.flows;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
        for (rule, c) in &other.rules {
            let mine = self.rules.entry(rule.clone()).or_insert(RuleCount {
                severity: c.severity,
                findings: 0,
                files: 0,
            });
            mine.severity = mine.severity.max(c.severity);
            mine.findings += c.findings;
            mine.files += c.files;
        }
    }

    /// The `--summary` table, plain text for stderr: totals, then one line per rule that
    /// fired, then the files that could not be read.
    pub fn table(&self, report: &Report) -> String {
        let mut out = String::from("summary\n");
        let row = |out: &mut String, what: &str, n: String| {
            let _ = writeln!(out, "  {what:<22} {n:>8}");
        };
        row(&mut out, "files", self.files.to_string());
        row(&mut out, "  unreadable", self.unreadable.to_string());
        row(&mut out, "entries", self.entries.to_string());
        row(&mut out, "OAuth flows", self.flows.to_string());
        row(
            &mut out,
            "findings",
            (self.errors + self.warnings + self.infos).to_string(),
        );
        row(&mut out, "  errors", self.errors.to_string());
        row(&mut out, "  warnings", self.warnings.to_string());
        row(&mut out, "  infos", self.infos.to_string());
        if !self.rules.is_empty() {
            let width = self.rules.keys().map(String::len).max().unwrap_or(0).max(4);
            let _ = writeln!(
                out,
                "\n  {:<width$}  {:<8} {:>8} {:>6}",
                "rule", "severity", "findings", "files"
            );
            for (rule, c) in &self.rules {
                let _ = writeln!(
                    out,
                    "  {rule:<width$}  {:<8} {:>8} {:>6}",
                    c.severity.as_str(),
                    c.findings,
                    c.files
                );
            }
        }
        let unreadable: Vec<&str> = report
            .files
            .iter()
            .filter_map(|f| f.error.as_deref())
            .collect();
        if !unreadable.is_empty() {
            out.push_str("\n  could not be read:\n");
            for e in unreadable {
                let _ = writeln!(out, "    {e}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::snippet::fixture::{self, report};
    use crate::report::FileReport;

    #[test]
    fn counts_rules_files_and_unreadable_and_adds_up() {
        let mut r = report();
        r.files[0].findings.push(fixture::finding("login.har"));
        r.files.push(FileReport::unreadable(
            "gone.har".into(),
            "gone.har: cannot read: no such file".into(),
        ));
        let s = BatchSummary::of(&r);
        assert_eq!((s.files, s.unreadable, s.flows), (2, 1, 1));
        assert_eq!(s.errors, 2);
        let rule = &fixture::finding("login.har").rule;
        assert_eq!(s.rules[rule].findings, 2);
        assert_eq!(s.rules[rule].files, 1, "two findings in one file");

        let mut twice = s.clone();
        twice.add(&s);
        assert_eq!((twice.files, twice.errors), (4, 4));
        assert_eq!(twice.rules[rule].files, 2);

        let table = s.table(&r);
        assert!(table.contains(rule.as_str()), "{table}");
        assert!(table.contains("gone.har: cannot read"), "{table}");
    }
}
