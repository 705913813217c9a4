//! Pure binary-classification metrics used by `raqib eval` and by training to
//! record test-split numbers in the model file. No I/O, no model: scores and labels in,
//! numbers out, so they can be checked against hand-computed examples.

/// Counts at one threshold (a score `>= threshold` is predicted positive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub r#fn: usize,
}

impl Confusion {
    pub fn at(scores: &[f32], labels: &[bool], threshold: f32) -> Confusion {
        let mut c = Confusion::default();
        for (&s, &y) in scores.iter().zip(labels) {
            match (s >= threshold, y) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.r#fn += 1,
            }
        }
        c
    }

    /// Precision of the positive class; `None` when nothing was predicted positive.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.r#fn)
    }

    /// F1 of the positive class; 0 when there are positives but none was found.
    pub fn f1(&self) -> Option<f64> {
        f1(self.tp, self.fp, self.r#fn)
    }

    /// Mean of the F1 of the positive and of the negative class.
    pub fn macro_f1(&self) -> Option<f64> {
        let pos = f1(self.tp, self.fp, self.r#fn)?;
        let neg = f1(self.tn, self.r#fn, self.fp)?;
        Some((pos + neg) / 2.0)
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn f1(tp: usize, fp: usize, fn_: usize) -> Option<f64> {
    let denom = 2 * tp + fp + fn_;
    (denom > 0).then(|| 2.0 * tp as f64 / denom as f64)
}

/// Indices sorted by descending score; ties keep input order (stable), which makes
/// the tie-group handling below deterministic.
fn order_desc(scores: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    idx
}

/// Area under the ROC curve (Mann–Whitney U; tied scores count one half).
/// `None` when one class is absent.
pub fn roc_auc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    let pos = labels.iter().filter(|&&y| y).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let idx = order_desc(scores);
    // Walk tie groups from the top: each negative beats no positive above it, and
    // ties with positives in its own group count one half.
    let (mut neg_above_sum, mut i) = (0f64, 0usize);
    let mut negs_so_far = 0usize;
    while i < idx.len() {
        let mut j = i;
        let (mut p, mut n) = (0usize, 0usize);
        while j < idx.len() && scores[idx[j]] == scores[idx[i]] {
            if labels[idx[j]] {
                p += 1
            } else {
                n += 1
            }
            j += 1;
        }
        // Each positive here is ranked above all negatives below; count the negatives
        // strictly above and half of those tied, as "wrongly ordered" pairs.
        neg_above_sum += p as f64 * (negs_so_far as f64 + n as f64 / 2.0);
        negs_so_far += n;
        i = j;
    }
    Some(1.0 - neg_above_sum / (pos as f64 * neg as f64))
}

/// Area under the precision–recall curve as average precision: the mean, over
/// positives, of the precision at the threshold that admits it (tie groups admitted
/// together). `None` without positives.
pub fn pr_auc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    let pos = labels.iter().filter(|&&y| y).count();
    if pos == 0 {
        return None;
    }
    let idx = order_desc(scores);
    let (mut tp, mut seen, mut ap, mut i) = (0usize, 0usize, 0f64, 0usize);
    while i < idx.len() {
        let mut j = i;
        let mut p = 0usize;
        while j < idx.len() && scores[idx[j]] == scores[idx[i]] {
            p += usize::from(labels[idx[j]]);
            j += 1;
        }
        tp += p;
        seen += j - i;
        ap += p as f64 * tp as f64 / seen as f64;
        i = j;
    }
    Some(ap / pos as f64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    // Hand-computed example: 6 items, threshold 0.5.
    // scores 0.9 0.8 0.7 0.6 0.4 0.2 ; labels T F T F T F
    // predicted positive: first four → TP 2 (0.9, 0.7), FP 2 (0.8, 0.6), FN 1 (0.4), TN 1.
    // precision 2/4, recall 2/3, F1 = 4/7; negative class F1 = 2·1/(2+1+2) = 2/5;
    // macro = (4/7 + 2/5)/2 = 34/70.
    // ROC: pairs (pos, neg) = 9; wrongly ordered: 0.7<0.8, 0.4<0.8, 0.4<0.6 → AUC 6/9.
    // AP: positives at ranks 1, 3, 5 → (1/1 + 2/3 + 3/5)/3 = 34/45.
    const S: [f32; 6] = [0.9, 0.8, 0.7, 0.6, 0.4, 0.2];
    const Y: [bool; 6] = [true, false, true, false, true, false];

    fn close(a: Option<f64>, b: f64) {
        let a = a.unwrap();
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn hand_computed_example() {
        let c = Confusion::at(&S, &Y, 0.5);
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 2,
                tn: 1,
                r#fn: 1
            }
        );
        close(c.precision(), 0.5);
        close(c.recall(), 2.0 / 3.0);
        close(c.f1(), 4.0 / 7.0);
        close(c.macro_f1(), 34.0 / 70.0);
        close(roc_auc(&S, &Y), 6.0 / 9.0);
        close(pr_auc(&S, &Y), 34.0 / 45.0);
    }

    #[test]
    fn ties_count_half_and_degenerate_cases_are_none() {
        close(roc_auc(&[0.5, 0.5], &[true, false]), 0.5);
        close(pr_auc(&[0.5, 0.5], &[true, false]), 0.5);
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(pr_auc(&[0.1], &[false]), None);
        assert_eq!(Confusion::at(&[0.1], &[false], 0.5).precision(), None);
    }
}
