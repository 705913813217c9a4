//! The web UI through HTTP: login, sessions and CSRF, the queue page's scoping,
//! escaping and highlights, decisions through the form and through `fetch`, and the
//! interface language.

use crate::helpers::{TestApp, both_backends, comment};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

both_backends!(
    pages_require_login,
    wrong_password_is_refused_and_login_is_rate_limited,
    csrf_is_enforced_on_every_post,
    moderators_see_only_their_sites_in_the_queue,
    comment_text_is_escaped,
    highlights_sit_on_the_matched_arabic_words,
    a_form_decision_changes_the_status,
    a_spam_rejection_in_the_form_clears_the_campaign,
    a_published_campaign_is_rejected_from_the_queue_page,
    a_fetch_decision_answers_json,
    language_switch_lays_the_page_out_right_to_left,
    logout_ends_the_session,
    sessions_expire_and_die_with_their_user,
    cookies_are_secure_behind_https_and_controls_are_labelled,
    filters_narrow_the_queue,
    a_comment_leased_to_another_moderator_says_so,
);

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A browser without cookie jar or redirects, so each test sees exactly what raqib sent.
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `application/x-www-form-urlencoded` (reqwest's `form` feature is not enabled).
pub(crate) fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of a cookie set by a response.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let first = v.split(';').next()?;
            let (k, val) = first.split_once('=')?;
            (k == name).then(|| val.to_string())
        })
}

/// The first hidden CSRF field of a page.
pub(crate) fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A user with a password, created through the admin API; returns the e-mail.
pub(crate) async fn user_with_password(app: &TestApp, role: &str, sites: &[String]) -> String {
    let admin = app.user_token("admin", &[]).await;
    let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, v) = app
        .call(
            Method::POST,
            &admin,
            "/v1/admin/users",
            Some(&json!({"email": email, "role": role, "password": PASSWORD, "sites": sites})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    email
}

/// Every comment of the site goes to the queue.
pub(crate) async fn premoderate(app: &TestApp, site: &str) {
    let admin = app.user_token("admin", &[]).await;
    let path = format!("/v1/admin/sites/{site}/policy");
    let (status, mut policy) = app.call(Method::GET, &admin, &path, None).await;
    assert_eq!(status, 200);
    policy["mode"] = json!("premoderate");
    let (status, p) = app.call(Method::PUT, &admin, &path, Some(&policy)).await;
    assert_eq!(status, 200, "{p}");
}

/// A submitted comment's id and verdict; asserts it waits in the queue.
pub(crate) async fn pending(
    app: &TestApp,
    key: &str,
    external_id: &str,
    body: &str,
) -> (String, Value) {
    let (status, v) = app
        .post_json_as(key, "/v1/comments", &comment(external_id, body))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "pending", "{v}");
    (v["comment_id"].as_str().unwrap().to_string(), v)
}

/// A logged-in browser.
pub(crate) struct Ui {
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    pub(crate) cookie: String,
}

impl Ui {
    /// The login form's answer for these credentials (after fetching its CSRF token).
    pub(crate) async fn try_login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
        let client = browser();
        let form = client.get(app.url("/ui/login")).send().await.unwrap();
        assert_eq!(form.status(), 200);
        let login_csrf = set_cookie(&form, "raqib_login_csrf").unwrap();
        let html = form.text().await.unwrap();
        assert!(html.contains("autocomplete=\"current-password\""));
        client
            .post(app.url("/ui/login"))
            .header(COOKIE, format!("raqib_login_csrf={login_csrf}"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(&[
                ("csrf", &csrf_of(&html)),
                ("email", email),
                ("password", password),
            ]))
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn login(app: &TestApp, email: &str) -> Ui {
        let res = Self::try_login(app, email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()[LOCATION], "/ui/queue");
        let raw = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("raqib_session="))
            .unwrap();
        assert!(raw.contains("HttpOnly"), "{raw}");
        assert!(raw.contains("SameSite=Strict"), "{raw}");
        Ui {
            base: app.base.clone(),
            client: browser(),
            cookie: format!(
                "raqib_session={}",
                set_cookie(&res, "raqib_session").unwrap()
            ),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// The page's HTML, asserting `200`.
    pub(crate) async fn page(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.text().await.unwrap()
    }

    pub(crate) async fn csrf(&self) -> String {
        csrf_of(&self.page("/ui/queue").await)
    }

    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(fields))
            .send()
            .await
            .unwrap()
    }
}

pub(crate) async fn status_of(app: &TestApp, id: &str) -> String {
    let (status, v) = app.get(&format!("/v1/comments/{id}")).await;
    assert_eq!(status, 200, "{v}");
    v["status"].as_str().unwrap().to_string()
}

async fn pages_require_login(app: TestApp) {
    let client = browser();
    for path in ["/ui/queue", "/ui/"] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
    }
    let res = client.get(app.url("/ui/queue")).send().await.unwrap();
    assert_eq!(res.headers()[LOCATION], "/ui/login");
    // A forged or stale cookie is no session either.
    let res = client
        .get(app.url("/ui/queue"))
        .header(COOKIE, "raqib_session=deadbeef")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[LOCATION], "/ui/login");
    let res = client
        .post(app.url("/ui/comments/x/decision"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("decision=approve")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui/login");
    // The page shell is ours: a policy that only lets our own scripts run.
    let res = client.get(app.url("/ui/login")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let js = client
        .get(app.url("/ui/static/queue.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("X-CSRF-Token"));
}

async fn wrong_password_is_refused_and_login_is_rate_limited(app: TestApp) {
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let res = Ui::try_login(&app, &email, "wrong password").await;
    assert_eq!(res.status(), 401);
    assert!(set_cookie(&res, "raqib_session").is_none());
    let html = res.text().await.unwrap();
    assert!(html.contains("do not match an account"), "{html}");
    assert!(
        !html.contains("wrong password"),
        "the password is never echoed"
    );
    // An unknown account gets the same answer.
    let res = Ui::try_login(&app, "nobody@example.com", PASSWORD).await;
    assert_eq!(res.status(), 401);
    // The right password still works after a typo.
    let _ui = Ui::login(&app, &email).await;
    for _ in 0..4 {
        let res = Ui::try_login(&app, &email, "guess").await;
        assert_eq!(res.status(), 401);
    }
    // Five failures: even the right password waits now.
    let res = Ui::try_login(&app, &email, PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(set_cookie(&res, "raqib_session").is_none());
}

async fn csrf_is_enforced_on_every_post(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (id, _) = pending(&app, &app.api_key, "c1", "a perfectly fine comment").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let path = format!("/ui/comments/{id}/decision");
    let res = ui.post(&path, &[("decision", "approve")]).await;
    assert_eq!(res.status(), 403);
    let res = ui
        .post(
            &path,
            &[("decision", "approve"), ("csrf", "0123456789abcdef")],
        )
        .await;
    assert_eq!(res.status(), 403);
    // Another session's token does not fit this session.
    let other = Ui::login(&app, &email).await;
    let foreign = other.csrf().await;
    let res = ui
        .post(&path, &[("decision", "approve"), ("csrf", &foreign)])
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(status_of(&app, &id).await, "pending");
    let res = ui.post("/ui/logout", &[]).await;
    assert_eq!(res.status(), 403);
    // The login form has its own token.
    let res = browser()
        .post(app.url("/ui/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(&[("email", &email), ("password", PASSWORD)]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // With the right token the same decision goes through.
    let csrf = ui.csrf().await;
    let res = ui
        .post(&path, &[("decision", "approve"), ("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(status_of(&app, &id).await, "approved");
}

async fn moderators_see_only_their_sites_in_the_queue(app: TestApp) {
    let (other_site, other_key) = app.other_site().await;
    premoderate(&app, &app.site_id).await;
    premoderate(&app, &other_site).await;
    pending(&app, &app.api_key, "mine", "visible to my moderator").await;
    let (theirs, _) = pending(&app, &other_key, "theirs", "belongs to the other newsroom").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let html = ui.page("/ui/queue").await;
    assert!(html.contains("visible to my moderator"));
    assert!(!html.contains("belongs to the other newsroom"));
    let html = ui.page(&format!("/ui/queue?site={other_site}")).await;
    assert!(!html.contains("belongs to the other newsroom"));
    assert!(
        !html.contains(&other_site),
        "the other site is not even offered"
    );
    // Deciding it by id is refused like a missing comment.
    let csrf = csrf_of(&html);
    let res = ui
        .post(
            &format!("/ui/comments/{theirs}/decision"),
            &[("decision", "approve"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(to.ends_with("notice=not_found"), "{to}");
    let (status, v) = app
        .get_as(&other_key, &format!("/v1/comments/{theirs}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["status"], "pending");
    // An admin sees both.
    let admin = user_with_password(&app, "admin", &[]).await;
    let html = Ui::login(&app, &admin).await.page("/ui/queue").await;
    assert!(html.contains("visible to my moderator"));
    assert!(html.contains("belongs to the other newsroom"));
}

async fn comment_text_is_escaped(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let mut body = comment("xss", "nice <script>alert(1)</script> & \"quotes\"");
    body["author"]["name"] = json!("<img src=x onerror=alert(2)>");
    body["thread"]["url"] = json!("javascript:alert(3)");
    let (status, v) = app.submit(&body).await;
    assert_eq!(status, 201, "{v}");
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let html = Ui::login(&app, &email).await.page("/ui/queue").await;
    // askama escapes with numeric entities.
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&#60;img src=x onerror=alert(2)&#62;"));
    assert!(!html.contains("javascript:alert(3)"), "no script links");
}

async fn highlights_sit_on_the_matched_arabic_words(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let text = "المقال ممتاز لكن الكاتب حقير جدا";
    let (_, verdict) = pending(&app, &app.api_key, "ar1", text).await;
    let chars: Vec<char> = text.chars().collect();
    let expected: Vec<String> = verdict["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["span"]["field"] == "body")
        .map(|r| {
            let s = r["span"]["start"].as_u64().unwrap() as usize;
            let e = r["span"]["end"].as_u64().unwrap() as usize;
            chars[s..e].iter().collect()
        })
        .collect();
    assert_eq!(expected, ["حقير"], "{verdict}");
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let html = Ui::login(&app, &email)
        .await
        .page("/ui/queue?lang=ar")
        .await;
    assert!(html.contains("dir=\"rtl\""));
    assert!(
        html.contains(
            "<div class=\"comment\" dir=\"auto\">المقال ممتاز لكن الكاتب <mark>حقير</mark> جدا</div>"
        ),
        "{html}"
    );
    assert_eq!(html.matches("<mark>").count(), 1);
    // The reason is in plain Arabic words, with the matched term.
    assert!(html.contains("طابقت القاعدة ar-insult «حقير»"), "{html}");
}

async fn a_form_decision_changes_the_status(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (id, _) = pending(&app, &app.api_key, "r1", "buy cheap watches now").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let html = ui.page("/ui/queue?order=risk&language=en").await;
    assert!(html.contains(&format!("id=\"c-{id}\"")));
    let csrf = csrf_of(&html);
    let path = format!("/ui/comments/{id}/decision");
    // Rejecting needs a reason.
    let res = ui
        .post(&path, &[("decision", "reject"), ("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=invalid")
    );
    assert_eq!(status_of(&app, &id).await, "pending");
    let res = ui
        .post(
            &path,
            &[
                ("decision", "reject"),
                ("reason_code", "spam"),
                ("csrf", &csrf),
                ("back", "order=risk&language=en"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        "/ui/queue?order=risk&language=en&notice=done"
    );
    assert_eq!(status_of(&app, &id).await, "rejected");
    let html = ui.page("/ui/queue?notice=done").await;
    assert!(!html.contains(&format!("id=\"c-{id}\"")));
    assert!(html.contains("role=\"status\""));
    // Deciding it again is a conflict, reported on the page.
    let res = ui
        .post(&path, &[("decision", "approve"), ("csrf", &csrf)])
        .await;
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=conflict")
    );
}

/// Three readers post the same text (a campaign); their ids. Each is `status`.
async fn post_copies(app: &TestApp, status: &str) -> Vec<String> {
    let text = "نرجو من الجميع حضور الاجتماع العام لسكان الحي مساء الجمعة في قاعة البلدية";
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut c = comment(&format!("k{i}"), text);
        c["author"]["id"] = json!(format!("reader-{i}"));
        let (code, v) = app.submit(&c).await;
        assert_eq!((code, v["status"].as_str()), (201, Some(status)), "{v}");
        ids.push(v["comment_id"].as_str().unwrap().to_string());
    }
    ids
}

/// Rejecting one held campaign copy as spam takes the pending copies with it, and the
/// page says so; the copy's page explains why it was rejected.
async fn a_spam_rejection_in_the_form_clears_the_campaign(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let ids = post_copies(&app, "pending").await;
    let (_, other) = pending(&app, &app.api_key, "k-other", "another comment entirely").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    // The queue lists the campaign, and its link shows only its copies.
    let html = ui.page("/ui/queue?lang=en").await;
    assert!(html.contains("Texts posted again and again"), "{html}");
    assert!(
        html.contains("copies: 3 · authors: 3 · waiting: 3"),
        "{html}"
    );
    let start = html
        .find("/ui/queue?campaign=")
        .expect("a link to the campaign");
    let link = &html[start..start + "/ui/queue?campaign=".len() + 16];
    let html = ui.page(link).await;
    for id in &ids {
        assert!(
            html.contains(&format!("id=\"c-{id}\"")),
            "{id} missing: {html}"
        );
    }
    assert!(!html.contains(&format!("id=\"c-{other}\"")), "{html}");
    assert!(
        html.contains(&format!(
            "name=\"back\" value=\"{}\"",
            &link["/ui/queue?".len()..]
        )),
        "a decision comes back to the campaign: {html}"
    );
    let csrf = ui.csrf().await;
    let res = ui
        .post(
            &format!("/ui/comments/{}/decision", ids[2]),
            &[
                ("decision", "reject"),
                ("reason_code", "spam"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui/queue?notice=campaign");
    for id in &ids {
        assert_eq!(status_of(&app, id).await, "rejected", "{id}");
    }
    let html = ui.page("/ui/queue?notice=campaign&lang=ar").await;
    assert!(html.contains("النسخ الأخرى من النص نفسه"), "{html}");
    let html = ui.page(&format!("/ui/comments/{}?lang=en", ids[0])).await;
    assert!(
        html.contains(&format!(
            "A copy of a text a moderator rejected as spam (comment {})",
            ids[2]
        )),
        "{html}"
    );
}

/// Every copy published, none waiting: the campaign list's button rejects them all.
async fn a_published_campaign_is_rejected_from_the_queue_page(app: TestApp) {
    let ids = post_copies(&app, "approved").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let html = ui.page("/ui/queue?lang=en").await;
    assert!(html.contains("waiting: 0"), "{html}");
    assert!(
        !html.contains("/ui/queue?campaign="),
        "nothing waits: {html}"
    );
    assert!(
        html.contains(
            "data-confirm=\"Reject every copy of this text as spam, published ones included?\""
        ),
        "the page asks before taking published comments down: {html}"
    );
    let start = html.find("/ui/campaigns/").expect("a reject form");
    let action = &html[start..start + "/ui/campaigns/".len() + 16 + "/reject".len()];
    assert!(action.ends_with("/reject"), "{action}");
    let csrf = ui.csrf().await;
    // Without the CSRF token nothing happens.
    let res = ui.post(action, &[("site", &app.site_id)]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(status_of(&app, &ids[0]).await, "approved");
    let res = ui
        .post(
            action,
            &[
                ("csrf", &csrf),
                ("site", &app.site_id),
                ("back", "order=risk"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        "/ui/queue?order=risk&notice=campaign"
    );
    for id in &ids {
        assert_eq!(status_of(&app, id).await, "rejected", "{id}");
    }
    // Nothing is left: said on the page, not an error.
    let res = ui
        .post(action, &[("csrf", &csrf), ("site", &app.site_id)])
        .await;
    assert_eq!(res.headers()[LOCATION], "/ui/queue?notice=not_found");
}

async fn a_fetch_decision_answers_json(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (id, _) = pending(&app, &app.api_key, "f1", "fine words").await;
    let (skipped, _) = pending(&app, &app.api_key, "f2", "later").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let csrf = ui.csrf().await;
    let send = |id: String, decision: &'static str, token: String| {
        let ui = &ui;
        async move {
            ui.client
                .post(format!("{}/ui/comments/{id}/decision", ui.base))
                .header(COOKIE, &ui.cookie)
                .header("x-requested-with", "fetch")
                .header("x-csrf-token", token)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form_body(&[("decision", decision)]))
                .send()
                .await
                .unwrap()
        }
    };
    let res = send(id.clone(), "approve", "bad".into()).await;
    assert_eq!(res.status(), 403);
    let res = send(id.clone(), "approve", csrf.clone()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["ok"], true);
    assert_eq!(status_of(&app, &id).await, "approved");
    let res = send(skipped.clone(), "skip", csrf.clone()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(status_of(&app, &skipped).await, "pending");
    let res = send(id, "approve", csrf).await;
    assert_eq!(res.status(), 409);
}

async fn language_switch_lays_the_page_out_right_to_left(app: TestApp) {
    let client = browser();
    let res = client.get(app.url("/ui/login")).send().await.unwrap();
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("<html lang=\"en\" dir=\"ltr\">")
    );
    let res = client
        .get(app.url("/ui/login?lang=ar"))
        .send()
        .await
        .unwrap();
    assert_eq!(set_cookie(&res, "raqib_lang").as_deref(), Some("ar"));
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(html.contains("تسجيل الدخول"));
    // Remembered: the cookie alone keeps Arabic, on the queue too.
    let res = client
        .get(app.url("/ui/login"))
        .header(COOKIE, "raqib_lang=ar")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("dir=\"rtl\""));
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let html = ui.page("/ui/queue?lang=ar").await;
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(html.contains("قائمة المراجعة"));
    let html = ui.page("/ui/queue?lang=en").await;
    assert!(html.contains("<html lang=\"en\" dir=\"ltr\">"));
}

async fn logout_ends_the_session(app: TestApp) {
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let csrf = ui.csrf().await;
    let res = ui.post("/ui/logout", &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(set_cookie(&res, "raqib_session").as_deref(), Some(""));
    // The old cookie is dead in the database, not just deleted in the browser.
    let res = ui.get("/ui/queue").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui/login");
}

async fn sessions_expire_and_die_with_their_user(app: TestApp) {
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    ui.page("/ui/queue").await;
    // A working day later the login form comes back.
    app.state.advance_clock(12 * 3_600_000 + 1_000);
    let res = ui.get("/ui/queue").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/ui/login");
    // Disabling a user ends their open sessions at once.
    let ui = Ui::login(&app, &email).await;
    ui.page("/ui/queue").await;
    let admin = app.user_token("admin", &[]).await;
    let (status, users) = app.call(Method::GET, &admin, "/v1/admin/users", None).await;
    assert_eq!(status, 200, "{users}");
    let list = users.as_array().unwrap();
    let id = list.iter().find(|u| u["email"] == email.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app
        .call(
            Method::DELETE,
            &admin,
            &format!("/v1/admin/users/{id}"),
            None,
        )
        .await;
    assert!((200..300).contains(&status), "{status}");
    let res = ui.get("/ui/queue").await;
    assert_eq!(res.status(), 303);
}

async fn cookies_are_secure_behind_https_and_controls_are_labelled(app: TestApp) {
    let client = browser();
    let res = client
        .get(app.url("/ui/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let raw = res.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(raw.contains("; Secure"), "{raw}");
    let res = client.get(app.url("/ui/login")).send().await.unwrap();
    let raw = res.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        !raw.contains("Secure"),
        "plain HTTP cannot keep a Secure cookie: {raw}"
    );
    premoderate(&app, &app.site_id).await;
    pending(&app, &app.api_key, "l1", "label me").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let html = Ui::login(&app, &email).await.page("/ui/queue").await;
    // Every select and text input has a label pointing at it.
    let mut checked = 0;
    for tag in ["<select id=\"", "<input id=\""] {
        for part in html.split(tag).skip(1) {
            let id = part.split('"').next().unwrap();
            assert!(
                html.contains(&format!("<label for=\"{id}\">")),
                "no label for #{id}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked}");
    assert!(html.contains("name=\"viewport\""));
}

async fn filters_narrow_the_queue(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    pending(
        &app,
        &app.api_key,
        "en1",
        "an english remark about the budget",
    )
    .await;
    pending(&app, &app.api_key, "ar1", "تعليق عربي عن الميزانية").await;
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let html = ui.page("/ui/queue?language=ar").await;
    assert!(html.contains("تعليق عربي عن الميزانية"));
    assert!(!html.contains("an english remark"));
    assert!(html.contains("<option value=\"ar\" selected>"));
    let html = ui
        .page("/ui/queue?reason=policy.mode&order=uncertain")
        .await;
    assert!(html.contains("an english remark") && html.contains("تعليق عربي"));
    let html = ui.page("/ui/queue?reason=no.such.reason").await;
    assert!(!html.contains("an english remark"));
    // Age: nothing has waited an hour yet; two hours later both have.
    let html = ui.page("/ui/queue?older_than=1h").await;
    assert!(!html.contains("an english remark"));
    assert!(html.contains("<option value=\"1h\" selected>"));
    app.state.advance_clock(2 * 3_600_000);
    let html = ui.page("/ui/queue?older_than=1h").await;
    assert!(html.contains("an english remark") && html.contains("تعليق عربي"));
}

async fn a_comment_leased_to_another_moderator_says_so(app: TestApp) {
    premoderate(&app, &app.site_id).await;
    let (id, _) = pending(&app, &app.api_key, "lease1", "who has this one").await;
    let other = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    let (status, v) = app
        .call(
            Method::POST,
            &other,
            "/v1/queue/claim",
            Some(&json!({"limit": 5})),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let email = user_with_password(&app, "moderator", std::slice::from_ref(&app.site_id)).await;
    let ui = Ui::login(&app, &email).await;
    let html = ui.page("/ui/queue").await;
    assert!(html.contains("Another moderator is looking at this comment."));
    // Deciding it anyway is a conflict, not a silent override.
    let csrf = csrf_of(&html);
    let res = ui
        .post(
            &format!("/ui/comments/{id}/decision"),
            &[("decision", "approve"), ("csrf", &csrf)],
        )
        .await;
    assert!(
        res.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=conflict")
    );
    assert_eq!(status_of(&app, &id).await, "pending");
    // Once the lease runs out the flag is gone.
    app.state.advance_clock(3_600_000);
    let html = ui.page("/ui/queue").await;
    assert!(!html.contains("Another moderator is looking at this comment."));
}
