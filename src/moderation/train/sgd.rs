//! Alternative sparse stage: per-head logistic regression over the hashed buckets,
//! trained by AdaGrad on the train split (our own code: linfa is dense-only). Each
//! occurrence contributes `1/sqrt(n)` for a text of `n` features, so a family's
//! "sum / sqrt(n)" stack input is exactly its share of this model's logit.
//! Selected with `--sparse lr`; see the model card for how it compares with NB.
//!
//! Optionally each dataset gets its own intercept while training, and optionally its
//! own copy of every bucket too (feature augmentation for domain adaptation). A
//! dataset's class mix is a fact about how it was collected (Al Jazeera's comments
//! are 82 % offensive, OSACT2020's tweets 19 %); without an intercept of its own the
//! shared weights learn it through whatever marks the dataset's rows — its dialect,
//! its topics, its platform's habits — and a served comment that shares them is
//! pushed towards that dataset's majority class. Only the shared weights and
//! intercept are kept: a served comment comes from no known dataset.

use super::nb::{Cached, Roles};

/// Per-dataset terms for [`logistic`]: the dataset index of every row and, per head
/// `[spam, abuse]`, whether each dataset has its own intercept and how strongly its
/// copy of the buckets counts against the shared ones (0 = no copy).
pub(super) struct Domains<'a> {
    pub of_row: &'a [usize],
    pub count: usize,
    pub intercepts: [bool; 2],
    pub copies: [f64; 2],
}

/// How [`logistic`] learns: seeded passes over the rows, AdaGrad step, L2 per update.
pub(super) struct Schedule {
    pub epochs: usize,
    pub lr: f64,
    pub l2: f64,
    pub seed: u64,
}

/// Bucket weights `[spam, abuse]` after `schedule.epochs` seeded passes.
pub(super) fn logistic(
    b: usize,
    role: &Roles,
    cached: &Cached,
    schedule: &Schedule,
    domains: &Domains<'_>,
) -> Vec<[f32; 2]> {
    let Schedule {
        epochs,
        lr,
        l2,
        seed,
    } = *schedule;
    let mut w = vec![[0f64; 2]; b];
    let mut g2 = vec![[1e-6f64; 2]; b];
    let mut bias = [0f64; 2];
    let mut bias_g2 = [1e-6f64; 2];
    // Per dataset: an intercept per head, and bucket weights with their
    // squared-gradient sums (allocated only when some head uses copies).
    let copies = domains.copies.iter().any(|&c| c > 0.0);
    let per_dataset = copies || domains.intercepts.iter().any(|&i| i);
    let n_dom = if per_dataset { domains.count } else { 0 };
    let mut dw = vec![vec![[0f64; 2]; if copies { b } else { 0 }]; n_dom];
    let mut dg2 = vec![vec![[1e-6f64; 2]; if copies { b } else { 0 }]; n_dom];
    let mut dbias = vec![[0f64; 2]; n_dom];
    let mut dbias_g2 = vec![[1e-6f64; 2]; n_dom];
    // Seeded visiting order (a hash of the row index), the same in every epoch so
    // the result depends only on the data and the seed.
    let mut order: Vec<(u64, usize)> = (0..cached.spans.len())
        .map(|i| {
            (
                (i as u64 ^ seed)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    .rotate_left(17),
                i,
            )
        })
        .collect();
    order.sort_unstable();
    for _ in 0..epochs {
        for &(_, si) in &order {
            let (row, s, e) = cached.spans[si];
            let feats = &cached.buckets[s..e];
            let v = 1.0 / (feats.len() as f64).sqrt();
            let d = if per_dataset { domains.of_row[row] } else { 0 };
            for (h, slot) in role[row].iter().enumerate() {
                let Some((label, rw)) = slot else { continue };
                let c = domains.copies[h];
                let own_bias = domains.intercepts[h] || c > 0.0;
                let mut z = bias[h] + feats.iter().map(|&k| w[k as usize][h]).sum::<f64>() * v;
                if own_bias {
                    z += dbias[d][h];
                }
                if c > 0.0 {
                    z += feats.iter().map(|&k| dw[d][k as usize][h]).sum::<f64>() * v * c;
                }
                let p = 1.0 / (1.0 + (-z).exp());
                let g = (p - if *label { 1.0 } else { 0.0 }) * rw;
                for &k in feats {
                    let k = k as usize;
                    let grad = g * v + l2 * w[k][h];
                    g2[k][h] += grad * grad;
                    w[k][h] -= lr * grad / g2[k][h].sqrt();
                }
                bias_g2[h] += g * g;
                bias[h] -= lr * g / bias_g2[h].sqrt();
                if own_bias {
                    dbias_g2[d][h] += g * g;
                    dbias[d][h] -= lr * g / dbias_g2[d][h].sqrt();
                }
                if c > 0.0 {
                    let (dwd, dg2d) = (&mut dw[d], &mut dg2[d]);
                    for &k in feats {
                        let k = k as usize;
                        let grad = g * v * c + l2 * dwd[k][h];
                        dg2d[k][h] += grad * grad;
                        dwd[k][h] -= lr * grad / dg2d[k][h].sqrt();
                    }
                }
            }
        }
    }
    w.iter().map(|[s, a]| [*s as f32, *a as f32]).collect()
}
