//! A subject whose fields are built when a condition first reads them.
//!
//! A test suite's log holds thousands of OAuth steps, and each is decided by a dozen
//! conditions that mostly stop at their first test (`step.grant == "password"`). Building
//! every field any of them might read, then converting it all for the interpreter, cost more
//! than running the conditions; the interpreter asks for a field by name, so only the fields
//! it reaches are built, each once per subject.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use cel::common::ast::Expr as Ast;
use cel::IdedExpr;

use cel::common::traits::Indexer;
use cel::common::types::{CelString, Type, MAP_TYPE};
use cel::common::value::{CowVal, Val};
use cel::ExecutionError;

use super::value::{into_val, to_val};
use crate::flow::facts::{Ask, Want};

/// Builds a subject's facts as asked (`Ask`); `None` for a map: no such subject.
pub type Build<'b> = dyn Fn(Ask) -> Option<serde_json::Value> + Sync + 'b;

/// A field the conditions may read: its facts, built at most once (`None` when the facts
/// leave it out), and the interpreter's value of them, converted at most once, only when the
/// interpreter reads it (most conditions are decided on the facts: `rules::decide`).
struct Slot<'f> {
    name: &'f str,
    json: OnceLock<Option<serde_json::Value>>,
    val: OnceLock<Option<Box<dyn Val>>>,
}

/// The fields of one subject, built on first read: only `name.field` is ever asked of it, as
/// the conditions it is given to read nothing else (`Rule::when_reads`).
pub struct Fields<'f> {
    build: &'f Build<'f>,
    slots: Vec<Slot<'f>>,
    parts: &'f Parts<'f>,
}

/// Of the fields the conditions read only through their parts (`step.code.origin`, never
/// `step.code` whole), the parts they read: the rest of such a field is left unbuilt (the
/// code's mask, a SHA-256, and its answer).
pub type Parts<'r> = BTreeMap<&'r str, BTreeSet<&'r str>>;

/// The [`Parts`] of the subject `var` that the conditions `trees` read.
pub fn parts<'r>(trees: impl IntoIterator<Item = &'r IdedExpr>, var: &str) -> Parts<'r> {
    let mut uses: BTreeMap<&'r str, Option<BTreeSet<&'r str>>> = BTreeMap::new();
    for tree in trees {
        parts_of(tree, var, &mut uses);
    }
    uses.into_iter()
        .filter_map(|(field, parts)| Some((field, parts?)))
        .collect()
}

/// Adds what `expr` reads of `var`'s fields: their parts, or `None` for a field used whole.
fn parts_of<'r>(
    expr: &'r IdedExpr,
    var: &str,
    uses: &mut BTreeMap<&'r str, Option<BTreeSet<&'r str>>>,
) {
    let is_var = |e: &IdedExpr| matches!(&e.expr, Ast::Ident(n) if n == var);
    if let Ast::Select(s) = &expr.expr {
        match &s.operand.expr {
            // `var.field.part`, or `has(var.field.part)`.
            Ast::Select(f) if !f.test && is_var(&f.operand) => {
                if let Some(parts) = uses
                    .entry(f.field.as_str())
                    .or_insert(Some(BTreeSet::new()))
                {
                    parts.insert(s.field.as_str());
                }
                return;
            }
            // `has(var.field)` needs no part; `var.field` alone is the field whole.
            _ if is_var(&s.operand) => {
                let field = uses
                    .entry(s.field.as_str())
                    .or_insert(Some(BTreeSet::new()));
                if !s.test {
                    *field = None;
                }
                return;
            }
            _ => {}
        }
    }
    for child in super::check::children(expr) {
        parts_of(child, var, uses);
    }
}

impl<'f> Fields<'f> {
    /// The subject `build` makes, with room for the fields `reads`; `None` when there is no
    /// such subject (it has no facts, and is not evaluated).
    pub fn new(
        build: &'f Build<'f>,
        reads: &BTreeSet<&'f str>,
        parts: &'f Parts<'f>,
    ) -> Option<Fields<'f>> {
        build(Ask::Nothing)?;
        Some(Fields {
            build,
            parts,
            slots: reads
                .iter()
                .map(|f| Slot {
                    name: f,
                    json: OnceLock::new(),
                    val: OnceLock::new(),
                })
                .collect(),
        })
    }

    /// One field, built alone (with only the parts the conditions read, when they read it
    /// only through its parts); `None` when the facts leave it out (unknown).
    fn build(&self, name: &str) -> Option<serde_json::Value> {
        let parts = self.parts.get(name);
        let part = |p: &str| parts.is_some_and(|ps| ps.contains(p));
        (self.build)(Ask::One(name, parts.map(|_| &part as &Want)))
    }

    fn slot(&self, name: &str) -> Option<&Slot<'f>> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// A field's facts: `None` when it is not one the conditions read, `Some(None)` when the
    /// facts leave it out.
    pub fn json(&self, name: &str) -> Option<Option<&serde_json::Value>> {
        let slot = self.slot(name)?;
        Some(slot.json.get_or_init(|| self.build(name)).as_ref())
    }

    /// The subject as the interpreter reads it.
    pub fn lazy(&self) -> Lazy<'_> {
        Lazy { fields: self }
    }
}

/// The subject as a map whose fields are built on first read (and shared by every condition
/// of the subject, and by its clones).
pub struct Lazy<'f> {
    fields: &'f Fields<'f>,
}

impl std::fmt::Debug for Lazy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built: Vec<&str> = self
            .fields
            .slots
            .iter()
            .filter(|s| s.json.get().is_some())
            .map(|s| s.name)
            .collect();
        write!(f, "Lazy(built: {built:?})")
    }
}

impl Val for Lazy<'_> {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }

    fn cel_type() -> &'static Type {
        &MAP_TYPE
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(Lazy {
            fields: self.fields,
        })
    }
}

impl Indexer for Lazy<'_> {
    fn get<'b, 'w>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'w>, ExecutionError>
    where
        Self: 'w,
    {
        let Some(name) = idx.downcast_ref::<CelString>().map(|s| s.inner()) else {
            return Err(ExecutionError::UnexpectedType {
                got: idx.get_type().name().to_owned(),
                want: "map key".to_owned(),
            });
        };
        let missing = || ExecutionError::no_such_key(name);
        match self.fields.slot(name) {
            Some(slot) => slot
                .val
                .get_or_init(|| self.fields.json(name)?.map(to_val))
                .as_deref()
                .map(CowVal::Borrowed)
                .ok_or_else(missing),
            None => self
                .fields
                .build(name)
                .map(|v| CowVal::Owned(into_val(v)))
                .ok_or_else(missing),
        }
    }

    fn steal<'w>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'w>, ExecutionError>
    where
        Self: 'w,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field read only through its parts has those parts; one read whole, or through
    /// anything but a select, has none (it is built whole); `has(x.f)` needs no part of `f`.
    #[test]
    fn parts_are_what_the_conditions_select() {
        let trees: Vec<IdedExpr> = [
            "step.code.origin.client_id == step.client_id && has(step.code.issued)",
            "has(step.response) && !step.response.body_present",
            "step.bearer.kind == 'id' && step.bearer == step.other",
            "has(step.presence) && size(step.list.items) > 0 && step.list2[0] == 1",
            "step.xs.exists(step, step.hidden.y)",
        ]
        .iter()
        .map(|s| super::super::functions::parse(s, super::super::functions::Parser::Fast))
        .collect::<Result<_, _>>()
        .expect("parses");
        let parts = parts(&trees, "step");
        let of = |f: &str| parts.get(f).map(|p| p.iter().copied().collect::<Vec<_>>());
        assert_eq!(of("code"), Some(vec!["issued", "origin"]));
        assert_eq!(of("response"), Some(vec!["body_present"]));
        assert_eq!(of("bearer"), None);
        assert_eq!(of("other"), None);
        assert_eq!(of("presence"), Some(vec![]));
        assert_eq!(of("list"), Some(vec!["items"]));
        assert_eq!(of("list2"), None);
        assert_eq!(of("client_id"), None);
        // A comprehension's own `step` shadows the subject: counted anyway, which only
        // builds more.
        assert_eq!(of("hidden"), Some(vec!["y"]));
        assert_eq!(of("xs"), None);
    }

    /// Fields are built only when read, once each; a field the facts leave out is absent to
    /// `has()` and an error to read, as in a map of the full facts.
    #[test]
    fn fields_are_built_when_read_and_only_once() {
        let calls = std::sync::Mutex::new(Vec::<String>::new());
        let build = |ask: Ask| {
            let mut m = serde_json::Map::new();
            for (k, v) in [("grant", "password"), ("client_id", "app")] {
                let asked = match ask {
                    Ask::Fields(want) => want(k),
                    Ask::One(name, _) => name == k,
                    Ask::Nothing => false,
                };
                if asked {
                    calls.lock().expect("lock").push(k.to_string());
                    m.insert(k.into(), serde_json::json!(v));
                }
            }
            match ask {
                Ask::One(name, _) => m.remove(name),
                _ => Some(serde_json::Value::Object(m)),
            }
        };
        let reads = BTreeSet::from(["grant", "client_id", "code"]);
        let whole = Parts::new();
        let fields = Fields::new(&build, &reads, &whole).expect("a subject");
        let mut ctx = cel::Context::default();
        ctx.add_variable_as_val("step", Box::new(fields.lazy()));
        let run = |src: &str| {
            let p = cel::Program::compile(src).expect("compiles");
            p.execute(&ctx)
        };
        assert_eq!(
            run("step.grant == 'client_credentials' && step.client_id == 'x'"),
            Ok(cel::Value::Bool(false))
        );
        assert_eq!(*calls.lock().expect("lock"), ["grant"]);
        assert_eq!(run("step.grant == 'password'"), Ok(cel::Value::Bool(true)));
        assert_eq!(run("has(step.code)"), Ok(cel::Value::Bool(false)));
        assert!(run("step.code == 1").is_err());
        assert_eq!(run("has(step.client_id)"), Ok(cel::Value::Bool(true)));
        assert_eq!(*calls.lock().expect("lock"), ["grant", "client_id"]);
    }
}
