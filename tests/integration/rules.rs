use crate::helpers::{TestApp, both_backends, comment};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

// Rules alone decide here, so retraining the model cannot move these verdicts.
both_backends!(
    with(crate::helpers::rules_only):
    admin_rule_crud_changes_verdicts,
    malformed_rules_are_refused_with_the_rule_id,
    rules_are_scoped_to_their_site_and_to_admins,
    test_and_backtest_show_a_rule_before_saving,
    another_instance_picks_up_rule_changes,
);

fn melon_rule(action: &str) -> Value {
    json!({"id": "no-melons", "kind": "keyword", "lang": "ar", "terms": ["بطيخ"], "label": "abuse", "action": action})
}

async fn admin_rule_crud_changes_verdicts(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    let site = app.site_id.clone();
    let post = reqwest::Method::POST;

    let (_, before) = app.submit(&comment("r-0", "أكلت البطيخ اليوم")).await;
    assert_eq!(before["status"], "approved", "{before}");

    let (status, created) = app
        .call(
            post.clone(),
            &admin,
            &format!("/v1/admin/rules?site={site}"),
            Some(&melon_rule("reject")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["rule"]["id"], "no-melons");
    let (status, _) = app
        .call(
            post.clone(),
            &admin,
            &format!("/v1/admin/rules?site={site}"),
            Some(&melon_rule("reject")),
        )
        .await;
    assert_eq!(status, 409);

    // Clitics and diacritics do not hide the word; the span points at the original.
    let text = "أكلتُ والبطّيخ اليوم";
    let (_, v) = app.submit(&comment("r-1", text)).await;
    assert_eq!(v["status"], "rejected", "{v}");
    assert_eq!(v["decided_by"], "rule");
    assert_ne!(
        v["rules_version"], before["rules_version"],
        "a change bumps the rules version"
    );
    let reason = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "no-melons")
        .unwrap()
        .clone();
    assert_eq!(reason["code"], "rule.keyword");
    let (start, end) = (
        reason["span"]["start"].as_u64().unwrap() as usize,
        reason["span"]["end"].as_u64().unwrap() as usize,
    );
    let matched: String = text.chars().skip(start).take(end - start).collect();
    assert!(
        matched.contains("بطّيخ"),
        "span {start}..{end} covers {matched:?}"
    );
    assert_eq!(reason["span"]["field"], "body");

    let (status, list) = app
        .call(
            reqwest::Method::GET,
            &admin,
            &format!("/v1/admin/rules?site={site}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["rules"].as_array().unwrap().len(), 1);
    assert!(!list["shipped"].as_array().unwrap().is_empty());

    let (status, updated) = app
        .call(
            reqwest::Method::PUT,
            &admin,
            &format!("/v1/admin/rules/no-melons?site={site}"),
            Some(&melon_rule("review")),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    let (_, v) = app.submit(&comment("r-2", "بطيخ")).await;
    assert_eq!(v["status"], "pending", "{v}");

    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            &admin,
            &format!("/v1/admin/rules/no-melons?site={site}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            &admin,
            &format!("/v1/admin/rules/no-melons?site={site}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (_, v) = app.submit(&comment("r-3", "بطيخ")).await;
    assert_eq!(v["status"], "approved", "{v}");

    // A site rule with a shipped rule's id replaces it for that site only.
    let (_, list) = app
        .call(
            reqwest::Method::GET,
            &admin,
            &format!("/v1/admin/rules?site={site}"),
            None,
        )
        .await;
    let shipped_id = list["shipped"][0].as_str().unwrap().to_string();
    let disable = json!({"id": shipped_id, "kind": "keyword", "terms": ["zzzz"], "label": "spam", "action": "review", "enabled": false});
    let (status, created) = app
        .call(
            post,
            &admin,
            &format!("/v1/admin/rules?site={site}"),
            Some(&disable),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["overrides_shipped"], true);
}

async fn malformed_rules_are_refused_with_the_rule_id(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    let path = format!("/v1/admin/rules?site={}", app.site_id);
    let bad = [
        json!({"id": "bad-regex", "kind": "regex", "pattern": "(unclosed", "label": "spam", "action": "review"}),
        json!({"id": "empty-terms", "kind": "keyword", "terms": [], "label": "spam", "action": "review"}),
    ];
    for rule in bad {
        let (status, p) = app
            .call(reqwest::Method::POST, &admin, &path, Some(&rule))
            .await;
        assert_eq!(status, 422, "{rule}: {p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains(rule["id"].as_str().unwrap()),
            "{p}"
        );
    }
    let unknown_kind = json!({"id": "k", "kind": "telepathy", "terms": ["x"], "label": "spam", "action": "review"});
    let (status, p) = app
        .call(reqwest::Method::POST, &admin, &path, Some(&unknown_kind))
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["field"], "kind");
    // Nothing was saved and the shipped rules still work.
    let (_, list) = app.call(reqwest::Method::GET, &admin, &path, None).await;
    assert!(list["rules"].as_array().unwrap().is_empty());
}

async fn rules_are_scoped_to_their_site_and_to_admins(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    let (other_site, _) = app.other_site().await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &admin,
            &format!("/v1/admin/rules?site={other_site}"),
            Some(&melon_rule("reject")),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            &admin,
            &format!("/v1/admin/rules/no-melons?site={}", app.site_id),
            None,
        )
        .await;
    assert_eq!(status, 404, "another site's rule is not found");
    let (_, v) = app.submit(&comment("s-1", "بطيخ")).await;
    assert_eq!(
        v["status"], "approved",
        "another site's rule does not apply: {v}"
    );

    let moderator = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    let (status, p) = app
        .call(
            reqwest::Method::GET,
            &moderator,
            &format!("/v1/admin/rules?site={}", app.site_id),
            None,
        )
        .await;
    assert_eq!(status, 403, "{p}");
    assert_eq!(p["code"], "forbidden");
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "rt_bogus",
            &format!("/v1/admin/rules?site={}", app.site_id),
            None,
        )
        .await;
    assert_eq!(status, 401);
    // A site API key is not an admin token.
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            &app.api_key,
            &format!("/v1/admin/rules?site={}", app.site_id),
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            &admin,
            "/v1/admin/rules?site=no-such-site",
            None,
        )
        .await;
    assert_eq!(status, 404);
}

async fn test_and_backtest_show_a_rule_before_saving(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    let (status, t) = app
        .call(
            reqwest::Method::POST,
            &admin,
            "/v1/admin/rules/test",
            Some(&json!({"text": "🍉 والبطيخ 🍉", "rule": melon_rule("reject")})),
        )
        .await;
    assert_eq!(status, 200, "{t}");
    let m = &t["matches"][0];
    assert_eq!(m["rule_id"], "no-melons");
    assert_eq!(m["span"]["field"], "body");
    assert!(
        m["span"]["start"].as_u64().unwrap() >= 2,
        "code points, after the emoji: {m}"
    );

    for (i, body) in ["البطيخ لذيذ", "لا شيء هنا", "بطيخ أحمر", "خبر عادي"]
        .iter()
        .enumerate()
    {
        app.submit(&comment(&format!("b-{i}"), body)).await;
    }
    let (status, b) = app
        .call(
            reqwest::Method::POST,
            &admin,
            "/v1/admin/rules/backtest",
            Some(&json!({"site": app.site_id, "rule": melon_rule("reject"), "limit": 100})),
        )
        .await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["scanned"], 4);
    assert_eq!(b["matched"], 2);
    assert_eq!(b["matched_by_status"]["approved"], 2);
    assert_eq!(b["hits"].as_array().unwrap().len(), 2);
    // Backtesting saved nothing.
    let (_, list) = app
        .call(
            reqwest::Method::GET,
            &admin,
            &format!("/v1/admin/rules?site={}", app.site_id),
            None,
        )
        .await;
    assert!(list["rules"].as_array().unwrap().is_empty());
}

/// With Redis, the notice arrives at once: polling is set to ten minutes here, so only
/// the published notice can explain a reload within 2 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_changes_reach_other_instances_through_redis() {
    let Some(redis) = crate::helpers::redis_url("rule_changes_reach_other_instances_through_redis")
    else {
        return;
    };
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, "redis_reload", |s| {
        s.redis_url = redis.clone();
        s.rules.reload_interval_ms = 600_000;
    })
    .await
    .unwrap();
    // Let both instances' first poll tick pass before the change.
    let other = app.second_instance().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    another_instance_picks_up_rule_changes_on(&app, &other).await;
}

async fn another_instance_picks_up_rule_changes(app: TestApp) {
    let other = app.second_instance().await;
    another_instance_picks_up_rule_changes_on(&app, &other).await;
}

async fn another_instance_picks_up_rule_changes_on(app: &TestApp, other: &TestApp) {
    let admin = app.user_token("admin", &[]).await;
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            &admin,
            &format!("/v1/admin/rules?site={}", app.site_id),
            Some(&melon_rule("reject")),
        )
        .await;
    assert_eq!(status, 201);
    let started = Instant::now();
    let mut body = comment("x", "بطيخ");
    body.as_object_mut().unwrap().remove("external_id");
    loop {
        let (_, v) = other.post_json("/v1/check", &body).await;
        if v["decision"] == "reject" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the other instance did not reload within 2 s: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
