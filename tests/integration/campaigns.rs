//! Campaign copies through the API: the same text posted across threads or accounts
//! is counted per site, with the variable parts (numbers, links, handles) ignored,
//! and the policy's `duplicates` settings decide what a copy means.

use crate::helpers::{TestApp, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(with(crate::helpers::rules_only):
    copies_across_threads_and_authors_are_counted_and_held,
    duplicate_settings_are_validated_through_the_api,
);

/// A campaign text no shipped rule knows (an election call posted under every
/// article), so that its spam score is the copies' weight and nothing else.
const AD: &str = "نطالب جميع القراء بالتصويت للمرشح سامي في انتخابات البلدية القادمة يوم الخميس";

fn post(ext: &str, author: &str, thread: &str, body: &str) -> Value {
    json!({
        "external_id": ext,
        "thread": {"id": thread},
        "author": {"id": author},
        "body": body,
    })
}

/// The `signal.duplicate` reason of a verdict, if it has one.
fn duplicate(v: &Value) -> Option<&Value> {
    v["reasons"]
        .as_array()?
        .iter()
        .find(|r| r["code"] == "signal.duplicate")
}

async fn set_duplicates(app: &TestApp, admin: &str, duplicates: Value) {
    let path = format!("/v1/admin/sites/{}/policy", app.site_id);
    let (_, mut policy) = app.call(Method::GET, admin, &path, None).await;
    policy["duplicates"] = duplicates;
    let (status, p) = app.call(Method::PUT, admin, &path, Some(&policy)).await;
    assert_eq!(status, 200, "{p}");
}

/// A moderator rejects the comment of `verdict` with `reason`.
async fn reject(app: &TestApp, moderator: &str, verdict: &Value, reason: &str) {
    let id = verdict["comment_id"].as_str().unwrap();
    let (s, v) = app
        .call(
            Method::POST,
            moderator,
            &format!("/v1/comments/{id}/decision"),
            Some(&json!({"decision": "reject", "reason_code": reason})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
}

async fn copies_across_threads_and_authors_are_counted_and_held(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    // Rules only, and no rule knows the text: its spam score is the copies' weight.
    set_duplicates(
        &app,
        &admin,
        json!({"window_hours": 24, "min_copies": 2, "spam_weight": 0.6, "hold": false}),
    )
    .await;

    // The first post, and the same author posting it again in the same thread: a
    // double post, not a campaign.
    let (s, v) = app
        .submit(&post("c-1", "a1", "t1", &format!("{AD} 0551111111")))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["decision"], "approve", "{v}");
    assert!(duplicate(&v).is_none(), "{v}");
    let (_, v) = app
        .submit(&post("c-2", "a1", "t1", &format!("{AD} 0551111111")))
        .await;
    assert!(duplicate(&v).is_none(), "a double post is not counted: {v}");

    // Another account under another article, with another number, link and emoji:
    // both earlier copies count, and the weight sends it to review.
    let (_, v) = app
        .submit(&post(
            "c-3",
            "a2",
            "t2",
            &format!("🚚 {AD}!! ٠٥٥٩٩٩٩٩٩٩ https://vote.example.com"),
        ))
        .await;
    assert_eq!(v["decision"], "review", "{v}");
    let d = duplicate(&v).expect("signal.duplicate");
    assert_eq!(
        d["copies"],
        json!({"copies": 2, "authors": 1, "threads": 1, "rejected_as_spam": false}),
        "{v}"
    );
    assert_eq!(d["weight"].as_f64().map(|w| (w * 10.0).round()), Some(6.0));
    assert!(v["scores"]["spam"].as_f64().unwrap() >= 0.59, "{v}");

    let (_, v) = app
        .submit(&post(
            "c-4",
            "a3",
            "t3",
            &format!("{AD} #انتخابات_2026 @sami_campaign"),
        ))
        .await;
    let d = duplicate(&v).expect("signal.duplicate");
    assert_eq!(
        d["copies"],
        json!({"copies": 3, "authors": 2, "threads": 2, "rejected_as_spam": false}),
        "{v}"
    );

    // Reworded, short, or on another site: no copies.
    let (_, v) = app
        .submit(&post("c-5", "a4", "t4", &AD.replace("سامي", "خالد")))
        .await;
    assert!(duplicate(&v).is_none(), "reworded: {v}");
    for i in 0..4 {
        let (_, v) = app
            .submit(&post(
                &format!("s-{i}"),
                &format!("r{i}"),
                &format!("t{i}"),
                "الله يرحمه",
            ))
            .await;
        assert!(duplicate(&v).is_none(), "short: {v}");
    }
    let (_, other_key) = app.other_site().await;
    let (s, v) = app
        .post_json_as(&other_key, "/v1/comments", &post("o-1", "a5", "t5", AD))
        .await;
    assert_eq!(s, 201, "{v}");
    assert!(duplicate(&v).is_none(), "copies are counted per site: {v}");

    // A dry run scores the text alone.
    let (s, v) = app
        .post_json("/v1/check", &post("x-1", "a6", "t6", AD))
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(duplicate(&v).is_none(), "{v}");

    // An edit into the campaign text is counted too.
    let (_, v) = app
        .submit(&post(
            "c-6",
            "a7",
            "t7",
            "تغطية ممتازة للأحداث اليوم في المدينة شكرا للمراسلين",
        ))
        .await;
    assert!(duplicate(&v).is_none(), "{v}");
    let (s, v) = app
        .call(
            Method::PUT,
            &app.api_key.clone(),
            "/v1/comments/ext:c-6",
            Some(&post("c-6", "a7", "t7", AD)),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(duplicate(&v).expect("edit")["copies"]["copies"], 4, "{v}");

    // Moderators find the campaign's held copies by reason.
    let m = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    let (s, q) = app
        .call(Method::GET, &m, "/v1/queue?reason=signal.duplicate", None)
        .await;
    assert_eq!(s, 200, "{q}");
    let held: Vec<&str> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["external_id"].as_str())
        .collect();
    for ext in ["c-3", "c-4", "c-6"] {
        assert!(held.contains(&ext), "{ext} not in {held:?}");
    }
    assert!(!held.contains(&"c-1") && !held.contains(&"c-5"), "{held:?}");

    // `hold` sends even a clean-reading copy to review; min_copies 0 turns it off.
    set_duplicates(&app, &admin, json!({"spam_weight": 0.0, "hold": true})).await;
    let (_, v) = app.submit(&post("c-7", "a8", "t8", AD)).await;
    assert_eq!(v["decision"], "review", "{v}");
    assert_eq!(duplicate(&v).expect("held")["action"], "review");
    set_duplicates(&app, &admin, json!({"min_copies": 0, "hold": true})).await;
    let (_, v) = app.submit(&post("c-8", "a9", "t9", AD)).await;
    assert_eq!(v["decision"], "approve", "{v}");
    assert!(duplicate(&v).is_none(), "{v}");

    // A moderator rejects one held copy as spam: every later copy is rejected, even
    // with no weight at all, and says why.
    set_duplicates(
        &app,
        &admin,
        json!({"window_hours": 24, "spam_weight": 0.0}),
    )
    .await;
    let (_, held) = app.get("/v1/comments/ext:c-3").await;
    reject(&app, &m, &held, "spam").await;
    let (_, v) = app
        .submit(&post("c-9", "a10", "t10", &format!("{AD} ☎️ 0512345678")))
        .await;
    assert_eq!(
        (&v["decision"], &v["decided_by"]),
        (&json!("reject"), &json!("policy")),
        "{v}"
    );
    let d = duplicate(&v).expect("follows the moderator");
    assert_eq!(d["action"], "reject", "{v}");
    assert_eq!(d["copies"]["rejected_as_spam"], true, "{v}");
    // A moderator's rejection for another reason is not a spam verdict on the text.
    let off_topic = "هذا التعليق لا علاقة له بموضوع المقال على الإطلاق يا جماعة";
    app.submit(&post("d-1", "b1", "t1", off_topic)).await;
    set_duplicates(&app, &admin, json!({"hold": true})).await;
    app.submit(&post("d-2", "b2", "t2", off_topic)).await;
    let (_, v) = app.submit(&post("d-3", "b3", "t3", off_topic)).await;
    assert_eq!(v["decision"], "review", "held as a campaign: {v}");
    reject(&app, &m, &v, "off_topic").await;
    let (_, v) = app.submit(&post("d-4", "b4", "t4", off_topic)).await;
    assert_eq!(v["decision"], "review", "not rejected: {v}");
    assert_eq!(
        duplicate(&v).unwrap()["copies"]["rejected_as_spam"],
        false,
        "{v}"
    );

    // Copies older than the window count no more, nor does the rejection among them.
    set_duplicates(&app, &admin, json!({"window_hours": 24})).await;
    app.state.advance_clock(25 * 3_600_000);
    let (_, v) = app.submit(&post("c-10", "a11", "t11", AD)).await;
    assert_eq!(v["decision"], "approve", "{v}");
    assert!(duplicate(&v).is_none(), "{v}");
}

async fn duplicate_settings_are_validated_through_the_api(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    let path = format!("/v1/admin/sites/{}/policy", app.site_id);
    let (_, policy) = app.call(Method::GET, &admin, &path, None).await;
    assert_eq!(
        policy["duplicates"],
        json!({"window_hours": 72, "min_copies": 2, "spam_weight": 0.3, "hold": false,
               "follow_moderators": true}),
        "the defaults are shown"
    );
    for (bad, field) in [
        (json!({"spam_weight": 1.5}), "duplicates.spam_weight"),
        (json!({"window_hours": 0}), "duplicates.window_hours"),
    ] {
        let mut p = policy.clone();
        p["duplicates"] = bad;
        let (status, v) = app.call(Method::PUT, &admin, &path, Some(&p)).await;
        assert_eq!(status, 422, "{v}");
        assert_eq!(v["field"], field, "{v}");
    }
    let mut p = policy.clone();
    p["duplicates"] = json!({"window": 3});
    let (status, v) = app.call(Method::PUT, &admin, &path, Some(&p)).await;
    assert_eq!(status, 422, "unknown field: {v}");
}
