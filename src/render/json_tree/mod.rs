//! Large JSON made navigable, as in Opik's JSON viewer: a [`JsonTree`] is a JSON value
//! flattened once (pre-order, in the background for big payloads) into nodes with their
//! display text (keys and scalars JSON-escaped and sanitised). Arrays and objects above a size
//! start folded with a count (`[ … 6,000 items ]`, `{ … 42 keys }`) and long strings start cut
//! (with their length shown); [`Folds`] records what the user toggled, so lines are generated
//! from (tree, folds, width) by [`layout::JsonLayout`] only for what is visible, and a frame
//! renders only the rows on screen. [`JsonTree::search`] walks every node, folded or not.

pub mod layout;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serde_json::Value;

use crate::render::sanitize::sanitize;

/// Containers with more children than this start folded (the root never does).
pub const FOLD_CHILDREN: usize = 100;
/// Containers whose display text is larger than this start folded.
pub const FOLD_BYTES: usize = 64 * 1024;
/// Strings longer than this many characters start cut.
pub const CUT_CHARS: usize = 1_000;
/// Search stops after this many hits.
pub const MAX_HITS: usize = 100_000;

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    Str,
    Num,
    Bool,
    Null,
}

/// One node: a value with its key (object members) and, for scalars, its display text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    /// Byte range in [`JsonTree::text`] of the key as shown (`"name"`); empty for none.
    key: (u32, u32),
    /// Byte range of a scalar's display text (`"a string"`, `1.5`, `null`).
    val: (u32, u32),
    /// One past the last descendant (pre-order).
    end: u32,
    parent: u32,
    /// Children of a container; characters of a string.
    len: u32,
    depth: u16,
    kind: Kind,
    /// The key and value text are ASCII (one column per byte).
    ascii: bool,
    /// Folded (containers) or cut (strings) unless toggled.
    default_closed: bool,
}

/// A JSON value flattened for display; see the module docs.
#[derive(Debug, Default)]
pub struct JsonTree {
    nodes: Vec<Node>,
    text: String,
}

/// A search hit: the node, whether in its key or its value text, and the byte offset there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub node: u32,
    pub in_key: bool,
    pub at: u32,
}

impl JsonTree {
    /// Flatten `v` (iteratively: deep values cannot overflow the stack).
    pub fn new(v: &Value) -> JsonTree {
        let mut t = JsonTree::default();
        // (value, key, parent, depth)
        let mut stack: Vec<(&Value, Option<&str>, u32, u16)> = vec![(v, None, NONE, 0)];
        while let Some((v, key, parent, depth)) = stack.pop() {
            let i = t.nodes.len() as u32;
            let key = key.map(|k| t.push_text(&serde_json::to_string(k).unwrap_or_default()));
            let (kind, len, val) = match v {
                Value::Object(m) => {
                    for (k, c) in m.iter().rev() {
                        stack.push((c, Some(k.as_str()), i, depth.saturating_add(1)));
                    }
                    (Kind::Object, m.len(), None)
                }
                Value::Array(a) => {
                    for c in a.iter().rev() {
                        stack.push((c, None, i, depth.saturating_add(1)));
                    }
                    (Kind::Array, a.len(), None)
                }
                Value::String(s) => (
                    Kind::Str,
                    s.chars().count(),
                    Some(t.push_text(&serde_json::to_string(s).unwrap_or_default())),
                ),
                Value::Number(n) => (Kind::Num, 0, Some(t.push_text(&n.to_string()))),
                Value::Bool(b) => (Kind::Bool, 0, Some(t.push_text(&b.to_string()))),
                Value::Null => (Kind::Null, 0, Some(t.push_text("null"))),
            };
            let key = key.unwrap_or((0, 0));
            let val = val.unwrap_or((0, 0));
            let ascii = t.slice(key).is_ascii() && t.slice(val).is_ascii();
            t.nodes.push(Node {
                key,
                val,
                end: i + 1,
                parent,
                len: u32::try_from(len).unwrap_or(u32::MAX),
                depth,
                kind,
                ascii,
                default_closed: kind == Kind::Str && len > CUT_CHARS,
            });
        }
        t.finish();
        t.text.shrink_to_fit();
        t.nodes.shrink_to_fit();
        t
    }

    /// Ends of subtrees and the containers that start folded (by children and text size).
    fn finish(&mut self) {
        let n = self.nodes.len();
        let mut bytes: Vec<u64> = self
            .nodes
            .iter()
            .map(|d| u64::from(d.key.1 - d.key.0 + d.val.1 - d.val.0) + 4)
            .collect();
        for i in (1..n).rev() {
            let p = self.nodes[i].parent as usize;
            let end = self.nodes[i].end;
            self.nodes[p].end = self.nodes[p].end.max(end);
            bytes[p] += bytes[i];
        }
        for (i, node) in self.nodes.iter_mut().enumerate().skip(1) {
            if matches!(node.kind, Kind::Object | Kind::Array) {
                node.default_closed =
                    node.len as usize > FOLD_CHILDREN || bytes[i] > FOLD_BYTES as u64;
            }
        }
    }

    fn push_text(&mut self, s: &str) -> (u32, u32) {
        let clean = sanitize(s);
        let start = self.text.len();
        if start + clean.len() > u32::MAX as usize {
            return (0, 0);
        }
        self.text.push_str(&clean);
        (start as u32, self.text.len() as u32)
    }

    fn slice(&self, r: (u32, u32)) -> &str {
        self.text.get(r.0 as usize..r.1 as usize).unwrap_or("")
    }

    /// About the bytes it holds.
    pub fn bytes(&self) -> usize {
        self.text.len() + self.nodes.len() * std::mem::size_of::<Node>()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub(crate) fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    pub fn kind(&self, i: u32) -> Kind {
        self.node(i).kind
    }

    /// The key as shown (`"name"`), empty for array items and the root.
    pub fn key_text(&self, i: u32) -> &str {
        self.slice(self.node(i).key)
    }

    /// A scalar's display text (`"a string"` quoted and escaped, `1.5`, `true`, `null`).
    pub fn value_text(&self, i: u32) -> &str {
        self.slice(self.node(i).val)
    }

    pub fn parent(&self, i: u32) -> Option<u32> {
        Some(self.node(i).parent).filter(|p| *p != NONE)
    }

    pub fn end(&self, i: u32) -> u32 {
        self.node(i).end
    }

    pub fn is_container(&self, i: u32) -> bool {
        matches!(self.kind(i), Kind::Object | Kind::Array)
    }

    /// Whether `i` is the last child of its parent (no comma after it).
    pub fn is_last(&self, i: u32) -> bool {
        self.parent(i).is_none_or(|p| self.end(p) == self.end(i))
    }

    /// Whether the container `i` is folded (the root is folded only when toggled).
    pub fn is_folded(&self, folds: &Folds, i: u32) -> bool {
        self.is_container(i)
            && self.node(i).len > 0
            && (self.node(i).default_closed != folds.toggled.contains(&i))
    }

    /// Whether the string `i` is shown cut.
    pub fn is_cut(&self, folds: &Folds, i: u32) -> bool {
        self.kind(i) == Kind::Str
            && self.node(i).len as usize > CUT_CHARS
            && (self.node(i).default_closed != folds.toggled.contains(&i))
    }

    /// Whether `i` can be folded or cut at all.
    pub fn foldable(&self, i: u32) -> bool {
        (self.is_container(i) && self.node(i).len > 0)
            || (self.kind(i) == Kind::Str && self.node(i).len as usize > CUT_CHARS)
    }

    /// Every hit of `query` (ASCII case-insensitive) in keys and values, folded or not, in
    /// document order; at most [`MAX_HITS`].
    pub fn search(&self, query: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        let q = query.as_bytes();
        if q.is_empty() {
            return out;
        }
        for (i, n) in self.nodes.iter().enumerate() {
            for (in_key, r) in [(true, n.key), (false, n.val)] {
                for at in find_ci(self.slice(r).as_bytes(), q) {
                    if out.len() >= MAX_HITS {
                        return out;
                    }
                    out.push(Hit {
                        node: i as u32,
                        in_key,
                        at: at as u32,
                    });
                }
            }
        }
        out
    }
}

/// Byte offsets of the non-overlapping ASCII-case-insensitive occurrences of `q` in `h`.
pub fn find_ci<'a>(h: &'a [u8], q: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let first = q.first().map(u8::to_ascii_lowercase).unwrap_or(0);
    let mut i = 0;
    std::iter::from_fn(move || {
        while !q.is_empty() && i + q.len() <= h.len() {
            let at = i;
            if h[at].to_ascii_lowercase() == first && h[at..at + q.len()].eq_ignore_ascii_case(q) {
                i = at + q.len();
                return Some(at);
            }
            i += 1;
        }
        None
    })
}

/// What the user folded or unfolded, relative to each node's default ([`JsonTree`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folds {
    toggled: HashSet<u32>,
    /// Bumped on every change (layouts are cached by it).
    pub generation: u64,
}

impl Folds {
    fn set(&mut self, tree: &JsonTree, i: u32, closed: bool) {
        let toggle = tree.node(i).default_closed != closed;
        let changed = if toggle {
            self.toggled.insert(i)
        } else {
            self.toggled.remove(&i)
        };
        if changed {
            self.generation += 1;
        }
    }

    /// Unfold a container or show a string whole; false if there was nothing to open.
    pub fn open(&mut self, tree: &JsonTree, i: u32) -> bool {
        if tree.is_folded(self, i) || tree.is_cut(self, i) {
            self.set(tree, i, false);
            true
        } else {
            false
        }
    }

    /// Fold a container or cut a long string; false if it already was (or cannot be).
    pub fn close(&mut self, tree: &JsonTree, i: u32) -> bool {
        if tree.foldable(i) && !tree.is_folded(self, i) && !tree.is_cut(self, i) {
            self.set(tree, i, true);
            true
        } else {
            false
        }
    }

    /// Unfold every ancestor of `i`, and show the string whole when `at` (a byte offset in
    /// its text) lies beyond the cut.
    pub fn reveal(&mut self, tree: &JsonTree, i: u32, in_key: bool, at: u32) {
        let mut p = tree.parent(i);
        while let Some(c) = p {
            if tree.is_folded(self, c) {
                self.set(tree, c, false);
            }
            p = tree.parent(c);
        }
        if !in_key && tree.is_cut(self, i) {
            let cut = layout::cut_bytes(tree.value_text(i));
            if at as usize + 1 >= cut {
                self.set(tree, i, false);
            }
        }
    }

    /// Unfold every container (long strings stay as they are).
    pub fn expand_all(&mut self, tree: &JsonTree) {
        for i in 0..tree.len() as u32 {
            if tree.is_container(i) {
                self.set(tree, i, false);
            }
        }
    }

    /// Fold every container but the root.
    pub fn collapse_all(&mut self, tree: &JsonTree) {
        for i in 1..tree.len() as u32 {
            if tree.is_container(i) && tree.node(i).len > 0 {
                self.set(tree, i, true);
            }
        }
        if !tree.is_empty() {
            self.set(tree, 0, false);
        }
    }
}
