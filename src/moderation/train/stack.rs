//! The dense stage of each head: a logistic regression fitted with linfa on the
//! stack inputs of held-out (validation) rows, so its output is a calibrated
//! probability. Also owns the one linfa trap that bites here: linfa's binary
//! logistic regression calls the *majority* class "positive", so the exported
//! weights must be flipped when the majority is the negative class.

use anyhow::Context;
use linfa::prelude::*;
use linfa_logistic::{FittedLogisticRegression, LogisticRegression};
use ndarray::{Array1, Array2};

/// A fitted dense head in the original (unstandardised) input space, oriented so a
/// larger logit means "positive label" (spam / abuse).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Linear {
    pub weights: Vec<f64>,
    pub intercept: f64,
}

/// Weights and intercept of a fitted model oriented towards the `true` label,
/// whatever linfa chose as its positive class.
pub(super) fn oriented(fitted: &FittedLogisticRegression<f64, bool>) -> (Vec<f64>, f64) {
    let w: Vec<f64> = fitted.params().to_vec();
    let b = fitted.intercept();
    if fitted.labels().pos.class {
        (w, b)
    } else {
        (w.iter().map(|v| -v).collect(), -b)
    }
}

/// Fit on rows `x` (already resampled to the wanted class/dataset balance) with L2
/// strength `l2`. Columns are standardised for the optimiser, then the scaling is
/// folded back into the weights so serving needs no extra step.
pub(super) fn fit(x: &[Vec<f32>], y: &[bool], l2: f64) -> anyhow::Result<Linear> {
    let d = x.first().map_or(0, Vec::len);
    anyhow::ensure!(d > 0 && x.len() == y.len(), "empty or ragged stack data");
    anyhow::ensure!(
        y.iter().any(|&v| v) && y.iter().any(|&v| !v),
        "stack data has one class only"
    );
    let n = x.len() as f64;
    let mut mean = vec![0f64; d];
    let mut sd = vec![0f64; d];
    for row in x {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += f64::from(*v) / n;
        }
    }
    for row in x {
        for ((s, v), m) in sd.iter_mut().zip(row).zip(&mean) {
            *s += (f64::from(*v) - m).powi(2) / n;
        }
    }
    // Constant columns (e.g. a signal absent from all data) get scale 1 and end up
    // with a zero weight under L2.
    let sd: Vec<f64> = sd
        .iter()
        .map(|v| if *v > 1e-12 { v.sqrt() } else { 1.0 })
        .collect();
    let mut arr = Array2::<f64>::zeros((x.len(), d));
    for (i, row) in x.iter().enumerate() {
        for j in 0..d {
            arr[[i, j]] = (f64::from(row[j]) - mean[j]) / sd[j];
        }
    }
    let ds = linfa::Dataset::new(arr, Array1::from(y.to_vec()));
    let fitted = LogisticRegression::default()
        .alpha(l2)
        .max_iterations(300)
        .gradient_tolerance(1e-6)
        .with_intercept(true)
        .fit(&ds)
        .context("fitting the stacked logistic regression")?;
    let (w, b) = oriented(&fitted);
    let weights: Vec<f64> = w.iter().zip(&sd).map(|(w, s)| w / s).collect();
    let intercept = b - weights.iter().zip(&mean).map(|(w, m)| w * m).sum::<f64>();
    Ok(Linear { weights, intercept })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn sigmoid(z: f64) -> f64 {
        1.0 / (1.0 + (-z).exp())
    }

    /// The polarity trap: with 30 % positives linfa's "pos" class is `false`; the
    /// exported head must still give spam a high score.
    #[test]
    fn minority_positive_class_points_the_right_way() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..100 {
            let spam = i % 10 < 3;
            let v = if spam {
                2.0 + (i % 3) as f32 * 0.1
            } else {
                -1.0 - (i % 4) as f32 * 0.1
            };
            x.push(vec![v, 0.5]);
            y.push(spam);
        }
        let ds = linfa::Dataset::new(
            Array2::from_shape_fn((100, 2), |(i, j)| f64::from(x[i][j])),
            Array1::from(y.clone()),
        );
        let raw = LogisticRegression::default().alpha(1e-3).fit(&ds).unwrap();
        assert!(
            !raw.labels().pos.class,
            "linfa calls the majority (ham) positive"
        );
        let lin = fit(&x, &y, 1e-3).unwrap();
        let p = |v: f64| sigmoid(lin.intercept + lin.weights[0] * v + lin.weights[1] * 0.5);
        assert!(p(2.1) > 0.9, "spam-like row scored {}", p(2.1));
        assert!(p(-1.1) < 0.1, "ham-like row scored {}", p(-1.1));
    }
}
