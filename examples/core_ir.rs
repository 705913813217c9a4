//! Runs the whole core (`Engine::moderate`) over the load benchmark's corpus a fixed
//! number of times, for instruction counting under callgrind. Wall-clock benches on a
//! shared VM drift by half between runs; instruction counts do not, so this is how a
//! core change is compared before and after:
//!
//! ```sh
//! cargo build --release --example core_ir
//! valgrind --tool=callgrind --toggle-collect='*Engine::moderate*' \
//!     target/release/examples/core_ir 5
//! ```
//!
//! The collected total divided by `400 × passes` is the instruction count per comment.
//! `core_ir PASSES FILE` reads another corpus instead; the verdict digest it prints
//! shows whether a change left every decision, score and reason as it was.
//! Run from the repository root (it reads `scripts/bench-corpus.jsonl`, the shipped
//! model and the shipped rule packs).

use raqib::moderation::classifier::Model;
use raqib::moderation::{AuthorHistory, CommentInput, Engine, Policy, rules};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let passes: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    // Optional: another corpus, JSON Lines of strings or of objects with a `text`
    // (the shared datasets' `all.jsonl`), to compare verdict digests on more texts.
    let corpus = args
        .next()
        .unwrap_or_else(|| "scripts/bench-corpus.jsonl".to_string());
    let texts: Vec<String> = std::fs::read_to_string(&corpus)?
        .lines()
        .map(|l| -> anyhow::Result<String> {
            let v: serde_json::Value = serde_json::from_str(l)?;
            Ok(match v {
                serde_json::Value::String(s) => s,
                v => v["text"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    let model = Model::load(Path::new("models/raqib-v1.bin"))?;
    let set = rules::RuleSet::compile(rules::load_paths(&[rules::default_rules_dir()])?, "ir")?;
    let engine = Engine {
        rules: Arc::new(set),
        model: Some(Arc::new(model)),
    };
    let (policy, history) = (Policy::default(), AuthorHistory::default());
    // A digest of every verdict, so a change meant to be faster can show it decides
    // exactly as before.
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..passes {
        for t in &texts {
            let input = CommentInput {
                body: t,
                author_id: "a1",
                ..CommentInput::default()
            };
            let verdict = engine.moderate(black_box(&input), &policy, &history);
            for b in serde_json::to_vec(&verdict)? {
                digest = (digest ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    println!(
        "{} comments × {passes} passes moderated, verdict digest {digest:016x}",
        texts.len()
    );
    Ok(())
}
