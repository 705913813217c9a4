//! The sparse stage: per hashed bucket, the naive-Bayes log-count ratio
//! `r = ln((p + α) / (|p| + αB)) − ln((q + α) / (|q| + αB))` between the weighted
//! feature counts of positive (`p`) and negative (`q`) train-split rows, per head.
//! Our own code because linfa trains only on dense matrices and 2^20 buckets × 135k
//! rows cannot be densified.

use super::{Plan, Row};
use crate::moderation::eval::data::{self, Split};
use crate::moderation::features::{self, FeatureConfig};
use crate::moderation::normalize;
use indicatif::ProgressBar;

/// Bucket weights `[spam, abuse]` learned from the train split.
pub(super) fn log_count_ratios(
    cfg: &FeatureConfig,
    rows: &[Row],
    plan: &Plan,
    alpha: f64,
    pb: &ProgressBar,
) -> Vec<[f32; 2]> {
    let b = cfg.n_buckets();
    // Per row and head: (label, weight). Each (dataset, class) group gets the same
    // total weight times its factor; weights are then scaled to average 1 per head so
    // `alpha` keeps its usual meaning of "pseudo-count per bucket".
    let mut role: Vec<[Option<(bool, f64)>; 2]> = vec![[None, None]; rows.len()];
    for (h, examples) in plan.heads.iter().enumerate() {
        let train: Vec<_> = examples
            .iter()
            .filter(|e| data::split_of(&rows[e.row].id) == Split::Train)
            .collect();
        let mut sizes = vec![0usize; plan.groups[h].len()];
        for e in &train {
            sizes[e.group] += 1;
        }
        let raw = |g: usize| f64::from(plan.groups[h][g].1) / sizes[g].max(1) as f64;
        let total: f64 = train.iter().map(|e| raw(e.group)).sum();
        let scale = if total > 0.0 {
            train.len() as f64 / total
        } else {
            0.0
        };
        for e in train {
            role[e.row][h] = Some((e.label, raw(e.group) * scale));
        }
    }

    // counts[head][class][bucket], class 0 = negative, 1 = positive.
    let mut counts = [
        [vec![0f64; b], vec![0f64; b]],
        [vec![0f64; b], vec![0f64; b]],
    ];
    let mut buf: Vec<u32> = Vec::with_capacity(4096);
    let mut mean_nf = 0f64;
    let mut seen = 0f64;
    for (i, r) in rows.iter().enumerate() {
        pb.inc(1);
        if role[i].iter().all(Option::is_none) {
            continue;
        }
        buf.clear();
        let norm = normalize::normalize(&r.text);
        features::for_each_feature(cfg, &[norm.feature_text()], |_, k| buf.push(k));
        if buf.is_empty() {
            continue;
        }
        // Long texts (Jigsaw, Stormfront posts) would otherwise outweigh short ones
        // (ConvAbuse, tweets) in the counts; damp by the square root of the length,
        // relative to a running mean so the overall scale stays near raw counts.
        seen += 1.0;
        mean_nf += (buf.len() as f64 - mean_nf) / seen;
        let damp = (mean_nf / buf.len() as f64).sqrt();
        for (h, slot) in role[i].iter().enumerate() {
            let Some((label, w)) = slot else { continue };
            let c = &mut counts[h][usize::from(*label)];
            let w = w * damp;
            for &k in &buf {
                c[k as usize] += w;
            }
        }
    }

    let mut out = vec![[0f32; 2]; b];
    for (h, [neg, pos]) in counts.iter().enumerate() {
        let p_tot: f64 = pos.iter().sum::<f64>() + alpha * b as f64;
        let q_tot: f64 = neg.iter().sum::<f64>() + alpha * b as f64;
        let offset = (q_tot / p_tot).ln();
        for (k, o) in out.iter_mut().enumerate() {
            o[h] = (((pos[k] + alpha) / (neg[k] + alpha)).ln() + offset) as f32;
        }
    }
    out
}
