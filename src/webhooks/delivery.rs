//! The delivery worker: claims due outbox events, POSTs each to its site's callback
//! URL, signed, and records the outcome — delivered on a 2xx, otherwise retried with
//! exponential back-off and full jitter until the give-up horizon, then dead.
//!
//! Time is passed in: [`Deliverer::deliver_due`] runs everything due at `now` until
//! nothing more is, which is the step tests drive (the receiver's clock and raqib's
//! are the same injected `now`). [`Deliverer::run`] is the background loop every
//! instance starts, calling the same steps with the wall clock.
//!
//! Guarantees and where they come from (the queue itself is `store/outbox.rs`):
//! - at least once: an event leaves the queue only when a 2xx was recorded, and a
//!   worker that dies mid-delivery leaves a claim that expires after
//!   [`Deliverer::lease_ms`];
//! - in order per comment: only the oldest pending event of a comment is claimable;
//! - no attempt twice: each claim counts an attempt and carries a token; outcomes are
//!   recorded only under the token that claimed.

use super::signing;
use super::ssrf::{self, GuardedResolver, TargetPolicy};
use crate::config::WebhooksSettings;
use crate::store::{self, ClaimedEvent, Store, StoreError, WebhookTarget};
use futures::StreamExt;
use rand::Rng;
use reqwest::Url;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How much longer than the request timeout a claim lasts: room for the database
/// round trips around the request, so a live worker's claim never runs out under it.
const LEASE_MARGIN_MS: u64 = 60_000;

/// What can stop the worker from being built or a ping from being sent.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("building the webhook HTTP client: {0}")]
    Client(String),
    #[error("the site has no callback URL")]
    NoCallbackUrl,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of one HTTP attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The host answered 2xx.
    Delivered { status: u16 },
    /// Any other answer (`status`), a timeout, a refused target or a connection error.
    Failed { status: Option<u16>, error: String },
}

/// Where one attempt left its event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Delivered,
    Retrying,
    Dead,
}

/// What one [`Deliverer::deliver_due`] call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub attempted: usize,
    pub delivered: usize,
    /// Failed attempts that were scheduled for a retry.
    pub retrying: usize,
    /// Failed attempts past the give-up horizon.
    pub dead: usize,
    /// `comment.pending` events not pushed because their site opted out.
    pub skipped: u64,
}

/// A ping sent by `POST /v1/admin/sites/{id}/test-webhook`.
#[derive(Clone, Debug)]
pub struct PingResult {
    pub event_id: String,
    pub outcome: Outcome,
    pub latency: Duration,
}

/// Full jitter: a uniformly random delay between 0 and `cap` ms.
pub fn full_jitter(cap: u64) -> u64 {
    rand::rng().random_range(0..=cap)
}

/// The upper bound of the back-off after the `attempts`-th failed attempt:
/// `initial × 2^(attempts−1)`, at most `max`.
pub fn backoff_cap(settings: &WebhooksSettings, attempts: i64) -> u64 {
    // Clamped to 63 so the shift is defined; the product saturates long before.
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 63)).unwrap_or(63);
    settings
        .initial_backoff_ms
        .saturating_mul(1u64 << doublings)
        .min(settings.max_backoff_ms)
}

/// Sends events; one per instance, shared by the background loop and the admin API.
pub struct Deliverer {
    store: Store,
    settings: WebhooksSettings,
    policy: TargetPolicy,
    client: reqwest::Client,
    jitter: fn(u64) -> u64,
}

impl std::fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliverer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// A deliverer over `store` with the `[webhooks]` settings.
    pub fn new(store: Store, settings: &WebhooksSettings) -> Result<Deliverer, DeliveryError> {
        // reqwest is built without a default crypto provider; installing one twice is
        // harmless (the second attempt is refused and ignored).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let policy = TargetPolicy::from(settings);
        let timeout = Duration::from_millis(settings.timeout_ms);
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would send the signed event somewhere nobody checked.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the host itself, past the guard.
            .no_proxy()
            .dns_resolver(GuardedResolver {
                allow_private: policy.allow_private,
            })
            .user_agent(concat!("raqib-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DeliveryError::Client(e.to_string()))?;
        Ok(Deliverer {
            store,
            settings: settings.clone(),
            policy,
            client,
            jitter: full_jitter,
        })
    }

    /// Replace the jitter function (tests use the cap itself, to observe the back-off
    /// bounds exactly).
    #[must_use]
    pub fn with_jitter(mut self, jitter: fn(u64) -> u64) -> Deliverer {
        self.jitter = jitter;
        self
    }

    /// How long a claim lasts: after this, an event whose worker died is claimable
    /// again.
    pub fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.timeout_ms.saturating_add(LEASE_MARGIN_MS)).unwrap_or(i64::MAX)
    }

    /// Deliver everything due at `now`, round after round (a delivered event may
    /// unblock the next one of its comment), until nothing is due.
    pub async fn deliver_due(&self, now: i64) -> Result<DrainReport, StoreError> {
        let mut report = DrainReport {
            skipped: self.skip_opted_out(now).await?,
            ..DrainReport::default()
        };
        while self.deliver_round(now, &mut report).await? > 0 {}
        self.update_backlog_gauge(now).await?;
        Ok(report)
    }

    /// The background loop: every `poll_interval_ms`, deliver what is due, until
    /// `stop`. A round in flight when `stop` fires is finished (it is bounded by the
    /// request timeout), so a clean shutdown sends no duplicates.
    pub async fn run(&self, stop: CancellationToken) {
        let period = Duration::from_millis(self.settings.poll_interval_ms.max(1));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = self.tick(&stop).await {
                tracing::warn!(error = %e, "webhook delivery round failed; retrying next tick");
            }
        }
    }

    async fn tick(&self, stop: &CancellationToken) -> Result<(), StoreError> {
        let mut report = DrainReport {
            skipped: self.skip_opted_out(store::now_ms()).await?,
            ..DrainReport::default()
        };
        while !stop.is_cancelled() && self.deliver_round(store::now_ms(), &mut report).await? > 0 {}
        self.update_backlog_gauge(store::now_ms()).await
    }

    async fn skip_opted_out(&self, now: i64) -> Result<u64, StoreError> {
        let skipped = self.store.skip_opted_out_pending(now).await?;
        metrics::counter!("raqib_webhook_skipped_total").increment(skipped);
        Ok(skipped)
    }

    /// Claim one batch and attempt each event concurrently. Returns how many were
    /// claimed.
    async fn deliver_round(&self, now: i64, report: &mut DrainReport) -> Result<usize, StoreError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let batch = self
            .store
            .claim_due_events(
                now,
                now.saturating_add(self.lease_ms()),
                i64::from(self.settings.batch_size),
                &token,
            )
            .await?;
        if batch.is_empty() {
            return Ok(0);
        }
        let mut targets = HashMap::new();
        for event in &batch {
            if !targets.contains_key(&event.site_id) {
                let target = self.store.webhook_target(&event.site_id).await?;
                targets.insert(event.site_id.clone(), target);
            }
        }
        let claimed = batch.len();
        let results: Vec<Result<Fate, StoreError>> = futures::stream::iter(batch)
            .map(|event| {
                let target = targets.get(&event.site_id);
                self.attempt(event, target, &token, now)
            })
            .buffer_unordered(claimed)
            .collect()
            .await;
        for result in results {
            report.attempted += 1;
            match result? {
                Fate::Delivered => report.delivered += 1,
                Fate::Retrying => report.retrying += 1,
                Fate::Dead => report.dead += 1,
            }
        }
        Ok(claimed)
    }

    /// Send one claimed event and record what happened.
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id, site_id = %event.site_id, attempt = event.attempts))]
    async fn attempt(
        &self,
        event: ClaimedEvent,
        target: Option<&WebhookTarget>,
        token: &str,
        now: i64,
    ) -> Result<Fate, StoreError> {
        metrics::counter!("raqib_webhook_attempts_total").increment(1);
        let outcome = match target {
            Some(
                t @ WebhookTarget {
                    callback_url: Some(url),
                    ..
                },
            ) => {
                let secrets = t.signing_secrets(now);
                self.send(
                    url,
                    &secrets,
                    &event.event_id,
                    &event.event_type,
                    event.attempts,
                    &event.payload,
                    now,
                )
                .await
            }
            // The callback URL was removed after the claim: try again later.
            _ => failed("the site has no callback URL"),
        };
        match outcome {
            Outcome::Delivered { status } => {
                let recorded = self
                    .store
                    .record_delivered(event.id, token, i64::from(status), now)
                    .await?;
                if recorded {
                    metrics::counter!("raqib_webhook_delivered_total").increment(1);
                    let lag = now.saturating_sub(event.created_at).max(0);
                    #[expect(
                        clippy::cast_precision_loss,
                        reason = "a lag in seconds needs no 53-bit precision"
                    )]
                    metrics::histogram!("raqib_webhook_delivery_lag_seconds")
                        .record(lag as f64 / 1000.0);
                    tracing::info!(status, "webhook delivered");
                } else {
                    // The host has it; the worker that now owns the claim will send it
                    // again, with the same event id.
                    tracing::warn!("webhook delivered after its claim ran out");
                }
                Ok(Fate::Delivered)
            }
            Outcome::Failed { status, error } => {
                metrics::counter!("raqib_webhook_failed_total").increment(1);
                let retry_at = self.retry_at(&event, now);
                let recorded = self
                    .store
                    .record_failure(
                        event.id,
                        token,
                        status.map(i64::from),
                        &error,
                        retry_at,
                        now,
                    )
                    .await?;
                match retry_at {
                    Some(at) => {
                        tracing::warn!(?status, %error, retry_in_ms = at - now, "webhook failed; will retry");
                        Ok(Fate::Retrying)
                    }
                    None if recorded => {
                        metrics::counter!("raqib_webhook_dead_total").increment(1);
                        tracing::error!(?status, %error, "webhook failed past the give-up horizon; marked dead");
                        Ok(Fate::Dead)
                    }
                    // Another worker owns the event now and decides its fate.
                    None => Ok(Fate::Retrying),
                }
            }
        }
    }

    /// When to try a failed event again, or `None` to give up. The last retry lands on
    /// the horizon itself, so an event gets its full `give_up_after_s`.
    fn retry_at(&self, event: &ClaimedEvent, now: i64) -> Option<i64> {
        let give_up =
            i64::try_from(self.settings.give_up_after_s.saturating_mul(1000)).unwrap_or(i64::MAX);
        let horizon = event
            .first_attempt_at
            .unwrap_or(now)
            .saturating_add(give_up);
        if now >= horizon {
            return None;
        }
        let cap = backoff_cap(&self.settings, event.attempts);
        // At least 1 ms, so an event never comes due again within the same `now`.
        let delay = i64::try_from((self.jitter)(cap).clamp(1, cap.max(1))).unwrap_or(i64::MAX);
        Some(now.saturating_add(delay).min(horizon))
    }

    /// POST a body to a callback URL with the signature and event headers. Never
    /// fails: every problem is an [`Outcome::Failed`] with a message for admins.
    #[expect(
        clippy::too_many_arguments,
        reason = "each is one header or the body; a struct would only rename them"
    )]
    pub async fn send(
        &self,
        url: &str,
        secrets: &[&str],
        event_id: &str,
        event_type: &str,
        attempt: i64,
        body: &str,
        now: i64,
    ) -> Outcome {
        let parsed = match Url::parse(url) {
            Ok(u) => u,
            Err(_) => return failed("the callback URL does not parse"),
        };
        // Literal IPs are never resolved, so the resolver cannot guard them.
        if let Err(e) = ssrf::check_static(&parsed, self.policy) {
            return failed(&format!("refused target: {e}"));
        }
        let t = now.div_euclid(1000);
        let started = Instant::now();
        let result = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                signing::SIGNATURE_HEADER,
                signing::header_value(secrets, t, body.as_bytes()),
            )
            .header("Raqib-Event-Id", event_id)
            .header("Raqib-Event-Type", event_type)
            .header("Raqib-Delivery-Attempt", attempt.to_string())
            .body(body.to_string())
            .send()
            .await;
        metrics::histogram!("raqib_webhook_request_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        match result {
            Ok(res) if res.status().is_success() => Outcome::Delivered {
                status: res.status().as_u16(),
            },
            Ok(res) => Outcome::Failed {
                status: Some(res.status().as_u16()),
                error: format!("the host answered HTTP {}", res.status().as_u16()),
            },
            Err(e) => failed(&describe(&e)),
        }
    }

    /// Send a signed `ping` event to a site's callback URL now, outside the outbox.
    pub async fn send_ping(&self, site_id: &str, now: i64) -> Result<PingResult, DeliveryError> {
        let target = self.store.webhook_target(site_id).await?;
        let url = target
            .callback_url
            .as_deref()
            .ok_or(DeliveryError::NoCallbackUrl)?;
        let event_id = super::new_event_id();
        let body = serde_json::json!({
            "id": event_id,
            "type": "ping",
            "created_at": super::rfc3339(now),
            "site_id": site_id,
        })
        .to_string();
        let started = Instant::now();
        let outcome = self
            .send(
                url,
                &target.signing_secrets(now),
                &event_id,
                "ping",
                1,
                &body,
                now,
            )
            .await;
        Ok(PingResult {
            event_id,
            outcome,
            latency: started.elapsed(),
        })
    }

    /// Publish the age of the oldest event still waiting to be pushed.
    async fn update_backlog_gauge(&self, now: i64) -> Result<(), StoreError> {
        let oldest = self.store.oldest_pending_event().await?;
        let age_ms = oldest.map_or(0, |created| now.saturating_sub(created).max(0));
        #[expect(
            clippy::cast_precision_loss,
            reason = "an age in seconds needs no 53-bit precision"
        )]
        metrics::gauge!("raqib_webhook_oldest_pending_seconds").set(age_ms as f64 / 1000.0);
        Ok(())
    }
}

fn failed(error: &str) -> Outcome {
    Outcome::Failed {
        status: None,
        error: error.to_string(),
    }
}

/// A transport error with its causes, without the URL (it may carry a host's token).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut message = kind.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn settings(initial: u64, max: u64) -> WebhooksSettings {
        WebhooksSettings {
            initial_backoff_ms: initial,
            max_backoff_ms: max,
            ..WebhooksSettings::default()
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let s = settings(100, 1000);
        let caps: Vec<u64> = (1..=7).map(|n| backoff_cap(&s, n)).collect();
        assert_eq!(caps, [100, 200, 400, 800, 1000, 1000, 1000]);
        // Absurd attempt counts saturate instead of overflowing.
        assert_eq!(backoff_cap(&s, 10_000), 1000);
        assert_eq!(backoff_cap(&settings(u64::MAX / 2, u64::MAX), 5), u64::MAX);
    }

    #[test]
    fn full_jitter_spans_zero_to_the_cap() {
        let samples: Vec<u64> = (0..2000).map(|_| full_jitter(1000)).collect();
        assert!(samples.iter().all(|d| *d <= 1000));
        // Uniform over [0, 1000]: both ends of the range show up.
        assert!(samples.iter().any(|d| *d < 100));
        assert!(samples.iter().any(|d| *d > 900));
    }
}
