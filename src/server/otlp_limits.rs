//! Limits on an OTLP protobuf body, checked by walking the wire format *before* prost decodes
//! it: an empty span is 2 bytes on the wire and ~250 once decoded, so a small gzip body could
//! otherwise decode to gigabytes. The walk allocates nothing; it counts spans and all nested
//! messages (resource/scope spans, attributes, events, links, values) and checks nesting depth.

use super::otlp::OtlpError;

/// Most spans in one export request (the SDK exporters send 512 per batch by default).
pub const MAX_OTLP_SPANS: usize = 10_000;
/// Most messages of any kind (spans, attributes, events, links, values…) in one request.
pub const MAX_OTLP_MESSAGES: usize = 500_000;
/// Deepest message nesting (attribute values nest arrays and key-value lists).
pub const MAX_OTLP_DEPTH: usize = 64;

/// The message types of `ExportTraceServiceRequest` that hold sub-messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Msg {
    Request,
    ResourceSpans,
    Resource,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Link,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
    Leaf,
}

impl Msg {
    /// The message type of length-delimited field `field`, or `None` for bytes/strings.
    fn child(self, field: u64) -> Option<Msg> {
        use Msg::*;
        Some(match (self, field) {
            (Request, 1) => ResourceSpans,
            (ResourceSpans, 1) => Resource,
            (ResourceSpans, 2) => ScopeSpans,
            (Resource, 1) | (Scope, 3) | (Span, 9) | (Event, 3) | (Link, 4) => KeyValue,
            (ScopeSpans, 1) => Scope,
            (ScopeSpans, 2) => Span,
            (Span, 11) => Event,
            (Span, 13) => Link,
            (Span, 15) => Leaf,
            (KeyValue, 2) | (ArrayValue, 1) => AnyValue,
            (AnyValue, 5) => ArrayValue,
            (AnyValue, 6) => KeyValueList,
            (KeyValueList, 1) => KeyValue,
            _ => return None,
        })
    }
}

#[derive(Default)]
struct Counts {
    spans: usize,
    messages: usize,
}

/// Check a (decompressed) protobuf `ExportTraceServiceRequest` against the limits above.
pub fn check_protobuf(buf: &[u8]) -> Result<(), OtlpError> {
    let mut c = Counts::default();
    walk(buf, Msg::Request, 0, &mut c)
}

fn malformed(what: &str) -> OtlpError {
    OtlpError::Protobuf(what.to_string())
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, OtlpError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or_else(|| malformed("truncated varint"))?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(malformed("varint too long"))
}

fn walk(buf: &[u8], msg: Msg, depth: usize, c: &mut Counts) -> Result<(), OtlpError> {
    if depth > MAX_OTLP_DEPTH {
        return Err(OtlpError::Limit(format!(
            "messages nest deeper than {MAX_OTLP_DEPTH} levels"
        )));
    }
    let mut pos = 0usize;
    while pos < buf.len() {
        let tag = varint(buf, &mut pos)?;
        let (field, wire) = (tag >> 3, tag & 7);
        let skip = match wire {
            0 => {
                varint(buf, &mut pos)?;
                0
            }
            1 => 8,
            5 => 4,
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?)
                    .map_err(|_| malformed("length out of range"))?;
                let end = pos
                    .checked_add(len)
                    .filter(|e| *e <= buf.len())
                    .ok_or_else(|| malformed("a length runs past the end of the body"))?;
                if let Some(child) = msg.child(field) {
                    count(child, c)?;
                    walk(&buf[pos..end], child, depth + 1, c)?;
                }
                len
            }
            _ => return Err(malformed("unsupported wire type (groups)")),
        };
        pos = pos
            .checked_add(skip)
            .filter(|p| *p <= buf.len())
            .ok_or_else(|| malformed("a field runs past the end of the body"))?;
    }
    Ok(())
}

fn count(m: Msg, c: &mut Counts) -> Result<(), OtlpError> {
    c.messages += 1;
    if m == Msg::Span {
        c.spans += 1;
        if c.spans > MAX_OTLP_SPANS {
            return Err(OtlpError::Limit(format!(
                "more than {MAX_OTLP_SPANS} spans in one request"
            )));
        }
    }
    if c.messages > MAX_OTLP_MESSAGES {
        return Err(OtlpError::Limit(format!(
            "more than {MAX_OTLP_MESSAGES} messages (spans, attributes, events, values) in one request"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message;

    fn request(spans: usize, attrs: usize) -> Vec<u8> {
        let span = Span {
            name: "s".into(),
            attributes: (0..attrs)
                .map(|i| KeyValue {
                    key: format!("k{i}"),
                    value: Some(AnyValue {
                        value: Some(any_value::Value::IntValue(1)),
                    }),
                })
                .collect(),
            ..Default::default()
        };
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![span; spans],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
        .encode_to_vec()
    }

    #[test]
    fn spans_and_messages_are_counted_before_decoding() {
        assert!(check_protobuf(&request(MAX_OTLP_SPANS, 2)).is_ok());
        let e = check_protobuf(&request(MAX_OTLP_SPANS + 1, 0)).unwrap_err();
        assert_eq!(e.status(), 413);
        assert!(e.to_string().contains("spans"), "{e}");
        let e = check_protobuf(&request(1, MAX_OTLP_MESSAGES)).unwrap_err();
        assert_eq!(e.status(), 413);
        // millions of empty spans, 2 bytes each
        let bomb: Vec<u8> = {
            let inner = [0x12u8, 0x00].repeat(1_000_000); // ScopeSpans.spans = {}
            let mut ss = vec![0x12];
            push_len(&mut ss, inner.len());
            ss.extend(inner);
            let mut rs = vec![0x0a];
            push_len(&mut rs, ss.len());
            rs.extend(ss);
            rs
        };
        assert_eq!(check_protobuf(&bomb).unwrap_err().status(), 413);
    }

    fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        push_len(&mut out, content.len());
        out.extend(content);
        out
    }

    fn push_len(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    #[test]
    fn malformed_and_deep_bodies_are_errors_not_panics() {
        assert!(check_protobuf(&[0x0a, 0xff, 0xff]).is_err());
        assert!(check_protobuf(&[0x0b]).is_err());
        // AnyValue.array_value nesting 100 deep inside one attribute
        let mut v: Vec<u8> = Vec::new();
        for _ in 0..100 {
            let mut arr = vec![0x0a]; // ArrayValue.values
            push_len(&mut arr, v.len());
            arr.extend(&v);
            let mut any = vec![0x2a]; // AnyValue.array_value
            push_len(&mut any, arr.len());
            any.extend(arr);
            v = any;
        }
        let kv = wrap(0x12, &v); // KeyValue.value
        let res = wrap(0x0a, &kv); // Resource.attributes
        let rspans = wrap(0x0a, &res); // ResourceSpans.resource
        let rs = wrap(0x0a, &rspans); // Request.resource_spans
        let e = check_protobuf(&rs).unwrap_err();
        assert!(e.to_string().contains("deeper"), "{e}");
    }
}
