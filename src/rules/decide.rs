//! Deciding a condition from the subject's fields without the interpreter, where the answer
//! is certain.
//!
//! A rule fires when its condition gives `true`, and nothing else about the answer matters.
//! Most conditions over a step are made of tests the fields settle alone (`step.grant ==
//! "password"`, `has(step.x)`, `size(step.y) > 0`, `"s" in step.scopes`) joined by `&&`,
//! `||`, `!` and `?:`. Each part is evaluated to the set of outcomes the interpreter could
//! give it (true, false, an error or a value that is not a bool), "any" for what is not
//! modelled here (functions other than `size` and `double`, comprehensions other than
//! `exists` and `all`, other variables, nulls and uints), and the connectives combine the
//! sets outcome by outcome as the interpreter does (`Value::resolve_val` of the cel crate:
//! `false && error` is false, `error || true` is true, `!error` is an error). `exists` and
//! `all` fold their items' outcomes with `||` and `&&` from `false` and `true`, as the
//! interpreter's loop does with its deferred errors: an error on one item is the answer only
//! when no other item settles it (`LogicalFold` and `DeferredErrors` in the cel crate). A condition whose set is {true} fires,
//! one whose set holds no true does not, and the interpreter decides the rest. The rules'
//! logic stays in their CEL: this reads the same tree the interpreter runs.
//!
//! A test suite's log holds thousands of steps, each decided by a dozen conditions; the
//! interpreter cost ≈ 8 k instructions a condition (it joins `step.field` into a new string
//! for every read) and needed every field converted to its values.

use std::cmp::Ordering;

use cel::common::ast::{operators, ComprehensionExpr, Expr as Ast, LiteralValue};
use cel::IdedExpr;
use serde_json::Value as Json;

/// Outcomes, as bits of a set.
const T: u8 = 1;
const F: u8 = 2;
/// An error, or a value that is not a bool where a bool is needed.
const E: u8 = 4;
const ANY: u8 = T | F | E;

/// A field of the subject: `None` when the conditions' fields do not include it (not
/// modelled), `Some(None)` when the facts leave it out.
#[cfg(test)]
pub type Field<'a> = dyn Fn(&str) -> Option<Option<&'a Json>> + 'a;

/// A field of the subject by its slot (as [`compile`] resolved its name): `None` when the
/// facts leave it out.
pub type Slot<'a> = dyn Fn(usize) -> Option<&'a Json> + 'a;

/// Whether the condition `expr` over the subject variable `var` gives `true`, when that is
/// certain from the fields; `None` when only the interpreter can tell. (The condition is
/// compiled for this one call: a rule set's are compiled once, [`compile`].)
#[cfg(test)]
pub fn decide<'v, 'a: 'v>(expr: &'v IdedExpr, var: &str, field: &Field<'a>) -> Option<bool> {
    // Each name a slot of its own, read again by name.
    let names = std::cell::RefCell::new(Vec::<&'v str>::new());
    let cond = compile(expr, var, &|n| {
        field(n)?;
        let mut names = names.borrow_mut();
        Some(names.iter().position(|x| *x == n).unwrap_or_else(|| {
            names.push(n);
            names.len() - 1
        }))
    });
    let names = names.into_inner();
    cond.decide(&|i| field(names[i]).flatten())
}

/// A condition resolved once for a subject kind: its operators matched and its fields' names
/// found as slots, so deciding it for each of a capture's thousands of subjects walks the
/// tree without comparing names (an operator's name was matched at every node, and every
/// field read was a hash of its name).
pub struct Compiled<'r> {
    root: Node<'r>,
}

/// A node of a [`Compiled`] condition; each evaluates as [`Eval`] defined it on the tree.
enum Node<'r> {
    /// Not modelled: any value, or an error.
    Any,
    Lit(V<'r>),
    /// A comprehension's variable: the `n`th binding from the innermost.
    Bound(usize),
    /// A field of the subject (`step.f`, or `has(step.f)` when `test`), by slot.
    Field {
        slot: usize,
        test: bool,
    },
    /// A field of a value (`x.f`, or `has(x.f)` when `test`).
    Select {
        operand: Box<Node<'r>>,
        field: &'r str,
        test: bool,
    },
    And(Box<Node<'r>>, Box<Node<'r>>),
    Or(Box<Node<'r>>, Box<Node<'r>>),
    Not(Box<Node<'r>>),
    Cond(Box<Node<'r>>, Box<Node<'r>>, Box<Node<'r>>),
    Eq(Box<Node<'r>>, Box<Node<'r>>),
    Ne(Box<Node<'r>>, Box<Node<'r>>),
    /// An order test: which orders of the two sides make it true.
    Order(fn(Ordering) -> bool, Box<Node<'r>>, Box<Node<'r>>),
    In(Box<Node<'r>>, Box<Node<'r>>),
    Double(Box<Node<'r>>),
    Sub(Box<Node<'r>>, Box<Node<'r>>),
    Size(Box<Node<'r>>),
    List(Vec<Node<'r>>),
    /// An `exists` (or `all`) comprehension.
    Fold {
        range: Box<Node<'r>>,
        pred: Box<Node<'r>>,
        exists: bool,
    },
}

/// Compiles `expr`, a condition over the subject variable `var`, whose fields are found by
/// `slot` (`None`: not modelled, as [`Field`]'s `None`).
pub fn compile<'r>(
    expr: &'r IdedExpr,
    var: &str,
    slot: &dyn Fn(&'r str) -> Option<usize>,
) -> Compiled<'r> {
    let c = Compiler {
        var,
        slot,
        scope: Vec::new(),
    };
    let mut c = c;
    Compiled { root: c.node(expr) }
}

struct Compiler<'c, 'r> {
    var: &'c str,
    slot: &'c dyn Fn(&'r str) -> Option<usize>,
    /// The comprehension variables in scope, innermost last: bindings are lexical, so the
    /// variable a name reads is known here.
    scope: Vec<&'r str>,
}

impl<'r> Compiler<'_, 'r> {
    fn boxed(&mut self, e: &'r IdedExpr) -> Box<Node<'r>> {
        Box::new(self.node(e))
    }

    fn bound(&self, name: &str) -> Option<usize> {
        self.scope.iter().rev().position(|n| *n == name)
    }

    fn node(&mut self, expr: &'r IdedExpr) -> Node<'r> {
        match &expr.expr {
            Ast::Literal(l) => Node::Lit(V::lit(l)),
            Ast::Ident(n) => self.bound(n).map_or(Node::Any, Node::Bound),
            Ast::Comprehension(c) => match Fold::of(c) {
                Some(fold) => {
                    let range = self.boxed(&c.iter_range);
                    self.scope.push(&c.iter_var);
                    let pred = self.boxed(fold.pred);
                    self.scope.pop();
                    Node::Fold {
                        range,
                        pred,
                        exists: fold.exists,
                    }
                }
                None => Node::Any,
            },
            Ast::Select(s) => match &s.operand.expr {
                // The subject itself, unless a comprehension's variable of that name shadows it.
                Ast::Ident(n) if n == self.var && self.bound(n).is_none() => {
                    match (self.slot)(&s.field) {
                        Some(slot) => Node::Field { slot, test: s.test },
                        None => Node::Any,
                    }
                }
                _ => Node::Select {
                    operand: self.boxed(&s.operand),
                    field: &s.field,
                    test: s.test,
                },
            },
            Ast::Call(c) if c.target.is_none() => match (c.func_name.as_str(), &c.args[..]) {
                (operators::LOGICAL_AND, [a, b]) => Node::And(self.boxed(a), self.boxed(b)),
                (operators::LOGICAL_OR, [a, b]) => Node::Or(self.boxed(a), self.boxed(b)),
                (operators::LOGICAL_NOT, [a]) => Node::Not(self.boxed(a)),
                (operators::CONDITIONAL, [c, a, b]) => {
                    Node::Cond(self.boxed(c), self.boxed(a), self.boxed(b))
                }
                (operators::EQUALS, [a, b]) => Node::Eq(self.boxed(a), self.boxed(b)),
                (operators::NOT_EQUALS, [a, b]) => Node::Ne(self.boxed(a), self.boxed(b)),
                (
                    op @ (operators::LESS
                    | operators::LESS_EQUALS
                    | operators::GREATER
                    | operators::GREATER_EQUALS),
                    [a, b],
                ) => {
                    // Each operator is a test of the two sides' order.
                    let holds: fn(Ordering) -> bool = match op {
                        operators::LESS => |o| o == Ordering::Less,
                        operators::LESS_EQUALS => |o| o != Ordering::Greater,
                        operators::GREATER => |o| o == Ordering::Greater,
                        _ => |o| o != Ordering::Less,
                    };
                    Node::Order(holds, self.boxed(a), self.boxed(b))
                }
                (operators::IN, [a, b]) => Node::In(self.boxed(a), self.boxed(b)),
                ("double", [a]) => Node::Double(self.boxed(a)),
                (operators::SUBSTRACT, [a, b]) => Node::Sub(self.boxed(a), self.boxed(b)),
                ("size", [a]) => Node::Size(self.boxed(a)),
                _ => Node::Any,
            },
            Ast::List(l) if l.optional_indices.is_empty() => {
                Node::List(l.elements.iter().map(|e| self.node(e)).collect())
            }
            _ => Node::Any,
        }
    }
}

impl Compiled<'_> {
    /// Whether the condition gives `true`, when that is certain from the fields `field`
    /// gives by slot; `None` when only the interpreter can tell.
    pub fn decide<'a>(&self, field: &Slot<'a>) -> Option<bool> {
        let set = Run { field, bound: None }.truth(&self.root);
        if set == T {
            Some(true)
        } else if set & T == 0 {
            Some(false)
        } else {
            None
        }
    }
}

/// A value as far as it is known.
#[derive(Clone)]
enum V<'a> {
    /// An error (a missing key, a select on a missing field).
    Err,
    /// Not modelled: any value, or an error.
    Any,
    Str(&'a str),
    Int(i64),
    Double(f64),
    Bool(bool),
    /// A list of the facts.
    Array(&'a [Json]),
    /// A map of the facts.
    Map(&'a serde_json::Map<String, Json>),
    /// A list literal.
    List(Vec<V<'a>>),
}

/// A scalar, to compare.
#[derive(PartialEq)]
enum S<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
}

impl<'a> V<'a> {
    /// A fact as the interpreter holds it (`value::into_val`): integers that fit `i64` are
    /// ints, other numbers doubles, `null` not modelled.
    fn of(j: &'a Json) -> V<'a> {
        match j {
            Json::String(s) => V::Str(s),
            Json::Bool(b) => V::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => V::Int(i),
                None => n.as_f64().map_or(V::Any, V::Double),
            },
            Json::Array(a) => V::Array(a),
            Json::Object(m) => V::Map(m),
            Json::Null => V::Any,
        }
    }

    fn lit(l: &'a LiteralValue) -> V<'a> {
        match l {
            LiteralValue::String(s) => V::Str(s.inner()),
            LiteralValue::Int(i) => V::Int(*i.inner()),
            LiteralValue::Double(d) => V::Double(*d.inner()),
            LiteralValue::Boolean(b) => V::Bool(*b.inner()),
            _ => V::Any,
        }
    }

    fn scalar(&self) -> Option<S<'a>> {
        match self {
            V::Str(s) => Some(S::Str(s)),
            V::Int(i) => Some(S::Int(*i)),
            V::Bool(b) => Some(S::Bool(*b)),
            _ => None,
        }
    }

    /// The value where a bool is needed.
    fn truth(&self) -> u8 {
        match self {
            V::Bool(true) => T,
            V::Bool(false) => F,
            V::Any => ANY,
            _ => E,
        }
    }

    /// The value of an expression whose outcomes are `set`.
    fn of_truth(set: u8) -> V<'a> {
        match set {
            T => V::Bool(true),
            F => V::Bool(false),
            E => V::Err,
            _ => V::Any,
        }
    }
}

/// `op` over every pair of outcomes of `l` and `r`.
fn combine(l: u8, r: u8, op: impl Fn(u8, u8) -> u8) -> u8 {
    let each = |set: u8| [T, F, E].into_iter().filter(move |o| set & o != 0);
    each(l)
        .flat_map(|a| each(r).map(move |b| (a, b)))
        .fold(0, |out, (a, b)| out | op(a, b))
}

/// `&&` of one outcome with another, as the interpreter gives it.
fn and_one(a: u8, b: u8) -> u8 {
    match (a, b) {
        (F, _) => F,
        (T, b) => b,
        (_, F) => F,
        _ => E,
    }
}

/// `||` of one outcome with another.
fn or_one(a: u8, b: u8) -> u8 {
    match (a, b) {
        (T, _) => T,
        (F, b) => b,
        (_, T) => T,
        _ => E,
    }
}

/// `op` over every pair of outcome sets, by set (a condition's connectives are decided for
/// every subject: a look-up, not the pairs' walk).
fn table(op: fn(u8, u8) -> u8) -> [[u8; 8]; 8] {
    let mut t = [[0; 8]; 8];
    for (l, row) in t.iter_mut().enumerate() {
        for (r, out) in row.iter_mut().enumerate() {
            *out = combine(l as u8, r as u8, op);
        }
    }
    t
}

static AND: std::sync::LazyLock<[[u8; 8]; 8]> = std::sync::LazyLock::new(|| table(and_one));
static OR: std::sync::LazyLock<[[u8; 8]; 8]> = std::sync::LazyLock::new(|| table(or_one));

fn and(l: u8, r: u8) -> u8 {
    AND[usize::from(l & ANY)][usize::from(r & ANY)]
}

fn or(l: u8, r: u8) -> u8 {
    OR[usize::from(l & ANY)][usize::from(r & ANY)]
}

fn not(x: u8) -> u8 {
    let mut out = x & E;
    if x & T != 0 {
        out |= F;
    }
    if x & F != 0 {
        out |= T;
    }
    out
}

/// The outcomes of an operator over two operands, both evaluated first (an error in either
/// is the answer), given `known` for the pairs it can tell.
fn binary<'a>(
    l: V<'a>,
    r: impl FnOnce() -> V<'a>,
    known: impl FnOnce(&V<'a>, &V<'a>) -> Option<bool>,
) -> u8 {
    if matches!(l, V::Err) {
        return E;
    }
    let r = r();
    if matches!(r, V::Err) {
        return E;
    }
    match known(&l, &r) {
        Some(true) => T,
        Some(false) => F,
        None => ANY,
    }
}

/// Equality of two scalars of the same type; other pairs are not modelled.
fn equal(l: &V, r: &V) -> Option<bool> {
    match (l.scalar()?, r.scalar()?) {
        (S::Str(a), S::Str(b)) => Some(a == b),
        (S::Int(a), S::Int(b)) => Some(a == b),
        (S::Bool(a), S::Bool(b)) => Some(a == b),
        _ => None,
    }
}

/// The order of two ints, or of two doubles (a `NaN`, which the interpreter refuses to
/// order, is not modelled); other pairs are not modelled.
fn order(l: &V, r: &V) -> Option<Ordering> {
    match (l, r) {
        (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
        (V::Double(a), V::Double(b)) => a.partial_cmp(b),
        _ => None,
    }
}

/// `l in r` for a list whose elements are all scalars of `l`'s type.
fn contains(l: &V, r: &V) -> Option<bool> {
    let mut found = false;
    let mut test = |e: &V| -> Option<()> {
        found |= equal(l, e)?;
        Some(())
    };
    match r {
        V::Array(items) => items.iter().try_for_each(|j| test(&V::of(j)))?,
        V::List(items) => items.iter().try_for_each(&mut test)?,
        _ => return None,
    }
    Some(found)
}

/// The fold of an `exists` or `all` comprehension.
struct Fold<'v> {
    pred: &'v IdedExpr,
    /// `exists` (fold with `||` from false) or `all` (with `&&` from true).
    exists: bool,
}

impl<'v> Fold<'v> {
    /// The `exists`/`all` macros' comprehension, exactly as the parser expands them
    /// (`@result || pred` while `!@result` is not strictly false, for `exists`); `None` for
    /// any other comprehension.
    fn of(c: &'v ComprehensionExpr) -> Option<Fold<'v>> {
        let accu = c.accu_var.as_str();
        let is_accu = |e: &IdedExpr| matches!(&e.expr, Ast::Ident(n) if n == accu);
        let call = |e: &'v IdedExpr, name: &str| match &e.expr {
            Ast::Call(x) if x.target.is_none() && x.func_name == name => Some(&x.args[..]),
            _ => None,
        };
        let init = match &c.accu_init.expr {
            Ast::Literal(LiteralValue::Boolean(b)) => *b.inner(),
            _ => return None,
        };
        if c.iter_var2.is_some() || c.iter_var == c.accu_var || !is_accu(&c.result) {
            return None;
        }
        let exists = !init;
        let [cond] = call(&c.loop_cond, operators::NOT_STRICTLY_FALSE)? else {
            return None;
        };
        let cond_ok = if exists {
            matches!(call(cond, operators::LOGICAL_NOT), Some([a]) if is_accu(a))
        } else {
            is_accu(cond)
        };
        let step = if exists {
            operators::LOGICAL_OR
        } else {
            operators::LOGICAL_AND
        };
        match call(&c.loop_step, step)? {
            [a, pred] if cond_ok && is_accu(a) => Some(Fold { pred, exists }),
            _ => None,
        }
    }
}

/// A comprehension's variable, bound to one item, and the ones it shadows.
struct Bound<'e, 'v> {
    value: V<'v>,
    outer: Option<&'e Bound<'e, 'v>>,
}

/// The evaluation of a [`Compiled`] condition over one subject.
///
/// Each part is evaluated to the set of outcomes the interpreter could give it; the
/// connectives combine the sets outcome by outcome (see the module's documentation).
struct Run<'e, 'a, 'v> {
    field: &'e Slot<'a>,
    /// The comprehension variables in scope, innermost first.
    bound: Option<&'e Bound<'e, 'v>>,
}

// `'v`: what the values borrow, the tree or the fields.
impl<'a: 'v, 'v> Run<'_, 'a, 'v> {
    /// The value the `n`th comprehension variable from the innermost is bound to.
    fn lookup(&self, n: usize) -> V<'v> {
        let mut b = self.bound;
        for _ in 0..n {
            b = b.and_then(|x| x.outer);
        }
        b.map_or(V::Any, |x| x.value.clone())
    }

    /// The outcomes of an `exists` or `all` comprehension.
    ///
    /// The interpreter evaluates the range (an error is the answer; a value it cannot iterate
    /// is one too, left to it here), then the predicate on each item in turn: `exists` stops at
    /// the first true, `all` at the first false; an error or a non-bool is kept and is the
    /// answer if no later item settles it. So the outcomes are the `||` (`&&`) fold of the
    /// items' outcomes, from false (true).
    fn fold(&self, range: &'v Node<'v>, pred: &'v Node<'v>, exists: bool) -> u8 {
        let (mut out, stop) = if exists { (F, T) } else { (T, F) };
        let mut each = |value: V<'v>| -> bool {
            let bound = Bound {
                value,
                outer: self.bound,
            };
            let inner = Run {
                field: self.field,
                bound: Some(&bound),
            };
            let item = inner.truth(pred);
            out = if exists {
                or(out, item)
            } else {
                and(out, item)
            };
            // The interpreter stops there (the later items' fields are then not built).
            out == stop
        };
        match self.value(range) {
            V::Err => return E,
            V::Array(items) => {
                for j in items {
                    if each(V::of(j)) {
                        break;
                    }
                }
            }
            V::List(items) => {
                for v in items {
                    if each(v) {
                        break;
                    }
                }
            }
            _ => return ANY,
        }
        out
    }

    /// The outcomes of `node` where a bool is needed.
    fn truth(&self, node: &'v Node<'v>) -> u8 {
        match node {
            Node::Fold {
                range,
                pred,
                exists,
            } => self.fold(range, pred, *exists),
            // As the interpreter does, the right side is not evaluated when the left one
            // settles the answer (its fields are then not built).
            Node::And(a, b) => match self.truth(a) {
                F => F,
                l => and(l, self.truth(b)),
            },
            Node::Or(a, b) => match self.truth(a) {
                T => T,
                l => or(l, self.truth(b)),
            },
            Node::Not(a) => not(self.truth(a)),
            Node::Cond(c, a, b) => {
                let cond = self.truth(c);
                let mut out = cond & E;
                if cond & T != 0 {
                    out |= self.truth(a);
                }
                if cond & F != 0 {
                    out |= self.truth(b);
                }
                out
            }
            Node::Eq(a, b) => binary(self.value(a), || self.value(b), equal),
            Node::Ne(a, b) => binary(
                self.value(a),
                || self.value(b),
                |l, r| equal(l, r).map(|e| !e),
            ),
            Node::Order(holds, a, b) => binary(
                self.value(a),
                || self.value(b),
                |l, r| order(l, r).map(holds),
            ),
            Node::In(a, b) => binary(self.value(a), || self.value(b), contains),
            // `has(x.f)`: `x` is evaluated (an error stays one), then `f` looked up.
            Node::Field { slot, test: true } => {
                if (self.field)(*slot).is_some() {
                    T
                } else {
                    F
                }
            }
            Node::Select {
                operand,
                field,
                test: true,
            } => match self.value(operand) {
                V::Err => E,
                V::Map(m) => {
                    if m.contains_key(*field) {
                        T
                    } else {
                        F
                    }
                }
                _ => ANY,
            },
            _ => self.value(node).truth(),
        }
    }

    fn value(&self, node: &'v Node<'v>) -> V<'v> {
        match node {
            Node::Any => V::Any,
            Node::Lit(v) => v.clone(),
            Node::Bound(n) => self.lookup(*n),
            Node::Field { slot, test: false } => match (self.field)(*slot) {
                Some(j) => V::of(j as &'v Json),
                None => V::Err,
            },
            Node::Select {
                operand,
                field,
                test: false,
            } => match self.value(operand) {
                V::Err => V::Err,
                V::Map(m) => m.get(*field).map_or(V::Err, V::of),
                _ => V::Any,
            },
            // The arguments are evaluated first; an error in one is the answer.
            Node::Double(a) => match self.value(a) {
                V::Err => V::Err,
                V::Int(i) => V::Double(i as f64),
                V::Double(d) => V::Double(d),
                _ => V::Any,
            },
            Node::Sub(a, b) => match self.value(a) {
                V::Err => V::Err,
                l => match (l, self.value(b)) {
                    (_, V::Err) => V::Err,
                    (V::Double(l), V::Double(r)) => V::Double(l - r),
                    _ => V::Any,
                },
            },
            Node::Size(a) => match self.value(a) {
                V::Err => V::Err,
                V::Array(items) => i64::try_from(items.len()).map_or(V::Any, V::Int),
                V::Map(m) => i64::try_from(m.len()).map_or(V::Any, V::Int),
                _ => V::Any,
            },
            Node::List(l) => {
                let items: Vec<V> = l.iter().map(|e| self.value(e)).collect();
                // Elements are evaluated in turn and the first error is the answer.
                if items.iter().any(|v| matches!(v, V::Err)) {
                    V::Err
                } else {
                    V::List(items)
                }
            }
            // A condition's value: the comprehensions, the connectives, the comparisons and
            // `has()`.
            _ => V::of_truth(self.truth(node)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each expression, and whether `decide` settles it (else it is left to the interpreter).
    const CASES: &[(&str, bool)] = &[
        ("step.grant == 'password'", true),
        ("step.grant != 'password'", true),
        ("step.absent == 'x'", true),
        ("step.absent == 'x' || true", true),
        ("true || step.absent == 'x'", true),
        ("step.absent == 'x' && false", true),
        ("!(step.absent == 'x')", true),
        ("!has(step.absent)", true),
        ("has(step.absent.x)", true),
        ("!has(step.absent.x)", true),
        (
            "has(step.code.origin.id) && step.code.origin.id == 'x'",
            true,
        ),
        ("step.code.origin.other == 'x'", true),
        ("step.status == 401 || step.status == 403", true),
        (
            "step.status > 400 && step.status <= 401 && step.status >= 1 && step.status < 500",
            true,
        ),
        ("size(step.scopes) > 1 && size(step.empty) == 0", true),
        ("size(step.absent) > 0", true),
        ("'a' in step.scopes && !('c' in step.scopes)", true),
        ("step.grant in ['password', 'x']", true),
        ("step.grant in [step.absent]", true),
        ("step.ok && !step.no", true),
        ("step.grant && true", true),
        ("!step.grant", true),
        ("step.ok ? step.grant == 'password' : step.absent", true),
        ("step.no ? step.absent : false", true),
        ("step.absent ? true : true", true),
        ("has(step.grant) && step.grant", true),
        // `exists` and `all`: an item's error is the answer only when no other item
        // settles it, wherever it is in the list.
        ("step.scopes.exists(s, s == 'a')", true),
        (
            "step.uses.exists(u, has(u.t) && u.t - step.t0 > double(step.life))",
            true,
        ),
        (
            "step.uses.exists(u, u.t - step.t0 > double(step.life))",
            true,
        ),
        ("step.uses.exists(u, u.t - step.t0 > 100.0)", true),
        ("!step.uses.exists(u, u.t - step.t0 > 100.0)", true),
        ("!step.uses.exists(u, has(u.t) && u.t > 100.0)", true),
        ("step.uses.exists(u, u.t > 100.0) || true", true),
        ("step.uses.all(u, u.t > 0.0)", true),
        ("!step.uses.all(u, u.t > 0.0)", true),
        ("!step.uses.all(u, u.t > 5.0)", true),
        ("step.uses.all(u, u.id > 0)", true),
        ("!step.uses.exists(u, u.id)", true),
        ("step.uses.exists(u, u.id) || true", true),
        ("step.uses.exists(u, u.id == 3 || u.t > 1.0)", true),
        ("step.uses.exists(u, has(u.ok) && u.ok && u.id == 3)", true),
        ("step.empty.exists(u, u.x)", true),
        ("step.empty.all(u, u.x)", true),
        ("!step.absent.exists(u, true)", true),
        ("step.absent.all(u, true) || true", true),
        ("[1, 2].exists(x, x == 2)", true),
        ("[1, step.absent].exists(x, x == 1)", true),
        // Nested, and a variable that shadows the subject.
        (
            "step.uses.exists(u, has(u.t) && step.uses.exists(v, v.id > u.id))",
            true,
        ),
        ("step.uses.exists(u, step.uses.all(v, v.id >= u.id))", true),
        ("step.uses.exists(step, step.id == 3)", true),
        ("step.uses.exists(step, has(step.t0))", true),
        ("has(step.t0) && step.uses.exists(u, has(step.t0))", true),
        // Doubles: `double()`, subtraction and order of two doubles.
        ("double(step.status) > 400.5", true),
        ("double(step.f) - 1.0 < 1.6 && step.f - 1.0 >= 1.5", true),
        ("step.f - step.absent > 1.0", true),
        ("!(double(step.absent) > 1.0)", true),
        // Not modelled: other functions and comprehensions, mixed lists, nulls, a
        // double beside an int, equality of doubles, iterating a string.
        ("step.grant.startsWith('p')", false),
        ("'a' in step.mixed", false),
        ("step.n == null", false),
        ("step.f > 2", false),
        ("step.f - 0.5 == 2.0", false),
        ("step.status - 1 > 0", false),
        ("double(step.grant) > 1.0", false),
        ("size(step.uses.filter(u, has(u.t))) > 1", false),
        ("step.uses.exists_one(u, u.id == 1)", false),
        ("step.grant == 1", false),
        // ... unless the rest settles it.
        ("step.grant == 'x' && step.grant.startsWith('p')", true),
        ("step.absent == 1 && step.scopes.exists(s, s == 'a')", true),
        (
            "step.grant == 'password' && step.grant.startsWith('p')",
            false,
        ),
    ];

    /// The connectives' tables give, for every pair of outcome sets, what combining the
    /// sets outcome by outcome gives.
    #[test]
    fn connective_tables_combine_outcome_by_outcome() {
        for l in 0..8u8 {
            for r in 0..8u8 {
                assert_eq!(and(l, r), combine(l, r, and_one), "{l} && {r}");
                assert_eq!(or(l, r), combine(l, r, or_one), "{l} || {r}");
            }
        }
        assert_eq!(and(T | E, F), F);
        assert_eq!(or(E, T | F), T | E);
    }

    /// Each expression is decided here, and as the interpreter decides it over the same
    /// subject: errors, absent fields and non-bool values included.
    #[test]
    fn decides_as_the_interpreter_does() {
        let subject = serde_json::json!({
            "grant": "password", "status": 401, "scopes": ["a", "b"], "empty": [],
            "mixed": ["a", 1], "ok": true, "no": false, "code": {"origin": {"id": "x"}},
            "n": null, "f": 2.5, "text": "abc", "t0": 0.5, "life": 5,
            "uses": [{"t": 1.5, "id": 1}, {"id": 2}, {"t": 10.25, "id": 3, "ok": true}]
        });
        let Json::Object(map) = &subject else {
            unreachable!()
        };
        let field = |name: &str| -> Option<Option<&Json>> { Some(map.get(name)) };
        let mut ctx = cel::Context::default();
        ctx.add_variable_from_value("step", super::super::value::to_cel(&subject));
        let cases = CASES;
        for &(src, decided) in cases {
            let tree = super::super::functions::parse(src, super::super::functions::Parser::Fast)
                .expect("parses");
            let fires = matches!(cel::Value::resolve(&tree, &ctx), Ok(cel::Value::Bool(true)));
            let native = decide(&tree, "step", &field);
            if decided {
                assert_eq!(native, Some(fires), "{src}");
            } else {
                assert_eq!(native, None, "{src}");
            }
        }
    }
}
