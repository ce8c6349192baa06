//! How an SME names a queue on the command line (`opik-tui annotate [QUEUE]`): an exact name,
//! a queue id, or the share link Opik's web UI gives out
//! (`{origin}{base}/{workspace}/sme?queueId={id}`, which also sets the workspace).
//! Also the reverse: the share link for a queue, and exact-name matching of the server's
//! substring search results.

use uuid::Uuid;

use crate::opik::model::AnnotationQueue;

/// A parsed QUEUE argument.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueRef {
    Id(Uuid),
    Name(String),
    /// A web share link: the queue id, and the workspace from the path.
    Link {
        queue_id: Uuid,
        workspace: Option<String>,
    },
}

/// Parse a QUEUE argument. Errors say what was wrong and what is accepted.
pub fn parse(arg: &str) -> Result<QueueRef, String> {
    let arg = arg.trim();
    if arg.is_empty() {
        return Err("empty queue: give a queue name, id, or its Opik share link".into());
    }
    if arg.starts_with("http://") || arg.starts_with("https://") {
        return parse_link(arg);
    }
    if let Ok(id) = Uuid::parse_str(arg) {
        return Ok(QueueRef::Id(id));
    }
    Ok(QueueRef::Name(arg.to_string()))
}

fn parse_link(arg: &str) -> Result<QueueRef, String> {
    let url = url::Url::parse(arg).map_err(|e| format!("cannot read the queue link {arg}: {e}"))?;
    let queue = url
        .query_pairs()
        .find(|(k, _)| k == "queueId" || k == "queue_id")
        .map(|(_, v)| v.to_string())
        .ok_or_else(|| {
            format!(
                "the link {arg} has no queueId: copy the SME share link of the queue \
                 (…/WORKSPACE/sme?queueId=…) from Opik's web UI"
            )
        })?;
    let queue_id = Uuid::parse_str(queue.trim())
        .map_err(|_| format!("the link's queueId `{queue}` is not a queue id"))?;
    let segs: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let workspace = segs
        .iter()
        .rposition(|s| *s == "sme")
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| segs.get(i))
        .map(|w| {
            percent_encoding::percent_decode_str(w)
                .decode_utf8_lossy()
                .to_string()
        });
    Ok(QueueRef::Link {
        queue_id,
        workspace,
    })
}

/// The share link of a queue: `{web_base}/{workspace}/sme?queueId={id}`. `web_base` is the
/// web UI's origin and base path (the API URL without its trailing `/api`).
pub fn share_link(api_base_url: &str, workspace: &str, queue_id: &Uuid) -> String {
    let base = api_base_url.trim_end_matches('/');
    let base = base.strip_suffix("/api").unwrap_or(base);
    let ws = percent_encoding::utf8_percent_encode(workspace, percent_encoding::NON_ALPHANUMERIC);
    format!("{base}/{ws}/sme?queueId={queue_id}")
}

/// What a name lookup found among the server's (substring-matched) results.
#[derive(Debug, Clone, PartialEq)]
pub enum NameMatch {
    One(Box<AnnotationQueue>),
    /// Several queues carry exactly this name (e.g. in different projects): ask.
    Several(Vec<AnnotationQueue>),
    /// No exact match; the substring matches are offered instead.
    None(Vec<AnnotationQueue>),
}

/// Match a name exactly (case-sensitive first, then case-insensitive) among `found`.
pub fn match_name(name: &str, found: Vec<AnnotationQueue>) -> NameMatch {
    let exact: Vec<AnnotationQueue> = found.iter().filter(|q| q.name == name).cloned().collect();
    let exact = if exact.is_empty() {
        found
            .iter()
            .filter(|q| q.name.eq_ignore_ascii_case(name))
            .cloned()
            .collect()
    } else {
        exact
    };
    match exact.len() {
        0 => NameMatch::None(found),
        1 => NameMatch::One(Box::new(exact.into_iter().next().unwrap_or_default())),
        _ => NameMatch::Several(exact),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0193a3c0-1111-7222-8333-444455556666";

    #[test]
    fn parses_names_ids_and_links() {
        assert_eq!(
            parse(ID).unwrap(),
            QueueRef::Id(Uuid::parse_str(ID).unwrap())
        );
        assert_eq!(
            parse(" my queue ").unwrap(),
            QueueRef::Name("my queue".into())
        );
        let link = format!("https://www.comet.com/opik/my%20team/sme?queueId={ID}&foo=1");
        assert_eq!(
            parse(&link).unwrap(),
            QueueRef::Link {
                queue_id: Uuid::parse_str(ID).unwrap(),
                workspace: Some("my team".into())
            }
        );
        let local = format!("http://localhost:5173/default/sme?queueId={ID}");
        assert!(
            matches!(parse(&local).unwrap(), QueueRef::Link { workspace: Some(w), .. } if w == "default")
        );
    }

    #[test]
    fn bad_links_say_what_to_do() {
        let e = parse("http://localhost:5173/default/sme").unwrap_err();
        assert!(e.contains("no queueId") && e.contains("share link"), "{e}");
        let e = parse("http://localhost/default/sme?queueId=nope").unwrap_err();
        assert!(e.contains("not a queue id"), "{e}");
        assert!(parse("  ").is_err());
    }

    #[test]
    fn share_link_round_trips() {
        let id = Uuid::parse_str(ID).unwrap();
        let link = share_link("http://localhost:5173/api/", "my team", &id);
        assert_eq!(
            link,
            format!("http://localhost:5173/my%20team/sme?queueId={ID}")
        );
        assert_eq!(
            parse(&link).unwrap(),
            QueueRef::Link {
                queue_id: id,
                workspace: Some("my team".into())
            }
        );
    }

    fn q(name: &str) -> AnnotationQueue {
        AnnotationQueue {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn name_matching_is_exact_and_asks_on_duplicates() {
        assert_eq!(
            match_name("review", vec![q("review"), q("review-2")]),
            NameMatch::One(Box::new(q("review")))
        );
        assert_eq!(
            match_name("Review", vec![q("review")]),
            NameMatch::One(Box::new(q("review")))
        );
        assert!(matches!(
            match_name("review", vec![q("review"), q("review")]),
            NameMatch::Several(v) if v.len() == 2
        ));
        assert!(matches!(match_name("rev", vec![q("review")]), NameMatch::None(v) if v.len() == 1));
    }
}
