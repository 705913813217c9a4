//! The trained spam and abuse heads and the model file they live in.
//!
//! Each head is a small stack: per-bucket weights (learned by `train` from sparse
//! hashed n-grams, by sparse logistic regression or naive-Bayes log-count ratios)
//! are summed per feature family while hashing, then those family scores plus the dense signals of
//! [`features::dense_signals`] go through a logistic regression fitted with linfa on
//! held-out rows; its output is the calibrated probability. Serving is a sparse dot
//! product with no allocation per feature. Training lives in `train`, metrics in `eval`.
//!
//! File format (little endian): magic `RAQIBCLF`, `u32` format version, `u32` length
//! and UTF-8 JSON of [`ModelMeta`], `u32` bucket count, then per bucket two `f32`
//! (spam, abuse) — interleaved so one cache line serves both heads.

use super::features::{self, FeatureConfig, N_DENSE, N_FAMILIES};
use super::normalize::NormStats;
use super::{Field, FieldText, Scores};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Magic bytes opening every model file.
const MAGIC: &[u8; 8] = b"RAQIBCLF";
/// Bumped when the byte layout or [`ModelMeta`] changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;
/// Inputs of each head's stacked logistic regression: per family the mean (shrunk
/// by [`MEAN_PRIOR`]) and the length-scaled sum of bucket weights, then the dense
/// signals.
pub const N_STACK: usize = 2 * N_FAMILIES + N_DENSE;
/// Pseudo-count of zero-weight features added to each family's mean stack input:
/// `sum / (n + MEAN_PRIOR)` instead of `sum / n`. The stack leans hard on the means
/// (weight ≈ 4 on the character n-gram mean), and the mean of a two-word text is
/// the mean of a few dozen n-grams, so one spammy or insult-like word decided it
/// ("بطيخ أحمر" abuse 0.81, "Here's a comment!" spam 0.72 on the development
/// split). With the prior a short text's mean shrinks towards "no evidence" while a
/// typical comment's (hundreds of n-grams) barely moves; 100 was chosen over 0, 10
/// and 40 on the development split (see the model card).
pub const MEAN_PRIOR: f32 = 100.0;
/// An author name is scored for spam on its own only when it looks like an ad
/// rather than a name (see [`name_looks_like_ad`]); training data has no names.
const NAME_MIN_WORDS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("cannot read model {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid model file: {0}")]
    Invalid(String),
    #[error("incompatible model: {0}")]
    Incompatible(String),
}

/// One head's stacked logistic regression, with standardisation already folded in.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StackHead {
    pub weights: Vec<f32>,
    pub intercept: f32,
    /// How the output was calibrated, in words (for the admin API and the card).
    pub calibration: String,
}

impl StackHead {
    fn prob(&self, x: &[f32; N_STACK]) -> f32 {
        let z = self.intercept + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// What one dataset contributed to training.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct DatasetInfo {
    pub source: String,
    pub rows: usize,
    pub train: usize,
    pub validation: usize,
    pub test: usize,
    /// `spam`, `abuse`, and/or `spam_negatives` (clean comments used as ham).
    pub used_for: Vec<String>,
    pub weight: f32,
}

/// Everything about a model except its bucket weights.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelMeta {
    pub version: String,
    pub features: FeatureConfig,
    pub trained_at: String,
    pub spam: StackHead,
    pub abuse: StackHead,
    pub datasets: Vec<DatasetInfo>,
    pub split_rule: String,
    pub seed: u64,
    pub hyperparameters: serde_json::Value,
    pub metrics: serde_json::Value,
}

/// A loaded model. Immutable and `Send + Sync`, so it sits in the engine as is.
#[derive(Debug)]
pub struct Model {
    meta: ModelMeta,
    buckets: Vec<[f32; 2]>,
}

/// Per-head stack inputs of one text: `[spam, abuse]`.
pub type StackInputs = [[f32; N_STACK]; 2];

impl Model {
    /// Assemble a model (used by training).
    pub fn from_parts(meta: ModelMeta, buckets: Vec<[f32; 2]>) -> Result<Model, ClassifierError> {
        if let Some(why) = meta.features.incompatibility() {
            return Err(ClassifierError::Incompatible(why));
        }
        if buckets.len() != meta.features.n_buckets() {
            return Err(ClassifierError::Invalid(format!(
                "{} buckets, feature config needs {}",
                buckets.len(),
                meta.features.n_buckets()
            )));
        }
        for (name, h) in [("spam", &meta.spam), ("abuse", &meta.abuse)] {
            if h.weights.len() != N_STACK {
                return Err(ClassifierError::Invalid(format!(
                    "{name} head has {} stack weights, expected {N_STACK}",
                    h.weights.len()
                )));
            }
        }
        Ok(Model { meta, buckets })
    }

    pub fn load(path: &Path) -> Result<Model, ClassifierError> {
        let bytes = std::fs::read(path).map_err(|source| ClassifierError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Model::from_bytes(&bytes)
    }

    /// Parse a model file held in memory (e.g. a model stored in the database).
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ClassifierError> {
        let bad = |m: &str| ClassifierError::Invalid(m.to_string());
        let mut r = Reader { bytes, pos: 0 };
        if r.take(8)? != MAGIC {
            return Err(bad("not a raqib classifier file (bad magic)"));
        }
        let format = r.u32()?;
        if format != FORMAT_VERSION {
            return Err(ClassifierError::Incompatible(format!(
                "model file format {format}, this build reads format {FORMAT_VERSION}"
            )));
        }
        let meta_len = r.u32()? as usize;
        let meta_bytes = r.take(meta_len)?;
        // Check the feature config before anything else so the error says why.
        let raw: serde_json::Value = serde_json::from_slice(meta_bytes)
            .map_err(|e| ClassifierError::Invalid(format!("metadata: {e}")))?;
        if let Some(fc) = raw.get("features") {
            let fc: FeatureConfig = serde_json::from_value(fc.clone())
                .map_err(|e| ClassifierError::Incompatible(format!("feature config: {e}")))?;
            if let Some(why) = fc.incompatibility() {
                return Err(ClassifierError::Incompatible(why));
            }
        }
        let meta: ModelMeta = serde_json::from_value(raw)
            .map_err(|e| ClassifierError::Invalid(format!("metadata: {e}")))?;
        let n = r.u32()? as usize;
        let data = r.take(
            n.checked_mul(8)
                .ok_or_else(|| bad("bucket count overflows"))?,
        )?;
        if r.pos != bytes.len() {
            return Err(bad("trailing bytes after the weights"));
        }
        let buckets = data
            .chunks_exact(8)
            .map(|c| {
                let f = |i: usize| f32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
                [f(0), f(4)]
            })
            .collect();
        Model::from_parts(meta, buckets)
    }

    /// Serialise to the file format; byte-identical for identical models.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ClassifierError> {
        let meta = serde_json::to_vec(&self.meta)
            .map_err(|e| ClassifierError::Invalid(format!("metadata: {e}")))?;
        let mut out = Vec::with_capacity(20 + meta.len() + self.buckets.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&(self.buckets.len() as u32).to_le_bytes());
        for [s, a] in &self.buckets {
            out.extend_from_slice(&s.to_le_bytes());
            out.extend_from_slice(&a.to_le_bytes());
        }
        Ok(out)
    }

    pub fn version(&self) -> &str {
        &self.meta.version
    }

    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    pub fn trained_at(&self) -> &str {
        &self.meta.trained_at
    }

    pub fn datasets(&self) -> &[DatasetInfo] {
        &self.meta.datasets
    }

    /// Test-split metrics recorded at training time (same shape as `raqib eval`).
    pub fn metrics(&self) -> &serde_json::Value {
        &self.meta.metrics
    }

    pub fn feature_config(&self) -> &FeatureConfig {
        &self.meta.features
    }

    /// The stack inputs of one text given as feature-text parts (body, subject),
    /// their raw forms and the normalizer counters. Shared by training and serving.
    pub fn stack_inputs(
        &self,
        norm_parts: &[&str],
        raw_parts: &[&str],
        stats: NormStats,
    ) -> StackInputs {
        let mut sums = [[0f32; N_FAMILIES]; 2];
        let mut counts = [0u32; N_FAMILIES];
        let buckets = &self.buckets;
        features::for_each_feature(&self.meta.features, norm_parts, |fam, b| {
            let f = fam as usize;
            if let Some([s, a]) = buckets.get(b as usize) {
                sums[0][f] += s;
                sums[1][f] += a;
            }
            counts[f] += 1;
        });
        let dense = features::dense_signals(raw_parts, stats);
        let mut out = [[0f32; N_STACK]; 2];
        for (head, x) in out.iter_mut().enumerate() {
            for f in 0..N_FAMILIES {
                let n = counts[f] as f32;
                x[f] = sums[head][f] / (n + MEAN_PRIOR);
                x[N_FAMILIES + f] = sums[head][f] / (n + 1.0).sqrt();
            }
            x[2 * N_FAMILIES..].copy_from_slice(&dense);
        }
        out
    }

    /// Probabilities from precomputed stack inputs.
    pub fn score_inputs(&self, x: &StackInputs) -> Scores {
        Scores {
            spam: self.meta.spam.prob(&x[0]),
            abuse: self.meta.abuse.prob(&x[1]),
            spam_without_links: None,
        }
    }

    /// Score a comment. Body and subject are read as one text. The author name is
    /// scored on its own for spam only when it looks like an ad (ads and phone numbers
    /// in display names are common on Arabic news sites; real names are short and
    /// would be noise to a model trained on comment bodies). Abusive names are left
    /// to keyword rules, which run on every field.
    pub fn score(&self, fields: &[FieldText<'_>]) -> Scores {
        self.score_for(fields, f32::INFINITY)
    }

    /// [`Model::score`], plus [`Scores::spam_without_links`] when the spam score
    /// reaches `spam_reject_at` (the comment's reject threshold) and the body or
    /// subject has a link.
    ///
    /// The training data cannot tell a reader citing a news site from an ad: the
    /// clean comment sets had their links stripped or hold only tweets' t.co links,
    /// while every English spam set is full of them. So the heads read any link as
    /// spam (a bare BBC link scored 0.92). The score without the links lets the
    /// policy keep links from deciding a rejection on their own. It is computed only
    /// when a rejection is in reach, so few comments pay for the second pass.
    pub fn score_for(&self, fields: &[FieldText<'_>], spam_reject_at: f32) -> Scores {
        let (mut norm, mut raw) = ([""; 2], [""; 2]);
        let mut n = 0;
        let mut stats = NormStats::default();
        let mut name: Option<&FieldText<'_>> = None;
        for f in fields {
            match f.field {
                Field::Body | Field::Subject if n < 2 => {
                    norm[n] = f.norm.feature_text();
                    raw[n] = f.raw;
                    stats = features::add_stats(stats, f.norm.stats());
                    n += 1;
                }
                Field::AuthorName => name = Some(f),
                _ => {}
            }
        }
        let mut scores = self.score_inputs(&self.stack_inputs(&norm[..n], &raw[..n], stats));
        let mut name_spam = 0f32;
        if let Some(f) = name.filter(|f| name_looks_like_ad(f.raw)) {
            let x = self.stack_inputs(&[f.norm.feature_text()], &[f.raw], f.norm.stats());
            name_spam = self.meta.spam.prob(&x[0]);
            scores.spam = scores.spam.max(name_spam);
        }
        let has_link = || {
            norm[..n]
                .iter()
                .any(|t| t.split_whitespace().any(features::is_link))
        };
        if scores.spam >= spam_reject_at && has_link() {
            let strip = |t: &&str| -> String {
                let kept: Vec<&str> = t
                    .split_whitespace()
                    .filter(|w| !features::is_link(w))
                    .collect();
                kept.join(" ")
            };
            let norm_s: Vec<String> = norm[..n].iter().map(strip).collect();
            let raw_s: Vec<String> = raw[..n].iter().map(strip).collect();
            let norm_r: Vec<&str> = norm_s.iter().map(String::as_str).collect();
            let raw_r: Vec<&str> = raw_s.iter().map(String::as_str).collect();
            let x = self.stack_inputs(&norm_r, &raw_r, stats);
            // An ad in the display name stands on its own, links or not.
            scores.spam_without_links = Some(self.meta.spam.prob(&x[0]).max(name_spam));
        }
        scores
    }
}

/// A display name with a link, a phone-like digit run or many words reads as an ad.
pub fn name_looks_like_ad(raw: &str) -> bool {
    let d = features::dense_signals(&[raw], NormStats::default());
    d[4] > 0.0 || d[6] > 0.0 || raw.split_whitespace().count() >= NAME_MIN_WORDS
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ClassifierError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| ClassifierError::Invalid("file is truncated".into()))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, ClassifierError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}
