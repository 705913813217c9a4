use crate::helpers::{TestApp, both_backends, comment};
use serde_json::Value;

both_backends!(
    health_readiness_metrics_and_openapi,
    request_ids_are_echoed_or_made
);

async fn health_readiness_metrics_and_openapi(app: TestApp) {
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let ready: Value = res.json().await.unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");

    app.submit(&comment("m-1", "a comment to count")).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("raqib_http_requests_total"), "{text}");
    assert!(
        text.contains("raqib_http_request_duration_seconds"),
        "{text}"
    );
    assert!(text.contains("raqib_decisions_total"), "{text}");

    let api: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = api["paths"].as_object().unwrap();
    for p in [
        "/v1/comments",
        "/v1/comments/batch",
        "/v1/comments/{id}",
        "/v1/check",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
    assert!(api["paths"]["/v1/comments/{id}"].get("put").is_some());
    assert!(api["paths"]["/v1/comments/{id}"].get("delete").is_some());
    // A graceful stop completes without error.
    app.stop().await;
}

async fn request_ids_are_echoed_or_made(app: TestApp) {
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(!res.headers()["x-request-id"].is_empty());
}

#[tokio::test]
async fn readiness_fails_when_the_model_is_missing() {
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, "readiness", |s| {
        s.model_path = "/nonexistent/model.json".into();
    })
    .await
    .unwrap();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 503);
    let ready: Value = res.json().await.unwrap();
    assert!(
        ready["model"].as_str().unwrap().starts_with("error"),
        "{ready}"
    );
    // Still serving: liveness is not readiness.
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
}
