//! Evaluating rules over one analysed capture.

use cel::{Context, Value};

use super::value::{display, get_int, to_cel};
use super::{template::Part, Expr, Rule, RuleSet, Subject, Template};
use crate::finding::{Finding, Label, Place, Related};
use crate::flow::facts::Facts;
use crate::flow::Analysis;

/// The variables of one evaluation: the capture plus the rule's subject.
struct Scope {
    vars: Vec<(&'static str, Value)>,
}

impl Scope {
    fn context(&self) -> Context<'static, 'static> {
        let mut ctx = Context::default();
        for (name, v) in &self.vars {
            ctx.add_variable_from_value(*name, v.clone());
        }
        ctx
    }
}

fn run(expr: &Expr, ctx: &Context) -> Option<Value> {
    expr.program.execute(ctx).ok()
}

fn render(t: &Template, ctx: &Context) -> String {
    let mut out = String::new();
    for part in &t.parts {
        match part {
            Part::Text(s) => out.push_str(s),
            Part::Expr(e) => match run(e, ctx) {
                Some(v) => out.push_str(&display(&v)),
                None => out.push_str("(unknown)"),
            },
        }
    }
    out
}

/// Every finding the rules make about one capture, in entry order, then rule order.
pub fn evaluate(rules: &RuleSet, facts: &Facts) -> Vec<Finding> {
    let a = facts.analysis;
    let capture = to_cel(&facts.capture_facts());
    let mut findings = Vec::new();
    // Each subject's facts are built and put in a context once, then every rule that looks at
    // that kind of subject is evaluated in it; a subject no rule looks at is never built.
    let mut run_rules = |subject: Subject, vars: Option<(&'static str, Value)>| {
        let wanted: Vec<&Rule> = rules
            .rules
            .iter()
            .filter(|r| r.subject == subject)
            .collect();
        if wanted.is_empty() {
            return;
        }
        let s = scope(&capture, vars);
        let ctx = s.context();
        for rule in wanted {
            if matches!(run(&rule.when, &ctx), Some(Value::Bool(true))) {
                if let Some(f) = finding(rule, &s, &ctx, facts) {
                    findings.push(f);
                }
            }
        }
    };
    let wants = |subject: Subject| rules.rules.iter().any(|r| r.subject == subject);
    for (i, step) in a.steps.iter().enumerate() {
        if wants(Subject::Step(step.kind)) {
            if let Some(v) = facts.step_facts(i) {
                run_rules(Subject::Step(step.kind), Some(("step", to_cel(&v))));
            }
        }
    }
    if wants(Subject::Code) {
        for i in 0..a.codes.len() {
            if let Some(v) = facts.code_facts(i) {
                run_rules(Subject::Code, Some(("code", to_cel(&v))));
            }
        }
    }
    if wants(Subject::Token) {
        for i in 0..a.tokens.len() {
            if let Some(v) = facts.token_facts(i) {
                run_rules(Subject::Token, Some(("token", to_cel(&v))));
            }
        }
    }
    run_rules(Subject::Capture, None);
    findings.sort_by(|x, y| x.entry.cmp(&y.entry).then(x.rule.cmp(&y.rule)));
    findings
}

fn scope(capture: &Value, subject: Option<(&'static str, Value)>) -> Scope {
    let mut vars = vec![("capture", capture.clone())];
    vars.extend(subject);
    Scope { vars }
}

/// A place a rule expression pointed at: a step or use (with `entry` and `id`), or a byte
/// offset of the file.
#[derive(Clone, Copy)]
struct Target {
    entry: Option<usize>,
    step: Option<usize>,
    offset: Option<usize>,
}

fn target(v: &Value) -> Option<Target> {
    let t = Target {
        entry: get_int(v, "entry").and_then(|e| usize::try_from(e).ok()),
        step: get_int(v, "id").and_then(|e| usize::try_from(e).ok()),
        offset: get_int(v, "offset").and_then(|e| usize::try_from(e).ok()),
    };
    (t.entry.is_some() || t.offset.is_some()).then_some(t)
}

fn targets(v: &Value) -> Vec<Target> {
    match v {
        Value::List(items) => items.iter().filter_map(target).collect(),
        other => target(other).into_iter().collect(),
    }
}

fn default_target(s: &Scope) -> Option<Target> {
    s.vars
        .iter()
        .find(|(n, _)| *n == "step")
        .and_then(|(_, v)| target(v))
}

fn finding(rule: &Rule, s: &Scope, ctx: &Context, facts: &Facts) -> Option<Finding> {
    let primary = match &rule.at {
        Some(at) => targets(&run(at, ctx)?).into_iter().next(),
        None => default_target(s),
    };
    let place = |t: Target, field: Option<&String>| -> Place {
        match (t.entry, t.offset) {
            (Some(entry), _) => Place::Entry {
                entry,
                locator: field.and_then(|f| locate(facts.analysis, t, f)),
            },
            (None, Some(off)) => Place::Offset(off),
            (None, None) => Place::Offset(0),
        }
    };
    let mut labels = Vec::new();
    for spec in &rule.labels {
        if let Some(when) = &spec.when {
            if !matches!(run(when, ctx), Some(Value::Bool(true))) {
                continue;
            }
        }
        let at = match &spec.at {
            Some(e) => run(e, ctx).map(|v| targets(&v)).unwrap_or_default(),
            None => primary.into_iter().collect(),
        };
        let text = render(&spec.text, ctx);
        for t in at {
            // A label on a field the entry does not have (no `scope` parameter at all) would
            // point at the wrong text: leave it out.
            let located = spec
                .field
                .as_ref()
                .is_none_or(|f| t.entry.is_none() || locate(facts.analysis, t, f).is_some());
            if located {
                labels.push(Label {
                    place: place(t, spec.field.as_ref()),
                    text: text.clone(),
                });
            }
        }
    }
    if labels.is_empty() {
        if let Some(t) = primary {
            labels.push(Label {
                place: place(t, None),
                text: rule.summary.clone(),
            });
        }
    }
    let mut related = Vec::new();
    for spec in &rule.related {
        let Some(v) = run(&spec.at, ctx) else {
            continue;
        };
        let note = render(&spec.note, ctx);
        for t in targets(&v) {
            if let Some(entry) = t.entry {
                related.push(Related {
                    entry,
                    note: note.clone(),
                    locator: spec
                        .field
                        .as_ref()
                        .and_then(|f| locate(facts.analysis, t, f)),
                });
            }
        }
    }
    let entry = primary.and_then(|t| t.entry);
    let exchange = entry.and_then(|e| facts.capture.exchanges.get(e.checked_sub(1)?));
    Some(Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        message: render(&rule.message, ctx),
        help: render(&rule.help, ctx),
        file: facts.capture.name.clone(),
        entry,
        method: exchange.map(|x| x.request.method.clone()),
        url: exchange.map(|x| facts.secrets.mask_text(&x.request.url)),
        time: exchange.and_then(|x| x.started_raw.clone()),
        labels,
        related,
    })
}

/// The locator of a field: of the exact step when the target names one, else of any step of
/// that entry that recorded the field.
fn locate(a: &Analysis, t: Target, field: &str) -> Option<crate::finding::Locator> {
    let of_step = |step: usize| a.locators.get(&step)?.get(field).cloned();
    if let Some(found) = t.step.and_then(of_step) {
        return Some(found);
    }
    let entry = t.entry?;
    a.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.entry == entry)
        .find_map(|(i, _)| of_step(i))
}
