//! Tags as people type them (`#` in a conversation): `reviewed, billing`, `reviewed billing`
//! and `+reviewed -draft` all mean whole tags. Commas and whitespace separate tags, each is
//! trimmed, empty ones are dropped; `-tag` removes a tag and `+tag` (or a bare `tag`) adds it.

/// The tags typed in `text`, in order, each once: `"reviewed, billing"` → `reviewed`, `billing`.
pub fn split(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for word in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// `current` after the edits typed in `text`: `-tag` removes, `+tag` or `tag` adds (at the end,
/// once). A lone `+` or `-` is no tag.
pub fn apply(current: &[String], text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::with_capacity(current.len());
    for t in current {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    for word in split(text) {
        if let Some(t) = word.strip_prefix('-') {
            tags.retain(|x| x != t);
        } else {
            let t = word.strip_prefix('+').unwrap_or(word);
            if !t.is_empty() && !tags.iter().any(|x| x == t) {
                tags.push(t.to_string());
            }
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn commas_and_whitespace_separate_tags() {
        assert_eq!(split("reviewed, billing"), ["reviewed", "billing"]);
        assert_eq!(split("reviewed,billing"), ["reviewed", "billing"]);
        assert_eq!(split(" a ,, b\tc\n a ,"), ["a", "b", "c"]);
        assert!(split(" , ,").is_empty());
    }

    #[test]
    fn edits_add_and_remove_whole_tags() {
        let now = owned(&["prod", "draft"]);
        assert_eq!(
            apply(&now, "reviewed, billing"),
            owned(&["prod", "draft", "reviewed", "billing"])
        );
        assert_eq!(
            apply(&now, "+reviewed,-draft"),
            owned(&["prod", "reviewed"])
        );
        assert_eq!(apply(&now, "-draft, -prod"), Vec::<String>::new());
        assert_eq!(apply(&now, "prod, +prod + -"), now);
    }
}
