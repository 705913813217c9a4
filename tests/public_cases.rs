//! The public sample cases, which live outside the repository in the `shared/`
//! folder beside the checkout (or `RAQIB_SHARED_DIR`). Without them each test says on
//! stderr that it skipped, and why; a case file that exists but cannot be read or
//! parsed fails.
//!
//! - `cases/normalization.jsonl` (the evasion and false-positive traps of
//!   `normalization.md` §2): a one-keyword rule of the case's `lang` built from
//!   `keyword` must match the input exactly when `should_match` says so.
//! - `cases/comments_sample.jsonl` (labelled news comments): the shipped rule packs
//!   reject no clean comment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use raqib::moderation::rules::{self, RuleDef, RuleKind, RuleLang, RuleSet};
use raqib::moderation::{Action, CommentInput, Label, prepare_fields};
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Case {
    input: String,
    keyword: String,
    should_match: bool,
    #[serde(default)]
    why: String,
    #[serde(default)]
    lang: Option<String>,
}

fn rule(keyword: &str, lang: RuleLang) -> RuleDef {
    let toml = format!(
        "id = \"case\"\nkind = \"keyword\"\nterms = [{}]\nlabel = \"abuse\"\naction = \"reject\"\n",
        serde_json::to_string(keyword).unwrap()
    );
    let mut def: RuleDef = toml::from_str(&toml).unwrap();
    def.lang = lang;
    assert_eq!(def.kind, RuleKind::Keyword);
    def
}

/// The path of a shared case file, or `None` after saying that `test` skipped.
fn shared_case(file: &str, test: &str) -> Option<PathBuf> {
    let shared = std::env::var_os("RAQIB_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let path = shared.join("cases").join(file);
    if path.exists() {
        return Some(path);
    }
    // Straight to stderr, past the test harness's capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {} not found (the shared folder beside the checkout, or RAQIB_SHARED_DIR)",
        path.display()
    );
    None
}

#[test]
fn every_public_case_passes() {
    let Some(path) = shared_case("normalization.jsonl", "every_public_case_passes") else {
        return;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut total = 0;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let case: Case =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        total += 1;
        let lang = match case.lang.as_deref() {
            Some("ar") => RuleLang::Ar,
            Some("en") => RuleLang::En,
            Some("arabizi") => RuleLang::Arabizi,
            _ => RuleLang::Any,
        };
        let set = RuleSet::compile(vec![rule(&case.keyword, lang)], "test").unwrap();
        let input = CommentInput {
            body: &case.input,
            author_id: "a",
            ..CommentInput::default()
        };
        let fields = prepare_fields(&input);
        let matches = set.evaluate(&fields, &input);
        let matched = !matches.is_empty();
        for m in &matches {
            assert_eq!(m.label, Label::Abuse);
            assert!(matches!(m.action, Action::Reject | Action::Review));
        }
        if matched != case.should_match {
            failures.push(format!(
                "line {}: {:?} / {:?} ({:?}) expected {} — {}",
                n + 1,
                case.input,
                case.keyword,
                case.lang,
                case.should_match,
                case.why
            ));
        }
    }
    assert!(total > 0, "no cases in {}", path.display());
    println!(
        "normalization cases: {} of {total} pass",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn default_packs_on_the_labelled_sample() {
    #[derive(Deserialize)]
    struct Row {
        text: String,
        spam: bool,
        abuse: bool,
        kind: String,
    }
    let Some(path) = shared_case(
        "comments_sample.jsonl",
        "default_packs_on_the_labelled_sample",
    ) else {
        return;
    };
    let packs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rules::DEFAULT_RULES_DIR);
    let defs = rules::load_paths(&[packs]).unwrap();
    let set = RuleSet::compile(defs, "packs").unwrap();
    let text = std::fs::read_to_string(&path).expect("comments_sample.jsonl is readable");
    let (mut bad, mut positives, mut caught, mut flagged) = (Vec::new(), 0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: Row = serde_json::from_str(line).unwrap();
        let input = CommentInput {
            body: &row.text,
            author_id: "u1",
            ..CommentInput::default()
        };
        let m = set.evaluate(&prepare_fields(&input), &input);
        let clean = !row.spam && !row.abuse;
        if clean && m.iter().any(|m| m.action == Action::Reject) {
            bad.push(format!("{} {:?}: {:?}", row.kind, row.text, m));
        }
        if !clean {
            positives += 1;
            let hit = |l: Label| m.iter().any(|m| m.label == l);
            if (row.spam && hit(Label::Spam)) || (row.abuse && hit(Label::Abuse)) {
                caught += 1;
            }
            if m.iter()
                .any(|m| matches!(m.action, Action::Reject | Action::Review))
            {
                flagged += 1;
            }
        }
    }
    println!("packs: {caught}/{positives} spam/abuse rows matched, {flagged} with review/reject");
    assert!(bad.is_empty(), "clean rows rejected:\n{}", bad.join("\n"));
}
