//! The sparse stage: per hashed bucket, the naive-Bayes log-count ratio
//! `r = ln((p + α) / (|p| + αB)) − ln((q + α) / (|q| + αB))` between the weighted
//! feature counts of positive (`p`) and negative (`q`) train-split rows, per head.
//! Our own code because linfa trains only on dense matrices and 2^20 buckets × 135k
//! rows cannot be densified.

use super::{Plan, Row};
use crate::moderation::features::{self, FeatureConfig};
use crate::moderation::normalize;
use indicatif::ProgressBar;

/// Per row and head: `(label, weight)` for train-split examples. Each (dataset,
/// class) group of `n` train rows gets the total weight `factor × n^power` (power 0:
/// every group weighs the same; see `TrainArgs::abuse_group_power`); weights are then
/// scaled to average 1 per head so `alpha` keeps its usual meaning of "pseudo-count".
pub(super) type Roles = Vec<[Option<(bool, f64)>; 2]>;

/// `power` is `[spam, abuse]`. With `per_dataset[h]` the power applies to the
/// dataset's train rows and the total is split evenly between its classes, so a set's
/// class mix never reaches the sparse stage (`TrainArgs::abuse_balance`).
/// Only rows for which `learn(row)` holds get a role.
pub(super) fn roles(
    rows: &[Row],
    plan: &Plan,
    power: [f64; 2],
    per_dataset: [bool; 2],
    learn: &dyn Fn(usize) -> bool,
) -> Roles {
    let mut role: Roles = vec![[None, None]; rows.len()];
    for (h, examples) in plan.heads.iter().enumerate() {
        let train: Vec<_> = examples.iter().filter(|e| learn(e.row)).collect();
        let mut sizes = vec![0usize; plan.groups[h].len()];
        for e in &train {
            sizes[e.group] += 1;
        }
        // Train rows per dataset (the group name up to its `:class`).
        let dataset = |g: usize| plan.groups[h][g].0.rsplit_once(':').map_or("", |(d, _)| d);
        let mut per_set: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
        for (g, &n) in sizes.iter().enumerate() {
            let e = per_set.entry(dataset(g)).or_default();
            e.0 += n;
            e.1 += 1;
        }
        let raw = |g: usize| {
            let n = sizes[g].max(1) as f64;
            let total = if per_dataset[h] {
                let (rows, classes) = per_set[dataset(g)];
                (rows.max(1) as f64).powf(power[h]) / classes as f64
            } else {
                n.powf(power[h])
            };
            f64::from(plan.groups[h][g].1) * total / n
        };
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
    role
}

/// Hashed features of every row with a role, flattened: `(row, start, end)` spans
/// into one bucket list, so the sparse learners can make several passes.
pub(super) struct Cached {
    pub spans: Vec<(usize, usize, usize)>,
    pub buckets: Vec<u32>,
}

pub(super) fn extract(cfg: &FeatureConfig, rows: &[Row], role: &Roles, pb: &ProgressBar) -> Cached {
    let mut c = Cached {
        spans: Vec::new(),
        buckets: Vec::new(),
    };
    for (i, r) in rows.iter().enumerate() {
        pb.inc(1);
        if role[i].iter().all(Option::is_none) {
            continue;
        }
        let norm = normalize::normalize(&r.text);
        let start = c.buckets.len();
        features::for_each_feature(cfg, &[norm.feature_text()], |_, k| c.buckets.push(k));
        if c.buckets.len() > start {
            c.spans.push((i, start, c.buckets.len()));
        }
    }
    c
}

/// Bucket weights `[spam, abuse]`: naive-Bayes log-count ratios.
pub(super) fn log_count_ratios(
    b: usize,
    role: &Roles,
    cached: &Cached,
    alpha: f64,
) -> Vec<[f32; 2]> {
    // counts[head][class][bucket], class 0 = negative, 1 = positive.
    let mut counts = [
        [vec![0f64; b], vec![0f64; b]],
        [vec![0f64; b], vec![0f64; b]],
    ];
    let mut mean_nf = 0f64;
    let mut seen = 0f64;
    for &(i, s, e) in &cached.spans {
        let buf = &cached.buckets[s..e];
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
            for &k in buf {
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
