//! Bounds on what a JSON request body may make the server allocate, checked by one pass over
//! the (already size-limited, decompressed) bytes *before* anything is parsed into structures.
//!
//! A small body can describe a huge structure: `{"traces":[{},{},…]}` is 3 bytes per record,
//! and each record costs hundreds of bytes once parsed. So, without allocating:
//! - a batch array (`traces`, `spans`, `scores`, `ids`, … at the top level) longer than
//!   [`MAX_BATCH_ITEMS`] is refused with 400 as soon as its 1001st item starts;
//! - a body whose parsed form would be too big is refused with 413: every object counts
//!   [`OBJECT_WEIGHT`] units (a parsed JSON object with keys costs ~400–600 bytes), every other
//!   value 1 unit (72 bytes: a `serde_json::Value` with `preserve_order`, plus its array
//!   slot's growth); the total may not exceed [`MAX_JSON_WEIGHT`].

use super::ServerError;

/// Most items in one batch array (Opik's limit on every batch endpoint).
pub const MAX_BATCH_ITEMS: usize = 1000;
/// Top-level keys whose array is a batch.
pub const BATCH_KEYS: &[&str] = &[
    "traces",
    "spans",
    "scores",
    "ids",
    "names",
    "thread_ids",
    "annotation_queues",
];
/// Weight of one JSON object (see the module docs).
pub const OBJECT_WEIGHT: usize = 12;
/// Largest total weight of one body: at most ~160,000 objects or 2,000,000 values, ~450 MB peak
/// once parsed (and copied for storage) in the worst case.
pub const MAX_JSON_WEIGHT: usize = 2_000_000;

/// Check `bytes` (JSON) against the batch and size limits; see the module docs.
pub fn check_json(bytes: &[u8]) -> Result<(), ServerError> {
    check_json_with(bytes, MAX_JSON_WEIGHT)
}

fn too_complex(max: usize) -> ServerError {
    ServerError::PayloadTooLarge(format!(
        "Request body too complex: it holds more JSON values than the server accepts in one \
         request (weight limit {max}, an object counts {OBJECT_WEIGHT}); send smaller batches"
    ))
}

pub(crate) fn check_json_with(bytes: &[u8], max_weight: usize) -> Result<(), ServerError> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut weight = 0usize;
    // The current top-level key (depth 1), captured while its string is read.
    let mut key: Vec<u8> = Vec::new();
    let mut reading_key = false;
    let mut expect_key = false;
    // Items of the batch array open at depth 2, if any.
    let mut batch: Option<usize> = None; // commas seen in it
    let mut batch_key: Option<&'static str> = None;
    for &b in bytes {
        if in_str {
            if reading_key && key.len() <= 64 && !esc && b != b'"' && b != b'\\' {
                key.push(b);
            }
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
                reading_key = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                if depth == 1 && expect_key {
                    reading_key = true;
                    expect_key = false;
                    key.clear();
                }
            }
            b'{' | b'[' => {
                weight += if b == b'{' { OBJECT_WEIGHT } else { 1 };
                depth += 1;
                if depth == 1 && b == b'{' {
                    expect_key = true;
                }
                if depth == 2 && b == b'[' {
                    batch_key = BATCH_KEYS.iter().find(|k| snake_eq(k, &key)).copied();
                    batch = batch_key.map(|_| 0);
                }
            }
            b'}' | b']' => {
                if depth == 2 {
                    batch = None;
                }
                depth = depth.saturating_sub(1);
            }
            b',' => {
                weight += 1;
                if depth == 1 {
                    expect_key = true;
                }
                if depth == 2
                    && let Some(commas) = &mut batch
                {
                    *commas += 1;
                    if *commas >= MAX_BATCH_ITEMS {
                        return Err(ServerError::bad_request(format!(
                            "{} size must be between 1 and {MAX_BATCH_ITEMS}; send the records in \
                             batches of at most {MAX_BATCH_ITEMS}",
                            batch_key.unwrap_or("batch")
                        )));
                    }
                }
            }
            _ => {}
        }
        if weight > max_weight {
            return Err(too_complex(max_weight));
        }
    }
    Ok(())
}

/// Whether an object key within the first `max_depth` levels of `bytes` (JSON) has an ASCII
/// capital letter (or an escape, which might spell one): a body whose record keys must be
/// renamed to snake_case before parsing. A scan without allocating beyond one flag per level.
pub fn has_capital_key(bytes: &[u8], max_depth: usize) -> bool {
    // For each open container: is it an object?
    let mut objects: Vec<bool> = Vec::new();
    let (mut in_str, mut esc, mut in_key, mut expect_key) = (false, false, false, false);
    for &b in bytes {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'"' {
                in_str = false;
                in_key = false;
            } else if in_key && (b == b'\\' || b.is_ascii_uppercase()) {
                return true;
            } else if b == b'\\' {
                esc = true;
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                in_key = expect_key && objects.len() <= max_depth;
                expect_key = false;
            }
            b'{' | b'[' => {
                objects.push(b == b'{');
                expect_key = b == b'{';
            }
            b'}' | b']' => {
                objects.pop();
                expect_key = false;
            }
            b',' => expect_key = objects.last() == Some(&true),
            _ => {}
        }
    }
    false
}

/// `key` equals `snake`, or is its camelCase spelling (`threadIds` for `thread_ids`).
fn snake_eq(snake: &str, key: &[u8]) -> bool {
    if snake.as_bytes() == key {
        return true;
    }
    let mut it = key.iter();
    let mut s = snake.bytes();
    loop {
        match (s.next(), it.next()) {
            (None, None) => return true,
            (Some(b'_'), Some(k)) if k.is_ascii_uppercase() => {
                if s.next() != Some(k.to_ascii_lowercase()) {
                    return false;
                }
            }
            (Some(a), Some(&k)) if a == k => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(key: &str, n: usize, item: &str) -> Vec<u8> {
        let items = vec![item; n].join(",");
        format!("{{\"x\":[1,2],\"{key}\":[{items}]}}").into_bytes()
    }

    #[test]
    fn batch_arrays_are_capped_while_scanning() {
        assert!(check_json(&batch("traces", 1000, "{}")).is_ok());
        let e = check_json(&batch("traces", 1001, "{}")).unwrap_err();
        assert!(
            matches!(&e, ServerError::BadRequest(m) if m.starts_with("traces size must be between 1 and 1000")),
            "{e}"
        );
        let e = check_json(&batch("threadIds", 1001, "\"a,b\"")).unwrap_err();
        assert!(
            matches!(&e, ServerError::BadRequest(m) if m.starts_with("thread_ids")),
            "{e}"
        );
        // commas inside items or strings don't count
        assert!(check_json(&batch("spans", 600, "{\"a\":[1,2,3],\"b\":\"x,y\"}")).is_ok());
        // a long array that is not a batch (user data) is fine
        assert!(check_json(&batch("input", 5000, "1")).is_ok());
        // nested "traces" key inside user data is not a batch
        let nested = format!(
            "{{\"input\":{{\"traces\":[{}]}}}}",
            vec!["1"; 2000].join(",")
        );
        assert!(check_json(nested.as_bytes()).is_ok());
    }

    #[test]
    fn capital_keys_are_found_at_record_depth_only() {
        let found = |s: &str| has_capital_key(s.as_bytes(), 3);
        assert!(!found(
            r#"{"traces":[{"start_time":"X","input":{"userMessage":"Hi"}}]}"#
        ));
        assert!(found(r#"{"traces":[{"id":"a"},{"startTime":"x"}]}"#));
        assert!(found(r#"{"projectName":"p","traces":[]}"#));
        assert!(found(r#"{"update":{"endTime":"x"}}"#));
        assert!(
            found(r#"{"traces":[{"\u0041":1}]}"#),
            "an escape might spell a capital"
        );
        // capitals in values, in strings that look like keys, and deeper keys don't count
        assert!(!found(
            r#"{"name":"A","tags":["B:","{\"C\":1}"],"x":[[{"D":1}]]}"#
        ));
        assert!(!found(r#"{"input":{"a":{"b":{"Deep":1}}}}"#));
    }

    #[test]
    fn structure_weight_is_capped() {
        let e = check_json_with(&batch("input", 200, "{}"), 1000).unwrap_err();
        assert!(matches!(e, ServerError::PayloadTooLarge(_)));
        assert!(check_json_with(&batch("input", 70, "{}"), 1000).is_ok());
        // a bomb of empty objects in user data stops at the limit, not at the end
        let bomb = format!("{{\"input\":[{}]}}", vec!["{}"; 600_000].join(","));
        assert!(matches!(
            check_json(bomb.as_bytes()),
            Err(ServerError::PayloadTooLarge(_))
        ));
    }
}
