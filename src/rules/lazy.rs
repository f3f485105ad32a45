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
#[derive(Default)]
struct Slot {
    json: OnceLock<Option<serde_json::Value>>,
    val: OnceLock<Option<Box<dyn Val>>>,
}

thread_local! {
    /// The slot lists of subjects done on this thread, emptied, for the next subjects: a
    /// list is a few kilobytes (a token request's conditions read thirty fields), which
    /// glibc does not keep in its per-thread caches, so allocating one per subject cost
    /// ≈ 700 instructions and freeing it as many again.
    static SPARE: std::cell::RefCell<Vec<Vec<Slot>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The fields a subject kind's conditions read, and the parts of each, found once for every
/// subject of the kind: a field is found by a hash of its name, not by comparing it with each
/// name in turn (a token request's conditions read thirty fields, and every read of every
/// condition looked its field up; the parts' map was searched again for each field built).
pub struct Layout<'r> {
    names: Vec<&'r str>,
    /// The parts of `names[i]` the conditions read (`None`: the field whole), as a list: each
    /// field of a summary a condition reaches is tested against them, and a set's walk cost
    /// more than the test.
    parts: Vec<Option<Vec<String>>>,
    index: foldhash::HashMap<&'r str, usize>,
    /// Of the fields not in `names` (only the interpreter asks for those), the parts.
    rest: BTreeMap<&'r str, Vec<String>>,
}

impl<'r> Layout<'r> {
    /// The layout of the fields `reads` (each once), with the parts `parts` finds.
    pub fn new(reads: &[&'r str], mut parts: Parts<'r>) -> Layout<'r> {
        let names = reads.to_vec();
        let listed = |p: BTreeSet<String>| p.into_iter().collect::<Vec<_>>();
        let of_names = names.iter().map(|n| parts.remove(n).map(listed)).collect();
        let mut index = foldhash::HashMap::default();
        for (i, n) in names.iter().enumerate() {
            // The first of a name given twice, as a search in order finds it.
            index.entry(*n).or_insert(i);
        }
        Layout {
            names,
            parts: of_names,
            index,
            rest: parts.into_iter().map(|(n, p)| (n, listed(p))).collect(),
        }
    }

    /// The slot of `name`, if the conditions read it.
    #[inline]
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The parts of `name` the conditions read, if they read it only through its parts.
    fn parts_of(&self, name: &str) -> Option<&[String]> {
        match self.position(name) {
            Some(i) => self.parts[i].as_deref(),
            None => self.rest.get(name).map(Vec::as_slice),
        }
    }
}

/// The fields of one subject, built on first read: only `name.field` is ever asked of it, as
/// the conditions it is given to read nothing else (`Rule::when_reads`).
pub struct Fields<'f> {
    build: &'f Build<'f>,
    slots: Vec<Slot>,
    layout: &'f Layout<'f>,
}

/// Of the fields the conditions read only through their parts (`step.code.origin`, never
/// `step.code` whole), the parts they read: the rest of such a field is left unbuilt (the
/// code's mask, a SHA-256, and its answer). A part that is itself a summary read only through
/// its own fields is named with them, two levels deep (`origin.client_id`: a token request's
/// code needs four fields of its authorize request, not the whole summary).
pub type Parts<'r> = BTreeMap<&'r str, BTreeSet<String>>;

/// The [`Parts`] of the subject `var` that the conditions `trees` read.
pub fn parts<'r>(trees: impl IntoIterator<Item = &'r IdedExpr>, var: &str) -> Parts<'r> {
    let mut uses: BTreeMap<&'r str, Option<BTreeSet<String>>> = BTreeMap::new();
    for tree in trees {
        parts_of(tree, var, &mut uses);
    }
    uses.into_iter()
        .filter_map(|(field, parts)| Some((field, parts?)))
        .collect()
}

/// Whether `parts` (of one field, as [`parts`] finds them) asks for `name`: a part (`origin`,
/// asked whole or through any of its fields), a part's field (`origin.client_id`, asked
/// alone or with the part whole), or a part whole (`origin.*`).
pub fn part_wanted<'p>(parts: impl IntoIterator<Item = &'p String>, name: &str) -> bool {
    // A part holds at most one dot: compared as bytes (this runs for every field of every
    // summary a token request's code quotes).
    let n = name.as_bytes();
    parts.into_iter().any(|p| {
        let p = p.as_bytes();
        p == n
            // `p` is the part whole: any of its fields, or all of them (`origin.*`).
            || (n.len() > p.len() && n[p.len()] == b'.' && n.starts_with(p))
            // `p` is a field of the part `name`.
            || (p.len() > n.len() && p[n.len()] == b'.' && p.starts_with(n))
    })
}

/// The fields selected from `var`, outermost last (`step.code.origin` is `[code, origin]`),
/// and whether the outermost select is a `has()`; `None` for anything but a chain of selects
/// from `var`.
fn chain<'r>(expr: &'r IdedExpr, var: &str) -> Option<(Vec<&'r str>, bool)> {
    let Ast::Select(outer) = &expr.expr else {
        return None;
    };
    let mut path = vec![outer.field.as_str()];
    let mut operand = &outer.operand;
    loop {
        match &operand.expr {
            Ast::Ident(n) if n == var => break,
            Ast::Select(s) if !s.test => {
                path.push(s.field.as_str());
                operand = &s.operand;
            }
            _ => return None,
        }
    }
    path.reverse();
    Some((path, outer.test))
}

/// Adds what `expr` reads of `var`'s fields: their parts, or `None` for a field used whole.
fn parts_of<'r>(
    expr: &'r IdedExpr,
    var: &str,
    uses: &mut BTreeMap<&'r str, Option<BTreeSet<String>>>,
) {
    if let Some((path, test)) = chain(expr, var) {
        let field = uses.entry(path[0]).or_insert(Some(BTreeSet::new()));
        match path[1..] {
            // `has(var.field)` needs no part; `var.field` alone is the field whole.
            [] if !test => *field = None,
            [] => {}
            // `var.field.part`, or `has(var.field.part)`: the part whole.
            [part] => {
                if let Some(parts) = field {
                    parts.insert(part.to_string());
                }
            }
            // `var.field.part.sub…`: the part's `sub`, whole.
            [part, sub, ..] => {
                if let Some(parts) = field {
                    parts.insert(format!("{part}.{sub}"));
                }
            }
        }
        return;
    }
    for child in super::check::children(expr) {
        parts_of(child, var, uses);
    }
}

impl<'f> Fields<'f> {
    /// The subject `build` makes, with room for the fields `reads`; `None` when there is no
    /// such subject (it has no facts, and is not evaluated).
    pub fn new(build: &'f Build<'f>, layout: &'f Layout<'f>) -> Option<Fields<'f>> {
        build(Ask::Nothing)?;
        let mut slots = SPARE
            .with(|spare| spare.borrow_mut().pop())
            .unwrap_or_default();
        slots.resize_with(layout.names.len(), Slot::default);
        Some(Fields {
            build,
            layout,
            slots,
        })
    }

    /// One field, built alone (with only the parts the conditions read, when they read it
    /// only through its parts); `None` when the facts leave it out (unknown).
    fn build(&self, name: &str, parts: Option<&[String]>) -> Option<serde_json::Value> {
        let part = |p: &str| parts.is_some_and(|ps| part_wanted(ps, p));
        (self.build)(Ask::One(name, parts.map(|_| &part as &Want)))
    }

    /// The field of slot `i` (a [`Layout::position`]): `None` when the facts leave it out.
    pub fn json_at(&self, i: usize) -> Option<&serde_json::Value> {
        let layout = self.layout;
        self.slots[i]
            .json
            .get_or_init(|| self.build(layout.names[i], layout.parts[i].as_deref()))
            .as_ref()
    }

    /// The subject as the interpreter reads it.
    pub fn lazy(&self) -> Lazy<'_> {
        Lazy { fields: self }
    }
}

impl Drop for Fields<'_> {
    fn drop(&mut self) {
        let mut slots = std::mem::take(&mut self.slots);
        // The fields built are dropped here; the list is kept.
        slots.clear();
        SPARE.with(|spare| spare.borrow_mut().push(slots));
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
            .zip(&self.fields.layout.names)
            .filter(|(s, _)| s.json.get().is_some())
            .map(|(_, n)| *n)
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
        let fields = self.fields;
        match fields.layout.position(name) {
            Some(i) => fields.slots[i]
                .val
                .get_or_init(|| fields.json_at(i).map(to_val))
                .as_deref()
                .map(CowVal::Borrowed)
                .ok_or_else(missing),
            None => fields
                .build(name, fields.layout.parts_of(name))
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
            "step.auth.origin.client.profile == 'a' && has(step.auth.origin.redirect_uri)",
            "step.both.origin.x == 1 && step.both.origin == 1 && has(step.both.issued)",
        ]
        .iter()
        .map(|s| super::super::functions::parse(s, super::super::functions::Parser::Fast))
        .collect::<Result<_, _>>()
        .expect("parses");
        let parts = parts(&trees, "step");
        let of = |f: &str| {
            parts
                .get(f)
                .map(|p| p.iter().map(String::as_str).collect::<Vec<_>>())
        };
        // Two levels deep: the origin's `client_id`, not the whole origin.
        assert_eq!(of("code"), Some(vec!["issued", "origin.client_id"]));
        assert_eq!(
            of("auth"),
            Some(vec!["origin.client", "origin.redirect_uri"])
        );
        assert_eq!(of("both"), Some(vec!["issued", "origin", "origin.x"]));
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
        // What each set asks for: a part through any of its fields, a part's field alone, a
        // part whole (`.*`) only when it is read whole.
        let wants = |f: &str, name: &str| part_wanted(&parts[f], name);
        assert!(wants("code", "origin") && wants("code", "origin.client_id"));
        assert!(!wants("code", "origin.issuer") && !wants("code", "origin.*"));
        assert!(wants("code", "issued.*") && wants("code", "issued.t"));
        assert!(!wants("code", "value") && !wants("code", "origi") && !wants("code", "orig.x"));
        assert!(wants("both", "origin.*") && wants("both", "origin.y"));
        assert!(wants("auth", "origin.client") && !wants("auth", "origin.client_id"));
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
        let reads = ["client_id", "code", "grant"];
        let layout = Layout::new(&reads, Parts::new());
        let fields = Fields::new(&build, &layout).expect("a subject");
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
