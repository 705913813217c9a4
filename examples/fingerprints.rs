//! How often texts share a campaign fingerprint in labelled data, and what the
//! default `duplicates` policy does to them: the measurement behind its defaults
//! (README "Policy"). Run from the repository root (shipped model and rule packs):
//!
//! ```sh
//! cargo run --release --example fingerprints -- ../shared/datasets/*/all.jsonl
//! ```
//!
//! Each file is read as if it had been posted in its order within one window, by
//! different authors: a row whose fingerprint occurred at least `min_copies` (2)
//! times before is a campaign copy. The datasets carry no authors, threads or times,
//! so this is an upper bound on what the signal sees live; it shows how much of each
//! kind of text comes in copies at all. Per `source`, for spam / abusive / clean
//! rows: how many are copies, and how many of those the default policy decides
//! differently than it would with no copies counted (`approve→review` and so on).

use raqib::moderation::signals::{Copies, fingerprint};
use raqib::moderation::{
    AuthorHistory, CommentInput, Decision, Engine, Policy, classifier::Model, rules,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

const KINDS: [&str; 3] = ["spam", "abuse", "clean"];

#[derive(Default)]
struct Tally {
    rows: [usize; 3],
    copies: [usize; 3],
    changed: [BTreeMap<String, usize>; 3],
}

fn main() -> anyhow::Result<()> {
    let model = Model::load(Path::new("models/raqib-v1.bin"))?;
    let set = rules::RuleSet::compile(rules::load_paths(&[rules::default_rules_dir()])?, "fp")?;
    let engine = Engine {
        rules: Arc::new(set),
        model: Some(Arc::new(model)),
    };
    let policy = Policy::default();
    let history = AuthorHistory::default();
    let name = |d: Decision| format!("{d:?}").to_lowercase();

    println!("source\tkind\trows\tcopies\tdecisions changed");
    for path in std::env::args().skip(1) {
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        let mut seen: HashMap<(String, i64), Copies> = HashMap::new();
        for line in std::fs::read_to_string(&path)?.lines() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line)?;
            let body = v["text"].as_str().unwrap_or_default();
            let kind = if v["spam"] == true {
                0
            } else if v["abuse"] == true {
                1
            } else {
                2
            };
            let source = v["source"].as_str().unwrap_or(&path).to_string();
            let t = tallies.entry(source.clone()).or_default();
            t.rows[kind] += 1;
            let Some(fp) = fingerprint(body, None) else {
                continue;
            };
            let earlier = seen.entry((source, fp)).or_default();
            let copies = *earlier;
            // Every row counts as another author in another thread.
            earlier.copies += 1;
            earlier.authors += 1;
            earlier.threads += 1;
            if !policy.is_campaign(&copies) {
                continue;
            }
            t.copies[kind] += 1;
            let input = CommentInput {
                body,
                author_id: "a",
                ..CommentInput::default()
            };
            let alone = engine.moderate(&input, &policy, &history).decision;
            let counted = engine
                .moderate(&CommentInput { copies, ..input }, &policy, &history)
                .decision;
            if alone != counted {
                *t.changed[kind]
                    .entry(format!("{}→{}", name(alone), name(counted)))
                    .or_default() += 1;
            }
        }
        for (source, t) in tallies {
            for (k, kind) in KINDS.iter().enumerate() {
                if t.rows[k] == 0 {
                    continue;
                }
                let changed: Vec<String> = t.changed[k]
                    .iter()
                    .map(|(c, n)| format!("{c} {n}"))
                    .collect();
                println!(
                    "{source}\t{kind}\t{}\t{}\t{}",
                    t.rows[k],
                    t.copies[k],
                    changed.join(", ")
                );
            }
        }
    }
    Ok(())
}
