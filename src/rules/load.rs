//! Loading rule files: parse the TOML, compile every expression once, and check that each
//! names only documented facts. A bad rule file is rejected with a diagnostic that points at
//! the offending value in the TOML.

use std::path::Path;
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use super::functions::Parser;
use super::{check, template, Expr, LabelSpec, RelatedSpec, Rule, StepSet, Subject, Template};
use crate::finding::Severity;
use crate::flow::{schema, StepKind};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{origin}: invalid rule: {message}")]
pub struct RuleError {
    pub origin: String,
    pub message: String,
    #[source_code]
    pub src: NamedSource<Arc<str>>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    severity: Spanned<String>,
    summary: String,
    step: Option<Spanned<StepSpec>>,
    subject: Option<Spanned<String>>,
    when: Spanned<String>,
    at: Option<Spanned<String>>,
    message: Spanned<String>,
    help: Spanned<String>,
    #[serde(default)]
    severity_when: Vec<RawSeverityWhen>,
    #[serde(default)]
    labels: Vec<RawLabel>,
    #[serde(default)]
    related: Vec<RawRelated>,
    #[serde(default)]
    yields_to: Vec<Spanned<String>>,
    fix_profile: Option<RawFixProfile>,
    what: String,
    why: String,
    example: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StepSpec {
    One(String),
    Several(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeverityWhen {
    when: Spanned<String>,
    severity: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    when: Option<Spanned<String>>,
    at: Option<Spanned<String>>,
    field: Option<Spanned<String>>,
    text: Spanned<String>,
}

/// Which profile the fix names, and for which request: `at` leads to the request (a step or
/// summary), `profile` is a template giving `alexa`, `skill`, or nothing when the fix names
/// no profile it can stand behind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixProfile {
    at: Spanned<String>,
    profile: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelated {
    at: Spanned<String>,
    field: Option<Spanned<String>>,
    note: Spanned<String>,
}

struct Ctx<'a> {
    origin: &'a str,
    text: Arc<str>,
    roots: Vec<(&'static str, String)>,
    /// Set when an expression reads `findings`.
    uses_findings: std::cell::Cell<bool>,
    /// Templates, and expressions needed only once the rule fires, are compiled on first use
    /// (built-in rules, which the test suite compiles and checks in full).
    lazy: bool,
    parser: Parser,
}

impl Ctx<'_> {
    fn error(
        &self,
        span: std::ops::Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> Box<RuleError> {
        Box::new(RuleError {
            origin: self.origin.to_string(),
            message,
            src: NamedSource::new(self.origin, self.text.clone()),
            span: Some(span.into()),
            label: label.to_string(),
            help,
        })
    }

    /// Where `needle` is written inside the value at `span`, for a precise label; else the
    /// whole value.
    fn narrow(&self, span: &std::ops::Range<usize>, needle: &str) -> std::ops::Range<usize> {
        let value = self.text.get(span.clone()).unwrap_or("");
        match value.find(needle) {
            Some(i) if !needle.is_empty() => span.start + i..span.start + i + needle.len(),
            _ => span.clone(),
        }
    }

    fn expr(&self, value: &Spanned<String>) -> Result<Expr, Box<RuleError>> {
        self.compile(value.get_ref(), value.span())
    }

    /// Compiles one expression found at `offset` inside the TOML value at `span`.
    fn compile(&self, source: &str, span: std::ops::Range<usize>) -> Result<Expr, Box<RuleError>> {
        let tree = super::functions::parse(source, self.parser).map_err(|e| {
            self.error(
                span.clone(),
                format!("the expression `{}` does not parse: {}", source.trim(), first_line(&e.to_string())),
                "here",
                Some("Conditions and `{…}` placeholders are CEL: https://github.com/google/cel-spec/blob/master/doc/langdef.md".into()),
            )
        })?;
        if check::mentions(&tree, "findings") {
            self.uses_findings.set(true);
        }
        if self.lazy {
            // A built-in condition names only documented facts: the test suite checks every
            // one (`load_builtin_in_full`), so a run need not (a seventh of its cold start).
            return Ok(Expr::compiled(source, tree));
        }
        check::check(&tree, &self.roots).map_err(|u| {
            let last = u
                .path
                .rsplit(['.', '['])
                .next()
                .unwrap_or(&u.path)
                .to_string();
            self.error(
                self.narrow(&span, &last),
                u.message,
                "not a documented fact",
                Some("The facts a rule can use are listed in docs/facts.md.".into()),
            )
        })?;
        Ok(Expr::compiled(source, tree))
    }

    /// An expression needed only once the rule fires (`at`, labels, notes, severities):
    /// compiled on first use when the templates are.
    fn expr_later(&self, value: &Spanned<String>) -> Result<Expr, Box<RuleError>> {
        if !self.lazy {
            return self.expr(value);
        }
        if template::names_findings(value.get_ref()) {
            self.uses_findings.set(true);
        }
        Ok(Expr::later(value.get_ref()))
    }

    fn template(&self, value: &Spanned<String>) -> Result<Template, Box<RuleError>> {
        let source = value.get_ref();
        let split = || {
            template::split(source)
                .map_err(|msg| self.error(value.span(), msg, "in this template", None))
        };
        if self.lazy {
            // Split now only to learn whether a placeholder reads `findings`, which a template
            // that never spells the word cannot: splitting every message and help text was a
            // fifth of loading the built-in rules, on every run.
            if source.contains("findings")
                && split()?
                    .iter()
                    .any(|p| p.expr && template::names_findings(&p.text))
            {
                self.uses_findings.set(true);
            }
            return Ok(Template {
                source: source.clone(),
                parts: std::sync::OnceLock::new(),
            });
        }
        let pieces = split()?;
        let mut parts = Vec::new();
        for piece in pieces {
            if piece.expr {
                let span = self.narrow(&value.span(), &piece.text);
                parts.push(template::Part::Expr(self.compile(&piece.text, span)?));
            } else {
                parts.push(template::Part::Text(piece.text));
            }
        }
        Ok(Template {
            source: source.clone(),
            parts: parts.into(),
        })
    }

    /// A label's field must be locatable in the step it points at: the rule's own step kind
    /// when the label has no `at`, else any step kind (`at` may lead to any linked step).
    fn field(
        &self,
        field: &Option<Spanned<String>>,
        subject: Subject,
        explicit_at: bool,
    ) -> Result<Option<String>, Box<RuleError>> {
        let Some(f) = field else { return Ok(None) };
        let allowed: Vec<&str> = match subject {
            Subject::Step(set) if !explicit_at => set
                .kinds()
                .into_iter()
                .flat_map(|k| schema::locatable(k).iter().copied())
                .collect(),
            _ => StepKind::ALL
                .iter()
                .flat_map(|k| schema::locatable(*k).iter().copied())
                .collect(),
        };
        if allowed.contains(&f.get_ref().as_str()) {
            Ok(Some(f.get_ref().clone()))
        } else {
            let mut allowed = allowed;
            allowed.sort();
            allowed.dedup();
            Err(self.error(
                f.span(),
                format!("unknown label field `{}`", f.get_ref()),
                "not a field a label can point at",
                Some(format!("Use one of: {}", allowed.join(", "))),
            ))
        }
    }

    fn severity(&self, value: &Spanned<String>) -> Result<Severity, Box<RuleError>> {
        match value.get_ref().as_str() {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            other => Err(self.error(
                value.span(),
                format!("unknown severity `{other}`"),
                "here",
                Some("Use error, warning or info.".into()),
            )),
        }
    }

    /// `step = "kind"`, `step = ["kind", ...]` or `step = "any"`.
    fn steps(&self, value: &Spanned<StepSpec>) -> Result<StepSet, Box<RuleError>> {
        let names: Vec<&str> = match value.get_ref() {
            StepSpec::One(name) if name == "any" => {
                return Ok(StepSet::of(&StepKind::ALL));
            }
            StepSpec::One(name) => vec![name.as_str()],
            StepSpec::Several(names) => names.iter().map(String::as_str).collect(),
        };
        let mut kinds = Vec::new();
        for name in &names {
            match StepKind::from_name(name) {
                Some(k) => kinds.push(k),
                None => {
                    let known: Vec<&str> = StepKind::ALL.iter().map(|k| k.name()).collect();
                    return Err(self.error(
                        self.narrow(&value.span(), name),
                        format!("unknown step kind `{name}`"),
                        "here",
                        Some(format!("Use one of: {}, or \"any\"", known.join(", "))),
                    ));
                }
            }
        }
        if kinds.is_empty() {
            return Err(self.error(
                value.span(),
                "`step` lists no step kind".into(),
                "here",
                None,
            ));
        }
        Ok(StepSet::of(&kinds))
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

/// Parses and checks one rule file, every expression compiled.
pub fn parse_rule(origin: &str, text: &str) -> Result<Rule, Box<RuleError>> {
    parse(origin, text, false, Parser::Reference)
}

fn parse(origin: &str, text: &str, lazy: bool, parser: Parser) -> Result<Rule, Box<RuleError>> {
    let text: Arc<str> = Arc::from(text);
    let mut ctx = Ctx {
        origin,
        text: text.clone(),
        roots: Vec::new(),
        uses_findings: std::cell::Cell::new(false),
        lazy,
        parser,
    };
    let raw: RawRule = toml::from_str(&text).map_err(|e| Box::new(RuleError {
        origin: origin.to_string(),
        message: e.message().to_string(),
        src: NamedSource::new(origin, text.clone()),
        span: e.span().map(Into::into),
        label: "here".into(),
        help: Some("A rule file has id, severity, summary, step or subject, when, message, help, what, why, example, and optional [[labels]], [[related]], [[severity_when]] and yields_to.".into()),
    }))?;
    let severity = ctx.severity(&raw.severity)?;
    let subject = subject_of(&ctx, &raw)?;
    ctx.roots = roots(subject);
    let id = checked_id(&ctx, &raw)?;
    let when = ctx.expr(&raw.when)?;
    let at = raw.at.as_ref().map(|a| ctx.expr_later(a)).transpose()?;
    if at.is_some() {
        // What `at` pointed at, for messages and labels (its type is not tracked).
        ctx.roots.push(("at", String::new()));
    }
    let labels = labels_of(&ctx, &raw, subject)?;
    let related = related_of(&ctx, &raw, subject)?;
    if matches!(subject, Subject::Code | Subject::Token) && raw.at.is_none() {
        return Err(ctx.error(
            raw.when.span(),
            "a code or token rule needs `at`: the use the finding points at".into(),
            "add `at` next to this",
            Some("For example `at = \"code.redemptions[1]\"`.".into()),
        ));
    }
    let severity_when = raw
        .severity_when
        .iter()
        .map(|w| Ok((ctx.expr_later(&w.when)?, ctx.severity(&w.severity)?)))
        .collect::<Result<Vec<_>, Box<RuleError>>>()?;
    let message = ctx.template(&raw.message)?;
    let help = ctx.template(&raw.help)?;
    let fix_profile = match &raw.fix_profile {
        Some(f) => Some((ctx.expr_later(&f.at)?, ctx.template(&f.profile)?)),
        None => None,
    };
    let yields_to = yields_of(&ctx, &raw, &id)?;
    let when_reads = subject
        .variable()
        .and_then(|v| check::fields_read(when.tree()?, v))
        .map(|fields| fields.into_iter().collect());
    Ok(Rule {
        id,
        severity,
        severity_when,
        when_reads,
        uses_findings: ctx.uses_findings.get(),
        yields_to,
        fix_profile,
        summary: raw.summary,
        subject,
        when,
        at,
        message,
        help,
        labels,
        related,
        what: raw.what,
        why: raw.why,
        example: raw.example,
        origin: origin.to_string(),
        text,
    })
}

/// What the rule looks at: exactly one of `step` and `subject`.
fn subject_of(ctx: &Ctx, raw: &RawRule) -> Result<Subject, Box<RuleError>> {
    let subject = match (&raw.step, &raw.subject) {
        (Some(step), None) => Subject::Step(ctx.steps(step)?),
        (None, Some(subject)) => match subject.get_ref().as_str() {
            "code" => Subject::Code,
            "token" => Subject::Token,
            "capture" => Subject::Capture,
            other => {
                return Err(ctx.error(
                    subject.span(),
                    format!("unknown subject `{other}`"),
                    "here",
                    Some("Use code, token or capture, or `step = \"...\"` for a step kind.".into()),
                ))
            }
        },
        _ => {
            return Err(ctx.error(
                raw.id.span(),
                "a rule needs exactly one of `step` or `subject`".into(),
                "in this rule",
                None,
            ))
        }
    };
    Ok(subject)
}

/// The rule's id, lower-case words separated by `-` and `/`.
fn checked_id(ctx: &Ctx, raw: &RawRule) -> Result<String, Box<RuleError>> {
    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-/_".contains(c))
    {
        return Err(ctx.error(
            raw.id.span(),
            format!("rule id `{id}` must be lower-case words separated by `-` and `/`"),
            "here",
            None,
        ));
    }
    Ok(id)
}

fn labels_of(ctx: &Ctx, raw: &RawRule, subject: Subject) -> Result<Vec<LabelSpec>, Box<RuleError>> {
    raw.labels
        .iter()
        .map(|l| {
            Ok(LabelSpec {
                when: l.when.as_ref().map(|w| ctx.expr_later(w)).transpose()?,
                at: l.at.as_ref().map(|a| ctx.expr_later(a)).transpose()?,
                field: ctx.field(&l.field, subject, l.at.is_some())?,
                text: ctx.template(&l.text)?,
            })
        })
        .collect()
}

fn related_of(
    ctx: &Ctx,
    raw: &RawRule,
    subject: Subject,
) -> Result<Vec<RelatedSpec>, Box<RuleError>> {
    raw.related
        .iter()
        .map(|r| {
            Ok(RelatedSpec {
                at: ctx.expr_later(&r.at)?,
                field: ctx.field(&r.field, subject, true)?,
                note: ctx.template(&r.note)?,
            })
        })
        .collect()
}

/// The rules this one yields to (never itself).
fn yields_of(ctx: &Ctx, raw: &RawRule, id: &str) -> Result<Vec<String>, Box<RuleError>> {
    let mut yields_to = Vec::new();
    for y in &raw.yields_to {
        if y.get_ref() == id {
            return Err(ctx.error(
                y.span(),
                "a rule cannot yield to itself".into(),
                "here",
                None,
            ));
        }
        yields_to.push(y.get_ref().clone());
    }
    Ok(yields_to)
}

/// The variables a rule of this subject can use, with their schema types. A rule over
/// several step kinds sees `step` as any of their types (`A|B`): a field of one kind is absent
/// on the others, so such a rule tests `step.kind` or `has()` first.
pub fn roots(subject: Subject) -> Vec<(&'static str, String)> {
    let mut r = vec![
        ("capture", "Capture".to_string()),
        ("findings", "list<FindingRef>".to_string()),
    ];
    match subject {
        Subject::Step(set) => {
            let types: Vec<&str> = set.kinds().into_iter().map(schema::step_type).collect();
            r.push(("step", types.join("|")));
        }
        Subject::Code => r.push(("code", "Code".into())),
        Subject::Token => r.push(("token", "Token".into())),
        Subject::Capture => {}
    }
    r
}

/// The rules built into the binary, their messages compiled when first shown. They are
/// checked in full by the test suite ([`load_builtin_in_full`]), so an error here is a build
/// defect; it is still reported, not panicked on.
pub fn load_builtin() -> Result<Vec<Rule>, Box<RuleError>> {
    builtin(true)
}

/// The built-in rules with every template compiled and checked now.
pub fn load_builtin_in_full() -> Result<Vec<Rule>, Box<RuleError>> {
    builtin(false)
}

fn builtin(lazy: bool) -> Result<Vec<Rule>, Box<RuleError>> {
    use rayon::prelude::*;
    // Compiling the CEL of every rule is most of a small check's time: share it out.
    super::BUILTIN
        .par_iter()
        .map(|(path, text)| parse(path, text, lazy, Parser::Fast))
        .collect()
}

/// Every `*.toml` under `dir`, recursively, in sorted order.
pub fn load_dir(dir: &Path) -> Result<Vec<Rule>, Box<dyn miette::Diagnostic + Send + Sync>> {
    let mut files = Vec::new();
    collect(dir, &mut files).map_err(|e| {
        Box::new(IoError(format!(
            "{}: cannot read rules: {e}",
            dir.display()
        ))) as Box<dyn miette::Diagnostic + Send + Sync>
    })?;
    if files.is_empty() {
        return Err(Box::new(IoError(format!(
            "{}: no rule files (*.toml) found",
            dir.display()
        ))));
    }
    files.sort();
    let mut rules = Vec::new();
    for f in files {
        let origin = f.display().to_string();
        let text = std::fs::read_to_string(&f).map_err(|e| {
            Box::new(IoError(format!("{origin}: cannot read: {e}")))
                as Box<dyn miette::Diagnostic + Send + Sync>
        })?;
        rules.push(
            parse_rule(&origin, &text)
                .map_err(|e| e as Box<dyn miette::Diagnostic + Send + Sync>)?,
        );
    }
    Ok(rules)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
pub struct IoError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn templates(rule: &Rule) -> Vec<&Template> {
        let mut all = vec![&rule.message, &rule.help];
        all.extend(rule.labels.iter().map(|l| &l.text));
        all.extend(rule.related.iter().map(|r| &r.note));
        all
    }

    fn exprs(t: &Template) -> Vec<String> {
        t.parts()
            .iter()
            .map(|p| match p {
                template::Part::Expr(e) => {
                    assert!(e.tree().is_some(), "{} compiles", e.source);
                    format!("expr {}", e.source)
                }
                template::Part::Text(s) => format!("text {s}"),
            })
            .collect()
    }

    /// The expressions a rule runs only once it fires.
    fn later(rule: &Rule) -> Vec<&Expr> {
        let mut all: Vec<&Expr> = rule.at.iter().collect();
        for l in &rule.labels {
            all.extend(l.when.iter().chain(&l.at));
        }
        all.extend(rule.related.iter().map(|r| &r.at));
        all.extend(rule.severity_when.iter().map(|(e, _)| e));
        all
    }

    /// The built-in rules' messages, and the expressions they run only once they fire, are
    /// compiled on first use, unchecked: here every one is compiled and checked against the
    /// facts, and the lazy load must agree with it on which rules read `findings` and on what
    /// each compiles to.
    #[test]
    fn built_in_templates_compile_in_full_and_lazily_alike() {
        let full = load_builtin_in_full().expect("every built-in template compiles and checks");
        let lazy = load_builtin().expect("built-in rules load");
        assert_eq!(full.len(), lazy.len());
        let mut compiled = 0;
        for (f, l) in full.iter().zip(&lazy) {
            assert_eq!(f.id, l.id);
            assert_eq!(f.uses_findings, l.uses_findings, "{}", f.id);
            assert!(l.message.parts.get().is_none(), "not compiled before use");
            for (ft, lt) in templates(f).into_iter().zip(templates(l)) {
                let (fe, le) = (exprs(ft), exprs(lt));
                assert_eq!(fe, le, "{}", f.id);
                compiled += fe.iter().filter(|e| e.starts_with("expr")).count();
            }
            let (fx, lx) = (later(f), later(l));
            assert_eq!(fx.len(), lx.len(), "{}", f.id);
            for (fe, le) in fx.into_iter().zip(lx) {
                assert!(le.tree.get().is_none(), "not compiled before use");
                assert_eq!(fe.source, le.source);
                assert!(le.tree().is_some(), "{} compiles", le.source);
                compiled += 1;
            }
            assert!(
                l.when.tree.get().is_some(),
                "conditions are compiled at once"
            );
        }
        assert!(
            compiled > 130,
            "only {compiled} placeholders and expressions"
        );
        assert!(full.iter().any(|r| r.uses_findings));
    }

    /// Built-in rules are read by the fast parser, users' by the reference one: for every
    /// built-in expression, both must give the same tree. Only the node ids may differ (the
    /// two number a map entry and its key in opposite orders): nothing reads them but error
    /// positions, which the fast parser never reports.
    #[test]
    fn built_in_expressions_parse_alike_with_both_parsers() {
        use super::super::functions::{parse, Parser};
        let rules = load_builtin_in_full().expect("built-in rules load");
        let mut sources: Vec<&str> = Vec::new();
        for rule in &rules {
            sources.push(&rule.when.source);
            sources.extend(later(rule).into_iter().map(|e| e.source.as_str()));
            for t in templates(rule) {
                sources.extend(t.parts().iter().filter_map(|p| match p {
                    template::Part::Expr(e) => Some(e.source.as_str()),
                    template::Part::Text(_) => None,
                }));
            }
        }
        assert!(sources.len() > 150, "only {} expressions", sources.len());
        let ids = regex::Regex::new(r"\bid: \d+").expect("a valid pattern");
        let without_ids =
            |tree: &cel::IdedExpr| ids.replace_all(&format!("{tree:?}"), "id").into_owned();
        for source in sources {
            let reference = parse(source, Parser::Reference).expect("parses");
            let fast = parse(source, Parser::Fast).expect("parses");
            assert_eq!(without_ids(&reference), without_ids(&fast), "{source}");
        }
    }

    /// The two parsers are not the same on everything: what a user's rule file gets matters.
    #[test]
    fn user_rules_get_the_reference_parsers_errors() {
        let bad = "id = 'x'\nseverity = 'error'\nsummary = 's'\nstep = 'token_request'\nwhen = 'step.url =='\nmessage = 'm'\nhelp = 'h'\nwhat = 'w'\nwhy = 'y'\nexample = 'e'\n";
        let err = parse_rule("user.toml", bad).expect_err("does not parse");
        let reference = super::super::functions::parse("step.url ==", Parser::Reference)
            .expect_err("does not parse")
            .to_string();
        let first = reference.lines().next().unwrap_or_default();
        assert!(err.message.contains(first), "{} / {first}", err.message);
    }

    #[test]
    fn findings_is_named_as_a_word() {
        assert!(template::names_findings(
            "findings.exists(f, f.rule == 'x')"
        ));
        assert!(template::names_findings("size(findings) > 0"));
        assert!(!template::names_findings("my_findings.size()"));
        assert!(!template::names_findings("findings_count"));
        assert!(!template::names_findings("step.entry"));
    }
}
