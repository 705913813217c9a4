//! Campaign copies through the API: the same text posted across threads or accounts
//! is counted per site, with the variable parts (numbers, links, handles) ignored,
//! and the policy's `duplicates` settings decide what a copy means.

use crate::helpers::{TestApp, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(with(crate::helpers::rules_only):
    copies_across_threads_and_authors_are_counted_and_held,
    a_spam_rejection_clears_the_pending_copies,
    campaigns_under_way_are_listed_per_site,
    a_published_campaign_is_rejected_in_one_go,
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

/// A moderator decision on comment `id`; the answer.
async fn decide(app: &TestApp, moderator: &str, id: &str, body: Value) -> (u16, Value) {
    app.call(
        Method::POST,
        moderator,
        &format!("/v1/comments/{id}/decision"),
        Some(&body),
    )
    .await
}

async fn a_spam_rejection_clears_the_pending_copies(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    set_duplicates(
        &app,
        &admin,
        json!({"window_hours": 24, "min_copies": 2, "spam_weight": 0.0, "hold": true}),
    )
    .await;
    let sites = std::slice::from_ref(&app.site_id);
    let m = app.user_token("moderator", sites).await;
    let other = app.user_token("moderator", sites).await;

    // Six copies: the first two are published, the others held as a campaign. Another
    // campaign's copy and a copy from before the window are held too.
    let old = app.submit(&post("old", "z0", "t0", AD)).await.1;
    app.state.advance_clock(25 * 3_600_000);
    let other_text = "ادعموا حملة جمع التبرعات لبناء الملعب الجديد في الحي الشرقي هذا الأسبوع";
    for (i, text) in [other_text; 3].iter().enumerate() {
        app.submit(&post(
            &format!("o-{i}"),
            &format!("y{i}"),
            &format!("t{i}"),
            text,
        ))
        .await;
    }
    let mut ids = Vec::new();
    for i in 1..=7 {
        let (s, v) = app
            .submit(&post(
                &format!("c-{i}"),
                &format!("a{i}"),
                &format!("t{i}"),
                &format!("{AD} 05{i}1234567"),
            ))
            .await;
        assert_eq!(s, 201, "{v}");
        let expected = if i <= 2 { "approve" } else { "review" };
        assert_eq!(v["decision"], expected, "c-{i}: {v}");
        ids.push(v["comment_id"].as_str().unwrap().to_string());
    }
    assert_eq!(old["decision"], "approve", "{old}");
    let spam = json!({"decision": "reject", "reason_code": "spam"});

    // Another moderator leases the oldest pending comments: the other campaign's held
    // copy, then c-3. A lease is respected.
    let (s, c) = app
        .call(
            Method::POST,
            &other,
            "/v1/queue/claim",
            Some(&json!({"limit": 2})),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let leased: Vec<&str> = c["comment_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(leased.contains(&ids[2].as_str()), "{c}");

    // A moderator approves c-4; a rejection of c-5 for another reason takes nothing
    // with it.
    let (s, v) = decide(&app, &m, &ids[3], json!({"decision": "approve"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = decide(
        &app,
        &m,
        &ids[4],
        json!({"decision": "reject", "reason_code": "off_topic"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v.get("copies_rejected").is_none(), "{v}");
    let (_, c6) = app.get("/v1/comments/ext:c-6").await;
    assert_eq!(c6["status"], "pending", "{c6}");

    // The spam rejection of c-6 takes with it the held c-7 and the copies the machine
    // published (c-1, c-2). Left alone: c-3, leased to the other moderator; c-4, which
    // a moderator approved; c-5, decided; the copy from before the window; the other
    // campaign's text.
    let (s, v) = decide(&app, &m, &ids[5], spam.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "rejected", "{v}");
    let mut swept: Vec<&str> = v["copies_rejected"]
        .as_array()
        .unwrap_or_else(|| panic!("no copies_rejected: {v}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    swept.sort_unstable();
    let mut expected = vec![ids[0].as_str(), ids[1].as_str(), ids[6].as_str()];
    expected.sort_unstable();
    assert_eq!(swept, expected, "{v}");
    let (_, c7) = app.get("/v1/comments/ext:c-7").await;
    assert_eq!(
        (&c7["status"], &c7["decided_by"]),
        (&json!("rejected"), &json!("policy")),
        "{c7}"
    );
    let why = c7["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "moderator.campaign")
        .unwrap_or_else(|| panic!("no moderator.campaign reason: {c7}"));
    assert_eq!(
        (&why["detail"], &why["action"]),
        (&json!(ids[5]), &json!("reject")),
        "{c7}"
    );
    for (ext, status) in [
        ("c-1", "rejected"),
        ("c-2", "rejected"),
        ("c-3", "pending"),
        ("c-4", "approved"),
        ("c-5", "rejected"),
        ("old", "approved"),
        ("o-2", "pending"),
    ] {
        let (_, c) = app.get(&format!("/v1/comments/ext:{ext}")).await;
        assert_eq!(c["status"], status, "{ext}: {c}");
    }
    // The host site hears of each copy from its events: a held copy is rejected, a
    // published one updated, so that the site takes it down.
    let (_, feed) = app.get("/v1/events?limit=500").await;
    let last_event = |ext: &str| {
        feed["events"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|e| e["comment"]["external_id"] == ext)
            .unwrap_or_else(|| panic!("no event for {ext}: {feed}"))
            .clone()
    };
    for (ext, kind) in [("c-7", "comment.rejected"), ("c-1", "comment.updated")] {
        let event = last_event(ext);
        assert_eq!(event["type"], kind, "{event}");
        assert_eq!(event["comment"]["status"], "rejected", "{event}");
        assert_eq!(event["comment"]["decided_by"], "policy", "{event}");
    }
    // The audit log says who, why and from what.
    let (s, log) = app
        .call(
            Method::GET,
            &admin,
            &format!("/v1/audit?comment={}", ids[0]),
            None,
        )
        .await;
    assert_eq!(s, 200, "{log}");
    let entry = &log["entries"][0];
    assert_eq!(
        (&entry["from_status"], &entry["to_status"]),
        (&json!("approved"), &json!("rejected")),
        "{log}"
    );
    assert!(
        entry["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("moderator:")),
        "{log}"
    );
    assert_eq!(
        entry["note"],
        format!("campaign copy of {}", ids[5]),
        "{log}"
    );

    // An appeal of a swept copy is left for a moderator, even when the campaign is
    // rejected again.
    let (s, a) = app
        .call(
            Method::POST,
            &app.api_key.clone(),
            "/v1/comments/ext:c-7/appeal",
            Some(&json!({"note": "this is my own text"})),
        )
        .await;
    assert_eq!(s, 200, "{a}");
    let (s, v) = decide(&app, &other, &ids[2], spam.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert!(v.get("copies_rejected").is_none(), "{v}");
    for (ext, status) in [("c-7", "pending"), ("c-4", "approved")] {
        let (_, c) = app.get(&format!("/v1/comments/ext:{ext}")).await;
        assert_eq!(c["status"], status, "{ext}: {c}");
    }

    // Decided together in one bulk request: the copies taken with the first item are
    // done, not refused as no longer pending.
    let bulk_text = "نرجو من الجميع حضور الاجتماع العام لسكان الحي مساء الجمعة في قاعة البلدية";
    let mut bulk = Vec::new();
    for i in 0..4 {
        let (_, v) = app
            .submit(&post(
                &format!("b-{i}"),
                &format!("x{i}"),
                &format!("t{i}"),
                bulk_text,
            ))
            .await;
        if v["decision"] == "review" {
            bulk.push(
                json!({"comment_id": v["comment_id"], "decision": "reject", "reason_code": "spam"}),
            );
        }
    }
    assert_eq!(bulk.len(), 2);
    let (s, r) = app
        .call(
            Method::POST,
            &m,
            "/v1/decisions",
            Some(&json!({"decisions": bulk})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    // The first item takes the second and the two published copies with it.
    let taken = r["results"][0]["copies_rejected"].as_array().unwrap();
    assert_eq!(taken.len(), 3, "{r}");
    assert!(taken.contains(&bulk[1]["comment_id"]), "{r}");
    assert_eq!(
        (&r["results"][1]["ok"], &r["results"][1]["status"]),
        (&json!(true), &json!("rejected")),
        "{r}"
    );

    // A site that does not follow its moderators keeps the copies pending.
    set_duplicates(
        &app,
        &admin,
        json!({"follow_moderators": false, "hold": true}),
    )
    .await;
    let mut held = Vec::new();
    for i in 0..4 {
        let (_, v) = app
            .submit(&post(
                &format!("n-{i}"),
                &format!("w{i}"),
                &format!("t{i}"),
                other_text,
            ))
            .await;
        held.push(v);
    }
    let pending: Vec<&Value> = held.iter().filter(|v| v["decision"] == "review").collect();
    let (s, v) = decide(
        &app,
        &m,
        pending[0]["comment_id"].as_str().unwrap(),
        json!({"decision": "reject", "reason_code": "spam"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v.get("copies_rejected").is_none(), "{v}");
    let (_, n) = app
        .get(&format!(
            "/v1/comments/{}",
            pending[1]["comment_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(n["status"], "pending", "{n}");
}

async fn campaigns_under_way_are_listed_per_site(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    set_duplicates(&app, &admin, json!({"hold": true, "spam_weight": 0.0})).await;
    let m = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    // Four copies of the ad (the last two held), three of a slogan, two of a prayer,
    // and copies on another site.
    let slogan = "ادعموا حملة جمع التبرعات لبناء الملعب الجديد في الحي الشرقي هذا الأسبوع";
    let prayer = "اللهم ارحم شهداء درنة واغفر لهم واسكنهم فسيح جناتك يا رب العالمين";
    let mut ad_ids = Vec::new();
    for (i, text) in [AD, AD, AD, AD, slogan, slogan, slogan, prayer, prayer]
        .iter()
        .enumerate()
    {
        let (s, v) = app
            .submit(&post(
                &format!("p-{i}"),
                &format!("a{i}"),
                &format!("t{}", i % 2),
                text,
            ))
            .await;
        assert_eq!(s, 201, "{v}");
        if *text == AD {
            ad_ids.push(v["comment_id"].as_str().unwrap().to_string());
        }
    }
    let (other_site, other_key) = app.other_site().await;
    for i in 0..3 {
        app.post_json_as(
            &other_key,
            "/v1/comments",
            &post(&format!("o-{i}"), &format!("b{i}"), "t", AD),
        )
        .await;
    }

    let (s, page) = app.call(Method::GET, &m, "/v1/campaigns", None).await;
    assert_eq!(s, 200, "{page}");
    let list = page["campaigns"].as_array().unwrap();
    assert_eq!(
        list.len(),
        2,
        "the prayer has two copies, the other site is not mine: {page}"
    );
    let ad = &list[0];
    assert_eq!(
        (
            &ad["site_id"],
            &ad["copies"],
            &ad["authors"],
            &ad["threads"]
        ),
        (&json!(app.site_id), &json!(4), &json!(4), &json!(2)),
        "{page}"
    );
    assert_eq!(
        (&ad["pending"], &ad["approved"], &ad["rejected"]),
        (&json!(2), &json!(2), &json!(0)),
        "{page}"
    );
    // The copy shown is a pending one, the latest.
    assert_eq!(ad["sample"]["comment_id"], ad_ids[3].as_str(), "{page}");
    assert!(
        ad["sample"]["body"].as_str().unwrap().starts_with("نطالب"),
        "{page}"
    );
    assert_eq!(list[1]["copies"], 3, "{page}");
    let (_, two) = app
        .call(Method::GET, &m, "/v1/campaigns?min_copies=2", None)
        .await;
    assert_eq!(two["campaigns"].as_array().unwrap().len(), 3, "{two}");
    let (_, all) = app.call(Method::GET, &admin, "/v1/campaigns", None).await;
    assert_eq!(
        all["campaigns"].as_array().unwrap().len(),
        3,
        "an admin sees every site: {all}"
    );

    // The campaign's pending copies, from the queue.
    let fp = ad["fingerprint"].as_str().unwrap();
    let (s, q) = app
        .call(Method::GET, &m, &format!("/v1/queue?campaign={fp}"), None)
        .await;
    assert_eq!(s, 200, "{q}");
    let mut queued: Vec<&str> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["comment_id"].as_str())
        .collect();
    queued.sort_unstable();
    let mut held = vec![ad_ids[2].as_str(), ad_ids[3].as_str()];
    held.sort_unstable();
    assert_eq!(queued, held, "{q}");

    // Rejecting the copy shown ends the campaign: nothing of it waits or stays up.
    let (s, v) = app
        .call(
            Method::POST,
            &m,
            &format!("/v1/comments/{}/decision", ad_ids[3]),
            Some(&json!({"decision": "reject", "reason_code": "spam"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, page) = app.call(Method::GET, &m, "/v1/campaigns", None).await;
    assert_eq!(
        (
            &page["campaigns"][0]["pending"],
            &page["campaigns"][0]["approved"],
            &page["campaigns"][0]["rejected"]
        ),
        (&json!(0), &json!(0), &json!(4)),
        "{page}"
    );

    // Out of the window, nothing is listed.
    app.state.advance_clock(2 * 3_600_000);
    let (_, page) = app
        .call(Method::GET, &m, "/v1/campaigns?within=1h", None)
        .await;
    assert_eq!(page["campaigns"], json!([]), "{page}");

    // Another site's campaigns are not a moderator's to see; bad filters say which.
    let (s, _) = app
        .call(
            Method::GET,
            &m,
            &format!("/v1/campaigns?site={other_site}"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    for (query, field) in [
        ("min_copies=1", "min_copies"),
        ("within=banana", "within"),
        ("within=100d", "within"),
    ] {
        let (s, p) = app
            .call(Method::GET, &m, &format!("/v1/campaigns?{query}"), None)
            .await;
        assert_eq!((s, p["field"].as_str()), (422, Some(field)), "{query}: {p}");
    }
    let (s, p) = app
        .call(Method::GET, &m, "/v1/queue?campaign=nothex", None)
        .await;
    assert_eq!((s, p["field"].as_str()), (422, Some("campaign")), "{p}");
    let (s, _) = app
        .call(Method::GET, &m, "/v1/campaigns?colour=red", None)
        .await;
    assert_eq!(s, 400, "unknown parameters are refused");
    let (s, _) = app.get("/v1/campaigns").await;
    assert_eq!(s, 401, "an API key is not a moderator");
}

/// A campaign the machine let through entirely: nothing waits in the queue, so the
/// moderator rejects the campaign itself.
async fn a_published_campaign_is_rejected_in_one_go(app: TestApp) {
    let admin = app.user_token("admin", &[]).await;
    // A weight too small to hold anything.
    set_duplicates(&app, &admin, json!({"spam_weight": 0.0})).await;
    let m = app
        .user_token("moderator", std::slice::from_ref(&app.site_id))
        .await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (_, v) = app
            .submit(&post(
                &format!("p-{i}"),
                &format!("a{i}"),
                &format!("t{i}"),
                AD,
            ))
            .await;
        assert_eq!(v["decision"], "approve", "{v}");
        ids.push(v["comment_id"].as_str().unwrap().to_string());
    }
    let (_, page) = app.call(Method::GET, &m, "/v1/campaigns", None).await;
    let fp = page["campaigns"][0]["fingerprint"]
        .as_str()
        .unwrap_or_else(|| panic!("no campaign: {page}"))
        .to_string();
    let path = format!("/v1/campaigns/{fp}/reject");
    let body = json!({"site": app.site_id, "note": "election spam"});

    // Another site's moderator, a bad fingerprint, unknown fields: refused.
    let (other_site, _) = app.other_site().await;
    let theirs = app.user_token("moderator", &[other_site]).await;
    let (s, _) = app.call(Method::POST, &theirs, &path, Some(&body)).await;
    assert_eq!(s, 404);
    let (s, p) = app
        .call(Method::POST, &m, "/v1/campaigns/xyz/reject", Some(&body))
        .await;
    assert_eq!((s, p["field"].as_str()), (422, Some("fingerprint")), "{p}");
    let (s, _) = app
        .call(
            Method::POST,
            &m,
            &path,
            Some(&json!({"site": app.site_id, "why": 1})),
        )
        .await;
    assert_eq!(s, 422, "unknown fields are refused");
    let long = json!({"site": app.site_id, "note": "x".repeat(2001)});
    let (s, p) = app.call(Method::POST, &m, &path, Some(&long)).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("note")), "{p}");
    for id in &ids {
        let (_, c) = app.get(&format!("/v1/comments/{id}")).await;
        assert_eq!(c["status"], "approved", "nothing changed yet: {c}");
    }

    // The newest copy is the moderator's rejection, the others go with it.
    let (s, r) = app.call(Method::POST, &m, &path, Some(&body)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["comment_id"], ids[2].as_str(), "{r}");
    let mut taken: Vec<&str> = r["copies_rejected"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    taken.sort_unstable();
    let mut expected = vec![ids[0].as_str(), ids[1].as_str()];
    expected.sort_unstable();
    assert_eq!(taken, expected, "{r}");
    let (_, c) = app.get(&format!("/v1/comments/{}", ids[2])).await;
    assert_eq!(
        (&c["status"], &c["decided_by"]),
        (&json!("rejected"), &json!("moderator")),
        "{c}"
    );
    let (_, c) = app.get(&format!("/v1/comments/{}", ids[0])).await;
    assert_eq!(
        (&c["status"], &c["decided_by"]),
        (&json!("rejected"), &json!("policy")),
        "{c}"
    );
    let (_, feed) = app.get("/v1/events?limit=500").await;
    let kinds: Vec<&str> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["comment"]["status"] == "rejected")
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        kinds, ["comment.updated"; 3],
        "published copies are taken down: {feed}"
    );
    let (_, log) = app
        .call(
            Method::GET,
            &admin,
            &format!("/v1/audit?comment={}", ids[2]),
            None,
        )
        .await;
    assert_eq!(log["entries"][0]["note"], "election spam", "{log}");

    // Later copies follow the moderator; nothing is left to reject.
    let (_, v) = app.submit(&post("p-9", "a9", "t9", AD)).await;
    assert_eq!(
        (&v["decision"], &v["decided_by"]),
        (&json!("reject"), &json!("policy")),
        "{v}"
    );
    let (s, _) = app.call(Method::POST, &m, &path, Some(&body)).await;
    assert_eq!(s, 404, "every copy is rejected already");
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
