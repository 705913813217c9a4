//! Alternative sparse stage: per-head logistic regression over the hashed buckets,
//! trained by AdaGrad on the train split (our own code: linfa is dense-only). Each
//! occurrence contributes `1/sqrt(n)` for a text of `n` features, so a family's
//! "sum / sqrt(n)" stack input is exactly its share of this model's logit.
//! Selected with `--sparse lr`; see the model card for how it compares with NB.

use super::nb::{Cached, Roles};

/// Bucket weights `[spam, abuse]` after `epochs` seeded passes.
pub(super) fn logistic(
    b: usize,
    role: &Roles,
    cached: &Cached,
    epochs: usize,
    lr: f64,
    l2: f64,
    seed: u64,
) -> Vec<[f32; 2]> {
    let mut w = vec![[0f64; 2]; b];
    let mut g2 = vec![[1e-6f64; 2]; b];
    let mut bias = [0f64; 2];
    let mut bias_g2 = [1e-6f64; 2];
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
            for (h, slot) in role[row].iter().enumerate() {
                let Some((label, rw)) = slot else { continue };
                let z = bias[h] + feats.iter().map(|&k| w[k as usize][h]).sum::<f64>() * v;
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
            }
        }
    }
    w.iter().map(|[s, a]| [*s as f32, *a as f32]).collect()
}
