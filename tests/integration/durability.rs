use crate::helpers::{TestApp, both_backends, comment};
use reqwest::Method;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

// Rules only: the verdicts then do not depend on the shipped model's scores.
both_backends!(with(crate::helpers::rules_only): concurrent_submissions_are_each_stored_exactly_once);

const TASKS: usize = 8;
const PER_TASK: usize = 200;

async fn concurrent_submissions_are_each_stored_exactly_once(app: TestApp) {
    // Automatic decisions, so the author's approved/rejected counters move.
    let admin = app.user_token("admin", &[]).await;
    let path = format!("/v1/admin/sites/{}/policy", app.site_id);
    let (status, v) = app
        .call(Method::PUT, &admin, &path, Some(&json!({"mode": "auto"})))
        .await;
    assert_eq!(status, 200, "{v}");
    let app = Arc::new(app);
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..PER_TASK {
                // Every fourth submission repeats the previous one: retries must not duplicate.
                let n = if i % 4 == 3 { i - 1 } else { i };
                let ext = format!("d-{t}-{n}");
                // Half the tasks send ~4 KB bodies, so concurrent batches outgrow one
                // PostgreSQL statement (12 kB of data) and are written as several
                // statements in one transaction.
                let padding = if t % 2 == 1 {
                    "more words ".repeat(400)
                } else {
                    String::new()
                };
                let body = format!("comment {t} {n} about the news {padding}");
                let (status, v) = app.submit(&comment(&ext, &body)).await;
                assert!(status == 201 || status == 200, "{status} {v}");
                acked.push((ext, v["comment_id"].as_str().unwrap().to_string()));
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for h in handles {
        acked.extend(h.await.unwrap());
    }
    let distinct: HashSet<_> = acked.iter().map(|(ext, _)| ext.clone()).collect();
    assert_eq!(acked.len(), TASKS * PER_TASK);
    assert_eq!(
        app.store.count_comments(&app.site_id).await.unwrap() as usize,
        distinct.len()
    );
    let (mut approved, mut rejected) = (0, 0);
    let mut counted = HashSet::new();
    for (ext, id) in &acked {
        let row = app
            .store
            .get_comment(&app.site_id, ext, true)
            .await
            .unwrap();
        assert_eq!(
            &row.id, id,
            "acknowledged id and stored id differ for {ext}"
        );
        if counted.insert(ext.clone()) {
            approved += u32::from(row.status == "approved");
            rejected += u32::from(row.status == "rejected");
        }
    }
    // One author wrote them all, so batched writes add to the same counters: each
    // stored comment counts once, however the submits were grouped.
    let history = app
        .store
        .author_history(&app.site_id, "reader-1", 0)
        .await
        .unwrap();
    assert!(history.seen);
    assert_eq!((history.approved, history.rejected), (approved, rejected));
    assert!(approved > 0, "the load should include approved comments");
}
