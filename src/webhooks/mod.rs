//! Verdict events: what the outbox holds and host sites receive (by webhook or the
//! pull feed). Events are written in the same transaction as the status change.
//!
//! - this file: the event payload and its builders, used by whoever changes a status;
//! - [`delivery`]: the worker that pushes due events to callback URLs, with retries;
//! - [`signing`]: the `Raqib-Signature` header;
//! - [`ssrf`]: which callback URLs raqib agrees to call.
//!
//! The queue and the feed queries live in `store/outbox.rs`; the admin and feed
//! endpoints in `http/deliveries.rs`.

pub mod delivery;
pub mod signing;
pub mod ssrf;

pub use delivery::Deliverer;

use serde::Serialize;
use serde_json::Value;

/// An event ready to be stored in the outbox.
#[derive(Clone, Debug)]
pub struct OutboxEvent {
    pub event_id: String,
    pub site_id: String,
    pub comment_id: Option<String>,
    pub event_type: String,
    /// The exact JSON body sent to the host, signed as is.
    pub payload: String,
    pub created_at: i64,
}

/// The comment part of an event payload.
#[derive(Serialize, Debug)]
pub struct EventComment<'a> {
    pub comment_id: &'a str,
    pub external_id: &'a str,
    pub thread_id: &'a str,
    pub status: &'a str,
    pub decided_by: &'a str,
    pub reasons: Value,
    pub scores: Value,
}

#[derive(Serialize)]
struct Payload<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    created_at: String,
    site_id: &'a str,
    comment: &'a EventComment<'a>,
}

/// The event type announcing a status: `comment.approved|rejected|pending`, or
/// `comment.updated` when an existing verdict changed.
pub fn event_type(status: &str, update: bool) -> String {
    if update {
        "comment.updated".into()
    } else {
        format!("comment.{status}")
    }
}

/// Build the outbox row for a comment event.
pub fn comment_event(
    site_id: &str,
    event_type: String,
    comment: &EventComment<'_>,
    now_ms: i64,
) -> OutboxEvent {
    let event_id = new_event_id();
    let payload = Payload {
        id: &event_id,
        event_type: &event_type,
        created_at: rfc3339(now_ms),
        site_id,
        comment,
    };
    // Serializing plain strings and JSON values cannot fail.
    let payload = serde_json::to_string(&payload).unwrap_or_default();
    OutboxEvent {
        event_id,
        site_id: site_id.to_string(),
        comment_id: Some(comment.comment_id.to_string()),
        event_type,
        payload,
        created_at: now_ms,
    }
}

/// A new event id: `evt_` and a UUID v7, so ids sort by creation time.
pub fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::now_v7().simple())
}

/// Unix milliseconds as an RFC 3339 UTC timestamp.
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
