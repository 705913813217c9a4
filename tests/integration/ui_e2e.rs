//! The web UI in a real headless Chromium (driven through chromedriver): a moderator
//! clears a mixed Arabic/English queue from the keyboard, highlights sit on the right
//! words of a right-to-left comment, several comments are decided in bulk without a
//! reload, and an admin edits a rule with a backtest. Screenshots are kept in
//! `target/e2e-artifacts/`; with `RAQIB_DOCS_SCREENSHOTS=1` the queue screenshots are
//! also written to `docs/`.

use crate::helpers::{Backend, TestApp, manifest_path};
use crate::webdriver::{Browser, artifacts_dir, browser_available};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// A user with a password, through the admin API; returns the e-mail.
async fn user(app: &TestApp, role: &str, site: &str) -> String {
    let admin = app.user_token("admin", &[]).await;
    let email = format!(
        "{role}-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let sites = if role == "admin" {
        vec![]
    } else {
        vec![site.to_string()]
    };
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

/// A newsroom with a readable name whose every comment waits for a moderator;
/// returns its id and API key.
async fn newsroom(app: &TestApp) -> (String, String) {
    let (site, key) = app
        .store
        .create_site(
            "صحيفة الغد · Al-Ghad Daily",
            None,
            &app.settings.policy,
            raqib::store::now_ms(),
        )
        .await
        .unwrap();
    let admin = app.user_token("admin", &[]).await;
    let path = format!("/v1/admin/sites/{}/policy", site.id);
    let (_, mut policy) = app.call(Method::GET, &admin, &path, None).await;
    policy["mode"] = json!("premoderate");
    let (status, p) = app.call(Method::PUT, &admin, &path, Some(&policy)).await;
    assert_eq!(status, 200, "{p}");
    (site.id, key)
}

/// Submit a comment that must wait in the queue; returns its id.
async fn pending(
    app: &TestApp,
    key: &str,
    ext: &str,
    author: &str,
    thread: (&str, &str),
    body: &str,
) -> String {
    let (status, v) = app
        .post_json_as(key, "/v1/comments", &json!({
            "external_id": ext,
            "thread": {"id": thread.0, "url": format!("https://news.example/{}", thread.0), "title": thread.1},
            "author": {"id": format!("reader-{ext}"), "name": author, "email": format!("{ext}@example.com"), "ip": "203.0.113.7"},
            "body": body,
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["status"], "pending", "{v}");
    v["comment_id"].as_str().unwrap().to_string()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    app.store.comment_by_id(id).await.unwrap().status
}

async fn login(browser: &Browser, app: &TestApp, email: &str, lang: &str) {
    browser
        .goto(&app.url(&format!("/ui/login?lang={lang}")))
        .await;
    browser
        .type_into(&browser.find("#email").await, email)
        .await;
    browser
        .type_into(&browser.find("#password").await, PASSWORD)
        .await;
    browser
        .click(&browser.find("form.login button[type=submit]").await)
        .await;
    browser
        .wait_for(
            "the queue after login",
            "return location.pathname === '/ui/queue';",
            json!([]),
        )
        .await;
}

/// Number of cards still on the page (decided ones fade out, then go).
async fn cards(browser: &Browser) -> u64 {
    browser
        .script(
            "return document.querySelectorAll('.card:not(.done)').length;",
            json!([]),
        )
        .await
        .as_u64()
        .unwrap_or(0)
}

async fn shot(browser: &Browser, name: &str) {
    browser.screenshot(&artifacts_dir().join(name)).await;
    if std::env::var("RAQIB_DOCS_SCREENSHOTS").is_ok_and(|v| v == "1")
        && matches!(name, "queue-ar.png" | "queue-en.png")
    {
        browser.screenshot(&manifest_path("docs").join(name)).await;
    }
}

/// A realistic mixed queue; returns the ids oldest first.
async fn mixed_queue(app: &TestApp, key: &str) -> Vec<String> {
    let a = ("budget-2027", "الموازنة العامة لعام 2027: ما الذي تغيّر؟");
    let b = ("metro-line", "Metro line 3 opens next month");
    let mut ids = Vec::new();
    for (ext, author, thread, body) in [
        ("q1", "أبو خالد", a, "المقال ممتاز لكن الكاتب حقير جدا"),
        ("q2", "deals4u", b, "buy cheap watches now, best prices"),
        (
            "q3",
            "Sarah M.",
            b,
            "Finally! I have waited years for this line. Will it run on weekends?",
        ),
        (
            "q4",
            "مريم",
            a,
            "شكرا على التحليل الواضح، أتمنى نشر الأرقام التفصيلية أيضا",
        ),
    ] {
        ids.push(pending(app, key, ext, author, thread, body).await);
        // Distinct creation times keep the "oldest first" order stable.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_clears_a_mixed_queue_from_the_keyboard() {
    if !browser_available("a_moderator_clears_a_mixed_queue_from_the_keyboard") {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite, "e2e_keyboard")
        .await
        .unwrap();
    let (site, key) = newsroom(&app).await;
    let ids = mixed_queue(&app, &key).await;
    let email = user(&app, "moderator", &site).await;
    let browser = Browser::start(1280, 1100).await;
    login(&browser, &app, &email, "ar").await;
    browser.goto(&app.url("/ui/queue?lang=ar")).await;
    browser.find(".card").await;
    assert_eq!(
        browser
            .script("return document.documentElement.dir;", json!([]))
            .await,
        "rtl"
    );
    assert_eq!(cards(&browser).await, 4);

    // The highlight sits on the insult, inside a comment laid out right to left; the
    // English comment on the same Arabic page still reads left to right.
    let marks = browser
        .find_all(&format!("#c-{} .comment mark", ids[0]))
        .await;
    assert_eq!(marks.len(), 1);
    assert_eq!(browser.text(&marks[0]).await, "حقير");
    let layout = browser
        .script(
            "const c = document.querySelector('#c-' + arguments[0] + ' .comment');
             const m = c.querySelector('mark');
             const e = document.querySelector('#c-' + arguments[1] + ' .comment');
             return { dir: getComputedStyle(c).direction, before: m.previousSibling.textContent,
                      after: m.nextSibling.textContent, en: getComputedStyle(e).direction,
                      markRight: m.getBoundingClientRect().right, textRight: c.getBoundingClientRect().right };",
            json!([ids[0], ids[1]]),
        )
        .await;
    assert_eq!(layout["dir"], "rtl", "{layout}");
    assert_eq!(layout["before"], "المقال ممتاز لكن الكاتب ", "{layout}");
    assert_eq!(layout["after"], " جدا", "{layout}");
    assert_eq!(layout["en"], "ltr", "{layout}");
    // Right to left: the fifth word is well left of where the line starts.
    assert!(
        layout["markRight"].as_f64().unwrap() < layout["textRight"].as_f64().unwrap() - 50.0,
        "{layout}"
    );
    shot(&browser, "queue-ar.png").await;
    browser.goto(&app.url("/ui/queue?lang=en")).await;
    browser.find(".card").await;
    assert_eq!(
        browser
            .script("return document.documentElement.dir;", json!([]))
            .await,
        "ltr"
    );
    shot(&browser, "queue-en.png").await;

    // Usable at 360 px: nothing forces the page wider than the screen.
    browser.set_window(360, 800).await;
    let overflow = browser
        .script(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            json!([]),
        )
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "wider than 360 px by {overflow}"
    );
    shot(&browser, "queue-360.png").await;
    browser.set_window(1280, 1100).await;

    // Work the queue in the Arabic, right-to-left interface.
    browser.goto(&app.url("/ui/queue?lang=ar")).await;
    browser.find(".card").await;
    // j opens the first card, which claims it for this moderator.
    browser.press("j").await;
    browser
        .wait_for(
            "the first card claimed",
            "return document.querySelector('#c-' + arguments[0]).classList.contains('claimed');",
            json!([ids[0]]),
        )
        .await;
    let row = app.store.comment_by_id(&ids[0]).await.unwrap();
    assert!(row.claimed_by.is_some(), "opening a card claims it");
    // a approves, r rejects (first reason: spam), s skips, a approves the last.
    for (key, left) in [("a", 3), ("r", 2), ("s", 1), ("a", 0)] {
        browser.press(key).await;
        browser
            .wait_for(
                &format!("{key} to take effect"),
                "return document.querySelectorAll('.card:not(.done)').length === arguments[0];",
                json!([left]),
            )
            .await;
    }
    assert_eq!(status_of(&app, &ids[0]).await, "approved");
    assert_eq!(status_of(&app, &ids[1]).await, "rejected");
    assert_eq!(status_of(&app, &ids[2]).await, "pending");
    assert_eq!(status_of(&app, &ids[3]).await, "approved");
    // It all happened on one page load: no navigation away from the queue.
    assert!(browser.current_url().await.ends_with("/ui/queue?lang=ar"));
    // ? opens the shortcut help.
    browser.press("?").await;
    browser
        .wait_for(
            "the help",
            "return document.getElementById('help').open;",
            json!([]),
        )
        .await;
    shot(&browser, "queue-after-keyboard.png").await;
    // The comment page of the first one: its thread, verdict history and audit trail.
    browser
        .goto(&app.url(&format!("/ui/comments/{}", ids[0])))
        .await;
    let thread = browser.find_all(".thread li").await;
    assert_eq!(thread.len(), 2, "the other comment of the same article");
    assert_eq!(
        browser.text(&browser.find(".comment mark").await).await,
        "حقير"
    );
    shot(&browser, "comment.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_comments_are_decided_in_bulk_without_a_reload() {
    if !browser_available("several_comments_are_decided_in_bulk_without_a_reload") {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite, "e2e_bulk").await.unwrap();
    let (site, key) = newsroom(&app).await;
    let ids = mixed_queue(&app, &key).await;
    let email = user(&app, "moderator", &site).await;
    let browser = Browser::start(1280, 1000).await;
    login(&browser, &app, &email, "en").await;
    browser.find(".card").await;
    browser.script("window.__sameLoad = true;", json!([])).await;
    for id in [&ids[1], &ids[2]] {
        browser
            .click(&browser.find(&format!("#sel-{id}")).await)
            .await;
    }
    // Reject both as spam.
    browser
        .script(
            "document.getElementById('bulk-decision').value = 'reject';",
            json!([]),
        )
        .await;
    browser.click(&browser.find(".bulk-apply").await).await;
    browser
        .wait_for(
            "the two cards to go",
            "return document.querySelectorAll('.card:not(.done)').length === 2;",
            json!([]),
        )
        .await;
    assert_eq!(
        browser
            .script("return window.__sameLoad === true;", json!([]))
            .await,
        true,
        "the bulk decision reloaded the page"
    );
    let status = browser.text(&browser.find("#bulk-status").await).await;
    assert_eq!(status, "Done.");
    assert_eq!(status_of(&app, &ids[1]).await, "rejected");
    assert_eq!(status_of(&app, &ids[2]).await, "rejected");
    assert_eq!(status_of(&app, &ids[0]).await, "pending");
    assert_eq!(cards(&browser).await, 2);
    shot(&browser, "bulk.png").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_a_rule_after_a_backtest() {
    if !browser_available("an_admin_edits_a_rule_after_a_backtest") {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite, "e2e_rules").await.unwrap();
    for (ext, body) in [
        ("r1", "Win big at the casino tonight"),
        ("r2", "The lottery results were announced"),
        ("r3", "A calm comment about the weather"),
    ] {
        let (status, v) = app.submit(&crate::helpers::comment(ext, body)).await;
        assert_eq!(status, 201, "{v}");
    }
    let email = user(&app, "admin", "").await;
    let browser = Browser::start(1280, 1200).await;
    login(&browser, &app, &email, "en").await;
    browser
        .goto(&app.url(&format!("/ui/admin/rules?site={}", app.site_id)))
        .await;
    // The editor starts from a keyword rule for "casino". Test it on a text.
    browser
        .type_into(&browser.find("#rule-text").await, "Join the casino now")
        .await;
    browser.click(&browser.find("#rule-test").await).await;
    let mark = browser.find("#test-result mark").await;
    assert_eq!(browser.text(&mark).await, "casino");
    // Backtest over the site's recent comments: one of three matches.
    browser.click(&browser.find("#rule-backtest").await).await;
    let matched = browser.find("#bt-matched").await;
    assert_eq!(browser.text(&matched).await, "1");
    assert_eq!(browser.text(&browser.find("#bt-scanned").await).await, "3");
    // Widen it, backtest again, then save.
    let rule = r#"{"id": "site-gambling", "kind": "keyword", "lang": "en", "terms": ["casino", "lottery"], "label": "spam", "action": "review"}"#;
    browser
        .type_into(&browser.find("#rule-json").await, rule)
        .await;
    browser.click(&browser.find("#rule-backtest").await).await;
    browser
        .wait_for(
            "the wider backtest",
            "const m = document.getElementById('bt-matched'); return !!m && m.textContent === '2';",
            json!([]),
        )
        .await;
    shot(&browser, "rule-backtest.png").await;
    browser.click(&browser.find("#rule-save").await).await;
    browser
        .wait_for(
            "the saved notice",
            "return location.search.includes('notice=saved');",
            json!([]),
        )
        .await;
    let admin = app.user_token("admin", &[]).await;
    let (status, v) = app
        .call(
            Method::GET,
            &admin,
            &format!("/v1/admin/rules/site-gambling?site={}", app.site_id),
            None,
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["rule"]["terms"], json!(["casino", "lottery"]));
    // Now edit it: the editor holds the saved rule; narrow it and save again.
    let editor: Value = browser
        .script(
            "return document.getElementById('rule-json').value;",
            json!([]),
        )
        .await;
    assert!(
        editor.as_str().unwrap_or_default().contains("lottery"),
        "{editor}"
    );
    let narrowed = r#"{"id": "site-gambling", "kind": "keyword", "lang": "en", "terms": ["lottery"], "label": "spam", "action": "review"}"#;
    browser
        .type_into(&browser.find("#rule-json").await, narrowed)
        .await;
    // The page already shows the first save's notice: mark this document so the wait
    // only ends on the page the second save loads.
    browser
        .script("window.raqibBeforeSave = true; return null;", json!([]))
        .await;
    browser.click(&browser.find("#rule-save").await).await;
    browser
        .wait_for(
            "the second save",
            "return !window.raqibBeforeSave && !!document.querySelector('.notice');",
            json!([]),
        )
        .await;
    let (_, v) = app
        .call(
            Method::GET,
            &admin,
            &format!("/v1/admin/rules/site-gambling?site={}", app.site_id),
            None,
        )
        .await;
    assert_eq!(v["rule"]["terms"], json!(["lottery"]));
    shot(&browser, "rules.png").await;
    browser.goto(&app.url("/ui/stats")).await;
    browser.find("svg.chart").await;
    shot(&browser, "stats.png").await;
    // Every admin page fits a 360 px screen, in both interface languages.
    browser.set_window(360, 800).await;
    for page in [
        "/ui/stats",
        "/ui/admin/sites",
        "/ui/admin/rules",
        "/ui/admin/models",
        "/ui/admin/deliveries",
        "/ui/admin/users",
    ] {
        for lang in ["ar", "en"] {
            browser.goto(&app.url(&format!("{page}?lang={lang}"))).await;
            browser.find("main").await;
            let overflow = browser
                .script(
                    "return document.documentElement.scrollWidth - window.innerWidth;",
                    json!([]),
                )
                .await;
            if overflow.as_i64().unwrap() > 0 {
                // Name the elements that stick out, for the failure message.
                let culprits = browser
                    .script(
                        "return Array.from(document.querySelectorAll('body *')).filter(e => {
                           if (e.closest('.table-wrap') && !e.classList.contains('table-wrap')) { return false; }
                           const r = e.getBoundingClientRect();
                           return r.right > window.innerWidth + 1 || r.left < -1;
                         }).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + (e.id || '') + ' ' +
                           Math.round(e.getBoundingClientRect().left) + '..' +
                           Math.round(e.getBoundingClientRect().right));",
                        json!([]),
                    )
                    .await;
                panic!("{page} in {lang} is wider than 360 px by {overflow}: {culprits}");
            }
        }
    }
    browser.set_window(1280, 1200).await;
    browser.goto(&app.url("/ui/admin/sites?lang=ar")).await;
    browser.find("main").await;
    shot(&browser, "sites-ar.png").await;
    browser.goto(&app.url("/ui/admin/users?lang=ar")).await;
    browser.find("main").await;
    shot(&browser, "users-ar.png").await;
}
