//! A subject whose fields are built when a condition first reads them.
//!
//! A test suite's log holds thousands of OAuth steps, and each is decided by a dozen
//! conditions that mostly stop at their first test (`step.grant == "password"`). Building
//! every field any of them might read, then converting it all for the interpreter, cost more
//! than running the conditions; the interpreter asks for a field by name, so only the fields
//! it reaches are built, each once per subject.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use cel::common::traits::Indexer;
use cel::common::types::{CelString, Type, MAP_TYPE};
use cel::common::value::{CowVal, Val};
use cel::ExecutionError;

use super::value::into_val;
use crate::flow::facts::Want;

/// Builds a subject's facts with at least the fields `want` names (`None`: no such subject).
pub type Build<'b> = dyn Fn(&Want) -> Option<serde_json::Value> + Sync + 'b;

/// A field's value, built at most once: `None` when the facts leave it out.
type Slot = OnceLock<Option<Box<dyn Val>>>;

/// The subject as a map whose fields are built on first read: only `name.field` is ever
/// asked of it, as the conditions it is given to read nothing else (`Rule::when_reads`).
pub struct Lazy<'f> {
    build: &'f Build<'f>,
    /// The fields the conditions may read, each built at most once.
    fields: Vec<(&'f str, Slot)>,
}

impl<'f> Lazy<'f> {
    /// The subject `build` makes, with room for the fields `reads`; `None` when there is no
    /// such subject (it has no facts, and is not evaluated).
    pub fn new(build: &'f Build<'f>, reads: &BTreeSet<&'f str>) -> Option<Lazy<'f>> {
        build(&|_| false)?;
        Some(Lazy {
            build,
            fields: reads.iter().map(|f| (*f, OnceLock::new())).collect(),
        })
    }

    /// One field, built alone; `None` when the facts leave it out (unknown).
    fn field(&self, name: &str) -> Option<Box<dyn Val>> {
        match (self.build)(&|field| field == name)? {
            serde_json::Value::Object(mut map) => map.remove(name).map(into_val),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Lazy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built: Vec<&str> = self
            .fields
            .iter()
            .filter(|(_, v)| v.get().is_some())
            .map(|(n, _)| *n)
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
            build: self.build,
            fields: self
                .fields
                .iter()
                .map(|(n, _)| (*n, OnceLock::new()))
                .collect(),
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
        match self.fields.iter().find(|(n, _)| *n == name) {
            Some((_, slot)) => slot
                .get_or_init(|| self.field(name))
                .as_deref()
                .map(CowVal::Borrowed)
                .ok_or_else(missing),
            None => self.field(name).map(CowVal::Owned).ok_or_else(missing),
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

    /// Fields are built only when read, once each; a field the facts leave out is absent to
    /// `has()` and an error to read, as in a map of the full facts.
    #[test]
    fn fields_are_built_when_read_and_only_once() {
        let calls = std::sync::Mutex::new(Vec::<String>::new());
        let build = |want: &Want| {
            let mut m = serde_json::Map::new();
            for (k, v) in [("grant", "password"), ("client_id", "app")] {
                if want(k) {
                    calls.lock().expect("lock").push(k.to_string());
                    m.insert(k.into(), serde_json::json!(v));
                }
            }
            Some(serde_json::Value::Object(m))
        };
        let reads = BTreeSet::from(["grant", "client_id", "code"]);
        let lazy = Lazy::new(&build, &reads).expect("a subject");
        let mut ctx = cel::Context::default();
        ctx.add_variable_as_val("step", Box::new(lazy));
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
