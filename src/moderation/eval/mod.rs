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
//!
//! `--engine` scores what the product answers instead of the model alone: rules,
//! model and policy together, read as the Perspective-compatible endpoint reads a
//! verdict (`compat::Profile`: TOXICITY for abuse, SPAM for spam). That scale puts
//! the site's `review_at` at 0.81, so the default threshold becomes 0.8. The CLI
//! wires the engine in ([`run_with`] takes any scorer), so this module stays free
//! of the HTTP layer.

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
    /// Score at or above which a comment counts as flagged (the policy's `review_at`:
    /// 0.5, or 0.8 with `--engine`).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Count rows labelled only for abuse as spam negatives: they are real comments.
    #[arg(long)]
    pub abuse_rows_as_ham: bool,
    /// Also write every evaluated row's scores as JSON Lines here (error analysis).
    #[arg(long)]
    pub scores: Option<PathBuf>,
    /// Score with the whole engine (rules + model + default policy) as the
    /// Perspective endpoint reports it; the threshold defaults to 0.8 (= review_at).
    #[arg(long)]
    pub engine: bool,
    /// With `--engine`: rule files or directories instead of the configured packs.
    #[arg(long, requires = "engine")]
    pub rules: Vec<PathBuf>,
}

impl EvalArgs {
    /// The flag threshold: `--threshold` if given, else the review point of the scale.
    pub fn threshold(&self) -> f32 {
        self.threshold
            .unwrap_or(if self.engine { ENGINE_THRESHOLD } else { 0.5 })
    }
}

/// `review_at` on the Perspective scale of `--engine` (`compat::calibrate` maps it to
/// 0.81 and never produces 0.79–0.81).
pub const ENGINE_THRESHOLD: f32 = 0.8;

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

/// `raqib eval` with the model alone.
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.engine,
        "--engine needs the rule packs and policy of `raqib eval`"
    );
    let model = load_model(args)?;
    run_with(args, &model, |text| score_text(&model, text))
}

/// The model named by `--model`, with the path in the error.
pub fn load_model(args: &EvalArgs) -> anyhow::Result<Model> {
    Model::load(&args.model).with_context(|| format!("loading model {}", args.model.display()))
}

/// `raqib eval` with any scorer of a comment body; `model` decides the splits and
/// names the report.
pub fn run_with(
    args: &EvalArgs,
    model: &Model,
    score: impl Fn(&str) -> super::Scores,
) -> anyhow::Result<()> {
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
    let scores: Vec<super::Scores> = selected.iter().map(|r| score(&r.text)).collect();
    if let Some(path) = &args.scores {
        let mut out = String::new();
        for (r, s) in selected.iter().zip(&scores) {
            let line = serde_json::json!({"id": r.id, "source": r.source(), "lang": row_lang(r),
                "spam": r.spam, "abuse": r.abuse,
                "spam_score": s.spam, "abuse_score": s.abuse, "text": r.text});
            out.push_str(&line.to_string());
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    let results = evaluate_scored(&selected, &scores, args.threshold(), args.abuse_rows_as_ham);
    // Serialized from typed values so an f32 threshold prints as 0.8, not 0.800000011920929.
    #[derive(Serialize)]
    struct Report<'a> {
        model: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        scorer: Option<&'static str>,
        results: Vec<ResultRow>,
    }
    let report = Report {
        model: model.version(),
        scorer: args.engine.then_some("engine"),
        results,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
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
    let scores: Vec<super::Scores> = rows.iter().map(|r| score_text(model, &r.text)).collect();
    evaluate_scored(rows, &scores, threshold, abuse_rows_as_ham)
}

/// [`evaluate`] on scores already computed, one per row.
pub fn evaluate_scored(
    rows: &[&Row],
    scores: &[super::Scores],
    threshold: f32,
    abuse_rows_as_ham: bool,
) -> Vec<ResultRow> {
    type Group = (Vec<f32>, Vec<bool>);
    let mut groups: BTreeMap<(&str, String, String), Group> = BTreeMap::new();
    for (r, s) in rows.iter().zip(scores) {
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
