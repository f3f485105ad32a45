//! Conversions between the engine's JSON facts and CEL values.

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use cel::objects::{Key, Map};
use cel::Value;

/// JSON facts → CEL. Integers stay `int` (never `uint`) so `size(x) > 1` and
/// `step.status == 400` compare without overload errors.
pub fn to_cel(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(items) => {
            Value::List(Arc::new(items.iter().map(to_cel).collect()))
        }
        serde_json::Value::Object(map) => {
            let m: HashMap<Key, Value> = map
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            Value::Map(Map { map: Arc::new(m) })
        }
    }
}

/// [`to_cel`], moving the strings instead of copying them.
pub fn into_cel(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::String(s) => Value::String(Arc::new(s)),
        serde_json::Value::Array(items) => {
            Value::List(Arc::new(items.into_iter().map(into_cel).collect()))
        }
        serde_json::Value::Object(map) => {
            let m: HashMap<Key, Value> = map
                .into_iter()
                .map(|(k, v)| (Key::String(Arc::new(k)), into_cel(v)))
                .collect();
            Value::Map(Map { map: Arc::new(m) })
        }
        other => to_cel(&other),
    }
}

/// JSON facts → the interpreter's own representation, which a variable holds: what
/// [`into_cel`] and then the interpreter's conversion of its result give, in one step. That
/// conversion copies every map and list twice over, and it was most of what deciding a step
/// cost (a long capture's thousands of Bearer calls).
pub fn into_val(v: serde_json::Value) -> Box<dyn Val> {
    match v {
        serde_json::Value::Null => Box::new(CelNull),
        serde_json::Value::Bool(b) => Box::new(CelBool::from(b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Box::new(CelInt::from(i)),
            None => Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN))),
        },
        serde_json::Value::String(s) => Box::new(CelString::from(s)),
        serde_json::Value::Array(items) => Box::new(CelList::from(
            items.into_iter().map(into_val).collect::<Vec<_>>(),
        )),
        serde_json::Value::Object(map) => Box::new(CelMap::from(
            map.into_iter()
                .map(|(k, v)| (CelMapKey::from(k), into_val(v)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

/// [`into_val`] of a borrowed value (a field kept for the conditions that decide without the
/// interpreter, `rules::decide`).
pub fn to_val(v: &serde_json::Value) -> Box<dyn Val> {
    match v {
        serde_json::Value::String(s) => Box::new(CelString::from(s.clone())),
        serde_json::Value::Array(items) => {
            Box::new(CelList::from(items.iter().map(to_val).collect::<Vec<_>>()))
        }
        serde_json::Value::Object(map) => Box::new(CelMap::from(
            map.iter()
                .map(|(k, v)| (CelMapKey::from(k.clone()), to_val(v)))
                .collect::<HashMap<_, _>>(),
        )),
        scalar => into_val(scalar.clone()),
    }
}

/// How a value reads inside a message.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => {
            if f.fract() == 0.0 {
                format!("{f:.0}")
            } else {
                format!("{f}")
            }
        }
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Map(m) => {
            // A step or artifact reads as its entry or masked value.
            for key in ["value", "entry", "id"] {
                if let Some(x) = m.map.get(&Key::String(Arc::new(key.to_string()))) {
                    let shown = display(x);
                    return if key == "entry" {
                        format!("#{shown}")
                    } else {
                        shown
                    };
                }
            }
            String::from("{…}")
        }
        other => format!("{other:?}"),
    }
}

pub fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    match v {
        Value::Map(m) => m.map.get(&Key::String(Arc::new(key.to_string()))),
        _ => None,
    }
}

pub fn get_int(v: &Value, key: &str) -> Option<i64> {
    match get(v, key)? {
        Value::Int(i) => Some(*i),
        Value::UInt(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The moving conversion gives what the copying one does, for every kind of JSON value.
    #[test]
    fn into_cel_converts_as_to_cel_does() {
        let v = serde_json::json!({
            "s": "text", "i": -3, "u": 18446744073709551615u64, "f": 2.5, "b": true,
            "n": null, "list": [1, "two", [3.0], {"k": "v"}], "map": {"inner": {"deep": [null]}}
        });
        assert_eq!(into_cel(v.clone()), to_cel(&v));
        assert!(matches!(
            get(&into_cel(v.clone()), "u"),
            Some(Value::Float(_))
        ));
        // What a variable holds: the same as the interpreter makes of the CEL value.
        let direct = Value::try_from(into_val(v.clone()).as_ref());
        let via: Box<dyn Val> = into_cel(v.clone()).try_into().expect("converts");
        assert_eq!(direct, Value::try_from(via.as_ref()));
        assert_eq!(direct, Ok(to_cel(&v)));
        assert_eq!(Value::try_from(to_val(&v).as_ref()), Ok(to_cel(&v)));
    }
}
