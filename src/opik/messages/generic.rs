//! Rule 10: one-key unwrapping and the generic key lists.

use serde_json::Value;

use super::js::{lodash_get, single_value, str_of};
use super::{INPUT_KEYS, Kind, OUTPUT_KEYS};

/// Rule 10: one-key unwrapping and the generic key lists.
pub(super) fn generic(v: &Value, kind: Kind) -> Option<String> {
    let unwrapped = single_value(v).unwrap_or(v);
    if let Value::String(s) = unwrapped {
        return Some(s.clone());
    }
    if !(unwrapped.is_object() || unwrapped.is_array()) {
        return None;
    }
    if let Some(only) = single_value(unwrapped) {
        return str_of(Some(only)).map(str::to_owned);
    }
    let keys = match kind {
        Kind::Input => INPUT_KEYS,
        Kind::Output => OUTPUT_KEYS,
    };
    keys.iter()
        .find_map(|k| str_of(lodash_get(unwrapped, k)))
        .map(str::to_owned)
}
