//! The web UI's comment page, claims, bulk form and admin pages through HTTP, without
//! JavaScript: who may see what, CSRF on every new form, keys shown once, validation
//! errors in the form, escaping.

use crate::helpers::{Backend, TestApp, both_backends, comment};
use crate::ui::{PASSWORD, Ui, csrf_of, pending, premoderate, status_of, user_with_password};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{Value, json};

both_backends!(
    admin_pages_are_for_admins_only,
    admin_forms_enforce_csrf,
    the_comment_page_shows_thread_audit_history_and_claims_on_open,
    a_moderator_cannot_open_another_sites_comment,
    comment_page_escapes_text,
    the_bulk_form_decides_without_javascript,
    the_bulk_form_answers_json_to_fetch,
    claiming_from_the_queue_leases_the_comment,
    a_new_site_shows_its_keys_once_and_rotation_replaces_the_key,
    policy_thresholds_are_validated_in_the_form,
    the_rule_page_tests_backtests_and_saves_without_javascript,
    users_are_created_and_disabled_from_the_page,
    models_deliveries_and_stats_pages_render,
    every_control_of_the_new_pages_is_labelled,
);

const ADMIN_PAGES: [&str; 6] = [
    "/ui/stats",
    "/ui/admin/sites",
    "/ui/admin/rules",
    "/ui/admin/models",
    "/ui/admin/deliveries",
    "/ui/admin/users",
];

async fn admin_ui(app: &TestApp) -> Ui {
    let email = user_with_password(app, "admin", &[]).await;
    Ui::login(app, &email).await
}

async fn moderator_ui(app: &TestApp) -> Ui {
    let email = user_with_password(app, "moderator", std::slice::from_ref(&app.site_id)).await;
    Ui::login(app, &email).await
}

/// A form post with fetch's headers (as `queue.js` sends it).
async fn fetch_post(ui: &Ui, path: &str, csrf: &str, body: &str) -> reqwest::Response {
    ui.client
        .post(format!("{}{path}", ui.base))
        .header(COOKIE, &ui.cookie)
        .header("x-requested-with", "fetch")
        .header("x-csrf-token", csrf)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn admin_pages_are_for_admins_only(app: TestApp) {
    let client = crate::ui::browser();
    for path in ADMIN_PAGES {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path} without a session");
        assert_eq!(res.headers()[LOCATION], "/ui/login");
    }
    let moderator = moderator_ui(&app).await;
    let csrf = moderator.csrf().await;
    for path in ADMIN_PAGES {
        let res = moderator.get(path).await;
        assert_eq!(res.status(), 403, "{path} for a moderator");
    }
    // Nor can a moderator act, even with a valid token.
    let site_count = app.store.list_sites().await.unwrap().len();
    let res = moderator
        .post("/ui/admin/sites", &[("csrf", &csrf), ("name", "sneaky")])
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.store.list_sites().await.unwrap().len(), site_count);
    let res = moderator
        .post(
            &format!("/ui/admin/sites/{}/rotate-key", app.site_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 403);
    let (status, _) = app.get("/v1/comments/none").await;
    assert_ne!(status, 401, "the site key still works");
    // The navigation offers moderators only the queue.
    let html = moderator.page("/ui/queue").await;
    assert!(!html.contains("/ui/admin/sites"), "{html}");
    let admin = admin_ui(&app).await;
    for path in ADMIN_PAGES {
        let html = admin.page(path).await;
        assert!(
            html.contains("/ui/admin/sites"),
            "{path} has the admin navigation"
        );
    }
}

async fn admin_forms_enforce_csrf(app: TestApp) {
    let admin = admin_ui(&app).await;
    let site = &app.site_id;
    let sites_before = app.store.list_sites().await.unwrap().len();
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/ui/admin/sites".into(), vec![("name", "x")]),
        (format!("/ui/admin/sites/{site}/rotate-key"), vec![]),
        (format!("/ui/admin/sites/{site}/rotate-secret"), vec![]),
        (
            format!("/ui/admin/sites/{site}/webhook"),
            vec![("callback_url", "")],
        ),
        (
            format!("/ui/admin/sites/{site}/policy"),
            vec![
                ("mode", "auto"),
                ("spam_review", "0.1"),
                ("spam_reject", "0.2"),
                ("abuse_review", "0.1"),
                ("abuse_reject", "0.2"),
            ],
        ),
        (
            format!("/ui/admin/rules?site={site}"),
            vec![("action", "save"), ("rule", "{}")],
        ),
        ("/ui/admin/models/raqib-v1/activate".into(), vec![]),
        ("/ui/admin/deliveries/evt_x/redeliver".into(), vec![]),
        (
            "/ui/admin/users".into(),
            vec![("email", "x@example.com"), ("role", "admin")],
        ),
        ("/ui/admin/users/u_x/disable".into(), vec![]),
        (
            "/ui/decisions".into(),
            vec![("ids", "x"), ("decision", "approve")],
        ),
        ("/ui/comments/x/claim".into(), vec![]),
    ];
    for (path, fields) in &forms {
        for token in ["", "forged"] {
            let mut f = fields.clone();
            f.push(("csrf", token));
            let res = admin.post(path, &f).await;
            assert_eq!(res.status(), 403, "{path} with csrf {token:?}");
        }
    }
    assert_eq!(app.store.list_sites().await.unwrap().len(), sites_before);
    // The policy is unchanged.
    let policy = app.store.get_site(site).await.unwrap().policy().unwrap();
    assert!(policy.thresholds.spam.reject_at > 0.2);
}

async fn the_comment_page_shows_thread_audit_history_and_claims_on_open(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (first, _) = pending(&app, &app.api_key, "t1", "أول تعليق في النقاش").await;
    let (id, _) = pending(&app, &app.api_key, "t2", "المقال ممتاز لكن الكاتب حقير جدا").await;
    let ui = moderator_ui(&app).await;
    let html = ui.page(&format!("/ui/comments/{id}")).await;
    // The full text with the highlight, and the thread around it.
    assert!(html.contains("الكاتب <mark>حقير</mark> جدا"), "{html}");
    assert!(html.contains("أول تعليق في النقاش"), "{html}");
    assert!(
        html.contains(&format!("href=\"/ui/comments/{first}\"")),
        "{html}"
    );
    // The audit trail and the verdict history.
    assert!(html.contains("Audit trail"), "{html}");
    assert!(html.contains("→ pending"), "{html}");
    assert!(html.contains("comment.pending"), "{html}");
    assert!(html.contains("Rule ar-insult matched"), "{html}");
    // Opening it claimed it.
    assert!(html.contains("You hold this comment"), "{html}");
    let row = app.store.comment_by_id(&id).await.unwrap();
    assert!(row.claimed_by.is_some());
    // So another moderator sees it held and cannot decide it.
    let other = moderator_ui(&app).await;
    let html = other.page(&format!("/ui/comments/{id}")).await;
    assert!(html.contains("Another moderator is looking"), "{html}");
    let csrf = csrf_of(&html);
    let res = other
        .post(
            &format!("/ui/comments/{id}/decision"),
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=conflict")
    );
    // The holder decides; the page then shows the decision in both histories.
    let csrf = ui.csrf().await;
    let res = ui
        .post(
            &format!("/ui/comments/{id}/decision"),
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("reason_code", "abuse"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = ui.page(&format!("/ui/comments/{id}")).await;
    assert!(html.contains("pending → rejected"), "{html}");
    assert!(html.contains("comment.rejected"), "{html}");
    assert!(html.contains(">abuse<"), "{html}");
    assert!(
        !html.contains("class=\"decide\""),
        "a decided comment has no decision forms"
    );
}

async fn a_moderator_cannot_open_another_sites_comment(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (other_site, other_key) = app.other_site().await;
    premoderate(&app, &other_site).await;
    let (theirs, _) = pending(&app, &other_key, "o1", "secret of the other site").await;
    let ui = moderator_ui(&app).await;
    let res = ui.get(&format!("/ui/comments/{theirs}")).await;
    assert_eq!(res.status(), 404);
    assert!(
        !res.text()
            .await
            .unwrap()
            .contains("secret of the other site")
    );
    assert_eq!(ui.get("/ui/comments/c_missing").await.status(), 404);
    // Claiming or deciding it in bulk does nothing either.
    let csrf = ui.csrf().await;
    let res = fetch_post(&ui, &format!("/ui/comments/{theirs}/claim"), &csrf, "").await;
    assert_eq!(res.status(), 404);
    let res = ui
        .post(
            "/ui/decisions",
            &[("csrf", &csrf), ("ids", &theirs), ("decision", "approve")],
        )
        .await;
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=partial")
    );
    assert_eq!(
        app.store.comment_by_id(&theirs).await.unwrap().status,
        "pending"
    );
    assert!(
        app.store
            .comment_by_id(&theirs)
            .await
            .unwrap()
            .claimed_by
            .is_none()
    );
}

async fn comment_page_escapes_text(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let mut c = comment("x1", "<script>alert(1)</script> & <b>bold</b>");
    c["author"]["name"] = json!("<img src=x onerror=alert(2)>");
    let (status, v) = app.submit(&c).await;
    assert_eq!(status, 201, "{v}");
    let id = v["comment_id"].as_str().unwrap();
    let ui = moderator_ui(&app).await;
    let html = ui.page(&format!("/ui/comments/{id}")).await;
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains(
            "&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#60;b&#62;bold&#60;/b&#62;"
        ),
        "{html}"
    );
}

async fn the_bulk_form_decides_without_javascript(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (a, _) = pending(&app, &app.api_key, "b1", "first").await;
    let (b, _) = pending(&app, &app.api_key, "b2", "second").await;
    let (c, _) = pending(&app, &app.api_key, "b3", "third").await;
    let ui = moderator_ui(&app).await;
    let html = ui.page("/ui/queue").await;
    // Every card has a labelled checkbox belonging to the bulk form.
    assert!(
        html.contains(&format!(
            "<input type=\"checkbox\" id=\"sel-{a}\" name=\"ids\" value=\"{a}\" form=\"bulk\""
        )),
        "{html}"
    );
    assert!(html.contains(&format!("<label for=\"sel-{a}\">")));
    assert!(html.contains("<form id=\"bulk\" method=\"post\" action=\"/ui/decisions\""));
    let csrf = csrf_of(&html);
    // Nothing selected: a notice, nothing decided.
    let res = ui
        .post("/ui/decisions", &[("csrf", &csrf), ("decision", "approve")])
        .await;
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=none")
    );
    // Rejecting needs a reason.
    let res = ui
        .post(
            "/ui/decisions",
            &[
                ("csrf", &csrf),
                ("ids", &a),
                ("decision", "reject"),
                ("reason_code", ""),
            ],
        )
        .await;
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=invalid")
    );
    assert_eq!(status_of(&app, &a).await, "pending");
    let res = ui
        .post(
            "/ui/decisions",
            &[
                ("csrf", &csrf),
                ("ids", &a),
                ("ids", &b),
                ("decision", "reject"),
                ("reason_code", "spam"),
                ("back", "order=risk"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui/queue?order=risk&notice=done");
    assert_eq!(status_of(&app, &a).await, "rejected");
    assert_eq!(status_of(&app, &b).await, "rejected");
    assert_eq!(status_of(&app, &c).await, "pending");
    // One already decided, one fine: partial.
    let res = ui
        .post(
            "/ui/decisions",
            &[
                ("csrf", &csrf),
                ("ids", &a),
                ("ids", &c),
                ("decision", "approve"),
            ],
        )
        .await;
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=partial")
    );
    assert_eq!(status_of(&app, &a).await, "rejected");
    assert_eq!(status_of(&app, &c).await, "approved");
}

async fn the_bulk_form_answers_json_to_fetch(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (a, _) = pending(&app, &app.api_key, "j1", "first").await;
    let (b, _) = pending(&app, &app.api_key, "j2", "second").await;
    let ui = moderator_ui(&app).await;
    let csrf = ui.csrf().await;
    let body = format!("ids={a}&ids={b}&decision=approve");
    let res = fetch_post(&ui, "/ui/decisions", "wrong", &body).await;
    assert_eq!(res.status(), 403);
    let res = fetch_post(&ui, "/ui/decisions", &csrf, &body).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 2, "{v}");
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ok"] == true),
        "{v}"
    );
    let res = fetch_post(&ui, "/ui/decisions", &csrf, &body).await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["results"][0]["ok"], false, "{v}");
    assert_eq!(v["results"][0]["problem"]["status"], 409, "{v}");
}

async fn claiming_from_the_queue_leases_the_comment(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (id, _) = pending(&app, &app.api_key, "c1", "A thoughtful note on the article").await;
    let ui = moderator_ui(&app).await;
    let other = moderator_ui(&app).await;
    let csrf = ui.csrf().await;
    let res = fetch_post(&ui, &format!("/ui/comments/{id}/claim"), &csrf, "").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["claimed"], true);
    // Claiming again renews; the other moderator cannot take it.
    let res = fetch_post(&ui, &format!("/ui/comments/{id}/claim"), &csrf, "").await;
    assert_eq!(res.json::<Value>().await.unwrap()["claimed"], true);
    let other_csrf = other.csrf().await;
    let res = fetch_post(&other, &format!("/ui/comments/{id}/claim"), &other_csrf, "").await;
    assert_eq!(res.json::<Value>().await.unwrap()["claimed"], false);
    let html = other.page("/ui/queue").await;
    assert!(html.contains("Another moderator is looking"), "{html}");
    // Without JavaScript the claim form sends the moderator to the comment page.
    let res = other
        .post(
            &format!("/ui/comments/{id}/claim"),
            &[("csrf", &other_csrf)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/ui/comments/{id}").as_str()
    );
}

/// The value of the `<code class="secret-value">` after a label.
fn secret_after(html: &str, label: &str) -> String {
    let at = html
        .find(&format!("<dt>{label}</dt>"))
        .unwrap_or_else(|| panic!("no {label} in {html}"));
    let rest = &html[at..];
    let start = rest.find("class=\"secret-value\">").unwrap() + "class=\"secret-value\">".len();
    rest[start..].split('<').next().unwrap().to_string()
}

async fn a_new_site_shows_its_keys_once_and_rotation_replaces_the_key(app: TestApp) {
    let admin = admin_ui(&app).await;
    let csrf = admin.csrf().await;
    // A name too long is refused in the form.
    let long = "x".repeat(201);
    let res = admin
        .post("/ui/admin/sites", &[("csrf", &csrf), ("name", &long)])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("1 to 200 characters"));
    let res = admin
        .post(
            "/ui/admin/sites",
            &[("csrf", &csrf), ("name", "جريدة <الغد>")],
        )
        .await;
    assert_eq!(res.status(), 201);
    let html = res.text().await.unwrap();
    assert!(html.contains("shown only this once"), "{html}");
    assert!(
        html.contains("جريدة &#60;الغد&#62;"),
        "the name is escaped: {html}"
    );
    let site_id = secret_after(&html, "Id");
    let key = secret_after(&html, "API key");
    let secret = secret_after(&html, "Webhook secret");
    assert!(!key.is_empty() && !secret.is_empty());
    // The key works against the API.
    let mut c = comment("k1", "hello");
    c["external_id"] = json!("k1");
    let (status, v) = app.post_json_as(&key, "/v1/comments", &c).await;
    assert_eq!(status, 201, "{v}");
    // The list never shows it again.
    let html = admin.page("/ui/admin/sites").await;
    assert!(html.contains(&site_id));
    assert!(!html.contains(&key) && !html.contains(&secret));
    // Rotating shows a new key once; the old one stops working.
    let res = admin
        .post(
            &format!("/ui/admin/sites/{site_id}/rotate-key"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let new_key = secret_after(&res.text().await.unwrap(), "API key");
    assert_ne!(new_key, key);
    let (status, _) = app
        .post_json_as(&key, "/v1/comments", &comment("k2", "hi"))
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .post_json_as(&new_key, "/v1/comments", &comment("k3", "hi"))
        .await;
    assert_eq!(status, 201);
    // So does the webhook secret; the site signs with the new one from now on.
    let res = admin
        .post(
            &format!("/ui/admin/sites/{site_id}/rotate-secret"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let new_secret = secret_after(&res.text().await.unwrap(), "Webhook secret");
    assert_ne!(new_secret, secret);
    assert_eq!(
        app.store.get_site(&site_id).await.unwrap().webhook_secret,
        new_secret
    );
    // A callback URL that is not https is refused with the reason in the form.
    let res = admin
        .post(
            &format!("/ui/admin/sites/{site_id}/webhook"),
            &[("csrf", &csrf), ("callback_url", "ftp://example.com/x")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("callback_url:"), "{html}");
    assert!(
        html.contains("value=\"ftp://example.com/x\""),
        "the typed URL is kept: {html}"
    );
    assert!(
        app.store
            .get_site(&site_id)
            .await
            .unwrap()
            .callback_url
            .is_none()
    );
}

async fn policy_thresholds_are_validated_in_the_form(app: TestApp) {
    let admin = admin_ui(&app).await;
    let csrf = admin.csrf().await;
    let path = format!("/ui/admin/sites/{}/policy", app.site_id);
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("mode", "premoderate"),
                ("spam_review", "0.95"),
                ("spam_reject", "0.9"),
                ("abuse_review", "0.5"),
                ("abuse_reject", "0.9"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("thresholds.spam.review_at: must not exceed reject_at"),
        "{html}"
    );
    assert!(
        html.contains("value=\"0.95\""),
        "the typed value is kept: {html}"
    );
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("mode", "premoderate"),
                ("spam_review", "abc"),
                ("spam_reject", "0.9"),
                ("abuse_review", "0.5"),
                ("abuse_reject", "0.9"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("spam_review: a number between 0 and 1")
    );
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("mode", "premoderate"),
                ("spam_review", "0.4"),
                ("spam_reject", "0.8"),
                ("abuse_review", "0.45"),
                ("abuse_reject", "0.85"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui/admin/sites?notice=saved");
    let token = app.user_token("admin", &[]).await;
    let (_, policy) = app
        .call(
            Method::GET,
            &token,
            &format!("/v1/admin/sites/{}/policy", app.site_id),
            None,
        )
        .await;
    assert_eq!(policy["mode"], "premoderate");
    assert!((policy["thresholds"]["spam"]["review_at"].as_f64().unwrap() - 0.4).abs() < 1e-6);
    let html = admin.page("/ui/admin/sites?notice=saved").await;
    assert!(html.contains("value=\"0.40\""), "{html}");
    assert!(
        html.contains("<option value=\"premoderate\" selected>"),
        "{html}"
    );
}

async fn the_rule_page_tests_backtests_and_saves_without_javascript(app: TestApp) {
    for (ext, body) in [("r1", "Visit the casino"), ("r2", "nothing to see")] {
        let (status, _) = app.submit(&comment(ext, body)).await;
        assert_eq!(status, 201);
    }
    let admin = admin_ui(&app).await;
    let csrf = admin.csrf().await;
    let path = format!("/ui/admin/rules?site={}", app.site_id);
    let rule = r#"{"id": "t-casino", "kind": "keyword", "lang": "en", "terms": ["casino"], "label": "spam", "action": "review"}"#;
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "test"),
                ("rule", rule),
                ("text", "<b>casino</b> night"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("&#60;b&#62;<mark>casino</mark>&#60;/b&#62; night"),
        "{html}"
    );
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "backtest"),
                ("rule", rule),
                ("text", ""),
            ],
        )
        .await;
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"bt-matched\">1<"), "{html}");
    assert!(html.contains("id=\"bt-scanned\">2<"), "{html}");
    // A broken rule is an error in the form, with the text kept.
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("rule", "{\"id\": \"x\""),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("{&#34;id&#34;: &#34;x&#34;")
    );
    let bad_regex =
        r#"{"id": "t-re", "kind": "regex", "pattern": "(", "label": "spam", "action": "review"}"#;
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("rule", bad_regex),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("t-re"));
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("rule", rule),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(to.ends_with("&edit=t-casino&notice=saved"), "{to}");
    let html = admin.page(&to).await;
    assert!(html.contains("<code dir=\"ltr\">t-casino</code>"), "{html}");
    assert!(
        html.contains("name=\"original\" value=\"t-casino\""),
        "{html}"
    );
    // Deleting needs the token and an admin; then the rule is gone.
    let delete = format!("/ui/admin/rules/t-casino/delete?site={}", app.site_id);
    assert_eq!(
        admin.post(&delete, &[("csrf", "forged")]).await.status(),
        403
    );
    let moderator = moderator_ui(&app).await;
    let mod_csrf = moderator.csrf().await;
    assert_eq!(
        moderator
            .post(&delete, &[("csrf", &mod_csrf)])
            .await
            .status(),
        403
    );
    assert!(app.store.get_rule(&app.site_id, "t-casino").await.is_ok());
    // Saving a new rule under an id that exists is refused, not an overwrite.
    let res = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "save"),
                ("rule", rule),
                ("original", ""),
                ("text", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already exists"));
    let res = admin.post(&delete, &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 303);
    assert!(app.store.get_rule(&app.site_id, "t-casino").await.is_err());
    assert_eq!(admin.post(&delete, &[("csrf", &csrf)]).await.status(), 404);
}

async fn users_are_created_and_disabled_from_the_page(app: TestApp) {
    let admin = admin_ui(&app).await;
    let csrf = admin.csrf().await;
    let res = admin
        .post(
            "/ui/admin/users",
            &[
                ("csrf", &csrf),
                ("email", "new-mod@example.com"),
                ("role", "moderator"),
                ("sites", &app.site_id),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("password: at least 8 characters"), "{html}");
    assert!(
        !html.contains("value=\"short\""),
        "the password is never echoed"
    );
    let res = admin
        .post(
            "/ui/admin/users",
            &[
                ("csrf", &csrf),
                ("email", "new-mod@example.com"),
                ("role", "moderator"),
                ("sites", &app.site_id),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 201);
    let html = res.text().await.unwrap();
    assert!(html.contains("Personal API token"), "{html}");
    // The new moderator can sign in and sees the queue of their site.
    let ui = Ui::login(&app, "new-mod@example.com").await;
    assert_eq!(ui.get("/ui/queue").await.status(), 200);
    let (user, _) = app
        .store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|(u, _)| u.email == "new-mod@example.com")
        .unwrap();
    let res = admin
        .post(
            &format!("/ui/admin/users/{}/disable", user.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Their session ends with the account.
    assert_eq!(ui.get("/ui/queue").await.status(), 303);
    assert!(
        !admin
            .page("/ui/admin/users")
            .await
            .contains("new-mod@example.com")
    );
}

async fn models_deliveries_and_stats_pages_render(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (a, _) = pending(&app, &app.api_key, "s1", "one").await;
    pending(&app, &app.api_key, "s2", "two").await;
    let moderator = moderator_ui(&app).await;
    let csrf = moderator.csrf().await;
    moderator
        .post(
            &format!("/ui/comments/{a}/decision"),
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
    let admin = admin_ui(&app).await;
    let html = admin.page("/ui/stats").await;
    assert!(html.contains("<svg class=\"chart\""), "{html}");
    assert!(html.contains("id=\"queue-depth\">1<"), "{html}");
    assert!(
        html.contains("class=\"s-approved\""),
        "a bar for the approval: {html}"
    );
    assert!(html.contains("class=\"s-moderator\""), "{html}");
    let html = admin.page("/ui/admin/models").await;
    let models = app.store.list_models().await.unwrap();
    for m in &models {
        assert!(html.contains(&m.version), "{html}");
    }
    let html = admin.page("/ui/admin/deliveries").await;
    assert!(html.contains("Dead webhook deliveries"), "{html}");
    let csrf = admin.csrf().await;
    let res = admin
        .post(
            "/ui/admin/deliveries/evt_missing/redeliver",
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = admin
        .post(
            "/ui/admin/models/no-such-version/activate",
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 404);
}

/// Every visible control of a page has a label: a `<label for>` naming its id, or a
/// `<label>` around it.
fn assert_labelled(html: &str, page: &str) {
    for tag in ["<input", "<select", "<textarea"] {
        for (at, _) in html.match_indices(tag) {
            let element = &html[at..at + html[at..].find('>').unwrap()];
            if element.contains("type=\"hidden\"") {
                continue;
            }
            let wrapped = html[..at]
                .rfind("<label")
                .is_some_and(|open| !html[open..at].contains("</label>"));
            let id = element
                .split("id=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next());
            let labelled = id.is_some_and(|id| html.contains(&format!("<label for=\"{id}\"")));
            assert!(wrapped || labelled, "{page}: no label for {element}");
        }
    }
}

async fn every_control_of_the_new_pages_is_labelled(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (id, _) = pending(&app, &app.api_key, "l1", "label me").await;
    let admin = admin_ui(&app).await;
    for path in ADMIN_PAGES
        .iter()
        .map(|p| p.to_string())
        .chain([format!("/ui/comments/{id}"), "/ui/queue".to_string()])
    {
        for lang in ["en", "ar"] {
            let html = admin.page(&format!("{path}?lang={lang}")).await;
            assert_labelled(&html, &path);
        }
    }
    // The check can fail: an unlabelled control is caught.
    let caught = std::panic::catch_unwind(|| assert_labelled("<input id=\"x\" name=\"x\">", "t"));
    assert!(caught.is_err());
}

/// A dead delivery is listed with its last error and redelivered from the page.
async fn dead_delivery_is_redelivered_from_the_page(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, "ui_dead_delivery", |s| {
        s.webhooks.worker = false;
    })
    .await
    else {
        return;
    };
    let (status, v) = app.submit(&comment("d1", "a fine remark")).await;
    assert_eq!(status, 201, "{v}");
    app.store
        .set_webhook(&app.site_id, Some("https://hooks.example/raqib"), true)
        .await
        .unwrap();
    let now = raqib::store::now_ms();
    let claimed = app
        .store
        .claim_due_events(now + 1_000, now + 60_000, 10, "t")
        .await
        .unwrap();
    let event = &claimed[0];
    assert!(
        app.store
            .record_failure(event.id, "t", Some(503), "HTTP 503 from host", None, now)
            .await
            .unwrap()
    );
    let moderator = moderator_ui(&app).await;
    let csrf = moderator.csrf().await;
    let path = format!("/ui/admin/deliveries/{}/redeliver", event.event_id);
    assert_eq!(
        moderator.post(&path, &[("csrf", &csrf)]).await.status(),
        403
    );
    let admin = admin_ui(&app).await;
    let html = admin.page("/ui/admin/deliveries").await;
    assert!(html.contains(&event.event_id), "{html}");
    assert!(html.contains("503 HTTP 503 from host"), "{html}");
    let csrf = admin.csrf().await;
    let res = admin.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui/admin/deliveries?notice=saved");
    let row = app.store.get_delivery(&event.event_id).await.unwrap();
    assert_eq!(row.state(), raqib::store::DeliveryState::Pending);
    assert!(
        !admin
            .page("/ui/admin/deliveries")
            .await
            .contains(&event.event_id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_delivery_is_redelivered_from_the_page_sqlite() {
    dead_delivery_is_redelivered_from_the_page(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_delivery_is_redelivered_from_the_page_postgres() {
    dead_delivery_is_redelivered_from_the_page(Backend::Postgres).await;
}
