//! OTLP/HTTP trace ingest: decoding and mapping (both pure), storage of the id map, the route.
//!
//! What any OpenTelemetry exporter sends to `POST /api/v1/private/otel/v1/traces` (Opik's path)
//! or `POST /v1/traces` (the exporters' default path) is an `ExportTraceServiceRequest`, as
//! protobuf (`application/x-protobuf`) or as OTLP JSON (`application/json`: lowerCamelCase
//! keys, hex trace/span ids, 64-bit integers as strings or numbers), gzip-compressed or not.
//! [`decode`] turns either into the prost message (JSON is walked by hand so that the spellings
//! the spec allows, snake_case keys, numeric enums or their names, numbers as strings, all
//! decode; `opentelemetry-proto`'s serde derive insists on string timestamps). Nothing here
//! panics on any input: bad bytes give an [`OtlpError`] naming the problem (tested by proptest).
//!
//! [`map_request`] turns the decoded spans into Opik [`SpanWrite`]s and, for root spans, a
//! [`TraceWrite`] too (like Opik, the root span is both the trace and its first span). The
//! OpenInference and OpenTelemetry GenAI conventions are understood:
//! input/output values and chat messages, model, provider, token usage, span kind → span type,
//! `session.id` / `gen_ai.conversation.id` → thread, status ERROR (+ `exception` event) →
//! `error_info`, `tag.tags` → tags, `metadata` → metadata. Attributes not understood are kept in
//! the span's metadata (Opik puts them in the input; metadata keeps the input readable).
//!
//! ## Ids (mirrors Opik's `OpenTelemetryMapper.convertOtelIdToUUIDv7`)
//! Opik needs UUIDv7 ids whose embedded time is meaningful. An OTel trace id becomes
//! `otel_id_to_uuid_v7(trace_id, t)`: 48 bits of `t` (ms), then the first 80 bits of
//! SHA-256(trace id), with the v7 version and RFC 4122 variant bits set. `t` is the earliest span
//! start seen in the first batch that mentions the trace (the root's start when the whole trace
//! comes in one batch). The server remembers each OTel trace id's Opik id (a table, through the
//! [`TraceIdResolver`]), so later batches of the same trace, and re-sends, land on the same
//! trace. Span ids (and parent span ids) use the same function with the trace's `t`, so they
//! are predictable without any look-up: a span whose parent has not arrived yet already carries
//! its parent's final id and is linked as soon as the parent comes; a re-sent span upserts.
//!
//! Modules: [`decode`] (bodies, compression, protobuf) and [`json`] (OTLP JSON) are pure;
//! [`ids`] holds the id functions and the in-memory resolver; [`map`] (with [`attrs`]) is pure;
//! [`store`] owns the `otel_trace_map` table and writes mapped spans; [`http`] is the route.

mod attrs;
mod decode;
mod http;
mod ids;
mod json;
mod map;
mod store;
#[cfg(test)]
mod tests;

pub use decode::*;
pub use http::*;
pub use ids::*;
pub use json::*;
pub use map::*;
pub use store::*;
