//! Verdict delivery endpoints. For admins: the delivery log, redelivery, a test ping,
//! a site's callback URL and `comment.pending` opt-out, and secret rotation. For host
//! sites: the pull feed, the same events for hosts that cannot receive webhooks.
//!
//! The worker itself is `webhooks/delivery.rs`; the queries are `store/outbox.rs`.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{AdminToken, ApiJson, SiteAuth};
use crate::app::AppState;
use crate::store::{DeliveryFilter, DeliveryRow, DeliveryState, WebhookTarget};
use crate::webhooks::delivery::{DeliveryError, Outcome};
use crate::webhooks::rfc3339;
use crate::webhooks::ssrf::{CallbackUrl, TargetPolicy};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Largest page of the delivery log and of the feed.
const MAX_PAGE: u32 = 500;

/// A query string that does not parse is a `422` naming the problem, like a body.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::validation("query", e.body_text()))
}

fn parse_cursor(field: &str, raw: Option<&str>) -> ApiResult<Option<i64>> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| ApiError::validation(field, "not a cursor returned by this API")),
    }
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only this site's events.
    pub site: Option<String>,
    /// `pending`, `delivered`, `skipped` or `dead`.
    #[param(value_type = Option<String>)]
    pub state: Option<DeliveryState>,
    /// The `next_before` of the previous page.
    pub before: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

/// One outbox event and how its delivery went.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct Delivery {
    pub event_id: String,
    pub site_id: String,
    pub comment_id: Option<String>,
    pub event_type: String,
    pub state: DeliveryState,
    pub created_at: String,
    pub attempts: i64,
    /// HTTP status of the last answer, if the host answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed (timeout, connection error, refused target, status).
    pub last_error: Option<String>,
    pub last_attempt_at: Option<String>,
    /// When the next attempt is due (pending events only).
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
    pub dead_at: Option<String>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        let state = r.state();
        Delivery {
            state,
            next_attempt_at: (state == DeliveryState::Pending).then(|| rfc3339(r.next_attempt_at)),
            created_at: rfc3339(r.created_at),
            last_attempt_at: r.last_attempt_at.map(rfc3339),
            delivered_at: r.delivered_at.map(rfc3339),
            dead_at: r.dead_at.map(rfc3339),
            event_id: r.event_id,
            site_id: r.site_id,
            comment_id: r.comment_id,
            event_type: r.event_type,
            attempts: r.attempts,
            last_status: r.last_status,
            last_error: r.last_error,
        }
    }
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub deliveries: Vec<Delivery>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<String>,
}

/// The delivery log: events with their attempts, last answer and next attempt.
#[utoipa::path(get, path = "/v1/admin/deliveries", tag = "admin", params(DeliveryQuery),
    responses((status = 200, body = DeliveryList), (status = 422, body = Problem)), security(("user_token" = [])))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    q: Result<Query<DeliveryQuery>, QueryRejection>,
) -> ApiResult<Json<DeliveryList>> {
    let q = query(q)?;
    let limit = q.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let filter = DeliveryFilter {
        site_id: q.site.filter(|s| !s.is_empty()),
        state: q.state,
        before: parse_cursor("before", q.before.as_deref())?,
        limit: i64::from(limit),
    };
    let rows = state.store().list_deliveries(&filter).await?;
    let next_before = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Json(DeliveryList {
        deliveries: rows.into_iter().map(Delivery::from).collect(),
        next_before,
    }))
}

/// Send an event again: a dead one after the host is fixed, or a delivered one the
/// host lost. It goes out in order with the comment's other pending events.
#[utoipa::path(post, path = "/v1/admin/deliveries/{id}/redeliver", tag = "admin",
    params(("id" = String, Path, description = "The event id (`evt_…`)")),
    responses((status = 202, body = Delivery), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "The event is still pending")),
    security(("user_token" = [])))]
pub async fn redeliver(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Delivery>)> {
    let row = state.store().redeliver(&id, crate::store::now_ms()).await?;
    tracing::info!(event_id = %id, "redelivery requested");
    Ok((StatusCode::ACCEPTED, Json(row.into())))
}

/// What a test ping got back.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct PingResponse {
    pub event_id: String,
    /// Whether the host answered 2xx.
    pub delivered: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: u64,
}

/// Send a signed `ping` event to the site's callback URL now and report the answer.
/// Pings are not stored, retried or put in the feed.
#[utoipa::path(post, path = "/v1/admin/sites/{id}/test-webhook", tag = "admin",
    params(("id" = String, Path, description = "Site id")),
    responses((status = 200, body = PingResponse), (status = 404, body = Problem),
              (status = 409, body = Problem, description = "The site has no callback URL")),
    security(("user_token" = [])))]
pub async fn test_webhook(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(site): Path<String>,
) -> ApiResult<Json<PingResponse>> {
    let ping = state
        .webhooks()
        .send_ping(&site, crate::store::now_ms())
        .await
        .map_err(|e| match e {
            DeliveryError::NoCallbackUrl => ApiError::Conflict(e.to_string()),
            DeliveryError::Store(e) => e.into(),
            DeliveryError::Client(m) => ApiError::Internal(m),
        })?;
    let (delivered, status, error) = match ping.outcome {
        Outcome::Delivered { status } => (true, Some(status), None),
        Outcome::Failed { status, error } => (false, status, Some(error)),
    };
    Ok(Json(PingResponse {
        event_id: ping.event_id,
        delivered,
        status,
        error,
        latency_ms: u64::try_from(ping.latency.as_millis()).unwrap_or(u64::MAX),
    }))
}

/// A site's webhook settings.
#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettingsRequest {
    /// Where events are POSTed; `null` to stop pushing (the pull feed keeps them).
    /// Must be `https://` and resolve to public addresses only, unless the server's
    /// configuration allows otherwise.
    pub callback_url: Option<String>,
    /// Push `comment.pending` events (comments held for review). Default `true`.
    #[serde(default = "default_true")]
    pub send_pending: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct WebhookSettingsResponse {
    pub site_id: String,
    pub callback_url: Option<String>,
    pub send_pending: bool,
    /// While a rotation overlaps: until when the previous secret still signs.
    pub previous_secret_valid_until: Option<String>,
}

impl WebhookSettingsResponse {
    fn new(t: &WebhookTarget) -> Self {
        let now = crate::store::now_ms();
        WebhookSettingsResponse {
            site_id: t.site_id.clone(),
            callback_url: t.callback_url.clone(),
            send_pending: t.send_pending(),
            previous_secret_valid_until: t.previous_until.filter(|u| *u > now).map(rfc3339),
        }
    }
}

/// Set a site's callback URL and whether `comment.pending` events are pushed.
#[utoipa::path(put, path = "/v1/admin/sites/{id}/webhook", tag = "admin",
    params(("id" = String, Path, description = "Site id")), request_body = WebhookSettingsRequest,
    responses((status = 200, body = WebhookSettingsResponse), (status = 404, body = Problem),
              (status = 422, body = Problem, description = "The URL is refused (scheme, private address, …)")),
    security(("user_token" = [])))]
pub async fn set_webhook(
    State(state): State<AppState>,
    AdminToken(_admin): AdminToken,
    Path(site): Path<String>,
    ApiJson(req): ApiJson<WebhookSettingsRequest>,
) -> ApiResult<Json<WebhookSettingsResponse>> {
    let url = match req.callback_url.as_deref() {
        None => None,
        Some(raw) => Some(
            CallbackUrl::parse(raw, TargetPolicy::from(&state.settings().webhooks))
                .await
                .map_err(|e| ApiError::validation("callback_url", e.to_string()))?,
        ),
    };
    state
        .store()
        .set_webhook(
            &site,
            url.as_ref().map(CallbackUrl::as_str),
            req.send_pending,
        )
        .await?;
    state.sites_changed();
    let target = state.store().webhook_target(&site).await?;
    Ok(Json(WebhookSettingsResponse::new(&target)))
}

/// A new webhook secret, shown this once.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct RotatedSecret {
    pub webhook_secret: String,
    /// Until then deliveries carry a second `v1=` signature made with the old secret.
    pub previous_secret_valid_until: String,
}

/// Replace a site's webhook secret; the old one keeps signing for
/// `[webhooks] secret_overlap_s`, so the host can switch without failing a delivery.
#[utoipa::path(post, path = "/v1/admin/sites/{id}/webhook-secret/rotate", tag = "admin",
    params(("id" = String, Path, description = "Site id")),
    responses((status = 200, body = RotatedSecret), (status = 404, body = Problem)),
    security(("user_token" = [])))]
pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    AdminToken(admin): AdminToken,
    Path(site): Path<String>,
) -> ApiResult<Json<RotatedSecret>> {
    let overlap_ms = i64::try_from(
        state
            .settings()
            .webhooks
            .secret_overlap_s
            .saturating_mul(1000),
    )
    .unwrap_or(i64::MAX);
    let until = crate::store::now_ms().saturating_add(overlap_ms);
    let secret = state.store().rotate_webhook_secret(&site, until).await?;
    state.sites_changed();
    tracing::info!(site_id = %site, user = %admin.user.id, "webhook secret rotated");
    Ok(Json(RotatedSecret {
        webhook_secret: secret,
        previous_secret_valid_until: rfc3339(until),
    }))
}

#[derive(Deserialize, Debug, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The `next_cursor` of the previous page; absent to start from the first event.
    pub after: Option<String>,
    /// Page size, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// A page of the pull feed. (Documentation only: the handler writes the stored
/// payloads out byte for byte, exactly as they are signed for webhooks.)
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct FeedPage {
    /// Events in feed order, each exactly the body a webhook delivery carries.
    pub events: Vec<serde_json::Value>,
    /// Pass as `after` to get the events that follow. Equal to `after` when there are none yet.
    pub next_cursor: String,
    /// Whether more events are already waiting.
    pub has_more: bool,
}

/// The site's events in a stable order, for hosts that cannot receive webhooks (or
/// to catch up after an outage). Every event appears once, at a position that never
/// changes; a cursor never skips an event, even one that committed late. Store the
/// `next_cursor` after processing a page; use the event `id` to ignore repeats.
#[utoipa::path(get, path = "/v1/events", tag = "comments", params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn events_feed(
    State(state): State<AppState>,
    SiteAuth(auth): SiteAuth,
    q: Result<Query<FeedQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let after = parse_cursor("after", q.after.as_deref())?.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    state.store().sequence_feed().await?;
    // One extra row tells whether another page is waiting.
    let mut rows = state
        .store()
        .feed_page(&auth.site.id, after, i64::from(limit) + 1)
        .await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().map_or(after, |(seq, _)| *seq);
    // The payloads are JSON we wrote; splice them in unchanged.
    let mut body = String::from("{\"events\":[");
    for (i, (_, payload)) in rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(payload);
    }
    body.push_str(&format!(
        "],\"next_cursor\":\"{next_cursor}\",\"has_more\":{has_more}}}"
    ));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
