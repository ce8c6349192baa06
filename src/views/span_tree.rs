//! The span tree of one trace, as pure data: built from a flat span list (parents may come
//! after children, parents may be missing — orphans become roots — and parent cycles are
//! broken), children ordered by start time, folded nodes hidden when flattening. Iterative
//! throughout, so a 10k-deep chain cannot overflow the stack. Dify's workflow node spans,
//! whose root span Dify never logs for plain workflow apps, are orphans by design and not
//! counted as unexpected ([`SpanTree::unexpected_orphans`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::opik::dify;
use crate::opik::model::Span;

#[derive(Debug, Clone)]
pub struct Node {
    pub span: Span,
    pub children: Vec<usize>,
    pub parent: Option<usize>,
    /// Its `parent_span_id` names a span that is not in the trace.
    pub orphan: bool,
    /// It was moved to the top because its parents formed a cycle.
    pub cycle: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SpanTree {
    pub nodes: Vec<Node>,
    pub roots: Vec<usize>,
    pub by_id: HashMap<Uuid, usize>,
    pub orphans: usize,
    pub cycles: usize,
    /// Earliest start and latest end over all spans (for the waterfall).
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// One visible row of the flattened tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: usize,
    pub depth: usize,
}

/// The end of a span: its `end_time`, else start + `duration` (ms). A duration that would carry
/// the end outside chrono's range (a broken or hostile server sending `1e300`) gives no end
/// rather than a panic.
pub fn end_of(s: &Span) -> Option<DateTime<Utc>> {
    s.end_time.or_else(|| {
        let st = s.start_time?;
        let d = s.duration.filter(|d| d.is_finite())?;
        // `as` saturates; `microseconds` takes any i64; the add is checked.
        st.checked_add_signed(chrono::Duration::microseconds((d * 1000.0) as i64))
    })
}

impl SpanTree {
    pub fn build(spans: Vec<Span>) -> SpanTree {
        let mut t = SpanTree::default();
        for s in spans {
            // A span without an id cannot be a parent; keep it as a leaf.
            if let Some(id) = s.id {
                if t.by_id.contains_key(&id) {
                    continue; // duplicate id: first one wins
                }
                t.by_id.insert(id, t.nodes.len());
            }
            if let Some(st) = s.start_time {
                t.start = Some(t.start.map_or(st, |x| x.min(st)));
            }
            if let Some(en) = end_of(&s) {
                t.end = Some(t.end.map_or(en, |x| x.max(en)));
            }
            t.nodes.push(Node {
                span: s,
                children: Vec::new(),
                parent: None,
                orphan: false,
                cycle: false,
            });
        }
        for i in 0..t.nodes.len() {
            let parent = t.nodes[i].span.parent_span_id;
            match parent {
                None => t.roots.push(i),
                Some(p) => match t.by_id.get(&p).copied() {
                    Some(pi) if pi != i => {
                        t.nodes[i].parent = Some(pi);
                        t.nodes[pi].children.push(i);
                    }
                    Some(_) => {
                        // Its own parent: a one-node cycle.
                        t.nodes[i].cycle = true;
                        t.cycles += 1;
                        t.roots.push(i);
                    }
                    None => {
                        t.nodes[i].orphan = true;
                        t.orphans += 1;
                        t.roots.push(i);
                    }
                },
            }
        }
        // Nodes not reachable from a root sit on a parent cycle: cut each cycle once.
        let mut seen = vec![false; t.nodes.len()];
        let mark = |t: &SpanTree, seen: &mut Vec<bool>, from: usize| {
            let mut stack = vec![from];
            while let Some(n) = stack.pop() {
                if seen[n] {
                    continue;
                }
                seen[n] = true;
                stack.extend(t.nodes[n].children.iter().copied());
            }
        };
        for r in t.roots.clone() {
            mark(&t, &mut seen, r);
        }
        for i in 0..t.nodes.len() {
            if seen[i] {
                continue;
            }
            if let Some(p) = t.nodes[i].parent.take() {
                t.nodes[p].children.retain(|c| *c != i);
            }
            t.nodes[i].cycle = true;
            t.cycles += 1;
            t.roots.push(i);
            mark(&t, &mut seen, i);
        }
        let key = |t: &SpanTree, i: usize| {
            let s = &t.nodes[i].span;
            (s.start_time, s.id)
        };
        let mut roots = std::mem::take(&mut t.roots);
        roots.sort_by_key(|i| key(&t, *i));
        t.roots = roots;
        for i in 0..t.nodes.len() {
            let mut ch = std::mem::take(&mut t.nodes[i].children);
            ch.sort_by_key(|c| key(&t, *c));
            t.nodes[i].children = ch;
        }
        t
    }

    /// Visible rows in tree order, skipping the descendants of `folded` nodes.
    pub fn flatten(&self, folded: &HashSet<usize>) -> Vec<Row> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<(usize, usize)> = self.roots.iter().rev().map(|r| (*r, 0)).collect();
        while let Some((n, depth)) = stack.pop() {
            out.push(Row { node: n, depth });
            if !folded.contains(&n) {
                for c in self.nodes[n].children.iter().rev() {
                    stack.push((*c, depth + 1));
                }
            }
        }
        out
    }

    /// Orphans worth a warning: not counting Dify's workflow node spans, whose parent is
    /// never logged for plain workflow apps ([`dify::is_node_execution`]).
    pub fn unexpected_orphans(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| n.orphan && !dify::is_node_execution(n.span.metadata.as_ref()))
            .count()
    }

    /// Nodes with children (for "fold all").
    pub fn parents(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|i| !self.nodes[*i].children.is_empty())
    }

    /// Total number of descendants of `n`.
    pub fn descendants(&self, n: usize) -> usize {
        let mut count = 0;
        let mut stack = self.nodes[n].children.clone();
        while let Some(c) = stack.pop() {
            count += 1;
            stack.extend(self.nodes[c].children.iter().copied());
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn span(n: u128, parent: Option<u128>, start_ms: i64) -> Span {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Span {
            id: Some(id(n)),
            parent_span_id: parent.map(id),
            name: Some(format!("s{n}")),
            start_time: Some(t0 + chrono::Duration::milliseconds(start_ms)),
            end_time: Some(t0 + chrono::Duration::milliseconds(start_ms + 10)),
            ..Span::default()
        }
    }

    fn names(t: &SpanTree, rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{}{}",
                    " ".repeat(r.depth),
                    t.nodes[r.node].span.name.clone().unwrap()
                )
            })
            .collect()
    }

    #[test]
    fn children_before_parents_and_ordered_by_start() {
        let t = SpanTree::build(vec![
            span(3, Some(1), 30),
            span(2, Some(1), 20),
            span(4, Some(2), 25),
            span(1, None, 0),
        ]);
        let rows = t.flatten(&HashSet::new());
        assert_eq!(names(&t, &rows), vec!["s1", " s2", "  s4", " s3"]);
        assert_eq!((t.orphans, t.cycles), (0, 0));
        assert_eq!(t.descendants(t.by_id[&id(1)]), 3);
    }

    #[test]
    fn orphans_become_roots() {
        let t = SpanTree::build(vec![
            span(1, None, 0),
            span(2, Some(99), 5),
            span(3, Some(2), 6),
        ]);
        let rows = t.flatten(&HashSet::new());
        assert_eq!(names(&t, &rows), vec!["s1", "s2", " s3"]);
        assert_eq!(t.orphans, 1);
        assert!(t.nodes[t.by_id[&id(2)]].orphan);
    }

    #[test]
    fn dify_workflow_nodes_without_their_root_are_expected_orphans() {
        let node = |n: u128| {
            let mut s = span(n, Some(99), n as i64);
            s.metadata = Some(serde_json::json!({"created_from": "dify", "node_type": "llm"}));
            s
        };
        let t = SpanTree::build(vec![node(1), node(2), span(3, Some(98), 3)]);
        assert_eq!(t.orphans, 3);
        assert_eq!(t.unexpected_orphans(), 1);
        assert_eq!(t.roots.len(), 3);
    }

    #[test]
    fn cycles_are_broken_and_nothing_is_lost() {
        // 1 -> 2 -> 3 -> 1 (cycle), 4 is its own parent, 5 hangs off the cycle.
        let t = SpanTree::build(vec![
            span(1, Some(3), 0),
            span(2, Some(1), 1),
            span(3, Some(2), 2),
            span(4, Some(4), 3),
            span(5, Some(2), 4),
        ]);
        let rows = t.flatten(&HashSet::new());
        assert_eq!(rows.len(), 5, "{:?}", names(&t, &rows));
        assert_eq!(t.cycles, 2);
        let mut seen: Vec<usize> = rows.iter().map(|r| r.node).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 5);
    }

    #[test]
    fn folding_hides_descendants() {
        let t = SpanTree::build(vec![
            span(1, None, 0),
            span(2, Some(1), 1),
            span(3, Some(2), 2),
        ]);
        let mut folded = HashSet::new();
        folded.insert(t.by_id[&id(2)]);
        assert_eq!(names(&t, &t.flatten(&folded)), vec!["s1", " s2"]);
        let all: HashSet<usize> = t.parents().collect();
        assert_eq!(names(&t, &t.flatten(&all)), vec!["s1"]);
    }

    #[test]
    fn ten_thousand_spans_deep_and_wide() {
        // A 10k-deep chain (no recursion limits) and a 10k-wide fan-out, shuffled order.
        let mut chain: Vec<Span> = (1..=10_000u128)
            .map(|n| span(n, (n > 1).then(|| n - 1), n as i64))
            .collect();
        chain.reverse();
        let t = SpanTree::build(chain);
        let rows = t.flatten(&HashSet::new());
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows.last().unwrap().depth, 9_999);
        let mut wide: Vec<Span> = (2..=10_001u128)
            .map(|n| span(n, Some(1), (n % 97) as i64))
            .collect();
        wide.push(span(1, None, 0));
        let t = SpanTree::build(wide);
        let rows = t.flatten(&HashSet::new());
        assert_eq!(rows.len(), 10_001);
        assert_eq!(t.nodes[t.roots[0]].children.len(), 10_000);
        let starts: Vec<_> = rows[1..]
            .iter()
            .map(|r| t.nodes[r.node].span.start_time)
            .collect();
        assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn duplicate_and_missing_ids_are_kept_safe() {
        let mut no_id = span(9, Some(1), 3);
        no_id.id = None;
        let t = SpanTree::build(vec![span(1, None, 0), span(1, None, 5), no_id]);
        let rows = t.flatten(&HashSet::new());
        assert_eq!(rows.len(), 2);
    }
}
