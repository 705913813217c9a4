//! Runs every case of `shared/cases/normalization.jsonl` (the public sample of the
//! evasion and false-positive traps of `normalization.md` §2): a one-keyword rule
//! of the case's `lang` built from `keyword` must match the input exactly when
//! `should_match` says so. The cases live outside the repository, in the `shared/`
//! folder beside the checkout (or `RAQIB_SHARED_DIR`); without it the test says on
//! stderr that it skipped, and why. A case file that exists but cannot be read or
//! parsed fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use raqib::moderation::rules::{RuleDef, RuleKind, RuleLang, RuleSet};
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

#[test]
fn every_public_case_passes() {
    let shared = std::env::var_os("RAQIB_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let path = shared.join("cases/normalization.jsonl");
    if !path.exists() {
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED every_public_case_passes: {} not found (the shared folder beside the checkout, or RAQIB_SHARED_DIR)",
            path.display()
        );
        return;
    }
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
