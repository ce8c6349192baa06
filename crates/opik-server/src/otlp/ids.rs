//! OTel trace/span ids → Opik UUIDv7 ids, and the OTel trace id → Opik trace id resolver
//! (see "Ids" in the module docs).

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A UUIDv7 from an OTel id and a time in ms: 48 bits of time, then 80 bits of SHA-256(id),
/// version and variant bits set. Same bytes as Opik's `convertOtelIdToUUIDv7`.
pub fn otel_id_to_uuid_v7(otel_id: &[u8], timestamp_ms: u64) -> Uuid {
    let mut b = [0u8; 16];
    let ts = timestamp_ms & 0xFFFF_FFFF_FFFF;
    b[..6].copy_from_slice(&ts.to_be_bytes()[2..8]);
    let hash = Sha256::digest(otel_id);
    b[6..16].copy_from_slice(&hash[..10]);
    b[6] = (b[6] & 0x0F) | 0x70;
    b[8] = (b[8] & 0x3F) | 0x80;
    Uuid::from_bytes(b)
}

/// The ms timestamp embedded in a UUIDv7.
pub fn uuid_v7_millis(id: &Uuid) -> u64 {
    let b = id.as_bytes();
    let mut t = [0u8; 8];
    t[2..8].copy_from_slice(&b[..6]);
    u64::from_be_bytes(t)
}

/// Remembers which Opik trace id an OTel trace id maps to (per project). The server backs this
/// with a table so the mapping survives restarts; tests use [`MemoryResolver`].
pub trait TraceIdResolver {
    /// The Opik trace id for `otel_trace_id`, creating the mapping with
    /// `otel_id_to_uuid_v7(otel_trace_id, first_seen_ms)` when the id is new.
    fn resolve(&mut self, project: &str, otel_trace_id: &[u8], first_seen_ms: u64) -> Uuid;
}

/// An in-memory [`TraceIdResolver`].
#[derive(Debug, Default, Clone)]
pub struct MemoryResolver {
    pub map: HashMap<(String, Vec<u8>), Uuid>,
}

impl TraceIdResolver for MemoryResolver {
    fn resolve(&mut self, project: &str, otel_trace_id: &[u8], first_seen_ms: u64) -> Uuid {
        *self
            .map
            .entry((project.to_string(), otel_trace_id.to_vec()))
            .or_insert_with(|| otel_id_to_uuid_v7(otel_trace_id, first_seen_ms))
    }
}
