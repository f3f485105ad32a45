//! Checks, before any capture is read, that an expression names only documented facts.

use std::collections::HashMap;

use cel::common::ast::Expr as Ast;
use cel::IdedExpr;

use crate::flow::schema;

/// The type of an expression, as far as the schema knows it: a type name from the schema,
/// `list<...>`, a scalar name, or `None` when it cannot be told (a literal, a function result).
type Ty = Option<String>;

pub struct Unknown {
    /// The path as written up to the unknown part (`step.client.profil`).
    pub path: String,
    pub message: String,
}

/// Validates `expr` given the types of the variables in scope.
pub fn check(expr: &IdedExpr, roots: &[(&str, String)]) -> Result<(), Unknown> {
    let scope: HashMap<String, Ty> = roots
        .iter()
        .map(|(n, t)| (n.to_string(), (!t.is_empty()).then(|| t.clone())))
        .collect();
    walk(expr, &scope).map(|_| ())
}

/// The expressions directly inside `expr`.
pub(super) fn children(expr: &IdedExpr) -> Vec<&IdedExpr> {
    use cel::common::ast::EntryExpr;
    match &expr.expr {
        Ast::Select(s) => vec![&*s.operand],
        Ast::Call(c) => c.target.as_deref().into_iter().chain(&c.args).collect(),
        Ast::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Ast::List(l) => l.elements.iter().collect(),
        Ast::Map(m) => m
            .entries
            .iter()
            .flat_map(|entry| match &entry.expr {
                EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
                EntryExpr::StructField(f) => vec![&f.value],
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the expression reads the variable `name` anywhere.
pub fn mentions(expr: &IdedExpr, name: &str) -> bool {
    matches!(&expr.expr, Ast::Ident(n) if n == name)
        || children(expr).into_iter().any(|e| mentions(e, name))
}

/// The fields of the variable `name` that the expression reads (`name.field`,
/// `has(name.field)`); `None` when it uses `name` any other way (whole, or indexed), so that
/// all of it is needed.
pub fn fields_read(expr: &IdedExpr, name: &str) -> Option<std::collections::BTreeSet<String>> {
    let mut fields = std::collections::BTreeSet::new();
    collect_fields(expr, name, &mut fields).then_some(fields)
}

/// Adds to `fields` what [`fields_read`] finds; false when `name` is used whole.
fn collect_fields(
    expr: &IdedExpr,
    name: &str,
    fields: &mut std::collections::BTreeSet<String>,
) -> bool {
    match &expr.expr {
        Ast::Ident(n) => n != name,
        Ast::Select(s) if matches!(&s.operand.expr, Ast::Ident(n) if n == name) => {
            fields.insert(s.field.clone());
            true
        }
        _ => children(expr)
            .into_iter()
            .all(|e| collect_fields(e, name, fields)),
    }
}

/// A field of a type or of any alternative of a union (`A|B`), with the alternative's type.
fn field_of(ty: &str, name: &str) -> Option<&'static schema::Field> {
    ty.split('|').find_map(|t| schema::field(t, name))
}

fn all_fields_of(ty: &str) -> Vec<&'static str> {
    let mut names: Vec<&str> = ty
        .split('|')
        .flat_map(schema::all_fields)
        .map(|f| f.name)
        .collect();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(*n));
    names
}

fn element(ty: &Ty) -> Ty {
    ty.as_deref()
        .and_then(|t| t.strip_prefix("list<"))
        .and_then(|t| t.strip_suffix('>'))
        .map(str::to_string)
}

fn path_of(expr: &IdedExpr) -> String {
    match &expr.expr {
        Ast::Ident(n) => n.clone(),
        Ast::Select(s) => format!("{}.{}", path_of(&s.operand), s.field),
        Ast::Call(c) if c.func_name == "_[_]" => {
            format!("{}[…]", c.args.first().map(path_of).unwrap_or_default())
        }
        _ => String::from("(…)"),
    }
}

fn walk(expr: &IdedExpr, scope: &HashMap<String, Ty>) -> Result<Ty, Unknown> {
    match &expr.expr {
        Ast::Ident(name) => match scope.get(name) {
            Some(t) => Ok(t.clone()),
            None => Err(Unknown {
                path: name.clone(),
                message: format!(
                    "unknown variable `{name}`; this rule can use {}",
                    scope
                        .keys()
                        .filter(|k| !k.starts_with('@'))
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        },
        Ast::Select(sel) => {
            let operand = walk(&sel.operand, scope)?;
            let Some(ty) = operand else { return Ok(None) };
            if ty.split('|').any(|t| schema::find(t).is_none()) {
                return Err(Unknown {
                    path: format!("{}.{}", path_of(&sel.operand), sel.field),
                    message: format!(
                        "`{}` is a {ty} and has no field `{}`",
                        path_of(&sel.operand),
                        sel.field
                    ),
                });
            }
            match field_of(&ty, &sel.field) {
                Some(_) if sel.test => Ok(Some("bool".into())),
                Some(f) => Ok(Some(f.ty.to_string())),
                None => {
                    let known = all_fields_of(&ty);
                    Err(Unknown {
                        path: format!("{}.{}", path_of(&sel.operand), sel.field),
                        message: format!(
                            "unknown fact `{}.{}`: a {ty} has {}",
                            path_of(&sel.operand),
                            sel.field,
                            known.join(", ")
                        ),
                    })
                }
            }
        }
        Ast::Call(call) => {
            let mut arg_types = Vec::new();
            if let Some(t) = &call.target {
                arg_types.push(walk(t, scope)?);
            }
            for a in &call.args {
                arg_types.push(walk(a, scope)?);
            }
            if call.func_name == "_[_]" && call.target.is_none() {
                return Ok(arg_types.first().and_then(element));
            }
            Ok(None)
        }
        Ast::Comprehension(c) => {
            let range = walk(&c.iter_range, scope)?;
            let mut inner = scope.clone();
            inner.insert(c.iter_var.clone(), element(&range));
            if let Some(v2) = &c.iter_var2 {
                inner.insert(v2.clone(), None);
            }
            walk(&c.accu_init, &inner)?;
            inner.insert(c.accu_var.clone(), None);
            walk(&c.loop_cond, &inner)?;
            walk(&c.loop_step, &inner)?;
            walk(&c.result, &inner)?;
            Ok(None)
        }
        Ast::List(l) => {
            for e in &l.elements {
                walk(e, scope)?;
            }
            Ok(None)
        }
        Ast::Map(m) => {
            for entry in &m.entries {
                if let cel::common::ast::EntryExpr::MapEntry(me) = &entry.expr {
                    walk(&me.key, scope)?;
                    walk(&me.value, scope)?;
                }
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(source: &str) -> Option<Vec<String>> {
        let tree =
            crate::rules::functions::parse(source, crate::rules::functions::Parser::Reference)
                .unwrap();
        fields_read(&tree, "step").map(|f| f.into_iter().collect())
    }

    #[test]
    fn fields_read_names_the_fields_a_condition_reads() {
        assert_eq!(
            reads("size(step.query_secrets) > 0").unwrap(),
            ["query_secrets"]
        );
        assert_eq!(
            reads(r#"has(step.a) && step.b.exists(x, x == capture.c) ? step.d : "e""#).unwrap(),
            ["a", "b", "d"]
        );
        assert_eq!(reads("capture.entries > 1").unwrap(), Vec::<String>::new());
        // The subject used whole, or indexed: every field may be needed.
        assert_eq!(reads("step == capture.x"), None);
        assert_eq!(reads(r#"step["kind"] == "activation""#), None);
        assert_eq!(reads("[step].size() > 0"), None);
    }

    #[test]
    fn bearer_call_rules_read_only_a_few_fields() {
        let rules = crate::rules::load::load_builtin().unwrap();
        let of = |id: &str| {
            rules
                .iter()
                .find(|r| r.id == id)
                .unwrap()
                .when_reads
                .clone()
        };
        assert_eq!(of("oauth/secret-in-url").unwrap(), ["query_secrets"]);
        let transport = of("oauth/insecure-transport").unwrap();
        assert!(
            transport.contains(&"scheme".to_string()) && transport.len() <= 6,
            "{transport:?}"
        );
    }
}
