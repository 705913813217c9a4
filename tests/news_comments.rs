//! The whole engine (shipped rule packs, shipped model, default policy) on 78
//! news comments written by hand for this project (`tests/fixtures/news_comments.jsonl`:
//! Arabic, English and Arabizi; spelled-out phone numbers, intimidation, earn-from-home
//! and self-promotion ads, hate, citing readers, numbers, group mentions).
//!
//! Every spam or abusive row must be held (review or reject) and no clean row may be
//! rejected, except the rows whose `known_weakness` says why they are not. A clean
//! row sent to review is allowed: that is the review queue's job, and the model card
//! lists why the abuse head sends some there. How far the rows were fitted: rows
//! 1–34 were written after this session's first new rules but before running those
//! rules on them (old packs 12 wrong, new packs 5; two contact verbs were then added
//! after seeing them: 4); rows 35–55 changed nothing; rows 56–73 are what the
//! self-promotion rules were written from; rows 74–78 were written after the threat
//! and curse rules, to guard them (a verse and a bill that "should die" must not be
//! rejected).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use raqib::moderation::classifier::Model;
use raqib::moderation::rules::{self, RuleSet};
use raqib::moderation::{AuthorHistory, CommentInput, Decision, Engine, Policy};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    text: String,
    spam: bool,
    abuse: bool,
    kind: String,
    #[serde(default)]
    known_weakness: Option<String>,
}

/// The shipped rule packs and model.
fn shipped_engine() -> Engine {
    let defs = rules::load_paths(&[rules::default_rules_dir()]).unwrap();
    Engine {
        rules: RuleSet::compile(defs, "packs").unwrap().into(),
        model: Some(
            Model::load(Path::new("models/raqib-v1.bin"))
                .unwrap()
                .into(),
        ),
    }
}

/// What the engine decides for a body from a reader with no history, default policy.
fn decide(engine: &Engine, body: &str) -> Decision {
    let input = CommentInput {
        body,
        author_id: "reader",
        ..CommentInput::default()
    };
    engine
        .moderate(&input, &Policy::default(), &AuthorHistory::default())
        .decision
}

#[test]
fn the_engine_holds_bad_comments_and_rejects_no_clean_one() {
    let engine = shipped_engine();
    let text = std::fs::read_to_string("tests/fixtures/news_comments.jsonl").unwrap();
    let (mut wrong, mut known_still_wrong, mut rows) = (Vec::new(), 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: Row = serde_json::from_str(line).unwrap();
        rows += 1;
        let decision = decide(&engine, &row.text);
        let bad = row.spam || row.abuse;
        let ok = if bad {
            decision != Decision::Approve
        } else {
            decision != Decision::Reject
        };
        match (&row.known_weakness, ok) {
            (None, false) => wrong.push(format!("{} {:?}: {:?}", row.kind, row.text, decision)),
            (Some(_), false) => known_still_wrong += 1,
            // A known weakness that now passes: the file should say so.
            (Some(why), true) => wrong.push(format!(
                "fixed, remove known_weakness ({why}): {}",
                row.text
            )),
            (None, true) => {}
        }
    }
    assert_eq!(rows, 78);
    assert_eq!(known_still_wrong, 2);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Identity-term templates (`scripts/identity-templates.py`): 20 group names per
/// language in 6 clean and 3 abusive templates. The engine must hold nearly every
/// abusive one (the group-hate rules catch those without an insult word) and reject
/// no clean one; a few clean ones may go to review, where the model reads a group
/// name as a hint. Engine at this commit: held ar 59 / en 58 of 60, clean sent to
/// review ar 5 / en 5 of 120.
#[test]
fn group_names_alone_are_not_abuse_and_hate_at_groups_is_held() {
    let engine = shipped_engine();
    #[derive(Deserialize)]
    struct Template {
        text: String,
        lang: String,
        abuse: bool,
    }
    let text = std::fs::read_to_string("tests/fixtures/identity_templates.jsonl").unwrap();
    // Per language: (abusive held, clean reviewed, clean rejected, rows).
    let mut counts = std::collections::BTreeMap::<String, [usize; 4]>::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: Template = serde_json::from_str(line).unwrap();
        let d = decide(&engine, &row.text);
        let c = counts.entry(row.lang).or_default();
        c[3] += 1;
        match (row.abuse, d) {
            (true, Decision::Approve) => {}
            (true, _) => c[0] += 1,
            (false, Decision::Review) => c[1] += 1,
            (false, Decision::Reject) => c[2] += 1,
            (false, _) => {}
        }
    }
    assert_eq!(counts.len(), 2, "{counts:?}");
    for (lang, [held, reviewed, rejected, rows]) in &counts {
        assert_eq!(*rows, 180, "{lang}");
        assert!(
            *held >= 55,
            "{lang}: only {held} of 60 abusive templates held"
        );
        assert_eq!(*rejected, 0, "{lang}: clean templates rejected");
        assert!(
            *reviewed <= 12,
            "{lang}: {reviewed} of 120 clean templates sent to review"
        );
    }
}
