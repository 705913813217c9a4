//! Verdict delivery end to end: a real HTTP receiver on 127.0.0.1:0 started by each
//! test, the delivery step driven with an injected clock (`Deliverer::deliver_due(now)`)
//! instead of sleeping, and assertions on what the receiver saw and what the outbox
//! recorded. Every test runs on SQLite and, with `TEST_DATABASE_URL`, on PostgreSQL.

use crate::helpers::{Backend, TestApp, comment};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use raqib::config::Settings;
use raqib::store::{DeliveryFilter, DeliveryRow, DeliveryState, now_ms};
use raqib::webhooks::Deliverer;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// One test per backend; each test takes the backend and spawns its own app, because
/// the settings differ from test to test.
macro_rules! webhook_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(crate::helpers::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}

webhook_tests!(
    deliveries_are_signed_and_carry_the_event,
    a_failing_receiver_is_retried_with_growing_delays,
    a_host_that_does_not_answer_in_time_is_retried,
    a_failing_comment_does_not_hold_up_the_others,
    a_receiver_down_for_a_day_still_gets_every_verdict,
    a_dead_event_is_redelivered_on_request,
    events_of_a_comment_arrive_in_order_under_concurrency,
    a_worker_killed_mid_delivery_is_taken_over_with_the_same_event_id,
    two_instances_never_send_the_same_attempt_twice,
    private_and_insecure_targets_are_refused_when_saved,
    a_target_that_turned_private_is_refused_at_delivery,
    the_pull_feed_has_exactly_the_delivered_events_in_order,
    sites_without_a_callback_keep_their_events_for_the_feed,
    a_rotated_secret_signs_alongside_the_new_one_during_the_overlap,
    pending_opt_out_test_ping_and_admin_scoping,
    the_background_worker_delivers_automatic_verdicts_promptly,
);

// ---------------------------------------------------------------------------------
// Harness

/// What the receiver saw of one request.
#[derive(Clone, Debug)]
struct Received {
    event_id: String,
    event_type: String,
    attempt: i64,
    signature: String,
    body: String,
    /// What the receiver answered (0: it never answered).
    answered: u16,
}

/// How the receiver answers the n-th request (0-based) it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    Status(u16),
    /// Never answer: the sender times out or is killed first.
    Hang,
}

type Script = Arc<dyn Fn(usize, &Received) -> Reply + Send + Sync>;

/// A small webhook receiver: records every request, answers as scripted.
struct Receiver {
    url: String,
    port: u16,
    log: Arc<Mutex<Vec<Received>>>,
    arrivals: mpsc::UnboundedReceiver<Received>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(script: Script) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, script)
    }

    /// A receiver on a given port (a host coming back up where it was).
    async fn start_on(port: u16, script: Script) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        Self::serve(listener, script)
    }

    fn serve(listener: tokio::net::TcpListener, script: Script) -> Receiver {
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, arrivals) = mpsc::unbounded_channel();
        let state = (log.clone(), tx, script);
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                |axum::extract::State((log, tx, script)): axum::extract::State<(
                    Arc<Mutex<Vec<Received>>>,
                    mpsc::UnboundedSender<Received>,
                    Script,
                )>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    let mut seen = Received {
                        event_id: header("raqib-event-id"),
                        event_type: header("raqib-event-type"),
                        attempt: header("raqib-delivery-attempt").parse().unwrap_or(-1),
                        signature: header("raqib-signature"),
                        body: String::from_utf8(body.to_vec()).unwrap(),
                        answered: 0,
                    };
                    let reply = {
                        let mut log = log.lock().unwrap();
                        let reply = script(log.len(), &seen);
                        if let Reply::Status(s) = reply {
                            seen.answered = s;
                        }
                        log.push(seen.clone());
                        reply
                    };
                    let _ = tx.send(seen);
                    match reply {
                        // A redirect points back at this receiver, which would accept
                        // it: following it would show up as a delivery.
                        Reply::Status(s) => (
                            StatusCode::from_u16(s).unwrap(),
                            [(axum::http::header::LOCATION, "/hook")],
                        ),
                        Reply::Hang => std::future::pending().await,
                    }
                },
            ),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app.with_state(state)).await;
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            log,
            arrivals,
            server,
        }
    }

    fn log(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Wait for the next request, with a deadline so a broken test fails instead of
    /// hanging. (Waiting on an event, not sleeping.)
    async fn next_arrival(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(20), self.arrivals.recv())
            .await
            .expect("no webhook arrived within 20 s")
            .unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn always(status: u16) -> Script {
    Arc::new(move |_, _| Reply::Status(status))
}

/// Test settings: the worker off (the test drives delivery), local plain-HTTP targets
/// allowed, short and round back-off figures.
fn driven(s: &mut Settings) {
    // Rule changes made through the admin API apply at once on the instance that
    // made them; the periodic reload is for other instances. Keeping it out of these
    // tests avoids its race with the API's own reload (a stale engine can land after
    // the fresh one for one tick — reported to the rules owner).
    s.rules.reload_interval_ms = 3_600_000;
    s.webhooks.worker = false;
    s.webhooks.allow_insecure = true;
    s.webhooks.allow_private_targets = true;
    s.webhooks.initial_backoff_ms = 1_000;
    s.webhooks.max_backoff_ms = 8_000;
    s.webhooks.give_up_after_s = 60;
    s.webhooks.timeout_ms = 3_000;
    // These tests are about delivery: verdicts come from their own rules alone, so a
    // retrained model cannot change which events exist.
    s.model_path = std::path::PathBuf::new();
}

async fn spawn(backend: Backend, test: &str, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    TestApp::spawn_with(backend, test, |s| {
        driven(s);
        tweak(s);
    })
    .await
}

/// A deliverer whose jitter is the back-off bound itself, so delays are exact.
fn exact_deliverer(app: &TestApp) -> Deliverer {
    Deliverer::new(app.store.clone(), &app.settings.webhooks)
        .unwrap()
        .with_jitter(|cap| cap)
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// An admin token plus two site rules that make verdicts predictable: `zzreject`
/// rejects, `zzhold` holds for review.
async fn admin_with_rules(app: &TestApp) -> String {
    let admin = app.user_token("admin", &[]).await;
    for (id, term, action) in [
        ("zz-reject", "zzreject", "reject"),
        ("zz-hold", "zzhold", "review"),
    ] {
        let rule = json!({"id": id, "kind": "keyword", "terms": [term], "label": "spam", "action": action});
        let (status, v) = send(
            app,
            reqwest::Method::POST,
            &admin,
            &format!("/v1/admin/rules?site={}", app.site_id),
            Some(&rule),
        )
        .await;
        assert_eq!(status, 201, "{v}");
    }
    admin
}

async fn set_callback(app: &TestApp, admin: &str, body: Value) -> (u16, Value) {
    send(
        app,
        reqwest::Method::PUT,
        admin,
        &format!("/v1/admin/sites/{}/webhook", app.site_id),
        Some(&body),
    )
    .await
}

async fn use_receiver(app: &TestApp, admin: &str, url: &str) {
    let (status, v) = set_callback(app, admin, json!({"callback_url": url})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["callback_url"], url);
}

async fn submit_as(app: &TestApp, ext: &str, body: &str, expect: &str) -> String {
    let (status, v) = app.submit(&comment(ext, body)).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], expect, "{v}");
    v["comment_id"].as_str().unwrap().to_string()
}

async fn edit_as(app: &TestApp, id: &str, ext: &str, body: &str, expect: &str) {
    let res = app
        .client
        .put(app.url(&format!("/v1/comments/{id}")))
        .bearer_auth(&app.api_key)
        .json(&comment(ext, body))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], expect, "{v}");
}

/// Every outbox event of the test site, oldest first (tests may read the database).
async fn outbox(app: &TestApp) -> Vec<DeliveryRow> {
    let mut rows = app
        .store
        .list_deliveries(&DeliveryFilter {
            site_id: Some(app.site_id.clone()),
            limit: 10_000,
            ..DeliveryFilter::default()
        })
        .await
        .unwrap();
    rows.reverse();
    rows
}

/// Check one `v1=` of a signature header independently of raqib's own code.
fn signed_with(header: &str, secret: &str, body: &str) -> bool {
    let mut t = "";
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v,
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => {}
        }
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    sigs.contains(&expected)
}

// ---------------------------------------------------------------------------------
// Tests

/// The receiver gets the event with the documented headers and payload, and the
/// signature verifies with the site's secret using nothing but HMAC-SHA256.
async fn deliveries_are_signed_and_carry_the_event(backend: Backend) {
    let Some(app) = spawn(backend, "signed", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(always(200)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    let comment_id = submit_as(
        &app,
        "s-1",
        "a thoughtful remark about zzreject",
        "rejected",
    )
    .await;

    let now = now_ms();
    let report = exact_deliverer(&app).deliver_due(now).await.unwrap();
    assert_eq!((report.attempted, report.delivered), (1, 1));

    let log = receiver.log();
    assert_eq!(log.len(), 1);
    let got = &log[0];
    assert_eq!(got.event_type, "comment.rejected");
    assert_eq!(got.attempt, 1);
    assert!(
        got.signature.starts_with(&format!("t={},v1=", now / 1000)),
        "{}",
        got.signature
    );
    assert_eq!(got.signature.matches("v1=").count(), 1);
    let secret = app.store.webhook_target(&app.site_id).await.unwrap().secret;
    assert!(signed_with(&got.signature, &secret, &got.body));
    assert!(!signed_with(&got.signature, "whsec_wrong", &got.body));
    assert!(
        raqib::webhooks::signing::verify(
            &got.signature,
            &secret,
            got.body.as_bytes(),
            now / 1000,
            300
        )
        .is_ok()
    );

    let payload: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(payload["id"], got.event_id.as_str());
    assert_eq!(payload["type"], "comment.rejected");
    assert_eq!(payload["site_id"], app.site_id.as_str());
    assert!(payload["created_at"].as_str().unwrap().ends_with('Z'));
    let c = &payload["comment"];
    assert_eq!(c["comment_id"], comment_id.as_str());
    assert_eq!(c["external_id"], "s-1");
    assert_eq!(c["thread_id"], "article-1");
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["decided_by"], "rule");
    assert_eq!(c["reasons"][0]["rule_id"], "zz-reject", "{c}");
    assert!(c["scores"]["spam"].is_number(), "{c}");

    let row = app.store.get_delivery(&got.event_id).await.unwrap();
    assert_eq!(row.state(), DeliveryState::Delivered);
    assert_eq!((row.attempts, row.last_status), (1, Some(200)));
    // Nothing left to do: a second drain sends nothing.
    let again = exact_deliverer(&app)
        .deliver_due(now + 3_600_000)
        .await
        .unwrap();
    assert_eq!(again.attempted, 0);
    assert_eq!(receiver.log().len(), 1);
}

/// 500, 503 and a 302 redirect (not followed) fail; the 4th attempt is delivered. With the jitter
/// pinned to its bound the delays are exactly 1 s, 2 s, 4 s; with the real full
/// jitter each delay stays within its (doubling) bound.
async fn a_failing_receiver_is_retried_with_growing_delays(backend: Backend) {
    let Some(app) = spawn(backend, "retry", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(Arc::new(|_, seen: &Received| match seen.attempt {
        1 => Reply::Status(500),
        2 => Reply::Status(503),
        3 => Reply::Status(302),
        _ => Reply::Status(204),
    }))
    .await;
    use_receiver(&app, &admin, &receiver.url).await;
    submit_as(&app, "r-1", "nice article", "approved").await;
    let deliverer = exact_deliverer(&app);
    let event = outbox(&app).await.remove(0);

    let mut now = now_ms();
    let mut delays = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        deliverer.deliver_due(now).await.unwrap();
        let row = app.store.get_delivery(&event.event_id).await.unwrap();
        statuses.push(row.last_status);
        if row.state() == DeliveryState::Delivered {
            break;
        }
        assert_eq!(row.state(), DeliveryState::Pending);
        assert_eq!(row.last_attempt_at, Some(now));
        delays.push(row.next_attempt_at - now);
        // Not due a millisecond early.
        assert_eq!(
            deliverer
                .deliver_due(row.next_attempt_at - 1)
                .await
                .unwrap()
                .attempted,
            0
        );
        now = row.next_attempt_at;
    }
    assert_eq!(delays, [1_000, 2_000, 4_000]);
    assert_eq!(statuses, [Some(500), Some(503), Some(302), Some(204)]);
    let attempts: Vec<i64> = receiver.log().iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, [1, 2, 3, 4]);
    assert!(receiver.log().iter().all(|r| r.event_id == event.event_id));

    // The same with the real jitter: each delay within (0, bound], bounds doubling.
    let receiver2 = Receiver::start(always(500)).await;
    use_receiver(&app, &admin, &receiver2.url).await;
    submit_as(&app, "r-2", "another nice article", "approved").await;
    let event2 = outbox(&app).await.remove(1);
    let random = Deliverer::new(app.store.clone(), &app.settings.webhooks).unwrap();
    let mut now = now_ms();
    for n in 0..5u32 {
        random.deliver_due(now).await.unwrap();
        let row = app.store.get_delivery(&event2.event_id).await.unwrap();
        let delay = row.next_attempt_at - now;
        let bound = (1_000i64 << n).min(8_000);
        assert!(
            delay >= 1 && delay <= bound,
            "attempt {}: delay {delay} > {bound}",
            n + 1
        );
        now = row.next_attempt_at;
    }
}

/// A host that does not answer within `timeout_ms` counts as failed and is retried.
async fn a_host_that_does_not_answer_in_time_is_retried(backend: Backend) {
    let Some(app) = spawn(backend, "timeout", |s| s.webhooks.timeout_ms = 300).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(Arc::new(|n, _: &Received| {
        if n == 0 {
            Reply::Hang
        } else {
            Reply::Status(200)
        }
    }))
    .await;
    use_receiver(&app, &admin, &receiver.url).await;
    submit_as(&app, "to-1", "slow host", "approved").await;
    let deliverer = exact_deliverer(&app);
    let now = now_ms();
    let report = deliverer.deliver_due(now).await.unwrap();
    assert_eq!((report.attempted, report.retrying), (1, 1));
    let row = outbox(&app).await.remove(0);
    assert_eq!(row.last_status, None);
    assert!(
        row.last_error.as_deref().unwrap().contains("timed out"),
        "{:?}",
        row.last_error
    );
    assert_eq!(row.next_attempt_at, now + 1_000);
    deliverer.deliver_due(now + 1_000).await.unwrap();
    let row = outbox(&app).await.remove(0);
    assert_eq!((row.state(), row.attempts), (DeliveryState::Delivered, 2));
}

/// The host refuses every event of one comment; the other comments' events, older
/// and newer, go through, and the failing comment's later event waits its turn.
async fn a_failing_comment_does_not_hold_up_the_others(backend: Backend) {
    let Some(app) = spawn(backend, "isolation", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(Arc::new(|_, seen: &Received| {
        if seen.body.contains("\"external_id\":\"bad\"") {
            Reply::Status(500)
        } else {
            Reply::Status(200)
        }
    }))
    .await;
    use_receiver(&app, &admin, &receiver.url).await;
    submit_as(&app, "good-1", "first", "approved").await;
    let bad = submit_as(&app, "bad", "second", "approved").await;
    edit_as(&app, &bad, "bad", "second zzreject", "rejected").await;
    submit_as(&app, "good-2", "third", "approved").await;
    let report = exact_deliverer(&app).deliver_due(now_ms()).await.unwrap();
    assert_eq!((report.attempted, report.delivered), (3, 2));
    let states: Vec<(String, DeliveryState, i64)> = outbox(&app)
        .await
        .into_iter()
        .map(|r| (r.event_type.clone(), r.state(), r.attempts))
        .collect();
    assert_eq!(
        states,
        [
            ("comment.approved".to_string(), DeliveryState::Delivered, 1),
            ("comment.approved".to_string(), DeliveryState::Pending, 1),
            ("comment.updated".to_string(), DeliveryState::Pending, 0),
            ("comment.approved".to_string(), DeliveryState::Delivered, 1),
        ]
    );
}

/// The host is unreachable (connection refused) for 24 hours with the shipped back-off
/// settings; the event is retried all along, never dead, and delivered once the host
/// is back on the same port.
async fn a_receiver_down_for_a_day_still_gets_every_verdict(backend: Backend) {
    let Some(app) = spawn(backend, "down-a-day", |s| {
        let d = raqib::config::WebhooksSettings::default();
        s.webhooks.initial_backoff_ms = d.initial_backoff_ms;
        s.webhooks.max_backoff_ms = d.max_backoff_ms;
        s.webhooks.give_up_after_s = d.give_up_after_s;
    })
    .await
    else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let port = {
        let gone = Receiver::start(always(200)).await;
        let port = gone.port;
        use_receiver(&app, &admin, &gone.url).await;
        port
    };
    submit_as(&app, "d-1", "held for a human zzhold", "pending").await;
    submit_as(&app, "d-2", "fine words", "approved").await;
    let deliverer = exact_deliverer(&app);
    let start = now_ms();
    let mut now = start;
    while now < start + 24 * 3_600_000 {
        deliverer.deliver_due(now).await.unwrap();
        now = outbox(&app)
            .await
            .iter()
            .map(|r| r.next_attempt_at)
            .min()
            .unwrap();
    }
    let rows = outbox(&app).await;
    assert!(
        rows.iter().all(|r| r.state() == DeliveryState::Pending),
        "{rows:?}"
    );
    assert!(rows[0].attempts >= 24, "{}", rows[0].attempts);
    assert!(
        rows[0].last_error.as_deref().unwrap().contains("connect"),
        "{:?}",
        rows[0].last_error
    );

    let receiver = Receiver::start_on(port, always(200)).await;
    deliverer.deliver_due(now + 3_600_000).await.unwrap();
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|r| r.state() == DeliveryState::Delivered)
    );
    let types: HashSet<String> = receiver
        .log()
        .iter()
        .map(|r| r.event_type.clone())
        .collect();
    assert_eq!(
        types,
        HashSet::from([
            "comment.pending".to_string(),
            "comment.approved".to_string()
        ])
    );
}

/// Past `give_up_after_s` the event is dead; the admin API lists it with its last
/// error; redelivery sends it again (attempt numbers keep counting) and it is delivered.
async fn a_dead_event_is_redelivered_on_request(backend: Backend) {
    let Some(app) = spawn(backend, "dead", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let mut receiver = Receiver::start(always(503)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    submit_as(&app, "x-1", "a remark", "approved").await;
    let deliverer = exact_deliverer(&app);
    let event = outbox(&app).await.remove(0);

    let start = now_ms();
    let mut now = start;
    let mut attempt_times = Vec::new();
    loop {
        let report = deliverer.deliver_due(now).await.unwrap();
        attempt_times.push(now - start);
        let row = app.store.get_delivery(&event.event_id).await.unwrap();
        if row.state() == DeliveryState::Dead {
            assert_eq!((report.dead, report.retrying), (1, 0));
            break;
        }
        assert_eq!((report.dead, report.retrying), (0, 1));
        now = row.next_attempt_at;
    }
    // 1, 2, 4, 8 s, then the 8 s maximum, the last retry landing on the 60 s horizon.
    assert_eq!(
        attempt_times,
        [
            0, 1_000, 3_000, 7_000, 15_000, 23_000, 31_000, 39_000, 47_000, 55_000, 60_000
        ]
    );

    let (status, list) = send(
        &app,
        reqwest::Method::GET,
        &admin,
        "/v1/admin/deliveries?state=dead",
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let dead = &list["deliveries"][0];
    assert_eq!(dead["event_id"], event.event_id.as_str());
    assert_eq!(dead["state"], "dead");
    assert_eq!(dead["attempts"], 11);
    assert_eq!(dead["last_status"], 503);
    assert!(dead["last_error"].as_str().unwrap().contains("503"));
    assert!(dead["next_attempt_at"].is_null());
    // A dead event holds nothing up and is not retried on its own.
    assert_eq!(
        deliverer
            .deliver_due(now + 86_400_000)
            .await
            .unwrap()
            .attempted,
        0
    );

    // The host is fixed; an admin redelivers.
    drop(receiver);
    receiver = Receiver::start(always(200)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    let path = format!("/v1/admin/deliveries/{}/redeliver", event.event_id);
    let (status, v) = send(&app, reqwest::Method::POST, &admin, &path, None).await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(v["state"], "pending");
    let (status, _) = send(&app, reqwest::Method::POST, &admin, &path, None).await;
    assert_eq!(status, 409, "a pending event is already scheduled");
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        &admin,
        "/v1/admin/deliveries/evt_nope/redeliver",
        None,
    )
    .await;
    assert_eq!(status, 404);

    deliverer.deliver_due(now_ms()).await.unwrap();
    let got = receiver.next_arrival().await;
    assert_eq!(
        (got.event_id.as_str(), got.attempt),
        (event.event_id.as_str(), 12)
    );
    let row = app.store.get_delivery(&event.event_id).await.unwrap();
    assert_eq!(row.state(), DeliveryState::Delivered);
}

/// Many comments, each with four events (submit, then three edits that change the
/// verdict), a receiver that fails about a third of the attempts, and three workers
/// draining at once (on PostgreSQL, across two instances). For every comment the
/// receiver sees its events strictly in order: an event is first sent only after the
/// previous one was accepted, and the accepted ones come in creation order.
async fn events_of_a_comment_arrive_in_order_under_concurrency(backend: Backend) {
    // A long horizon: this test is about order, not about giving up.
    let Some(app) = spawn(backend, "ordering", |s| {
        s.webhooks.batch_size = 5;
        s.webhooks.give_up_after_s = 86_400;
    })
    .await
    else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    // Fail about a third of the attempts, by a hash of event and attempt, so every
    // run exercises retries.
    let receiver = Receiver::start(Arc::new(|_, seen: &Received| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&seen.event_id, seen.attempt).hash(&mut h);
        if h.finish().is_multiple_of(3) {
            Reply::Status(500)
        } else {
            Reply::Status(200)
        }
    }))
    .await;
    use_receiver(&app, &admin, &receiver.url).await;
    const COMMENTS: usize = 12;
    for i in 0..COMMENTS {
        let ext = format!("o-{i}");
        let id = submit_as(&app, &ext, &format!("comment {i}"), "approved").await;
        edit_as(
            &app,
            &id,
            &ext,
            &format!("comment {i} zzreject"),
            "rejected",
        )
        .await;
        edit_as(&app, &id, &ext, &format!("comment {i} again"), "approved").await;
        edit_as(&app, &id, &ext, &format!("comment {i} zzhold"), "pending").await;
    }
    let events = outbox(&app).await;
    assert_eq!(events.len(), COMMENTS * 4);

    let other = if backend == Backend::Postgres {
        Some(app.second_instance().await)
    } else {
        None
    };
    let stores = [
        app.store.clone(),
        app.store.clone(),
        other
            .as_ref()
            .map_or(app.store.clone(), |o| o.store.clone()),
    ];
    let workers: Vec<Arc<Deliverer>> = stores
        .into_iter()
        .map(|s| Arc::new(Deliverer::new(s, &app.settings.webhooks).unwrap()))
        .collect();
    let mut now = now_ms();
    for _ in 0..200 {
        let runs: Vec<_> = workers
            .iter()
            .map(|w| {
                let w = w.clone();
                tokio::spawn(async move { w.deliver_due(now).await.unwrap() })
            })
            .collect();
        for r in runs {
            r.await.unwrap();
        }
        if outbox(&app)
            .await
            .iter()
            .all(|r| r.state() == DeliveryState::Delivered)
        {
            break;
        }
        now += 8_001;
    }
    let rows = outbox(&app).await;
    let stuck: Vec<&DeliveryRow> = rows
        .iter()
        .filter(|r| r.state() != DeliveryState::Delivered)
        .collect();
    assert!(stuck.is_empty(), "not all delivered: {stuck:#?}");

    let position: HashMap<&str, (String, usize)> = {
        let mut per_comment: HashMap<String, usize> = HashMap::new();
        rows.iter()
            .map(|r| {
                let c = r.comment_id.clone().unwrap();
                let n = per_comment.entry(c.clone()).or_default();
                *n += 1;
                (r.event_id.as_str(), (c, *n - 1))
            })
            .collect()
    };
    let log = receiver.log();
    assert!(
        log.iter().any(|r| r.answered == 500),
        "the receiver never failed; the test proves nothing"
    );
    // Per comment: the index of the event now in flight, and whether it was accepted.
    let mut progress: HashMap<String, (usize, bool)> = HashMap::new();
    for r in &log {
        let (comment, idx) = position[r.event_id.as_str()].clone();
        let (current, accepted) = progress.entry(comment.clone()).or_insert((0, false));
        if idx == *current + 1 && *accepted {
            *current = idx;
            *accepted = false;
        }
        assert_eq!(
            idx, *current,
            "comment {comment}: event {idx} sent while event {current} was not accepted"
        );
        assert!(
            !*accepted,
            "comment {comment}: event {idx} sent again after it was accepted"
        );
        *accepted = r.answered == 200;
    }
    assert!(
        progress
            .values()
            .all(|(idx, accepted)| *idx == 3 && *accepted)
    );
    if let Some(o) = other {
        o.stop().await;
    }
}

/// A worker is killed while the receiver is holding its request. Nothing is lost: once
/// its claim runs out another worker (a restarted instance) sends the same event,
/// same id and same body, as the next attempt; and the dead worker could not have
/// recorded over the new claim.
async fn a_worker_killed_mid_delivery_is_taken_over_with_the_same_event_id(backend: Backend) {
    let Some(app) = spawn(backend, "killed", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let mut receiver = Receiver::start(Arc::new(|n, _: &Received| {
        if n == 0 {
            Reply::Hang
        } else {
            Reply::Status(200)
        }
    }))
    .await;
    use_receiver(&app, &admin, &receiver.url).await;
    submit_as(&app, "k-1", "an automatic verdict", "approved").await;
    let event = outbox(&app).await.remove(0);

    let now = now_ms();
    let first = Arc::new(exact_deliverer(&app));
    let running = {
        let first = first.clone();
        tokio::spawn(async move { first.deliver_due(now).await })
    };
    let got = receiver.next_arrival().await;
    assert_eq!(got.attempt, 1);
    running.abort();
    let _ = running.await;

    let row = app.store.get_delivery(&event.event_id).await.unwrap();
    assert_eq!((row.state(), row.attempts), (DeliveryState::Pending, 1));
    let lease = first.lease_ms();
    assert_eq!(row.next_attempt_at, now + lease, "the claim is a lease");

    // A restarted instance: a new store connection and a new worker.
    let restarted = if backend == Backend::Postgres {
        Some(app.second_instance().await)
    } else {
        None
    };
    let store = restarted
        .as_ref()
        .map_or(app.store.clone(), |r| r.store.clone());
    let second = Deliverer::new(store, &app.settings.webhooks).unwrap();
    assert_eq!(
        second.deliver_due(now + lease - 1).await.unwrap().attempted,
        0,
        "claimed by the dead worker until its lease ends"
    );
    let report = second.deliver_due(now + lease).await.unwrap();
    assert_eq!((report.attempted, report.delivered), (1, 1));

    let log = receiver.log();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|r| r.event_id == event.event_id && r.body == log[0].body)
    );
    assert_eq!(log[1].attempt, 2);
    let row = app.store.get_delivery(&event.event_id).await.unwrap();
    assert_eq!((row.state(), row.attempts), (DeliveryState::Delivered, 2));

    // The queue's side of it: a stale claim cannot record.
    submit_as(&app, "k-2", "another automatic verdict", "approved").await;
    let later = now_ms() + 10 * lease;
    let claimed = app
        .store
        .claim_due_events(later, later + 10, 10, "stale")
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let retaken = app
        .store
        .claim_due_events(later + 10, later + 20, 10, "fresh")
        .await
        .unwrap();
    assert_eq!(retaken.len(), 1);
    assert!(
        !app.store
            .record_delivered(claimed[0].id, "stale", 200, later + 11)
            .await
            .unwrap()
    );
    assert!(
        app.store
            .record_delivered(retaken[0].id, "fresh", 200, later + 11)
            .await
            .unwrap()
    );
    if let Some(r) = restarted {
        r.stop().await;
    }
}

/// Two instances (on PostgreSQL, two connection pools; `FOR UPDATE SKIP LOCKED` at
/// work) drain 60 events at once with small batches: every event is sent exactly
/// once, as attempt 1.
async fn two_instances_never_send_the_same_attempt_twice(backend: Backend) {
    let Some(app) = spawn(backend, "two-instances", |s| s.webhooks.batch_size = 3).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(always(200)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    const EVENTS: usize = 60;
    for i in 0..EVENTS {
        submit_as(
            &app,
            &format!("t-{i}"),
            &format!("comment number {i}"),
            "approved",
        )
        .await;
    }
    let other = app.second_instance().await;
    let now = now_ms();
    let a = Arc::new(Deliverer::new(app.store.clone(), &app.settings.webhooks).unwrap());
    let b = Arc::new(Deliverer::new(other.store.clone(), &app.settings.webhooks).unwrap());
    let ra = tokio::spawn({
        let a = a.clone();
        async move { a.deliver_due(now).await.unwrap() }
    });
    let rb = tokio::spawn({
        let b = b.clone();
        async move { b.deliver_due(now).await.unwrap() }
    });
    let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
    assert_eq!(ra.attempted + rb.attempted, EVENTS);

    let log = receiver.log();
    assert_eq!(log.len(), EVENTS);
    let distinct: HashSet<(&str, i64)> = log
        .iter()
        .map(|r| (r.event_id.as_str(), r.attempt))
        .collect();
    assert_eq!(distinct.len(), EVENTS);
    assert!(log.iter().all(|r| r.attempt == 1));
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|r| r.state() == DeliveryState::Delivered)
    );
    other.stop().await;
}

/// Loopback, 10/8, cloud metadata, IPv6 loopback and unique-local addresses, a name
/// resolving to 127.0.0.1 and plain http are refused when saved (admin API and CLI).
async fn private_and_insecure_targets_are_refused_when_saved(backend: Backend) {
    let Some(app) = spawn(backend, "ssrf", |s| {
        s.webhooks.allow_insecure = false;
        s.webhooks.allow_private_targets = false;
    })
    .await
    else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    for (url, why) in [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.0.0.8/hook", "private"),
        ("https://10.255.1.1:8443/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::1]/hook", "loopback"),
        ("https://[fd00::1]/hook", "private"),
        ("https://[fd12:3456::7]/hook", "private"),
        ("https://localhost/hook", "loopback"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://93.184.216.34/hook", "https"),
        ("ftp://93.184.216.34/hook", "http"),
        ("not a url", "URL"),
    ] {
        let (status, p) = set_callback(&app, &admin, json!({"callback_url": url})).await;
        assert_eq!(status, 422, "{url} was accepted: {p}");
        assert_eq!(p["field"], "callback_url");
        assert!(p["detail"].as_str().unwrap().contains(why), "{url}: {p}");
    }
    let (status, v) = set_callback(
        &app,
        &admin,
        json!({"callback_url": "https://93.184.216.34/hook"}),
    )
    .await;
    assert_eq!(status, 200, "a public address is fine: {v}");

    // The CLI applies the same guard.
    if backend == Backend::Sqlite {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_raqib"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RAQIB_DATA_DIR", dir.path())
            .env_remove("RAQIB_DATABASE_URL")
            .args([
                "site",
                "create",
                "--name",
                "evil",
                "--callback-url",
                "https://169.254.169.254/",
            ])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("link-local"));
    }
}

/// A URL saved while it was allowed (here: by an instance configured to allow local
/// targets; in life: a name whose DNS changed) is refused by a worker whose
/// configuration forbids it, whether the host is a name (checked in the HTTP client's
/// DNS step) or a literal address. The receiver is never called.
async fn a_target_that_turned_private_is_refused_at_delivery(backend: Backend) {
    let Some(app) = spawn(backend, "ssrf-delivery", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(always(200)).await;
    let strict = {
        let mut w = app.settings.webhooks.clone();
        w.allow_private_targets = false;
        Deliverer::new(app.store.clone(), &w).unwrap()
    };
    for (i, host) in [
        format!("localhost:{}", receiver.port),
        format!("127.0.0.1:{}", receiver.port),
    ]
    .iter()
    .enumerate()
    {
        use_receiver(&app, &admin, &format!("http://{host}/hook")).await;
        submit_as(&app, &format!("ssrf-{i}"), "comment", "approved").await;
        // (In the second round the first event is due for its retry as well.)
        let report = strict
            .deliver_due(now_ms() + 10_000 * i as i64)
            .await
            .unwrap();
        assert_eq!((report.attempted, report.delivered), (i + 1, 0), "{host}");
        let last = outbox(&app).await.pop().unwrap();
        assert_eq!(last.state(), DeliveryState::Pending);
        assert!(
            last.last_error.as_deref().unwrap().contains("loopback"),
            "{host}: {:?}",
            last.last_error
        );
        assert!(
            receiver.log().is_empty(),
            "the private target {host} was called"
        );
    }
    // The permissive worker of the same deployment would deliver them.
    exact_deliverer(&app)
        .deliver_due(now_ms() + 30_000)
        .await
        .unwrap();
    assert_eq!(receiver.log().len(), 2);
}

/// Pages of `GET /v1/events` hold exactly the events the receiver accepted, each
/// byte-for-byte the body that was signed, in outbox order; cursors are stable;
/// another site sees none of them.
async fn the_pull_feed_has_exactly_the_delivered_events_in_order(backend: Backend) {
    let Some(app) = spawn(backend, "feed", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(always(200)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    for i in 0..4 {
        let ext = format!("f-{i}");
        let id = submit_as(&app, &ext, &format!("remark {i}"), "approved").await;
        edit_as(&app, &id, &ext, &format!("remark {i} zzhold"), "pending").await;
    }
    submit_as(&app, "f-9", "zzreject", "rejected").await;
    exact_deliverer(&app).deliver_due(now_ms()).await.unwrap();
    let delivered: HashMap<String, String> = receiver
        .log()
        .into_iter()
        .filter(|r| r.answered == 200)
        .map(|r| (r.event_id, r.body))
        .collect();
    assert_eq!(delivered.len(), 9);

    let mut feed = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = app.get(&format!("/v1/events?after={cursor}&limit=4")).await;
        assert_eq!(status, 200, "{page}");
        let events = page["events"].as_array().unwrap().clone();
        let again = app
            .get(&format!("/v1/events?after={cursor}&limit=4"))
            .await
            .1;
        assert_eq!(again, page, "a cursor always gives the same page");
        feed.extend(events);
        cursor = page["next_cursor"].as_str().unwrap().to_string();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let in_outbox_order: Vec<String> = outbox(&app).await.into_iter().map(|r| r.event_id).collect();
    let in_feed_order: Vec<String> = feed
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(in_feed_order, in_outbox_order);
    for event in &feed {
        let body = &delivered[event["id"].as_str().unwrap()];
        assert_eq!(event, &serde_json::from_str::<Value>(body).unwrap());
    }
    // The raw page splices the stored bodies unchanged.
    let raw = app
        .client
        .get(app.url("/v1/events?limit=500"))
        .bearer_auth(&app.api_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(delivered.values().all(|b| raw.contains(b.as_str())));

    // At the end: empty page, same cursor.
    let (_, end) = app.get(&format!("/v1/events?after={cursor}")).await;
    assert_eq!(end["events"], json!([]));
    assert_eq!(end["next_cursor"], cursor.as_str());
    // New events appear after the old cursor.
    submit_as(&app, "f-10", "late remark", "approved").await;
    let (_, late) = app.get(&format!("/v1/events?after={cursor}")).await;
    assert_eq!(late["events"].as_array().unwrap().len(), 1);
    assert_eq!(late["events"][0]["comment"]["external_id"], "f-10");

    let (_, other_key) = app.other_site().await;
    let (status, theirs) = app.get_as(&other_key, "/v1/events").await;
    assert_eq!(status, 200);
    assert_eq!(theirs["events"], json!([]));
    let (status, p) = app.get("/v1/events?after=banana").await;
    assert_eq!((status, p["field"].as_str()), (422, Some("after")), "{p}");
    let (status, _) = app.get_as("rk_nope", "/v1/events").await;
    assert_eq!(status, 401);
}

/// A site without a callback URL: nothing is sent, nothing ever dies, everything is in
/// the feed; setting a URL later pushes what is pending.
async fn sites_without_a_callback_keep_their_events_for_the_feed(backend: Backend) {
    let Some(app) = spawn(backend, "no-callback", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    submit_as(&app, "n-1", "first", "approved").await;
    submit_as(&app, "n-2", "second zzreject", "rejected").await;
    let deliverer = exact_deliverer(&app);
    let report = deliverer
        .deliver_due(now_ms() + 30 * 86_400_000)
        .await
        .unwrap();
    assert_eq!(report.attempted, 0);
    let rows = outbox(&app).await;
    assert!(
        rows.iter()
            .all(|r| r.state() == DeliveryState::Pending && r.attempts == 0)
    );
    let (_, feed) = app.get("/v1/events").await;
    assert_eq!(feed["events"].as_array().unwrap().len(), 2);

    let receiver = Receiver::start(always(200)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    deliverer.deliver_due(now_ms()).await.unwrap();
    assert_eq!(receiver.log().len(), 2);
    // And back to feed-only.
    let (status, v) = set_callback(&app, &admin, json!({"callback_url": null})).await;
    assert_eq!((status, &v["callback_url"]), (200, &Value::Null));
}

/// After a rotation, deliveries carry two `v1=`: one with the new secret, one with the
/// old; after the overlap only the new one.
async fn a_rotated_secret_signs_alongside_the_new_one_during_the_overlap(backend: Backend) {
    let Some(app) = spawn(backend, "rotation", |s| s.webhooks.secret_overlap_s = 3_600).await
    else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(always(200)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    let old = app.store.webhook_target(&app.site_id).await.unwrap().secret;
    let path = format!("/v1/admin/sites/{}/webhook-secret/rotate", app.site_id);
    let (status, rotated) = send(&app, reqwest::Method::POST, &admin, &path, None).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["webhook_secret"].as_str().unwrap().to_string();
    assert!(new.starts_with("whsec_") && new != old);
    assert!(rotated["previous_secret_valid_until"].is_string());

    submit_as(&app, "rot-1", "during the overlap", "approved").await;
    let deliverer = exact_deliverer(&app);
    let now = now_ms();
    deliverer.deliver_due(now).await.unwrap();
    let during = receiver.log().pop().unwrap();
    assert_eq!(
        during.signature.matches("v1=").count(),
        2,
        "{}",
        during.signature
    );
    assert!(signed_with(&during.signature, &new, &during.body));
    assert!(signed_with(&during.signature, &old, &during.body));

    submit_as(&app, "rot-2", "after the overlap", "approved").await;
    deliverer
        .deliver_due(now + 3_600_000 + 1_000)
        .await
        .unwrap();
    let after = receiver.log().pop().unwrap();
    assert_eq!(after.signature.matches("v1=").count(), 1);
    assert!(signed_with(&after.signature, &new, &after.body));
    assert!(!signed_with(&after.signature, &old, &after.body));

    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        &admin,
        "/v1/admin/sites/nope/webhook-secret/rotate",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// `send_pending: false` keeps holds from being pushed (they are recorded as skipped
/// and hold nothing up); the test ping arrives signed; moderators cannot use any of
/// the delivery admin API; the delivery log filters by state and site and pages.
async fn pending_opt_out_test_ping_and_admin_scoping(backend: Backend) {
    let Some(app) = spawn(backend, "opt-out", |_| {}).await else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let receiver = Receiver::start(always(200)).await;
    let (status, v) = set_callback(
        &app,
        &admin,
        json!({"callback_url": receiver.url, "send_pending": false}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["send_pending"], false);

    let id = submit_as(&app, "p-1", "please look zzhold", "pending").await;
    edit_as(&app, &id, "p-1", "please look, fixed", "approved").await;
    submit_as(&app, "p-2", "plain", "approved").await;
    let report = exact_deliverer(&app).deliver_due(now_ms()).await.unwrap();
    assert_eq!((report.skipped, report.delivered), (1, 2));
    let types: Vec<String> = receiver
        .log()
        .iter()
        .map(|r| r.event_type.clone())
        .collect();
    assert!(!types.contains(&"comment.pending".to_string()), "{types:?}");
    assert!(types.contains(&"comment.updated".to_string()), "{types:?}");

    let get = |q: String| {
        let (app, admin) = (&app, &admin);
        async move {
            send(
                app,
                reqwest::Method::GET,
                admin,
                &format!("/v1/admin/deliveries{q}"),
                None,
            )
            .await
        }
    };
    let (_, skipped) = get("?state=skipped".into()).await;
    assert_eq!(skipped["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(skipped["deliveries"][0]["event_type"], "comment.pending");
    let (_, delivered) = get(format!("?state=delivered&site={}", app.site_id)).await;
    assert_eq!(delivered["deliveries"].as_array().unwrap().len(), 2);
    assert_eq!(delivered["deliveries"][0]["last_status"], 200);
    let (_, page1) = get("?limit=2".into()).await;
    assert_eq!(page1["deliveries"].as_array().unwrap().len(), 2);
    let before = page1["next_before"].as_str().unwrap();
    let (_, page2) = get(format!("?limit=2&before={before}")).await;
    assert_eq!(page2["deliveries"].as_array().unwrap().len(), 1);
    assert!(page2["next_before"].is_null());
    let (_, none) = get("?site=another-site".into()).await;
    assert_eq!(none["deliveries"], json!([]));
    let (status, _) = get("?state=lost".into()).await;
    assert_eq!(status, 422);

    let ping_path = format!("/v1/admin/sites/{}/test-webhook", app.site_id);
    let (status, ping) = send(&app, reqwest::Method::POST, &admin, &ping_path, None).await;
    assert_eq!(status, 200, "{ping}");
    assert_eq!(
        (ping["delivered"].as_bool(), ping["status"].as_u64()),
        (Some(true), Some(200))
    );
    // The ping is synchronous: the receiver has answered it already.
    let got = receiver.log().pop().unwrap();
    assert_eq!(got.event_type, "ping");
    assert_eq!(got.event_id, ping["event_id"].as_str().unwrap());
    let secret = app.store.webhook_target(&app.site_id).await.unwrap().secret;
    assert!(signed_with(&got.signature, &secret, &got.body));
    let body: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(
        (body["type"].as_str(), body["site_id"].as_str()),
        (Some("ping"), Some(app.site_id.as_str()))
    );

    let (other_site, _) = app.other_site().await;
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        &admin,
        &format!("/v1/admin/sites/{other_site}/test-webhook"),
        None,
    )
    .await;
    assert_eq!(status, 409, "no callback URL to ping");

    let moderator = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    for (method, path) in [
        (reqwest::Method::GET, "/v1/admin/deliveries".to_string()),
        (reqwest::Method::POST, ping_path.clone()),
        (
            reqwest::Method::POST,
            format!("/v1/admin/sites/{}/webhook-secret/rotate", app.site_id),
        ),
        (
            reqwest::Method::POST,
            "/v1/admin/deliveries/evt_x/redeliver".to_string(),
        ),
    ] {
        let (status, _) = send(&app, method, &moderator, &path, None).await;
        assert_eq!(status, 403, "{path}");
    }
    let (status, _) = set_callback(&app, &moderator, json!({"callback_url": null})).await;
    assert_eq!(status, 403);
}

/// With the worker on (as in production), an automatic verdict reaches the host
/// without anyone driving it, metrics count it, and shutdown is clean.
async fn the_background_worker_delivers_automatic_verdicts_promptly(backend: Backend) {
    let Some(app) = spawn(backend, "worker", |s| {
        s.webhooks.worker = true;
        s.webhooks.poll_interval_ms = 50;
    })
    .await
    else {
        return;
    };
    let admin = admin_with_rules(&app).await;
    let mut receiver = Receiver::start(always(200)).await;
    use_receiver(&app, &admin, &receiver.url).await;
    let id = submit_as(&app, "w-1", "automatic approval", "approved").await;
    let got = receiver.next_arrival().await;
    let payload: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(payload["comment"]["comment_id"], id.as_str());

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "raqib_webhook_attempts_total",
        "raqib_webhook_delivered_total",
        "raqib_webhook_request_duration_seconds",
        "raqib_webhook_oldest_pending_seconds",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    app.stop().await;
}
