//! Evaluating rules over one analysed capture.

use std::collections::BTreeSet;

use cel::common::value::Val;
use cel::{Context, Value};

use super::decide::{self, Compiled};
use super::functions;
#[cfg(test)]
use super::lazy::part_wanted;
use super::lazy::{parts, Build, Fields as Slots, Layout};
use super::value::{display, get_int, into_cel, into_val};
use super::{template::Part, Expr, Rule, RuleSet, Subject, Template};
use crate::finding::{Finding, Label, Place, Related};
use crate::flow::facts::{finding_ref, Ask, Facts};
use crate::flow::{Analysis, StepKind};
use crate::secret::{mask, policy};

/// The subject of one evaluation (`step`, `code` or `token`, or none for the capture), kept
/// to find where a finding points when the rule does not say.
struct Scope {
    vars: Vec<(&'static str, Value)>,
}

/// The variables every evaluation of a phase shares (`capture`, and `findings` in the second
/// phase), converted for the interpreter once; each subject gets a child scope of it.
fn root_context(capture: &Value, found: Option<&Value>) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(functions::env());
    ctx.add_variable_from_value("capture", capture.clone());
    if let Some(f) = found {
        ctx.add_variable_from_value("findings", f.clone());
    }
    ctx
}

fn run(expr: &Expr, ctx: &Context) -> Option<Value> {
    Value::resolve(expr.tree()?, ctx).ok()
}

fn render(t: &Template, ctx: &Context) -> String {
    let mut out = String::new();
    for part in t.parts() {
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

/// Every finding the rules make about one capture, in entry order, then rule order (causes
/// before the findings that cite them).
///
/// Rules that read `findings` run second, over what the others found: an activation that
/// failed can then name the finding that explains it instead of guessing.
pub fn evaluate(rules: &RuleSet, facts: &Facts) -> Vec<Finding> {
    evaluate_phases(rules, facts, true)
}

/// [`evaluate`], deciding the second phase's conditions with the first's when `early` allows
/// it (else as their definition: every subject evaluated again in the second phase).
fn evaluate_phases(rules: &RuleSet, facts: &Facts, early: bool) -> Vec<Finding> {
    let first: Vec<&Rule> = rules.rules.iter().filter(|r| !r.uses_findings).collect();
    let second: Vec<&Rule> = rules.rules.iter().filter(|r| r.uses_findings).collect();
    let capture = into_cel(facts.capture_facts());
    let by_place = |x: &Finding, y: &Finding| x.entry.cmp(&y.entry).then(x.rule.cmp(&y.rule));
    let mut findings = Vec::new();
    // The second phase's conditions that do not read `findings` (all the built-in ones: their
    // messages do) are decided with the first, on the same fields; the second then evaluates
    // only the subjects where one of them fires, not every step again.
    let early = early
        && second.iter().all(|r| {
            r.when
                .tree()
                .is_none_or(|t| !super::check::mentions(t, "findings"))
        });
    let deferred: &[&Rule] = if early { &second } else { &[] };
    let marked = run_phase(&first, deferred, None, facts, &capture, None, &mut findings);
    findings.sort_by(by_place);
    // Before the second phase: a finding that yields is not a cause to cite.
    apply_yields(rules, &mut findings);
    if !second.is_empty() {
        let refs = Value::List(std::sync::Arc::new(
            findings.iter().map(|f| into_cel(finding_ref(f))).collect(),
        ));
        let mut symptoms = Vec::new();
        let only = early.then_some(&marked);
        run_phase(
            &second,
            &[],
            only,
            facts,
            &capture,
            Some(refs),
            &mut symptoms,
        );
        symptoms.sort_by(by_place);
        findings.extend(symptoms);
        apply_yields(rules, &mut findings);
        // Stable: at one entry, the causes come before the findings that cite them.
        findings.sort_by_key(|f| f.entry);
    }
    // One entry can hold two steps of a kind a rule looks at (a redirect that answers one
    // request and is itself another): say it once.
    findings.dedup_by(|a, b| a.rule == b.rule && a.entry == b.entry && a.message == b.message);
    findings
}

/// Drops the findings of a rule with `yields_to` where a rule it names found something about
/// the same request: at the same entry, or citing that entry among its related places (a
/// reused code's finding points at its second redemption and cites the others).
fn apply_yields(rules: &RuleSet, findings: &mut Vec<Finding>) {
    let yielding = |f: &Finding| -> bool {
        let Some(rule) = rules.get(&f.rule) else {
            return false;
        };
        let Some(entry) = f.entry else { return false };
        !rule.yields_to.is_empty()
            && findings.iter().any(|g| {
                rule.yields_to.contains(&g.rule)
                    && (g.entry == Some(entry) || g.related.iter().any(|r| r.entry == entry))
            })
    };
    let keep: Vec<bool> = findings.iter().map(|f| !yielding(f)).collect();
    let mut keep = keep.into_iter();
    findings.retain(|_| keep.next().unwrap_or(true));
}

/// The steps, codes and tokens (by index, in order) where a rule decided early fired.
#[derive(Default)]
struct Marked {
    steps: Vec<usize>,
    codes: Vec<usize>,
    tokens: Vec<usize>,
}

/// A subject kind's rules, the fields their conditions read, and the conditions compiled
/// against those fields (once per kind, not per subject).
struct Kind<'r> {
    rules: Vec<&'r Rule>,
    layout: Option<Layout<'r>>,
    conds: Vec<Option<Compiled<'r>>>,
}

impl<'r> Kind<'r> {
    /// `rules` over the subject variable `var`.
    fn new(rules: Vec<&'r Rule>, var: &str) -> Kind<'r> {
        let layout = layout(&rules, var);
        let conds = rules
            .iter()
            .map(|r| {
                let layout = layout.as_ref()?;
                Some(decide::compile(r.when.tree()?, var, &|n| {
                    layout.position(n)
                }))
            })
            .collect();
        Kind {
            rules,
            layout,
            conds,
        }
    }

    /// `rules` read by the interpreter alone (the capture's).
    fn interpreted(rules: Vec<&'r Rule>) -> Kind<'r> {
        let conds = rules.iter().map(|_| None).collect();
        Kind {
            rules,
            layout: None,
            conds,
        }
    }
}

/// The rules of each step kind (in `StepKind::ALL`'s order), and the fields their conditions
/// read, found once.
fn by_kind<'r>(rules: &[&'r Rule]) -> Vec<Kind<'r>> {
    StepKind::ALL
        .iter()
        .map(|kind| {
            let wanted: Vec<&Rule> = rules
                .iter()
                .copied()
                .filter(|r| r.subject.takes_step(*kind))
                .collect();
            Kind::new(wanted, "step")
        })
        .collect()
}

/// The subjects `only` lists, or every one of `count` (in order).
fn subjects(only: Option<&[usize]>, count: usize) -> Vec<usize> {
    only.map_or_else(|| (0..count).collect(), <[usize]>::to_vec)
}

/// Evaluates `rules`, and decides `deferred` (rules of the next phase) on the same fields
/// without making their findings: the subjects where one of those fires are returned. Only
/// the subjects `only` lists are evaluated when it is given (the capture always).
fn run_phase(
    rules: &[&Rule],
    deferred: &[&Rule],
    only: Option<&Marked>,
    facts: &Facts,
    capture: &Value,
    found: Option<Value>,
    findings: &mut Vec<Finding>,
) -> Marked {
    let a = facts.analysis;
    let found = found.as_ref();
    let is_deferred = |r: &Rule| deferred.iter().any(|d| std::ptr::eq(*d, r));
    let here: Vec<&Rule> = rules.iter().chain(deferred).copied().collect();
    let of = |subject: Subject| -> Vec<&Rule> {
        here.iter()
            .copied()
            .filter(|r| r.subject == subject)
            .collect()
    };
    let by_kind = by_kind(&here);
    // Subjects are independent: a long capture's thousands of Bearer calls are evaluated on
    // every core, and the findings kept in subject order. A test suite's log holds as many
    // codes and tokens as token requests (a token's facts hold every use of it): they are
    // evaluated on every core too, beside the steps.
    let root = || root_context(capture, found);
    let steps = || -> (Vec<Finding>, Vec<usize>) {
        let ids = subjects(only.map(|m| &m.steps[..]), a.steps.len());
        on_every_core(ids, root, |root, i| {
            let step = &a.steps[i];
            let kind = StepKind::ALL.iter().position(|k| *k == step.kind);
            let Some(kind) = kind.and_then(|k| by_kind.get(k)) else {
                return (Vec::new(), false);
            };
            let of_step = |ask: Ask| facts.step_facts_asked(i, ask);
            let subject = Some(("step", &of_step as &Build));
            run_rules(kind, &is_deferred, facts, root, subject)
        })
    };
    let codes_and_tokens = || -> (Vec<Finding>, Vec<usize>, Vec<usize>) {
        // Every code, or every token: the subject's rules over each, in order.
        type FactsOf<'f> = dyn Fn(usize, Ask) -> Option<serde_json::Value> + Sync + 'f;
        let each = |subject, name, ids: Vec<usize>, facts_of: &FactsOf| {
            let kind = Kind::new(of(subject), name);
            on_every_core(ids, root, |root, i| {
                let build = |ask: Ask| facts_of(i, ask);
                let subject = Some((name, &build as &Build));
                run_rules(&kind, &is_deferred, facts, root, subject)
            })
        };
        let codes = subjects(only.map(|m| &m.codes[..]), a.codes.len());
        let (mut found_here, codes) = each(Subject::Code, "code", codes, &|i, ask| {
            facts.code_facts_asked(i, ask)
        });
        let tokens = subjects(only.map(|m| &m.tokens[..]), a.tokens.len());
        let (of_tokens, tokens) = each(Subject::Token, "token", tokens, &|i, ask| {
            facts.token_facts_asked(i, ask)
        });
        found_here.extend(of_tokens);
        (found_here, codes, tokens)
    };
    let ((of_steps, steps), (of_codes_and_tokens, codes, tokens)) =
        rayon::join(steps, codes_and_tokens);
    findings.extend(of_steps);
    findings.extend(of_codes_and_tokens);
    let root = root();
    // The capture's rules run in their own phase (they are one subject, quickly decided).
    let of_capture: Vec<&Rule> = rules
        .iter()
        .copied()
        .filter(|r| r.subject == Subject::Capture)
        .collect();
    let none = |_: &Rule| false;
    let of_capture = Kind::interpreted(of_capture);
    findings.extend(run_rules(&of_capture, &none, facts, &root, None).0);
    Marked {
        steps,
        codes,
        tokens,
    }
}

/// `eval` over each subject of `ids` on every core, each job with its own scope made by
/// `root`: the findings in subject order, and the subjects `eval` marked.
fn on_every_core(
    ids: Vec<usize>,
    root: impl Fn() -> Context<'static, 'static> + Sync + Send,
    eval: impl Fn(&mut Context<'static, 'static>, usize) -> (Vec<Finding>, bool) + Sync + Send,
) -> (Vec<Finding>, Vec<usize>) {
    use rayon::prelude::*;
    let per_subject: Vec<(Vec<Finding>, bool)> = ids
        .par_iter()
        .map_init(&root, |root, &i| eval(root, i))
        .collect();
    let marked = ids
        .iter()
        .zip(&per_subject)
        .filter(|(_, (_, m))| *m)
        .map(|(i, _)| *i)
        .collect();
    let found = per_subject.into_iter().flat_map(|(f, _)| f).collect();
    (found, marked)
}

/// Names of a subject's fields.
#[cfg(test)]
type Fields<'r> = BTreeSet<&'r str>;

/// Field names, each once, in order: a list, as every subject's slots are made from it (a
/// set's walk was a fifth of making them).
type Reads<'r> = Vec<&'r str>;

/// The fields the conditions of `wanted` read, or `None` when one of them needs the whole
/// subject.
fn fields_read<'r>(wanted: &[&'r Rule]) -> Option<Reads<'r>> {
    let fields = wanted
        .iter()
        .try_fold(BTreeSet::new(), |mut fields, rule| {
            fields.extend(rule.when_reads.as_ref()?.iter().map(String::as_str));
            Some(fields)
        })?;
    Some(fields.into_iter().collect())
}

/// The fields the conditions of `wanted` read of the subject `var`, and their parts; `None`
/// when one of them needs the whole subject.
fn layout<'r>(wanted: &[&'r Rule], var: &str) -> Option<Layout<'r>> {
    let reads = fields_read(wanted)?;
    let parts = parts(wanted.iter().filter_map(|r| r.when.tree()), var);
    Some(Layout::new(&reads, parts))
}

/// Evaluates `wanted` over one subject (its variable, and how to build its facts; none for
/// the capture). A subject without facts is not evaluated.
///
/// Whether each rule fires is decided on the fields the conditions reach, built as they read
/// them (`Lazy`): a long capture's thousands of steps cost what their conditions read, not
/// all their facts, and of a field read only through its parts (`step.code.origin`), those
/// parts; a rule that fires gets all of them.
fn run_rules(
    kind: &Kind,
    deferred: &dyn Fn(&Rule) -> bool,
    facts: &Facts,
    root: &Context,
    subject: Option<(&'static str, &Build)>,
) -> (Vec<Finding>, bool) {
    if kind.rules.is_empty() {
        return (Vec::new(), false);
    }
    // The fields the conditions read, when they read nothing else of the subject.
    let fields = match (subject, kind.layout.as_ref()) {
        (Some((_, build)), Some(layout)) => match Slots::new(build, layout) {
            Some(fields) => Some(fields),
            None => return (Vec::new(), false),
        },
        _ => None,
    };
    // The interpreter's scope, made only for a condition the fields do not settle.
    let decide = std::cell::OnceCell::new();
    let decide = || -> Option<&Context> {
        decide
            .get_or_init(|| {
                let mut decide = root.new_inner_scope();
                if let Some((name, build)) = subject {
                    let read: Box<dyn Val + '_> = match &fields {
                        Some(fields) => Box::new(fields.lazy()),
                        None => into_val(build(Ask::Fields(&|_| true))?),
                    };
                    decide.add_variable_as_val(name, read);
                }
                Some(decide)
            })
            .as_ref()
    };
    let fires = |rule: &Rule, cond: &Option<Compiled>| -> bool {
        let native = match (&fields, cond) {
            (Some(fields), Some(cond)) => cond.decide(&|i| fields.json_at(i)),
            _ => None,
        };
        native.unwrap_or_else(|| {
            decide().is_some_and(|ctx| matches!(run(&rule.when, ctx), Some(Value::Bool(true))))
        })
    };
    let mut marked = false;
    let firing: Vec<&Rule> = kind
        .rules
        .iter()
        .zip(&kind.conds)
        .filter(|(r, c)| fires(r, c))
        .map(|(r, _)| *r)
        .filter(|r| {
            // Decided here, found in the next phase.
            let later = deferred(r);
            marked |= later;
            !later
        })
        .collect();
    if firing.is_empty() {
        return (Vec::new(), marked);
    }
    let s = Scope {
        vars: subject
            // Built again, in full: few subjects get this far.
            .and_then(|(name, build)| Some((name, into_cel(build(Ask::Fields(&|_| true))?))))
            .into_iter()
            .collect(),
    };
    let mut ctx = root.new_inner_scope();
    for (name, v) in &s.vars {
        ctx.add_variable_from_value(*name, v.clone());
    }
    let found = firing
        .into_iter()
        .filter_map(|rule| finding(rule, &s, &ctx, facts))
        .collect();
    (found, marked)
}

/// The facts with only the named fields.
#[cfg(test)]
fn only(v: serde_json::Value, fields: &BTreeSet<&str>) -> serde_json::Value {
    match v {
        serde_json::Value::Object(mut map) => {
            map.retain(|k, _| fields.contains(k.as_str()));
            serde_json::Value::Object(map)
        }
        other => other,
    }
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
    let (primary, at_ctx) = match &rule.at {
        Some(at) => {
            let v = run(at, ctx)?;
            let first = match &v {
                Value::List(items) => items.first().cloned()?,
                other => other.clone(),
            };
            let mut with_at = ctx.new_inner_scope();
            with_at.add_variable_from_value("at", first);
            (targets(&v).into_iter().next(), Some(with_at))
        }
        None => (default_target(s), None),
    };
    let ctx = at_ctx.as_ref().unwrap_or(ctx);
    let labels = labels(rule, ctx, primary, facts);
    let related = related(rule, ctx, facts);
    let entry = primary.and_then(|t| t.entry);
    let exchange = entry.and_then(|e| facts.capture.exchanges.get(e.checked_sub(1)?));
    let severity = rule
        .severity_when
        .iter()
        .find(|(when, _)| matches!(run(when, ctx), Some(Value::Bool(true))))
        .map_or(rule.severity, |(_, s)| *s);
    let flow = flow_of(facts, primary, entry);
    let fix_profile = rule.fix_profile.as_ref().and_then(|(at, profile)| {
        let entry = targets(&run(at, ctx)?).first()?.entry?;
        let profile = render(profile, ctx).trim().to_string();
        matches!(profile.as_str(), "alexa" | "skill").then_some((entry, profile))
    });
    Some(Finding {
        fix_profile,
        rule: rule.id.clone(),
        severity,
        flow,
        message: unshown(render(&rule.message, ctx), facts),
        help: unshown(render(&rule.help, ctx), facts),
        file: facts.capture.name.clone(),
        entry,
        method: exchange.map(|x| policy::method(&x.request.method, &mut policy::Mask)),
        url: exchange.map(|x| policy::url(&x.request.url, &mut policy::Mask)),
        time: exchange.and_then(|x| x.started_raw.as_deref().map(str::to_string)),
        labels,
        related,
        positions: None,
    })
}

/// Where a target points: an entry (with the locator of `field` there) or a byte offset.
fn place(facts: &Facts, t: Target, field: Option<&String>) -> Place {
    match (t.entry, t.offset) {
        (Some(entry), _) => Place::Entry {
            entry,
            locator: field.and_then(|f| locate(facts.analysis, t, f)),
        },
        (None, Some(off)) => Place::Offset(off),
        (None, None) => Place::Offset(0),
    }
}

/// A finding's labels: each spec whose `when` holds, at its targets (the finding's own place
/// by default); the rule's summary at that place when no spec gives one.
fn labels(rule: &Rule, ctx: &Context, primary: Option<Target>, facts: &Facts) -> Vec<Label> {
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
                    place: place(facts, t, spec.field.as_ref()),
                    text: text.clone(),
                });
            }
        }
    }
    if labels.is_empty() {
        if let Some(t) = primary {
            labels.push(Label {
                place: place(facts, t, None),
                text: rule.summary.clone(),
            });
        }
    }
    labels
}

/// The places a finding cites besides its own.
fn related(rule: &Rule, ctx: &Context, facts: &Facts) -> Vec<Related> {
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
    related
}

/// The flow of a finding: of the step it points at, else of the first step at its entry.
fn flow_of(facts: &Facts, primary: Option<Target>, entry: Option<usize>) -> Option<usize> {
    primary
        .and_then(|t| t.step)
        .and_then(|s| facts.analysis.steps.get(s))
        .map(|s| s.flow)
        .or_else(|| {
            let e = entry?;
            facts
                .analysis
                .steps
                .iter()
                .find(|s| s.entry == e)
                .map(|s| s.flow)
        })
}

/// `text` with the values that facts hold raw for conditions but the policy does not show
/// (`state` and `code_challenge`: see `secret::policy::PUBLIC`) replaced by their masks, as a
/// message quoting one (`sent state "…"`) must show them. A value of fewer than 4 characters
/// is replaced only where it stands quoted, so it cannot eat into the message's own words.
fn unshown(text: String, facts: &Facts) -> String {
    if crate::secret::revealing() {
        return text;
    }
    let mut hidden = facts.unshown_in(&text);
    if hidden.is_empty() {
        return text;
    }
    // Longest first, so a value containing another is replaced whole.
    hidden.sort_by_key(|v| std::cmp::Reverse(v.len()));
    hidden.dedup();
    let mut out = text;
    for v in hidden {
        let masked = mask(v);
        out = if v.len() >= 4 {
            out.replace(v, &masked)
        } else {
            out.replace(&format!("\"{v}\""), &format!("\"{masked}\""))
        };
    }
    out
}

/// The locator of a field: of the exact step when the target names one, else of any step of
/// that entry that recorded the field.
fn locate(a: &Analysis, t: Target, field: &str) -> Option<crate::finding::Locator> {
    let of_step = |step: usize| a.locator(step, field);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls `visit` with every HAR fixture's analysis and facts (the built-in config).
    fn each_fixture(mut visit: impl FnMut(&std::path::Path, &crate::flow::Analysis, &Facts<'_>)) {
        for path in crate::fixture_hars() {
            let Ok(capture) = crate::read::read_path(&path) else {
                continue;
            };
            let analysis = crate::flow::analyze(&capture, &crate::config::Config::default());
            visit(&path, &analysis, &Facts::new(&capture, &analysis));
        }
    }

    /// A rule decides on facts built with only the fields it reads: those fields must be
    /// exactly what the full facts hold, for every step of every fixture and every built-in
    /// condition.
    #[test]
    fn facts_built_to_decide_hold_what_the_full_facts_hold() {
        let rules = crate::rules::load_builtin().expect("built-in rules");
        let mut sets: Vec<Fields> = rules
            .iter()
            .filter_map(|r| r.when_reads.as_ref())
            .map(|f| f.iter().map(String::as_str).collect())
            .collect();
        // Each field alone too: a condition's fields are built one at a time as it reads them.
        let single: BTreeSet<&str> = sets.iter().flatten().copied().collect();
        sets.extend(single.iter().map(|f| BTreeSet::from([*f])));
        // ... and asked alone (`Ask::One`), as the conditions' fields are: the same value.
        let mut alone = 0;
        let mut check_alone = |full: &serde_json::Value, asked: &dyn Fn(Ask) -> Option<_>| {
            for f in &single {
                assert_eq!(asked(Ask::One(f, None)), full.get(*f).cloned(), "{f}");
                alone += 1;
            }
        };
        assert!(
            sets.len() > 10,
            "{} conditions read a few fields",
            sets.len()
        );
        let (mut compared, mut every) = (0, 0);
        each_fixture(|path, analysis, facts| {
            // Codes and tokens are decided on the fields their conditions read, too.
            for i in 0..analysis.codes.len() {
                let full = facts.code_facts(i).expect("a code's facts");
                check_alone(&full, &|a| facts.code_facts_asked(i, a));
                for fields in &sets {
                    let part = facts.code_facts_reading(i, Some(fields)).expect("facts");
                    assert_eq!(only(part, fields), only(full.clone(), fields));
                    compared += 1;
                }
            }
            for i in 0..analysis.tokens.len() {
                let full = facts.token_facts(i).expect("a token's facts");
                check_alone(&full, &|a| facts.token_facts_asked(i, a));
                for fields in &sets {
                    let part = facts.token_facts_reading(i, Some(fields)).expect("facts");
                    assert_eq!(only(part, fields), only(full.clone(), fields));
                    compared += 1;
                }
            }
            for i in 0..analysis.steps.len() {
                let full = facts.step_facts(i).expect("a step's facts");
                check_alone(&full, &|a| facts.step_facts_asked(i, a));
                // Every field of every step alone, those every step has and the kind's: a
                // field asked alone is looked for among the kind's fields unless every step
                // has it.
                let asked = |a| facts.step_facts_asked(i, a);
                for (f, v) in full.as_object().expect("a map") {
                    assert_eq!(asked(Ask::One(f, None)).as_ref(), Some(v), "{f}");
                    every += 1;
                }
                for fields in &sets {
                    let part = facts.step_facts_reading(i, Some(fields));
                    let part = part.expect("a step's facts");
                    assert_eq!(
                        only(part, fields),
                        only(full.clone(), fields),
                        "{}",
                        path.display()
                    );
                    compared += 1;
                }
            }
        });
        assert!(compared > 1000, "only {compared} comparisons");
        assert!(alone > 1000, "only {alone} fields asked alone");
        assert!(
            every > 5000,
            "only {every} fields of every step asked alone"
        );
    }

    /// A field the conditions read only through its parts (`step.code.origin`) is built with
    /// those parts alone: each must be what the full facts hold, for every step of every
    /// fixture; and the parts left out must include a code's mask and a response's tokens.
    #[test]
    fn fields_built_with_their_parts_hold_those_parts_of_the_full_facts() {
        let rules = crate::rules::load_builtin().expect("built-in rules");
        let trees: Vec<&cel::IdedExpr> = rules
            .iter()
            .filter(|r| matches!(r.subject, Subject::Step(_)))
            .filter_map(|r| r.when.tree())
            .collect();
        let parts = parts(trees.iter().copied(), "step");
        // The code's origin is read for some of its fields, never whole.
        assert!(parts.get("code").is_some_and(|p| part_wanted(p, "origin")
            && !part_wanted(p, "origin.*")
            && !part_wanted(p, "value")));
        assert!(parts
            .get("response")
            .is_some_and(|p| !p.contains("access_token")));
        let (mut compared, mut left_out, mut deep) = (0, 0, 0);
        each_fixture(|path, analysis, facts| {
            for i in 0..analysis.steps.len() {
                let full = facts.step_facts(i).expect("a step's facts");
                for (field, wanted) in &parts {
                    let want = |f: &str| {
                        f == *field
                            || f.strip_prefix(field)
                                .and_then(|r| r.strip_prefix('.'))
                                .is_some_and(|p| part_wanted(wanted, p))
                    };
                    let part = facts.step_facts_wanted(i, &want).expect("a step's facts");
                    let (full, part) = (full.get(field), part.get(field));
                    assert_eq!(
                        full.is_some(),
                        part.is_some(),
                        "{field} in {}",
                        path.display()
                    );
                    let (Some(full), Some(part)) = (full, part) else {
                        continue;
                    };
                    for p in wanted {
                        assert_eq!(
                            at(full, p),
                            at(part, p),
                            "{field}.{p} in {}",
                            path.display()
                        );
                        compared += 1;
                        deep += usize::from(p.contains('.') && at(full, p).is_some());
                    }
                    left_out += usize::from(smaller(part, full));
                }
            }
        });
        assert!(compared > 200, "only {compared} comparisons");
        assert!(left_out > 50, "only {left_out} fields built smaller");
        // Two levels deep: `step.code.origin.client_id` and the like, compared where known.
        assert!(deep > 50, "only {deep} parts of parts compared");
    }

    /// The value at a dotted path (`origin.client_id`) of the facts.
    fn at<'v>(v: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
        path.split('.').try_fold(v, |v, key| v.get(key))
    }

    /// Whether `part` holds fewer fields than `full`, at its top or one level down.
    fn smaller(part: &serde_json::Value, full: &serde_json::Value) -> bool {
        let (Some(p), Some(f)) = (part.as_object(), full.as_object()) else {
            return false;
        };
        p.len() < f.len()
            || p.iter()
                .any(|(k, v)| f.get(k).is_some_and(|w| smaller(v, w)))
    }

    /// Codes and tokens too: a summary their conditions read only through its parts
    /// (`code.issued.t`, `token.minted_by.t`) is built with those parts alone, each equal to
    /// the full facts' part.
    #[test]
    fn code_and_token_summaries_built_with_their_parts_hold_those_parts() {
        let rules = crate::rules::load_builtin().expect("built-in rules");
        let parts_of = |subject: Subject, name: &str| {
            let trees = rules
                .iter()
                .filter(|r| r.subject == subject)
                .filter_map(|r| r.when.tree());
            parts(trees, name)
                .into_iter()
                .map(|(f, p)| (f.to_string(), p))
                .collect::<Vec<(String, BTreeSet<String>)>>()
        };
        let code_parts = parts_of(Subject::Code, "code");
        let token_parts = parts_of(Subject::Token, "token");
        assert!(code_parts
            .iter()
            .any(|(f, p)| f == "issued" && p.contains("t")));
        assert!(token_parts
            .iter()
            .any(|(f, p)| f == "minted_by" && p.contains("t")));
        let (mut compared, mut left_out) = (0, 0);
        let mut check = |full: serde_json::Value,
                         parts: &[(String, BTreeSet<String>)],
                         asked: &dyn Fn(Ask) -> Option<serde_json::Value>| {
            for (field, wanted) in parts {
                let want = |p: &str| part_wanted(wanted, p);
                let part = asked(Ask::One(field, Some(&want)));
                let full = full.get(field);
                assert_eq!(full.is_some(), part.is_some(), "{field}");
                let (Some(full), Some(part)) = (full, part) else {
                    continue;
                };
                for p in wanted {
                    assert_eq!(at(full, p), at(&part, p), "{field}.{p}");
                    compared += 1;
                }
                let keys = |v: &serde_json::Value| v.as_object().map_or(0, |m| m.len());
                left_out += usize::from(keys(&part) < keys(full));
            }
        };
        each_fixture(|_, analysis, facts| {
            for i in 0..analysis.codes.len() {
                let full = facts.code_facts(i).expect("a code's facts");
                check(full, &code_parts, &|a| facts.code_facts_asked(i, a));
            }
            for i in 0..analysis.tokens.len() {
                let full = facts.token_facts(i).expect("a token's facts");
                check(full, &token_parts, &|a| facts.token_facts_asked(i, a));
            }
        });
        assert!(compared > 100, "only {compared} comparisons");
        assert!(left_out > 50, "only {left_out} summaries built smaller");
    }

    /// The second phase's rules decided with the first find what they find when every
    /// subject is evaluated again in the second phase: the same findings, in the same order,
    /// for every fixture, with findings of those rules among them.
    #[test]
    fn second_phase_rules_decided_early_find_what_the_second_phase_finds() {
        let mut rules = RuleSet::default();
        rules.extend(crate::rules::load_builtin().expect("built-in rules"));
        let second: BTreeSet<&str> = rules
            .rules
            .iter()
            .filter(|r| r.uses_findings)
            .map(|r| r.id.as_str())
            .collect();
        assert!(!second.is_empty(), "no rule reads findings");
        let (mut of_second, mut all) = (0, 0);
        each_fixture(|path, _, facts| {
            let early = evaluate_phases(&rules, facts, true);
            let late = evaluate_phases(&rules, facts, false);
            assert_eq!(early, late, "{}", path.display());
            of_second += early
                .iter()
                .filter(|f| second.contains(f.rule.as_str()))
                .count();
            all += early.len();
        });
        assert!(
            of_second > 20,
            "only {of_second} findings of the second phase's rules"
        );
        assert!(all > 100, "only {all} findings");
    }

    /// Every built-in condition decided without the interpreter gives what the interpreter
    /// gives over the full facts, for every step, code and token of every fixture; and most
    /// are decided so, firing or not.
    #[test]
    fn conditions_decided_on_the_fields_agree_with_the_interpreter() {
        let rules = crate::rules::load_builtin().expect("built-in rules");
        let (mut decided, mut fired, mut total) = (0, 0, 0);
        // Conditions over codes and tokens (`exists` over their uses, with doubles).
        let (mut folds, mut folds_decided) = (0, 0);
        each_fixture(|path, analysis, facts| {
            let capture_facts = into_cel(facts.capture_facts());
            let root = root_context(&capture_facts, None);
            let mut check = |name: &'static str, rule: &Rule, build: &Build| {
                let (Some(reads), Some(tree)) = (&rule.when_reads, rule.when.tree()) else {
                    return;
                };
                let reads: Reads = reads.iter().map(String::as_str).collect();
                let layout = Layout::new(&reads, parts([tree], name));
                let Some(slots) = Slots::new(build, &layout) else {
                    return;
                };
                let Some(full) = build(Ask::Fields(&|_| true)) else {
                    return;
                };
                let mut ctx = root.new_inner_scope();
                ctx.add_variable_as_val(name, into_val(full));
                let interpreted = matches!(run(&rule.when, &ctx), Some(Value::Bool(true)));
                total += 1;
                folds += usize::from(name != "step");
                let cond = decide::compile(tree, name, &|n| layout.position(n));
                if let Some(native) = cond.decide(&|i| slots.json_at(i)) {
                    assert_eq!(native, interpreted, "{} on {}", rule.id, path.display());
                    decided += 1;
                    fired += usize::from(native);
                    folds_decided += usize::from(name != "step");
                }
            };
            for rule in &rules {
                match rule.subject {
                    Subject::Step(_) => {
                        for (i, step) in analysis.steps.iter().enumerate() {
                            if rule.subject.takes_step(step.kind) {
                                check("step", rule, &|a: Ask| facts.step_facts_asked(i, a));
                            }
                        }
                    }
                    Subject::Code => {
                        for i in 0..analysis.codes.len() {
                            check("code", rule, &|a: Ask| facts.code_facts_asked(i, a));
                        }
                    }
                    Subject::Token => {
                        for i in 0..analysis.tokens.len() {
                            check("token", rule, &|a: Ask| facts.token_facts_asked(i, a));
                        }
                    }
                    Subject::Capture => {}
                }
            }
        });
        assert!(total > 5000, "only {total} conditions");
        assert!(decided * 10 > total * 9, "{decided} of {total} decided");
        assert!(fired > 100, "only {fired} fired");
        assert!(folds > 100, "only {folds} code and token conditions");
        assert_eq!(folds_decided, folds, "code and token conditions decided");
    }
}
