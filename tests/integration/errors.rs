use crate::helpers::{TestApp, both_backends, comment};
use serde_json::{Value, json};

both_backends!(bad_input_gets_problems_and_the_service_keeps_serving);

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, String, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&app.api_key)
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn bad_input_gets_problems_and_the_service_keeps_serving(app: TestApp) {
    let json_ct = Some("application/json");
    let post = reqwest::Method::POST;
    let cases: Vec<(&str, Option<&str>, Vec<u8>, u16, &str, Option<&str>)> = vec![
        ("malformed JSON", json_ct, b"{\"external_id\": ".to_vec(), 400, "malformed_request", None),
        ("trailing garbage", json_ct, b"{} {}".to_vec(), 400, "malformed_request", None),
        ("invalid UTF-8", json_ct, b"{\"body\": \"\xff\xfe\"}".to_vec(), 400, "malformed_request", None),
        ("wrong type", json_ct, serde_json::to_vec(&json!({"external_id": "x", "thread": {"id": "t"}, "author": {"id": 7}, "body": "b"})).unwrap(), 422, "validation_failed", Some("author.id")),
        ("missing field", json_ct, serde_json::to_vec(&json!({"external_id": "x", "thread": {"id": "t"}, "author": {"id": "a"}})).unwrap(), 422, "validation_failed", Some("body")),
        ("missing nested field", json_ct, serde_json::to_vec(&json!({"external_id": "x", "thread": {}, "author": {"id": "a"}, "body": "b"})).unwrap(), 422, "validation_failed", Some("thread.id")),
        ("unknown field", json_ct, serde_json::to_vec(&json!({"external_id": "x", "thread": {"id": "t"}, "author": {"id": "a"}, "body": "b", "bogus": 1})).unwrap(), 422, "validation_failed", None),
        ("empty body text", json_ct, serde_json::to_vec(&comment("x", "   ")).unwrap(), 422, "validation_failed", Some("body")),
        ("over-long body text", json_ct, serde_json::to_vec(&comment("x", &"ب".repeat(10_001))).unwrap(), 422, "validation_failed", Some("body")),
        ("NUL in body", json_ct, serde_json::to_vec(&comment("x", "a\u{0}b")).unwrap(), 422, "validation_failed", Some("body")),
        ("bad IP", json_ct, serde_json::to_vec(&json!({"external_id": "x", "thread": {"id": "t"}, "author": {"id": "a", "ip": "999.1.1.1"}, "body": "b"})).unwrap(), 422, "validation_failed", Some("author.ip")),
        ("body over 64 KiB", json_ct, serde_json::to_vec(&comment("x", &"a".repeat(70_000))).unwrap(), 413, "payload_too_large", None),
        ("not JSON content type", Some("text/plain"), b"hello".to_vec(), 415, "unsupported_media_type", None),
        ("JSON array instead of object", json_ct, b"[1,2]".to_vec(), 422, "validation_failed", None),
    ];
    for (what, ct, body, want_status, want_code, want_field) in cases {
        let (status, content_type, problem) =
            raw(&app, post.clone(), "/v1/comments", ct, body).await;
        assert_eq!(status, want_status, "{what}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{what}");
        assert_eq!(problem["code"], want_code, "{what}: {problem}");
        assert_eq!(problem["status"], want_status, "{what}");
        if let Some(field) = want_field {
            assert_eq!(problem["field"], field, "{what}: {problem}");
        }
    }
    let (status, _, p) = raw(&app, reqwest::Method::GET, "/v1/nowhere", None, vec![]).await;
    assert_eq!((status, p["code"].as_str()), (404, Some("not_found")));
    let (status, _, p) = raw(
        &app,
        reqwest::Method::PATCH,
        "/v1/comments",
        json_ct,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (405, Some("method_not_allowed"))
    );

    // Nothing was stored, and the service still works.
    assert_eq!(app.store.count_comments(&app.site_id).await.unwrap(), 0);
    let (status, v) = app.submit(&comment("after", "still serving")).await;
    assert_eq!(status, 201, "{v}");
}
