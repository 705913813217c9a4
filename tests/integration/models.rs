use crate::helpers::{TestApp, both_backends, comment, manifest_path};
use reqwest::Method;
use std::time::{Duration, Instant};

both_backends!(admins_list_and_activate_models_across_instances);

/// Copy the shipped model under another version name: same weights, new metadata.
fn renamed_model(bytes: &[u8], version: &str) -> Vec<u8> {
    let meta_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let mut meta: serde_json::Value = serde_json::from_slice(&bytes[16..16 + meta_len]).unwrap();
    meta["version"] = serde_json::json!(version);
    let meta = serde_json::to_vec(&meta).unwrap();
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&bytes[16 + meta_len..]);
    out
}

async fn admins_list_and_activate_models_across_instances(app: TestApp) {
    // The harness app serves the shipped model from the repository; build a private
    // models directory with two versions and start instances on it.
    let shipped = std::fs::read(manifest_path("models/raqib-v1.bin")).unwrap();
    let dir = app.settings.data_dir.join("models");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("raqib-v1.bin"), &shipped).unwrap();
    std::fs::write(
        dir.join("raqib-test-v2.bin"),
        renamed_model(&shipped, "test-v2"),
    )
    .unwrap();
    std::fs::write(dir.join("broken.bin"), b"not a model").unwrap();
    let mut settings = app.settings.clone();
    settings.model_path = dir.join("raqib-v1.bin");
    let first = TestApp::attach(&app, settings.clone()).await;
    let second = TestApp::attach(&app, settings).await;

    let admin = first.user_token("admin", &[]).await;
    let (status, list) = first
        .call(Method::GET, &admin, "/v1/admin/models", None)
        .await;
    assert_eq!(status, 200, "{list}");
    let versions: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["version"].as_str().unwrap())
        .collect();
    assert!(versions.contains(&"test-v2"), "{list}");
    assert_eq!(
        versions.len(),
        2,
        "the broken file is not registered: {list}"
    );
    let shipped_version = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["version"] != "test-v2")
        .unwrap();
    assert_eq!(shipped_version["serving"], true);
    assert!(shipped_version["metrics"].is_object());

    let moderator = first
        .user_token("moderator", std::slice::from_ref(&first.site_id))
        .await;
    let (status, _) = first
        .call(
            Method::POST,
            &moderator,
            "/v1/admin/models/test-v2/activate",
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = first
        .call(Method::POST, &admin, "/v1/admin/models/nope/activate", None)
        .await;
    assert_eq!(status, 404);
    let (status, v) = first
        .call(
            Method::POST,
            &admin,
            "/v1/admin/models/test-v2/activate",
            None,
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["serving"], true);

    let mut body = comment("x", "خبر عادي عن الاقتصاد");
    body.as_object_mut().unwrap().remove("external_id");
    let (_, verdict) = first.post_json("/v1/check", &body).await;
    assert_eq!(verdict["model_version"], "test-v2");
    let started = Instant::now();
    loop {
        let (_, verdict) = second.post_json("/v1/check", &body).await;
        if verdict["model_version"] == "test-v2" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the other instance kept {verdict}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
