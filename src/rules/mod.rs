//! Rules: TOML files that hold the opinions. Loading checks every expression against the
//! documented facts; evaluation turns facts into findings.

mod check;
pub mod docs;
mod eval;
mod load;
mod template;
mod value;

use std::sync::Arc;

pub use eval::evaluate;
pub use load::{load_builtin, load_dir, parse_rule, RuleError};

use crate::finding::Severity;
use crate::flow::StepKind;

/// The rule files built into the binary, by path under `rules/`.
pub static BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Step(StepKind),
    Code,
    Token,
    Capture,
}

impl Subject {
    pub fn describe(self) -> String {
        match self {
            Subject::Step(k) => format!("step = \"{}\"", k.name()),
            Subject::Code => "subject = \"code\"".into(),
            Subject::Token => "subject = \"token\"".into(),
            Subject::Capture => "subject = \"capture\"".into(),
        }
    }
}

/// A compiled CEL expression with the text it came from.
pub struct Expr {
    pub source: String,
    pub program: cel::Program,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

/// A message with `{expression}` placeholders.
#[derive(Debug)]
pub struct Template {
    pub source: String,
    parts: Vec<template::Part>,
}

#[derive(Debug)]
pub struct LabelSpec {
    /// Shown only when this holds (default: always).
    pub when: Option<Expr>,
    pub at: Option<Expr>,
    pub field: Option<String>,
    pub text: Template,
}

#[derive(Debug)]
pub struct RelatedSpec {
    pub at: Expr,
    pub field: Option<String>,
    pub note: Template,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    pub subject: Subject,
    pub when: Expr,
    pub at: Option<Expr>,
    pub message: Template,
    pub help: Template,
    pub labels: Vec<LabelSpec>,
    pub related: Vec<RelatedSpec>,
    pub what: String,
    pub why: String,
    pub example: String,
    /// Where the rule was loaded from (`rules/alexa/x.toml`, or a user path).
    pub origin: String,
    /// The rule file's text, for `explain`.
    pub text: Arc<str>,
}

/// The rules in force: built-ins plus any loaded with `--rules`.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Adds rules; a rule with the id of one already present replaces it, so a user can
    /// override a built-in rule by copying and editing its file.
    pub fn extend(&mut self, rules: Vec<Rule>) {
        for rule in rules {
            if let Some(existing) = self.rules.iter_mut().find(|r| r.id == rule.id) {
                *existing = rule;
            } else {
                self.rules.push(rule);
            }
        }
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
    }
}
