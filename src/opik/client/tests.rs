//! Tests of the client's pure parts: query encoding, waits, stream lines, score names.

use super::scores::score_names;
use super::stream::{Line, parse_stream_line};
use super::*;
use uuid::Uuid;

#[test]
fn list_params_encode_filters_sorting_and_exclude_as_json() {
    let q = ListQuery {
        project_id: Some(Uuid::nil()),
        filters: vec![Filter::new("tags", "contains", "a+b")],
        sorting: vec![Sorting {
            field: "start_time".into(),
            direction: "DESC".into(),
        }],
        exclude: vec!["input".into()],
        ..ListQuery::default()
    };
    let p = q.list_params();
    let get = |k: &str| p.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(get("page").as_deref(), Some("1"));
    assert_eq!(get("size").as_deref(), Some("50"));
    assert_eq!(
        get("filters").as_deref(),
        Some(r#"[{"field":"tags","operator":"contains","value":"a%2Bb"}]"#)
    );
    assert_eq!(
        get("sorting").as_deref(),
        Some(r#"[{"field":"start_time","direction":"DESC"}]"#)
    );
    assert_eq!(get("exclude").as_deref(), Some(r#"["input"]"#));
    assert_eq!(get("truncate").as_deref(), Some("true"));
    assert_eq!(get("strip_attachments").as_deref(), Some("true"));
}

#[test]
fn string_fields_keep_plus_and_percent() {
    let f = wire_filters(&[
        Filter::new("name", "contains", "50%+x"),
        Filter::keyed("metadata", "k", "=", "50%"),
    ]);
    assert_eq!(f[0].value.as_deref(), Some("50%+x"));
    assert_eq!(f[1].value.as_deref(), Some("50%25"));
}

#[test]
fn waits_come_from_retry_after_or_ratelimit_reset() {
    let mut h = header::HeaderMap::new();
    h.insert("retry-after", "2".parse().unwrap());
    assert_eq!(requested_wait(&h), Some(Duration::from_secs(2)));
    let mut h = header::HeaderMap::new();
    h.insert("ratelimit-reset", "3".parse().unwrap());
    assert_eq!(requested_wait(&h), Some(Duration::from_secs(3)));
    let mut h = header::HeaderMap::new();
    h.insert(
        "retry-after",
        "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
    );
    assert_eq!(requested_wait(&h), Some(Duration::ZERO));
    h.insert("retry-after", "soon".parse().unwrap());
    assert_eq!(requested_wait(&h), None);
}

#[test]
fn stream_lines_classify_records_errors_and_blanks() {
    let l = parse_stream_line::<TraceSearchRequest, Trace>(b"\r\n");
    assert!(matches!(l, Line::Blank));
    let l = parse_stream_line::<TraceSearchRequest, Trace>(
        br#"{"code":500,"message":"Streaming operation timed out"}"#,
    );
    match l {
        Line::ServerError(e) => assert_eq!(
            e.to_string(),
            "the server stopped the trace stream with an error (code 500): Streaming operation timed out"
        ),
        _ => panic!("expected a server error"),
    }
    let l = parse_stream_line::<TraceSearchRequest, Trace>(
        br#"{"id":"0192e0a0-0000-7000-8000-000000000001","name":"x","duration":NaN}"#,
    );
    match l {
        Line::Record(Ok(t), Some(c)) => {
            assert_eq!(t.name.as_deref(), Some("x"));
            assert_eq!(c, "0192e0a0-0000-7000-8000-000000000001");
        }
        _ => panic!("expected a record"),
    }
    let l = parse_stream_line::<ThreadSearchRequest, Thread>(
        br#"{"id":"chat-1","thread_model_id":"0192e0a0-0000-7000-8000-000000000009"}"#,
    );
    match l {
        Line::Record(Ok(t), Some(c)) => {
            assert_eq!(t.id, "chat-1");
            assert_eq!(c, "0192e0a0-0000-7000-8000-000000000009");
        }
        _ => panic!("expected a thread record"),
    }
}

#[test]
fn score_names_read_both_shapes() {
    let v = serde_json::json!({"scores":[{"name":"a","type":"trace"},{"name":"b"}]});
    assert_eq!(score_names(&v), vec!["a", "b"]);
    assert_eq!(score_names(&serde_json::json!(["x"])), vec!["x"]);
}
