//! `raqib eval`: metrics of a model on labelled JSON Lines files, as one JSON object
//! on stdout. Always compiled: it needs only the serving model, so it runs in the
//! server build against any file (moderator labels exported from the database, the
//! hidden sets of a review, …).
//!
//! Split: by default (`--split auto`) rows whose `source` is one of the datasets the
//! model was trained on are reduced to their test split (see [`data::SPLIT_RULE`]);
//! rows of any other source are all used. `--split test` / `--split all` force it.
//! P/R/F1 are at `--threshold`, default 0.5 = the default policy's `review_at` for both
//! heads (`policy::HeadThresholds::default`).

pub mod data;
pub mod metrics;

use super::classifier::Model;
use super::{Field, FieldText, normalize};
use anyhow::Context;
use data::{Row, Split};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The shipped model, relative to the repository root.
pub const DEFAULT_MODEL: &str = "models/raqib-v1.bin";
/// The shared public datasets, relative to the repository root.
pub const DEFAULT_DATA: &str = "../shared/datasets/*/all.jsonl";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitArg {
    /// Test split for the model's training datasets, every row for other sources.
    Auto,
    Test,
    /// Validation split only: for choosing settings without touching test.
    Validation,
    All,
}

/// Arguments of `raqib eval`.
#[derive(clap::Args, Clone, Debug)]
pub struct EvalArgs {
    /// JSON Lines files (`id`, `text`, `lang`, `spam`, `abuse`, `source`) or globs.
    #[arg(long, num_args = 1.., default_value = DEFAULT_DATA)]
    pub data: Vec<String>,
    /// Model file to evaluate.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: PathBuf,
    /// Which rows to use (see the module docs).
    #[arg(long, value_enum, default_value_t = SplitArg::Auto)]
    pub split: SplitArg,
    /// Score at or above which a comment counts as flagged (the policy's `review_at`).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f32,
    /// Count rows labelled only for abuse as spam negatives: they are real comments.
    #[arg(long)]
    pub abuse_rows_as_ham: bool,
    /// Also write every evaluated row's scores as JSON Lines here (error analysis).
    #[arg(long)]
    pub scores: Option<PathBuf>,
}

/// One line of the report.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ResultRow {
    pub head: String,
    pub dataset: String,
    pub lang: String,
    pub n: usize,
    pub positives: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub macro_f1: Option<f64>,
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub threshold: f32,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let model = Model::load(&args.model)
        .with_context(|| format!("loading model {}", args.model.display()))?;
    let mut rows = Vec::new();
    for path in data::expand(&args.data)? {
        rows.extend(data::read_rows(&path)?);
    }
    let trained: Vec<&str> = model.datasets().iter().map(|d| d.source.as_str()).collect();
    let keep = |r: &Row| match args.split {
        SplitArg::All => true,
        SplitArg::Test => data::split_of(&r.id) == Split::Test,
        SplitArg::Validation => data::split_of(&r.id) == Split::Validation,
        SplitArg::Auto => !trained.contains(&r.source()) || data::split_of(&r.id) == Split::Test,
    };
    let selected: Vec<&Row> = rows.iter().filter(|r| keep(r)).collect();
    if let Some(path) = &args.scores {
        let mut out = String::new();
        for r in &selected {
            let s = score_text(&model, &r.text);
            let line = serde_json::json!({"id": r.id, "source": r.source(), "lang": row_lang(r),
                "spam": r.spam, "abuse": r.abuse,
                "spam_score": s.spam, "abuse_score": s.abuse, "text": r.text});
            out.push_str(&line.to_string());
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    let results = evaluate(&model, &selected, args.threshold, args.abuse_rows_as_ham);
    let out = serde_json::json!({ "model": model.version(), "results": results });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// The language a row is reported under: its own label, else detected.
pub fn row_lang(r: &Row) -> String {
    r.lang
        .clone()
        .unwrap_or_else(|| normalize::detect_language(&r.text, None))
}

/// Score a row's text exactly as the server scores a comment body.
pub fn score_text(model: &Model, text: &str) -> super::Scores {
    let field = FieldText {
        field: Field::Body,
        raw: text,
        norm: normalize::normalize(text),
    };
    model.score(std::slice::from_ref(&field))
}

/// Metrics per head × source × lang, plus `dataset: "all"` per head × lang.
pub fn evaluate(
    model: &Model,
    rows: &[&Row],
    threshold: f32,
    abuse_rows_as_ham: bool,
) -> Vec<ResultRow> {
    type Group = (Vec<f32>, Vec<bool>);
    let mut groups: BTreeMap<(&str, String, String), Group> = BTreeMap::new();
    for r in rows {
        let s = score_text(model, &r.text);
        let lang = row_lang(r);
        let spam = r
            .spam
            .or((abuse_rows_as_ham && r.abuse.is_some()).then_some(false));
        for (head, label, score) in [("spam", spam, s.spam), ("abuse", r.abuse, s.abuse)] {
            let Some(y) = label else { continue };
            for ds in [r.source().to_string(), "all".to_string()] {
                let g = groups.entry((head, ds, lang.clone())).or_default();
                g.0.push(score);
                g.1.push(y);
            }
        }
    }
    groups
        .into_iter()
        .map(|((head, dataset, lang), (s, y))| {
            let c = metrics::Confusion::at(&s, &y, threshold);
            ResultRow {
                head: head.to_string(),
                dataset,
                lang,
                n: y.len(),
                positives: y.iter().filter(|&&v| v).count(),
                precision: c.precision(),
                recall: c.recall(),
                f1: c.f1(),
                macro_f1: c.macro_f1(),
                roc_auc: metrics::roc_auc(&s, &y),
                pr_auc: metrics::pr_auc(&s, &y),
                threshold,
            }
        })
        .collect()
}
