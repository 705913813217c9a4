//! The compatibility endpoints as real clients see them: the captured requests of
//! docs/compat.md §5.1 (`tests/fixtures/compat/*.http`) replayed byte for byte over a
//! raw TCP connection, plus signature failures, wrong keys, malformed bodies and
//! UTF-16 span offsets on Arabic text with emoji.
//!
//! Scores depend on the shipped model, so these tests assert shapes, exact reply
//! strings and headers, offsets, and outcomes on unambiguous texts only.

use crate::helpers::{Backend, TestApp, both_backends};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

both_backends!(
    perspective_routes_with_a_literal_colon,
    perspective_google_client_replay,
    perspective_proxied_clients_replay,
    perspective_coral_arabic_labelled_english,
    perspective_suggestscore_becomes_a_label,
    perspective_errors_use_googles_envelope,
    perspective_spans_are_utf16_on_arabic_with_emoji,
    akismet_captured_requests_replay,
    akismet_spam_ham_and_test_triggers,
    akismet_wrong_keys_and_malformed_bodies,
    akismet_submit_calls_become_labels,
    akismet_store_opt_in,
    coral_phase_rejects_bad_signatures,
    openai_python_replay_and_errors,
);

// Verdicts here come from the rules: the replay checks the wire format, not the model.
both_backends!(with(crate::helpers::rules_only): coral_phase_signed_replay_and_verdicts);

// ---------------------------------------------------------------- raw HTTP replay

/// A response read off the wire.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// No Akismet debug or alert header: `@cedx/akismet` throws on either.
    fn assert_no_akismet_alerts(&self) {
        for h in [
            "x-akismet-debug-help",
            "x-akismet-alert-code",
            "x-akismet-alert-msg",
        ] {
            assert!(self.header(h).is_none(), "{h} on a normal reply");
        }
    }
}

/// A captured request, with its placeholders filled in.
struct Replay {
    head: String,
    body: Vec<u8>,
}

impl Replay {
    /// Load a fixture and fill in the test app's key, port and site.
    fn load(app: &TestApp, name: &str) -> Replay {
        let raw = std::fs::read(crate::helpers::manifest_path(&format!(
            "tests/fixtures/compat/{name}"
        )))
        .unwrap();
        let split = raw.windows(2).position(|w| w == b"\n\n").unwrap();
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let body = raw[split + 2..].to_vec();
        let port = app.base.rsplit(':').next().unwrap().to_string();
        let basic = base64(format!("{}.:undefined", app.api_key).as_bytes());
        let mut r = Replay { head, body };
        r.set("BASICAUTH", &basic);
        r.set("testkey", &app.api_key);
        r.set("PORT", &port);
        r.set("SITE", &app.site_id);
        r
    }

    fn set(&mut self, placeholder: &str, value: &str) {
        self.head = self.head.replace(placeholder, value);
        let text = String::from_utf8(self.body.clone()).unwrap();
        self.body = text.replace(placeholder, value).into_bytes();
    }

    /// The bytes on the wire: CRLF line ends, `Content-Length` recomputed.
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for line in self.head.lines() {
            let line = match line.split_once(':') {
                Some((name, _)) if name.eq_ignore_ascii_case("content-length") => {
                    format!("{name}: {}", self.body.len())
                }
                _ => line.to_string(),
            };
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }

    async fn send(&self, app: &TestApp) -> Raw {
        send_raw(app, &self.bytes()).await
    }
}

fn base64(data: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Write the bytes to the app and read one response (by `Content-Length`).
async fn send_raw(app: &TestApp, bytes: &[u8]) -> Raw {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut buf = Vec::new();
    let read = async {
        loop {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    return (head, buf[end + 4..end + 4 + len].to_vec());
                }
            }
            assert!(
                n > 0,
                "connection closed early: {:?}",
                String::from_utf8_lossy(&buf)
            );
        }
    };
    let (head, body) = tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("response within 10 s");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw {
        status,
        headers,
        body,
    }
}

/// A request built by hand, for the cases no fixture covers.
async fn post_raw(app: &TestApp, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Raw {
    let mut req = format!("POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    send_raw(app, &bytes).await
}

async fn akismet(app: &TestApp, call: &str, form: &str) -> Raw {
    post_raw(
        app,
        &format!("/1.1/{call}"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    )
    .await
}

async fn analyze(app: &TestApp, body: &Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/v1alpha1/comments:analyze?key={}", app.api_key)))
        .json(body)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

fn score(v: &Value, attr: &str) -> f64 {
    v["attributeScores"][attr]["summaryScore"]["value"]
        .as_f64()
        .unwrap_or_else(|| panic!("no {attr} score in {v}"))
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

// ---------------------------------------------------------------- Perspective

async fn perspective_routes_with_a_literal_colon(app: TestApp) {
    let body =
        json!({"comment": {"text": "A fine article."}, "requestedAttributes": {"TOXICITY": {}}});
    let (status, v) = analyze(&app, &body).await;
    assert_eq!(status, 200, "{v}");
    // The colon is part of the path, not a parameter: neighbours do not match.
    for path in [
        "/v1alpha1/comments:analyzed",
        "/v1alpha1/comments",
        "/v1alpha1/comments:",
    ] {
        let res = app
            .client
            .post(app.url(&format!("{path}?key={}", app.api_key)))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404, "{path}");
    }
    let res = app
        .client
        .get(app.url(&format!("/v1alpha1/comments:analyze?key={}", app.api_key)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
}

async fn perspective_google_client_replay(app: TestApp) {
    let discovery = Replay::load(&app, "perspective-discovery.http")
        .send(&app)
        .await;
    assert_eq!(discovery.status, 200);
    let doc = discovery.json();
    assert_eq!(doc["kind"], "discovery#restDescription");
    // From configuration, not from the request's Host.
    assert_eq!(doc["rootUrl"], app.settings.compat.root_url.as_str());
    assert_eq!(doc["servicePath"], "");
    let methods = &doc["resources"]["comments"]["methods"];
    assert_eq!(methods["analyze"]["path"], "v1alpha1/comments:analyze");
    assert_eq!(
        methods["suggestscore"]["path"],
        "v1alpha1/comments:suggestscore"
    );
    for m in ["analyze", "suggestscore"] {
        for dir in ["request", "response"] {
            let name = methods[m][dir]["$ref"].as_str().unwrap();
            assert!(doc["schemas"][name].is_object(), "schema {name}");
        }
    }

    let res = Replay::load(&app, "perspective-googleapiclient-analyze.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(
        res.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let v = res.json();
    assert_eq!(v["clientToken"], "comment:42");
    assert_eq!(v["languages"], json!(["en"]));
    let text = "What kind of idiot name is foo? أنت غبي 👍";
    let spans = [(0, 31), (32, 32 + utf16_len("أنت غبي 👍"))];
    assert_eq!(spans[1].1, 42);
    for attr in ["TOXICITY", "INSULT"] {
        let a = &v["attributeScores"][attr];
        assert_eq!(a["summaryScore"]["type"], "PROBABILITY");
        let value = score(&v, attr);
        assert!((0.0..=1.0).contains(&value));
        let got: Vec<(u64, u64)> = a["spanScores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                assert_eq!(s["score"]["type"], "PROBABILITY");
                (s["begin"].as_u64().unwrap(), s["end"].as_u64().unwrap())
            })
            .collect();
        assert_eq!(got, [(0, 31), (32, 42)], "{attr} spans over {text:?}");
    }
    // "idiot" and "غبي" are insults in the shipped rules: above Coral's 0.80.
    assert!(score(&v, "INSULT") > 0.8, "{v}");
    assert!(score(&v, "TOXICITY") > 0.8, "{v}");
}

async fn perspective_proxied_clients_replay(app: TestApp) {
    // axios through https_proxy: absolute-form target, Google's Host, no languages.
    let res = Replay::load(&app, "perspective-axios-analyze.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    assert_eq!(v["languages"], json!(["en"]));
    assert_eq!(v["detectedLanguages"], json!(["en"]));
    assert!(v.get("clientToken").is_none());
    assert!(v["attributeScores"]["TOXICITY"]["spanScores"].is_null());

    // perspectiveapi inside the CONNECT tunnel: all six production attributes.
    let res = Replay::load(&app, "perspectiveapi-analyze.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    for attr in [
        "TOXICITY",
        "SEVERE_TOXICITY",
        "IDENTITY_ATTACK",
        "INSULT",
        "PROFANITY",
        "THREAT",
    ] {
        assert!(score(&v, attr) < 0.8, "{attr} on a polite comment: {v}");
    }
    assert!(v.get("detectedLanguages").is_none());
}

async fn perspective_coral_arabic_labelled_english(app: TestApp) {
    let res = Replay::load(&app, "coral-perspective-analyze.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    // Coral labels Arabic "en"; raqib scores it as Arabic and says so.
    assert_eq!(v["languages"], json!(["en"]));
    assert_eq!(v["detectedLanguages"], json!(["ar"]));
    assert!(score(&v, "TOXICITY") > 0.8, "{v}");
}

async fn perspective_suggestscore_becomes_a_label(app: TestApp) {
    let res = Replay::load(&app, "coral-perspective-suggestscore.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    assert_eq!(v["clientToken"], "comment:c1");
    assert_eq!(v["detectedLanguages"], json!(["ar"]));
    assert_eq!(v["requestedLanguages"], json!(["en"]));
    let labels = app.store.feedback_labels(None, 0).await.unwrap();
    assert_eq!(labels.len(), 1);
    let l = &labels[0];
    assert_eq!(
        (l.source.as_str(), l.label_raw.as_str()),
        ("perspective", "TOXICITY=0")
    );
    assert_eq!((l.spam, l.abuse), (None, Some(0)));
    assert_eq!((l.text.as_str(), l.language.as_str()), ("مقال رائع", "ar"));
    assert_eq!(l.site_id, app.site_id);
}

async fn perspective_errors_use_googles_envelope(app: TestApp) {
    let ok =
        json!({"comment": {"text": "A fine article."}, "requestedAttributes": {"TOXICITY": {}}});
    let post = |path: String, body: Vec<u8>| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move {
            let res = client
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let check = |(status, v): (u16, Value), code: u16, grpc: &str, error_type: Option<&str>| {
        assert_eq!(status, code, "{v}");
        assert_eq!(v["error"]["code"], code, "{v}");
        assert_eq!(v["error"]["status"], grpc, "{v}");
        assert!(v["error"]["message"].is_string());
        if let Some(t) = error_type {
            assert_eq!(v["error"]["details"][0]["errorType"], t, "{v}");
            assert_eq!(
                v["error"]["details"][0]["@type"],
                "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
            );
        }
        v
    };
    let body = serde_json::to_vec(&ok).unwrap();
    let analyze_path = |key: &str| format!("/v1alpha1/comments:analyze?key={key}");

    // Keys: missing, wrong, and the header form.
    check(
        post("/v1alpha1/comments:analyze".into(), body.clone()).await,
        403,
        "PERMISSION_DENIED",
        None,
    );
    let v = check(
        post(analyze_path("rk_wrong"), body.clone()).await,
        403,
        "PERMISSION_DENIED",
        None,
    );
    assert_eq!(
        v["error"]["message"],
        "API key not valid. Please pass a valid API key."
    );
    let res = app
        .client
        .post(app.url("/v1alpha1/comments:analyze"))
        .header("x-goog-api-key", &app.api_key)
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    let key = app.api_key.clone();
    let bad = |body: Value| serde_json::to_vec(&body).unwrap();
    check(
        post(analyze_path(&key), b"{not json".to_vec()).await,
        400,
        "INVALID_ARGUMENT",
        Some("INVALID_REQUEST"),
    );
    let v = check(
        post(
            analyze_path(&key),
            bad(json!({"comment": {"text": " "}, "requestedAttributes": {"TOXICITY": {}}})),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        Some("COMMENT_EMPTY"),
    );
    assert_eq!(v["error"]["message"], "Comment must be non-empty.");
    let v = check(
        post(
            analyze_path(&key),
            bad(json!({"comment": {"text": "hello"}})),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        Some("NO_REQUESTED_ATTRIBUTES"),
    );
    assert_eq!(v["error"]["message"], "Missing requested_attributes");
    let v = check(
        post(
            analyze_path(&key),
            bad(json!({"comment": {"text": "hello"}, "requestedAttributes": {"FOO": {}}})),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        Some("INVALID_REQUEST"),
    );
    assert_eq!(v["error"]["message"], "Unknown requested attribute: FOO");
    let long = "a".repeat(20 * 1024 + 1);
    check(
        post(
            analyze_path(&key),
            bad(json!({"comment": {"text": long}, "requestedAttributes": {"TOXICITY": {}}})),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        Some("COMMENT_TOO_LONG"),
    );
    let v = check(
        post(analyze_path(&key), bad(json!({"comment": {"text": "hola amigo"}, "languages": ["es"], "requestedAttributes": {"TOXICITY": {}}}))).await,
        400, "INVALID_ARGUMENT", Some("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"),
    );
    assert_eq!(
        v["error"]["message"],
        "Attribute TOXICITY does not support request languages: es"
    );
    // An attribute raqib has no model for: the answer clients drop-and-retry on.
    let v = check(
        post(analyze_path(&key), bad(json!({"comment": {"text": "hello"}, "languages": ["en"], "requestedAttributes": {"SEXUALLY_EXPLICIT": {}, "TOXICITY": {}}}))).await,
        400, "INVALID_ARGUMENT", Some("LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"),
    );
    assert_eq!(
        v["error"]["details"][0]["languageNotSupportedByAttributeError"]["attribute"],
        "SEXUALLY_EXPLICIT"
    );
    check(
        post(analyze_path(&key), bad(json!({"comment": {"text": "hello", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}}))).await,
        400, "INVALID_ARGUMENT", Some("INVALID_REQUEST"),
    );
    check(
        post(analyze_path(&key), bad(json!({"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {"scoreType": "PERCENTILE"}}}))).await,
        400, "INVALID_ARGUMENT", Some("INVALID_REQUEST"),
    );
    check(
        post(
            analyze_path(&key),
            bad(json!({"comment": {"text": "👍 123"}, "requestedAttributes": {"TOXICITY": {}}})),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        Some("LANGUAGE_DETECTION_FAILED"),
    );
    let huge = "x".repeat(70_000);
    check(
        post(
            analyze_path(&key),
            bad(json!({"comment": {"text": huge}, "requestedAttributes": {"TOXICITY": {}}})),
        )
        .await,
        400,
        "INVALID_ARGUMENT",
        Some("COMMENT_TOO_LONG"),
    );
    // scoreThreshold leaves the attribute out.
    let (status, v) = analyze(
        &app,
        &json!({"comment": {"text": "A fine article."}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.99}, "SPAM": {}}}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(v["attributeScores"].get("TOXICITY").is_none(), "{v}");
    assert!(v["attributeScores"]["SPAM"].is_object());
    // Unknown discovery version.
    let res = app
        .client
        .get(app.url("/$discovery/rest?version=v9"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["status"],
        "NOT_FOUND"
    );
}

async fn perspective_spans_are_utf16_on_arabic_with_emoji(app: TestApp) {
    // Emoji (surrogate pairs, a skin-tone modifier) before the insult shift UTF-16
    // offsets away from code-point and byte offsets.
    let text = "👍🏽 مقال جميل. 😡😡 يا حمار! شكرا 🌹";
    let (status, v) = analyze(
        &app,
        &json!({"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {}}, "spanAnnotations": true, "languages": ["ar"]}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let expect: Vec<(usize, usize)> = ["👍🏽 مقال جميل.", "😡😡 يا حمار!", "شكرا 🌹"]
        .iter()
        .map(|s| {
            let at = text.find(s).unwrap();
            (
                utf16_len(&text[..at]),
                utf16_len(&text[..at]) + utf16_len(s),
            )
        })
        .collect();
    // 👍🏽 is 4 units (two surrogate pairs), each 😡 is 2: code points would give (12, 22).
    assert_eq!(expect[1], (16, 29));
    let spans = v["attributeScores"]["INSULT"]["spanScores"]
        .as_array()
        .unwrap();
    let got: Vec<(usize, usize)> = spans
        .iter()
        .map(|s| {
            (
                s["begin"].as_u64().unwrap() as usize,
                s["end"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(got, expect);
    let value = |i: usize| spans[i]["score"]["value"].as_f64().unwrap();
    assert!(value(1) > 0.8, "the insult's sentence: {v}");
    assert!(value(0) < value(1) && value(2) < value(1), "{v}");
}

// ---------------------------------------------------------------- Akismet

async fn akismet_captured_requests_replay(app: TestApp) {
    let exact = |res: &Raw, body: &str| {
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(
            res.body,
            body.as_bytes(),
            "exact reply, no trailing newline"
        );
        assert_eq!(
            res.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        res.assert_no_akismet_alerts();
    };
    for (fixture, reply) in [
        ("akismet-py-verify-key.http", "valid"),
        ("akismet-py-comment-check.http", "false"),
        ("python-akismet-comment-check.http", "false"),
        ("akismet-api-comment-check.http", "false"),
        ("cedx-verify-key.http", "valid"),
        ("cedx-comment-check.http", "false"),
    ] {
        let res = Replay::load(&app, fixture).send(&app).await;
        exact(&res, reply);
        // The native layers run on compat routes too.
        assert!(res.header("x-request-id").is_some(), "{fixture}");
        if fixture.contains("comment-check") {
            assert!(res.header("x-akismet-guid").is_some(), "{fixture}");
            assert!(res.header("x-akismet-pro-tip").is_none(), "{fixture}");
        }
    }
    // node-akismet sends no key: without a default site that is "invalid"...
    let res = Replay::load(&app, "node-akismet-comment-check.http")
        .send(&app)
        .await;
    assert_eq!((res.status, res.text()), (200, "invalid"));
    assert!(res.header("x-akismet-debug-help").is_some());
    // ...and with one, the default site answers.
    let with_default = TestApp::spawn_with(Backend::Sqlite, "akismet_default", |s| {
        s.compat.akismet_default_site = "test-site".into();
    })
    .await
    .unwrap();
    let res = Replay::load(&with_default, "node-akismet-comment-check.http")
        .send(&with_default)
        .await;
    exact(&res, "false");
}

async fn akismet_spam_ham_and_test_triggers(app: TestApp) {
    let key = &app.api_key;
    let spam = "comment_content=%D9%84%D9%84%D8%AA%D9%88%D8%A7%D8%B5%D9%84+%D9%88%D8%A7%D8%AA%D8%B3%D8%A7%D8%A8+0501234567";
    let res = akismet(
        &app,
        "comment-check",
        &format!("api_key={key}&blog=https%3A%2F%2Fnews.example.org%2F&user_ip=203.0.113.7&{spam}"),
    )
    .await;
    assert_eq!(res.text(), "true");
    assert_eq!(res.header("x-akismet-pro-tip"), Some("discard"));
    res.assert_no_akismet_alerts();
    // JSON body, is_test as a JSON boolean.
    let res = post_raw(
        &app,
        "/1.1/comment-check",
        &[("Content-Type", "application/json")],
        json!({"api_key": key, "blog": "https://news.example.org/", "comment_content": "للتواصل واتساب 0501234567", "is_test": false})
            .to_string()
            .as_bytes(),
    )
    .await;
    assert_eq!(res.text(), "true");
    // Akismet's documented triggers.
    let res = akismet(
        &app,
        "comment-check",
        &format!("key={key}&comment_author=viagra-test-123&comment_content=Nice"),
    )
    .await;
    assert_eq!(res.text(), "true");
    let res = akismet(&app, "comment-check", &format!("key={key}&comment_author_email=akismet-guaranteed-spam%40example.com&comment_content=Nice")).await;
    assert_eq!(res.text(), "true");
    let res = akismet(
        &app,
        "comment-check",
        &format!("key={key}&user_role=administrator&{spam}"),
    )
    .await;
    assert_eq!(res.text(), "false");
    assert!(res.header("x-akismet-pro-tip").is_none());
    // Ordinary comments, `+` and `%20` spaces alike.
    for content in ["Thanks+for+the+article", "Thanks%20for%20the%20article"] {
        let res = akismet(
            &app,
            "comment-check",
            &format!("api_key={key}&comment_content={content}"),
        )
        .await;
        assert_eq!(res.text(), "false");
    }
}

async fn akismet_wrong_keys_and_malformed_bodies(app: TestApp) {
    for call in ["verify-key", "comment-check"] {
        let res = akismet(
            &app,
            call,
            "key=rk_wrong&blog=https%3A%2F%2Fnews.example.org%2F&comment_content=x",
        )
        .await;
        assert_eq!((res.status, res.text()), (200, "invalid"), "{call}");
        assert!(res.header("x-akismet-debug-help").is_some());
    }
    // verify-key never falls back to a default site.
    let res = akismet(&app, "verify-key", "blog=https%3A%2F%2Fnews.example.org%2F").await;
    assert_eq!(res.text(), "invalid");
    // A wrong key in the host name.
    let res = post_raw(
        &app,
        "http://rk_nope.rest.akismet.com/1.1/comment-check",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"comment_content=hello",
    )
    .await;
    assert_eq!(res.text(), "invalid");
    let res = post_raw(
        &app,
        "/1.1/comment-check",
        &[("Content-Type", "application/json")],
        b"{\"api_key\": ",
    )
    .await;
    assert_eq!(res.status, 400);
    assert!(res.header("x-akismet-debug-help").is_some());
    let res = post_raw(
        &app,
        "/1.1/comment-check",
        &[("Content-Type", "application/json")],
        b"[1]",
    )
    .await;
    assert_eq!(res.status, 400);
    // Over `server.max_body_bytes`.
    let big = format!(
        "api_key={}&comment_content={}",
        app.api_key,
        "x".repeat(70_000)
    );
    let res = akismet(&app, "comment-check", &big).await;
    assert_eq!((res.status, res.text()), (413, "invalid"));
}

async fn akismet_submit_calls_become_labels(app: TestApp) {
    // Coral's submit-spam: JSON body, key only in the host name.
    let res = Replay::load(&app, "coral-akismet-submit-spam.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.text(), "Thanks for making the web a better place.");
    res.assert_no_akismet_alerts();
    let key = &app.api_key;
    let res = akismet(
        &app,
        "submit-ham",
        &format!("api_key={key}&comment_content=Great+reporting"),
    )
    .await;
    assert_eq!(res.text(), "Thanks for making the web a better place.");
    // Test calls teach nothing.
    let res = akismet(
        &app,
        "submit-ham",
        &format!("api_key={key}&comment_content=test+only&is_test=1"),
    )
    .await;
    assert_eq!(res.text(), "Thanks for making the web a better place.");
    let labels = app
        .store
        .feedback_labels(Some(&app.site_id), 0)
        .await
        .unwrap();
    let got: Vec<(&str, Option<i64>, &str)> = labels
        .iter()
        .map(|l| (l.label_raw.as_str(), l.spam, l.text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("submit-spam", Some(1), "اربح المال من البيت راسلني واتساب"),
            ("submit-ham", Some(0), "Great reporting"),
        ]
    );
    assert_eq!(labels[0].language, "ar");

    // `raqib export-labels` writes them in its usual format, beside moderator labels.
    let res = Replay::load(&app, "coral-perspective-suggestscore.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200);
    let out = app.settings.data_dir.join("labels.jsonl");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_raqib"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAQIB_DATABASE_URL", app.settings.database_url())
        .env("RAQIB_MODEL_PATH", "")
        .args(["export-labels", "--site", &app.site_id, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(&str, Value, Value, String)> = lines
        .iter()
        .map(|l| {
            (
                l["label_raw"].as_str().unwrap(),
                l["spam"].clone(),
                l["abuse"].clone(),
                l["source"]
                    .as_str()
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "submit-spam",
                json!(true),
                Value::Null,
                "akismet".to_string()
            ),
            (
                "submit-ham",
                json!(false),
                Value::Null,
                "akismet".to_string()
            ),
            (
                "TOXICITY=0",
                Value::Null,
                json!(false),
                "perspective".to_string()
            ),
        ]
    );
    for l in &lines {
        assert!(l["id"].as_str().unwrap().starts_with("feedback:"));
        assert!(l["text"].is_string() && l["lang"].is_string());
    }
}

async fn akismet_store_opt_in(app: TestApp) {
    let key = app.api_key.clone();
    let form = format!(
        "api_key={key}&comment_author=Reader&comment_content=A+thoughtful+piece&permalink=https%3A%2F%2Fnews.example.org%2Fa%2F1"
    );
    assert_eq!(akismet(&app, "comment-check", &form).await.text(), "false");
    assert!(
        app.store
            .comments_since(Some(&app.site_id), 0)
            .await
            .unwrap()
            .is_empty()
    );

    let path = format!("/v1/admin/sites/{}/integrations/akismet", app.site_id);
    let moderator = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    let (status, _) = app
        .call(
            reqwest::Method::PUT,
            &moderator,
            &path,
            Some(&json!({"store_comments": true})),
        )
        .await;
    assert_eq!(status, 403);
    let admin = app.user_token("admin", &[]).await;
    let (status, v) = app
        .call(
            reqwest::Method::PUT,
            &admin,
            &path,
            Some(&json!({"store_comments": true})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(akismet(&app, "comment-check", &form).await.text(), "false");
    // Checked twice, stored once; test calls are never stored.
    assert_eq!(akismet(&app, "comment-check", &form).await.text(), "false");
    assert_eq!(
        akismet(&app, "comment-check", &format!("{form}&is_test=1"))
            .await
            .text(),
        "false"
    );
    let stored = app
        .store
        .comments_since(Some(&app.site_id), 0)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].body, "A thoughtful piece");
    assert!(stored[0].external_id.starts_with("akismet:"));
}

// ---------------------------------------------------------------- Coral

const CORAL_SECRET: &str = "empsec_4f1a9c2b7d3e8f60a5b4c3d2e1f0a9b8";

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn set_coral_secrets(app: &TestApp, secrets: &[&str]) -> (u16, Value) {
    let admin = app.user_token("admin", &[]).await;
    app.call(
        reqwest::Method::PUT,
        &admin,
        &format!("/v1/admin/sites/{}/integrations/coral", app.site_id),
        Some(&json!({"signing_secrets": secrets})),
    )
    .await
}

/// The captured phase request with another comment body, signed.
async fn coral_phase(app: &TestApp, html: &str) -> Raw {
    let mut r = Replay::load(app, "coral-phase.http");
    let text = String::from_utf8(r.body.clone()).unwrap();
    r.body = text.replace("<p>Here's a comment!</p>", html).into_bytes();
    let signature = sign(CORAL_SECRET, &r.body);
    r.set("SIGNATURE", &signature);
    r.send(app).await
}

async fn coral_phase_signed_replay_and_verdicts(app: TestApp) {
    let (status, v) = set_coral_secrets(&app, &[CORAL_SECRET]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["signing_secrets"], 1);
    assert!(
        !v.to_string().contains(CORAL_SECRET),
        "secrets are never echoed"
    );

    // The captured request as Coral sends it (2-space JSON, HTML body): no opinion.
    let mut r = Replay::load(&app, "coral-phase.http");
    assert!(r.body.starts_with(b"{\n  \"action\": \"NEW\""));
    let signature = sign(CORAL_SECRET, &r.body);
    r.set("SIGNATURE", &signature);
    let started = std::time::Instant::now();
    let res = r.send(&app).await;
    assert_eq!(res.status, 204);
    assert!(res.body.is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_millis(200),
        "Coral's default timeout"
    );

    let res = coral_phase(&app, "<p>fuck you</p>").await;
    assert_eq!(res.status, 200);
    let v = res.json();
    assert_eq!(v["status"], "REJECTED");
    assert_eq!(v["moderationAction"]["status"], "REJECTED");
    assert_eq!(
        v["moderationAction"]["rejectionReason"]["code"],
        "OFFENSIVE"
    );
    assert_eq!(
        v["actions"],
        json!([{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}])
    );

    let res = coral_phase(&app, "<p>للتواصل واتساب 0501234567</p>").await;
    let v = res.json();
    assert_eq!(v["status"], "REJECTED");
    assert_eq!(v["moderationAction"]["rejectionReason"]["code"], "SPAM");
    assert_eq!(
        v["actions"],
        json!([{"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"}])
    );

    // A comment a rule holds for review (not one the model might reject outright).
    let admin = app.user_token("admin", &[]).await;
    let hold = json!({"id": "hold-word", "kind": "keyword", "lang": "ar", "terms": ["بطيخ"], "label": "abuse", "action": "review"});
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &admin,
            &format!("/v1/admin/rules?site={}", app.site_id),
            Some(&hold),
        )
        .await;
    assert_eq!(status, 201);
    let res = coral_phase(&app, "<p>أكلت البطيخ</p>").await;
    let v = res.json();
    assert_eq!(v["status"], "SYSTEM_WITHHELD", "{v}");
    assert_eq!(v["actions"][0]["reason"], "COMMENT_DETECTED_TOXIC");
    // Only the enums of compat.md §3.1.
    assert!(v.get("moderationAction").is_none());
}

async fn coral_phase_rejects_bad_signatures(app: TestApp) {
    let body = br#"{"action": "NEW", "comment": {"body": "fuck you"}}"#;
    let path = format!("/compat/coral/{}/phase", app.site_id);
    // No secrets stored yet: nothing verifies.
    let res = post_raw(
        &app,
        &path,
        &[("X-Coral-Signature", &sign(CORAL_SECRET, body))],
        body,
    )
    .await;
    assert_eq!(res.status, 401);

    // Rotation: the new secret first, the old one still active.
    let (status, _) = set_coral_secrets(&app, &["empsec_newnewnewnewnewnew", CORAL_SECRET]).await;
    assert_eq!(status, 200);
    let good = sign(CORAL_SECRET, body);
    let stale = sign("empsec_retired_secret_000", body);
    let post = |sig: Option<String>, body: &'static [u8], path: String| {
        let app = &app;
        async move {
            let headers: Vec<(&str, String)> =
                sig.map(|s| ("X-Coral-Signature", s)).into_iter().collect();
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_raw(app, &path, &headers, body).await
        }
    };
    assert_eq!(
        post(Some(good.clone()), body, path.clone()).await.status,
        200
    );
    assert_eq!(
        post(Some(format!("{stale},{good}")), body, path.clone())
            .await
            .status,
        200
    );
    assert_eq!(
        post(Some(stale.clone()), body, path.clone()).await.status,
        401
    );
    assert_eq!(post(None, body, path.clone()).await.status, 401);
    assert_eq!(
        post(Some("sha256=nothex".into()), body, path.clone())
            .await
            .status,
        401
    );
    // The signature covers the raw bytes: re-serialized JSON does not verify.
    let reformatted: &'static [u8] = br#"{"action":"NEW","comment":{"body":"fuck you"}}"#;
    assert_eq!(
        post(Some(good.clone()), reformatted, path.clone())
            .await
            .status,
        401
    );
    // Another site's path with this site's signature.
    let (other, _) = app.other_site().await;
    assert_eq!(
        post(Some(good), body, format!("/compat/coral/{other}/phase"))
            .await
            .status,
        401
    );
    // Signed but malformed.
    let junk: &'static [u8] = b"{\"action\": 1}";
    assert_eq!(
        post(Some(sign(CORAL_SECRET, junk)), junk, path.clone())
            .await
            .status,
        400
    );

    // The admin route validates and needs an admin.
    let (status, v) = set_coral_secrets(&app, &["short"]).await;
    assert_eq!(
        (status, v["field"].as_str()),
        (422, Some("signing_secrets[0]"))
    );
    let (status, _) = app
        .call(
            reqwest::Method::PUT,
            &app.api_key,
            &format!("/v1/admin/sites/{}/integrations/coral", app.site_id),
            Some(&json!({"signing_secrets": [CORAL_SECRET]})),
        )
        .await;
    assert_eq!(status, 401);
}

// ---------------------------------------------------------------- OpenAI

async fn openai_python_replay_and_errors(app: TestApp) {
    let res = Replay::load(&app, "openai-python-moderations.http")
        .send(&app)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    assert!(v["id"].as_str().unwrap().starts_with("modr-"));
    assert_eq!(v["model"], "omni-moderation-latest");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        for cat in [
            "harassment",
            "harassment/threatening",
            "hate",
            "hate/threatening",
            "illicit",
            "illicit/violent",
            "self-harm",
            "self-harm/instructions",
            "self-harm/intent",
            "sexual",
            "sexual/minors",
            "violence",
            "violence/graphic",
        ] {
            assert!(r["categories"][cat].is_boolean(), "{cat}");
            assert!(r["category_scores"][cat].is_number(), "{cat}");
            assert_eq!(r["category_applied_input_types"][cat], json!(["text"]));
        }
    }
    assert_eq!(results[0]["flagged"], false, "Nice article");
    assert_eq!(results[1]["flagged"], true, "أنت غبي");
    assert_eq!(results[1]["categories"]["harassment"], true);

    let key = app.api_key.clone();
    let post = |auth: Option<String>, body: Value| {
        let req = app.client.post(app.url("/v1/moderations")).json(&body);
        let req = match auth {
            Some(a) => req.header("authorization", a),
            None => req,
        };
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, v) = post(Some(format!("Bearer {key}")), json!({"input": "just one"})).await;
    assert_eq!(status, 200);
    assert_eq!(v["results"].as_array().unwrap().len(), 1);
    let (status, v) = post(Some("Bearer rk_wrong".into()), json!({"input": "x"})).await;
    assert_eq!(status, 401);
    assert_eq!(v["error"]["code"], "invalid_api_key");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let (status, _) = post(None, json!({"input": "x"})).await;
    assert_eq!(status, 401);
    let (status, v) = post(Some(format!("Bearer {key}")), json!({"input": 42})).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["param"], "input");
    let (status, v) = post(
        Some(format!("Bearer {key}")),
        json!({"input": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}),
    )
    .await;
    assert_eq!(status, 400, "{v}");
}
