//! Rules: TOML files that hold the opinions. Loading checks every expression against the
//! documented facts; evaluation turns facts into findings.

mod check;
mod decide;
pub mod docs;
mod eval;
pub mod functions;
mod lazy;
mod load;
mod template;
mod value;

use std::sync::Arc;

pub use eval::evaluate;
pub use load::{load_builtin, load_builtin_in_full, load_dir, parse_rule, RuleError};

use crate::finding::Severity;
use crate::flow::StepKind;

/// The rule files built into the binary, by path under `rules/`.
pub static BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The step kinds a step rule looks at: one (`step = "activation"`), several
/// (`step = ["authorize_answer", "token_request"]`) or all (`step = "any"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepSet(u8);

impl StepSet {
    pub fn of(kinds: &[StepKind]) -> StepSet {
        StepSet(kinds.iter().fold(0, |m, k| m | Self::bit(*k)))
    }

    fn bit(kind: StepKind) -> u8 {
        let i = StepKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        1 << i
    }

    pub fn contains(self, kind: StepKind) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    pub fn kinds(self) -> Vec<StepKind> {
        StepKind::ALL
            .into_iter()
            .filter(|k| self.contains(*k))
            .collect()
    }
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Step(StepSet),
    Code,
    Token,
    Capture,
}

impl Subject {
    /// The variable rules read the subject from (none for the capture, which is always there).
    pub fn variable(self) -> Option<&'static str> {
        match self {
            Subject::Step(_) => Some("step"),
            Subject::Code => Some("code"),
            Subject::Token => Some("token"),
            Subject::Capture => None,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Subject::Step(set) => {
                let kinds = set.kinds();
                match kinds.as_slice() {
                    [one] => format!("step = \"{}\"", one.name()),
                    all if all.len() == StepKind::ALL.len() => "step = \"any\"".into(),
                    several => format!(
                        "step = [{}]",
                        several
                            .iter()
                            .map(|k| format!("\"{}\"", k.name()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
            Subject::Code => "subject = \"code\"".into(),
            Subject::Token => "subject = \"token\"".into(),
            Subject::Capture => "subject = \"capture\"".into(),
        }
    }

    /// Whether a rule with this subject looks at a step of this kind.
    pub fn takes_step(self, kind: StepKind) -> bool {
        matches!(self, Subject::Step(set) if set.contains(kind))
    }
}

/// A CEL expression with the text it came from. A built-in rule's expressions other than its
/// condition are compiled the first time they run (when the rule fires), like its messages.
pub struct Expr {
    pub source: String,
    tree: std::sync::OnceLock<Option<cel::IdedExpr>>,
}

impl Expr {
    fn compiled(source: &str, tree: cel::IdedExpr) -> Expr {
        Expr {
            source: source.to_string(),
            tree: Some(tree).into(),
        }
    }

    /// Compiled on first use; one that does not compile fails as an expression that fails to
    /// run does (built-in rules only: the test suite compiles and checks them all).
    fn later(source: &str) -> Expr {
        Expr {
            source: source.to_string(),
            tree: std::sync::OnceLock::new(),
        }
    }

    pub fn tree(&self) -> Option<&cel::IdedExpr> {
        self.tree
            .get_or_init(|| functions::parse(&self.source, functions::Parser::Fast).ok())
            .as_ref()
    }
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

/// A message with `{expression}` placeholders. A built-in rule's are compiled the first
/// time the rule fires: most rules never fire on a capture, and compiling every message and
/// every expression but the conditions was most of what loading the rules cost (the test
/// suite compiles and checks them all).
#[derive(Debug)]
pub struct Template {
    pub source: String,
    parts: std::sync::OnceLock<Vec<template::Part>>,
}

impl Template {
    fn parts(&self) -> &[template::Part] {
        self.parts
            .get_or_init(|| template::split_unchecked(&self.source))
    }
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
    /// Severities that replace `severity` when their condition holds; the first one wins.
    pub severity_when: Vec<(Expr, Severity)>,
    /// Whether the rule reads other rules' findings (`findings`): such rules run after the
    /// others, over what they found.
    pub uses_findings: bool,
    /// Rules whose finding on the same request makes this rule's redundant: this one is
    /// dropped where one of them fires (a derived finding yields to its cause).
    pub yields_to: Vec<String>,
    /// Where the fix applies and the profile it names (`fix_profile` in the rule file).
    pub fix_profile: Option<(Expr, Template)>,
    pub summary: String,
    pub subject: Subject,
    pub when: Expr,
    /// The subject's fields `when` reads; `None` when it needs all of them (it uses the
    /// subject whole, or the subject is the capture). Only these are built to decide whether
    /// the rule fires.
    pub when_reads: Option<Vec<String>>,
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
