//! The core stage by stage, on the load benchmark's corpus (`scripts/bench-corpus.jsonl`:
//! Arabic and English news comments, mean about 200 characters, one in twenty about
//! 1 KB): normalization, language detection, the shipped rule packs on normalized
//! fields, sparse feature extraction, the model (features included), the policy
//! decision, and the whole `Engine::moderate`. Each iteration runs all 400 comments;
//! criterion reports the time per comment (throughput in elements).
//!
//! Run from the repository root: `cargo bench --bench core`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use raqib::moderation::classifier::Model;
use raqib::moderation::features::{FeatureConfig, for_each_feature};
use raqib::moderation::normalize::{detect_language, normalize};
use raqib::moderation::{AuthorHistory, CommentInput, Engine, Policy, prepare_fields, rules};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn corpus() -> Vec<String> {
    std::fs::read_to_string("scripts/bench-corpus.jsonl")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<String>(l).ok())
        .collect()
}

fn bench(c: &mut Criterion) {
    let texts = corpus();
    let model = Model::load(Path::new("models/raqib-v1.bin")).ok();
    let set = rules::load_paths(&[rules::default_rules_dir()])
        .ok()
        .and_then(|defs| rules::RuleSet::compile(defs, "bench").ok());
    let (false, Some(model), Some(set)) = (texts.is_empty(), model, set) else {
        eprintln!("corpus, model or rules not loadable: run from the repository root");
        return;
    };
    let (model, set) = (Arc::new(model), Arc::new(set));
    let inputs: Vec<CommentInput<'_>> = texts
        .iter()
        .map(|t| CommentInput {
            body: t,
            author_id: "a1",
            ..CommentInput::default()
        })
        .collect();
    let prepared: Vec<_> = inputs.iter().map(prepare_fields).collect();
    let policy = Policy::default();
    let history = AuthorHistory::default();
    let cfg = FeatureConfig::current();
    let decided: Vec<_> = inputs
        .iter()
        .zip(&prepared)
        .map(|(i, f)| {
            (
                detect_language(i.body, None),
                set.evaluate(f, i),
                model.score(f),
            )
        })
        .collect();
    let engine = Engine {
        rules: set.clone(),
        model: Some(model.clone()),
    };

    let mut g = c.benchmark_group("core");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.sample_size(30);
    g.bench_function("normalize", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(normalize(black_box(t)));
            }
        })
    });
    g.bench_function("language", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(detect_language(black_box(t), None));
            }
        })
    });
    g.bench_function("rules", |b| {
        b.iter(|| {
            for (i, f) in inputs.iter().zip(&prepared) {
                black_box(set.evaluate(black_box(f), i));
            }
        })
    });
    g.bench_function("features", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for f in &prepared {
                let parts: Vec<&str> = f.iter().map(|x| x.norm.feature_text()).collect();
                for_each_feature(&cfg, &parts, |_, bucket| n += u64::from(bucket & 1));
            }
            black_box(n)
        })
    });
    g.bench_function("model", |b| {
        b.iter(|| {
            for f in &prepared {
                black_box(model.score(black_box(f)));
            }
        })
    });
    g.bench_function("policy", |b| {
        b.iter(|| {
            for (lang, matches, scores) in &decided {
                black_box(policy.decide(lang, matches, *scores, &history, &Default::default()));
            }
        })
    });
    g.bench_function("moderate", |b| {
        b.iter(|| {
            for i in &inputs {
                black_box(engine.moderate(black_box(i), &policy, &history));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
