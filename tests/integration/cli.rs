use crate::helpers::{PgDatabase, comment};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn raqib(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_raqib"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RAQIB_DATA_DIR", data_dir)
        .env("RAQIB_LISTEN", "127.0.0.1:0")
        .env("RAQIB_MODEL_PATH", "")
        .env_remove("RAQIB_DATABASE_URL");
    cmd
}

fn run_json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Start `raqib serve`; return the child, the demo key and the base URL it printed.
fn start_serve(cmd: &mut Command) -> (Child, String, String) {
    let mut child = cmd
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut key = None;
    let mut base = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(i) = line.find("rk_") {
            key.get_or_insert_with(|| {
                line[i..]
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .next()
                    .unwrap()
                    .to_string()
            });
        }
        if let Some(i) = line.find("http://") {
            let url: String = line[i..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            base = Some(url.trim_end_matches("/v1/comments").to_string());
            break;
        }
    }
    (
        child,
        key.expect("serve printed no API key"),
        base.expect("serve printed no curl example"),
    )
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let ok = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
    child.wait().unwrap()
}

// Two worker threads: `terminate` blocks its thread in `wait()` while the spawned
// batch request must keep sending and reading. On the default one-thread runtime a
// request whose body was not fully sent by then stalled, the server waited for it,
// and the test hung.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_bootstraps_a_demo_site_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, key, base) = start_serve(&mut raqib(dir.path()));
    assert!(
        dir.path().join("raqib.db").exists(),
        "the SQLite database is created under data_dir"
    );
    // This test builds its client before any in-process app installs the TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{base}/v1/comments"))
        .bearer_auth(&key)
        .json(&comment("cli-1", "مرحبا"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);

    // An in-flight batch finishes although SIGTERM arrives while it runs.
    let batch: Vec<Value> = (0..500)
        .map(|i| json!({"external_id": format!("g-{i}"), "thread": {"id": "t"}, "author": {"id": "a"}, "body": "text"}))
        .collect();
    let request = client
        .post(format!("{base}/v1/comments/batch"))
        .bearer_auth(&key)
        .json(&json!({"comments": batch}))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let status = terminate(&mut child);
    let res = in_flight
        .await
        .unwrap()
        .expect("the in-flight request was answered");
    assert_eq!(res.status().as_u16(), 200);
    let results: Value = res.json().await.unwrap();
    assert_eq!(results["results"].as_array().unwrap().len(), 500);
    assert!(
        status.success(),
        "serve exits cleanly on SIGTERM: {status:?}"
    );

    // A second start finds the site and prints no new key.
    let mut cmd = raqib(dir.path());
    let mut child = cmd
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    for line in BufReader::new(stderr).lines() {
        if line.unwrap().contains("raqib listening") {
            break;
        }
    }
    terminate(&mut child);
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(!out.contains("rk_"), "the key is printed only once: {out}");
}

async fn site_commands_on(dir: &std::path::Path, database_url: Option<&str>) {
    let with_db = |mut cmd: Command| {
        if let Some(url) = database_url {
            cmd.env("RAQIB_DATABASE_URL", url);
        }
        cmd
    };
    let mut cmd = with_db(raqib(dir));
    let created = run_json(cmd.args([
        "site",
        "create",
        "--name",
        "news-one",
        "--callback-url",
        "https://news.example/hook",
    ]));
    let site_id = created["site_id"].as_str().unwrap().to_string();
    let old_key = created["api_key"].as_str().unwrap().to_string();
    assert!(old_key.starts_with("rk_"));
    assert!(
        created["webhook_secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );

    let mut cmd = with_db(raqib(dir));
    let list = run_json(cmd.args(["site", "list"]));
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == site_id.as_str())
        .unwrap();
    assert_eq!(listed["name"], "news-one");
    assert!(
        listed.get("webhook_secret").is_none(),
        "secrets are never listed"
    );

    let mut cmd = with_db(raqib(dir));
    let out = cmd
        .args(["site", "rotate-key", "--site", &site_id])
        .output()
        .unwrap();
    assert!(out.status.success());
    let new_key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(new_key.starts_with("rk_") && new_key != old_key);

    let mut settings = crate::helpers::test_settings(dir);
    if let Some(url) = database_url {
        settings.database_url = url.to_string();
    }
    let store = raqib::store::Store::connect(&settings).await.unwrap();
    assert!(
        store.site_for_api_key(&old_key).await.unwrap().is_none(),
        "the old key stops working"
    );
    assert_eq!(
        store
            .site_for_api_key(&new_key)
            .await
            .unwrap()
            .unwrap()
            .site
            .id,
        site_id
    );
    store.close().await;

    let mut cmd = with_db(raqib(dir));
    let out = cmd
        .args(["site", "rotate-key", "--site", "no-such-site"])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let mut cmd = with_db(raqib(dir));
    let user = run_json(cmd.args([
        "user",
        "create",
        "--email",
        "admin@example.com",
        "--role",
        "admin",
    ]));
    assert!(user["token"].as_str().unwrap().starts_with("rt_"));
}

#[tokio::test]
async fn site_commands_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    site_commands_on(dir.path(), None).await;
}

#[tokio::test]
async fn site_commands_postgres() {
    let Some(db) = PgDatabase::create("site_commands").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = raqib(dir.path());
    let out = cmd
        .env("RAQIB_DATABASE_URL", &db.url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    site_commands_on(dir.path(), Some(&db.url)).await;
}

#[test]
fn unknown_config_keys_stop_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[server]\nmax_bodybytes = 1\n").unwrap();
    let out = raqib(dir.path())
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("max_bodybytes"), "{err}");
    let out = raqib(dir.path())
        .env("RAQIB_SERVER__NOPE", "1")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

fn check_with(args: &[&str], input: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = raqib(dir.path());
    cmd.env_remove("RAQIB_MODEL_PATH")
        .arg("check")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn check_moderates_json_lines_in_order_and_survives_bad_lines() {
    let input = [
        r#"{"id": "a", "text": "مقال رائع، شكرا للكاتب"}"#,
        r#"{"id": "b", "text": "نص عادي", "name": "شركة نقل عفش بالرياض 0501234567"}"#,
        r#"{"id": "c", "oops": true}"#,
        "not json",
        r#"{"id": 7, "text": "You are a moron", "lang": "en", "subject": "hello"}"#,
    ]
    .join("\n");
    let out = check_with(&[], &input);
    assert_eq!(out.len(), 5, "{out:?}");
    assert_eq!(out[0]["id"], "a");
    assert_eq!(out[0]["decision"], "approve");
    assert_eq!(out[0]["language"], "ar");
    assert!(out[0]["scores"]["spam"].is_number());
    assert_eq!(out[1]["id"], "b");
    assert_ne!(
        out[1]["decision"], "approve",
        "an ad in the name field: {}",
        out[1]
    );
    assert!(
        out[1]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["span"]["field"] == "author_name")
    );
    assert_eq!(out[2]["id"], "c");
    assert!(out[2]["error"].is_string());
    assert!(out[3]["id"].is_null() && out[3]["error"].is_string());
    assert_eq!(out[4]["id"], 7);
    assert_ne!(out[4]["decision"], "approve");
}

#[test]
fn check_takes_other_rules_and_can_skip_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("mine.toml");
    std::fs::write(&rules, "[[rule]]\nid = \"fruit\"\nkind = \"keyword\"\nlang = \"ar\"\nterms = [\"بطيخ\"]\nlabel = \"spam\"\naction = \"reject\"\n").unwrap();
    let rules = rules.to_str().unwrap();
    let out = check_with(
        &["--rules", rules, "--no-model"],
        "{\"id\": 1, \"text\": \"والبطيخ\"}\n{\"id\": 2, \"text\": \"يا كلب\"}\n",
    );
    assert_eq!(out[0]["decision"], "reject");
    assert_eq!(out[0]["reasons"][0]["rule_id"], "fruit");
    assert_eq!(
        out[0]["scores"]["spam"], 0.0,
        "no model: scores come from rules alone"
    );
    assert_eq!(
        out[1]["decision"], "approve",
        "the shipped packs were replaced: {}",
        out[1]
    );
    assert!(out[1]["reasons"].as_array().unwrap().is_empty());
}

/// `eval --engine` scores what the product answers: a rule that rejects lifts a row
/// the model alone lets through, on the Perspective scale with review_at at 0.8.
#[test]
fn eval_engine_scores_rules_together_with_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("mine.toml");
    std::fs::write(&rules, "[[rule]]\nid = \"fruit\"\nkind = \"keyword\"\nlang = \"ar\"\nterms = [\"بطيخ\"]\nlabel = \"spam\"\naction = \"reject\"\n").unwrap();
    let data = dir.path().join("rows.jsonl");
    let rows = [
        ("1", "البطيخ الأحمر لذيذ في الصيف", true),
        ("2", "مقال رائع، شكرا للكاتب على هذا التحليل", false),
        ("3", "بطيخ من مزارعنا", true),
        ("4", "الطقس اليوم معتدل في معظم المناطق", false),
    ]
    .iter()
    .map(|(id, text, spam)| {
        json!({"id": id, "text": text, "lang": "ar", "spam": spam, "abuse": false, "source": "fruit"})
            .to_string()
    })
    .collect::<Vec<_>>()
    .join("\n");
    std::fs::write(&data, rows).unwrap();
    let scores = dir.path().join("scores.jsonl");
    let eval = |engine: bool| {
        let mut cmd = raqib(dir.path());
        cmd.args([
            "eval",
            "--model",
            "models/raqib-v1.bin",
            "--split",
            "all",
            "--data",
        ])
        .arg(&data);
        if engine {
            cmd.args(["--engine", "--rules"])
                .arg(&rules)
                .arg("--scores")
                .arg(&scores);
        }
        let report = run_json(&mut cmd);
        let row = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["head"] == "spam" && r["dataset"] == "fruit")
            .cloned()
            .unwrap_or_else(|| panic!("no spam row: {report}"));
        (report, row)
    };
    let (alone, row) = eval(false);
    assert!(alone["scorer"].is_null());
    assert_eq!(row["threshold"], 0.5);
    assert!(
        row["recall"].as_f64().unwrap() < 1.0,
        "the model alone does not call fruit spam: {row}"
    );
    let (report, row) = eval(true);
    assert_eq!(report["scorer"], "engine");
    assert_eq!(row["threshold"], 0.8);
    assert_eq!(row["recall"], 1.0, "{row}");
    assert_eq!(row["precision"], 1.0, "{row}");
    let lifted: Vec<f64> = std::fs::read_to_string(&scores)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["spam_score"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(lifted[0] >= 0.95 && lifted[2] >= 0.95, "{lifted:?}");
    assert!(lifted[1] < 0.8 && lifted[3] < 0.8, "{lifted:?}");
}
