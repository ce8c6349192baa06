//! Decoding an OTLP/HTTP body: decompression, protobuf or JSON (see [`super::json`]), and the
//! protobuf or JSON response.

use std::io::Read;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use serde_json::json;

use super::json::*;

/// Largest accepted body after decompression (a gzip bomb gets a clear 413 instead of OOM).
pub const MAX_DECODED_BYTES: usize = 64 * 1024 * 1024;

/// Why a body could not be decoded. The message says what was wrong and what to send instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OtlpError {
    #[error("the body is not valid gzip: {0}")]
    Gzip(String),
    #[error(
        "the body is larger than {MAX_DECODED_BYTES} bytes once decompressed; send smaller batches"
    )]
    TooLarge,
    #[error(
        "the body is not a valid OTLP ExportTraceServiceRequest protobuf message ({0}); send \
         `Content-Type: application/x-protobuf` with a protobuf body or `application/json` with OTLP JSON"
    )]
    Protobuf(String),
    #[error("the body is not valid OTLP JSON: {0}")]
    Json(String),
    #[error("unsupported Content-Encoding `{0}`; send gzip or no encoding")]
    Encoding(String),
    #[error("the request is too large: {0}; send smaller batches")]
    Limit(String),
}

impl OtlpError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            OtlpError::TooLarge | OtlpError::Limit(_) => 413,
            OtlpError::Encoding(_) => 415,
            _ => 400,
        }
    }
}

/// The wire encoding of a request (and of its answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// From a `Content-Type` header: JSON if it says json, protobuf otherwise (the OTLP
    /// default; exporters send `application/x-protobuf`).
    pub fn from_content_type(ct: Option<&str>) -> Encoding {
        match ct {
            Some(ct) if ct.to_ascii_lowercase().contains("json") => Encoding::Json,
            _ => Encoding::Protobuf,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Undo `Content-Encoding` (gzip; `identity` or none pass through). A body that starts with the
/// gzip magic bytes is inflated even when the header is missing.
pub fn decompress<'a>(
    body: &'a [u8],
    content_encoding: Option<&str>,
) -> Result<std::borrow::Cow<'a, [u8]>, OtlpError> {
    let enc = content_encoding.map(|e| e.trim().to_ascii_lowercase());
    let gz = match enc.as_deref() {
        None | Some("") | Some("identity") => body.starts_with(&[0x1f, 0x8b]),
        Some("gzip") | Some("x-gzip") => true,
        Some(other) => return Err(OtlpError::Encoding(other.to_string())),
    };
    if !gz {
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(MAX_DECODED_BYTES));
    let mut dec = flate2::read::MultiGzDecoder::new(body).take(MAX_DECODED_BYTES as u64 + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| OtlpError::Gzip(e.to_string()))?;
    if out.len() > MAX_DECODED_BYTES {
        return Err(OtlpError::TooLarge);
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Decode an OTLP/HTTP trace export body.
pub fn decode(
    body: &[u8],
    content_type: Option<&str>,
    content_encoding: Option<&str>,
) -> Result<ExportTraceServiceRequest, OtlpError> {
    let raw = decompress(body, content_encoding)?;
    match Encoding::from_content_type(content_type) {
        Encoding::Protobuf => {
            crate::otlp_limits::check_protobuf(&raw)?;
            ExportTraceServiceRequest::decode(raw.as_ref())
                .map_err(|e| OtlpError::Protobuf(e.to_string()))
        }
        Encoding::Json => decode_json(&raw),
    }
}

/// The success answer, in the request's encoding. `rejected` spans (bad ids) are reported as
/// OTLP partial success.
pub fn encode_response(enc: Encoding, rejected: i64, message: &str) -> Vec<u8> {
    let partial = (rejected > 0).then(|| ExportTracePartialSuccess {
        rejected_spans: rejected,
        error_message: message.to_string(),
    });
    match enc {
        Encoding::Protobuf => ExportTraceServiceResponse {
            partial_success: partial,
        }
        .encode_to_vec(),
        Encoding::Json => {
            let v = match partial {
                Some(p) => json!({"partialSuccess": {"rejectedSpans": p.rejected_spans.to_string(),
                    "errorMessage": p.error_message}}),
                None => json!({}),
            };
            v.to_string().into_bytes()
        }
    }
}
