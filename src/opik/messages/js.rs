//! Small JSON helpers mirroring the JavaScript checks of the web UI's extraction.

use serde_json::Value;

pub(super) fn str_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

pub(super) fn non_empty(v: Option<&Value>) -> Option<&str> {
    str_of(v).filter(|s| !s.is_empty())
}

pub(super) fn arr<'a>(v: &'a Value, key: &str) -> Option<&'a Vec<Value>> {
    v.get(key).and_then(Value::as_array)
}

pub(super) fn has(v: &Value, key: &str) -> bool {
    v.as_object().is_some_and(|m| m.contains_key(key))
}

pub(super) fn field_is(v: &Value, key: &str, want: &str) -> bool {
    str_of(v.get(key)) == Some(want)
}

/// lodash `get(obj, path)`: a key present literally wins, else the dotted path is followed.
pub(super) fn lodash_get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(x) = index_key(v, path) {
        return Some(x);
    }
    if !path.contains('.') {
        return None;
    }
    let mut cur = v;
    for part in path.split('.') {
        cur = index_key(cur, part)?;
    }
    Some(cur)
}

/// Member access that treats arrays as objects keyed by index, as JavaScript does.
fn index_key<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    }
}

/// The only value of an object (or one-element array), if it has exactly one.
pub(super) fn single_value(v: &Value) -> Option<&Value> {
    match v {
        Value::Object(m) if m.len() == 1 => m.values().next(),
        Value::Array(a) if a.len() == 1 => a.first(),
        _ => None,
    }
}

pub(super) fn last_text_part(parts: &[Value]) -> Option<&Value> {
    parts.iter().rev().find(|c| field_is(c, "type", "text"))
}
