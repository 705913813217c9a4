//! Labelled JSON Lines rows, the deterministic train/validation/test split and the
//! clean-up of dataset collection artefacts. Shared by `train` and `eval` so both see
//! exactly the same rows in exactly the same split.

use anyhow::Context;
use serde::Deserialize;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Where a row goes, decided by a fixed hash of its `id` alone (never by the seed),
/// so evaluation can find the test split of any shared dataset without the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Validation,
    Test,
}

/// Human-readable form of [`split_of`], recorded in model files and the card.
pub const SPLIT_RULE: &str =
    "FNV-1a-64(id) % 100: 0-79 train, 80-89 validation (stack fit + calibration), 90-99 test";

pub fn split_of(id: &str) -> Split {
    match split_bucket(id) {
        0..=79 => Split::Train,
        80..=89 => Split::Validation,
        _ => Split::Test,
    }
}

/// `FNV-1a-64(id) % 100`, the number [`split_of`] cuts into train, validation and
/// test; training also uses it to deal rows into cross-fitting folds.
pub fn split_bucket(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h % 100
}

/// One labelled row; `None` = the dataset says nothing about that head. Labels may
/// be `true`/`false` or `1`/`0` and ids strings or numbers, as exported datasets
/// write them; anything else is refused with the line number.
#[derive(Clone, Debug, Deserialize)]
pub struct Row {
    #[serde(default, deserialize_with = "id_text")]
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default, deserialize_with = "label")]
    pub spam: Option<bool>,
    #[serde(default, deserialize_with = "label")]
    pub abuse: Option<bool>,
    #[serde(default)]
    pub source: Option<String>,
}

fn label<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Bool(b) => Ok(Some(b)),
        serde_json::Value::Number(n) if n.as_u64() == Some(0) => Ok(Some(false)),
        serde_json::Value::Number(n) if n.as_u64() == Some(1) => Ok(Some(true)),
        other => Err(D::Error::custom(format!(
            "a label is true, false, 1, 0 or null, not {other}"
        ))),
    }
}

fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(String::new()),
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!(
            "an id is a string or a number, not {other}"
        ))),
    }
}

impl Row {
    pub fn source(&self) -> &str {
        self.source.as_deref().unwrap_or("unknown")
    }
}

/// Remove placeholders that datasets put in for privacy and that real comments never
/// contain: `@USER` and `URL` (OSACT, OLID-style tweet sets) and the retweet marker
/// `RT`. Mentions are ignored by the features anyway; this keeps the placeholders'
/// words out of the n-grams.
pub fn clean_artefacts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, tok) in text.split(' ').enumerate() {
        let bare = tok.trim_matches(|c: char| matches!(c, ':' | ',' | '.' | '،'));
        if matches!(bare, "@USER" | "URL" | "RT" | "<LF>") {
            continue;
        }
        if i > 0 && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(tok);
    }
    out.replace("<LF>", "\n")
}

/// Expand file names and glob patterns, sorted within each pattern for determinism.
pub fn expand(patterns: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in patterns {
        let mut hits: Vec<PathBuf> = glob::glob(p)
            .with_context(|| format!("bad glob pattern {p}"))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading matches of {p}"))?;
        if hits.is_empty() {
            anyhow::bail!("no file matches {p}");
        }
        hits.sort();
        out.extend(hits);
    }
    Ok(out)
}

/// Read JSON Lines rows; the text is cleaned with [`clean_artefacts`] and a missing
/// `lang` is left `None` for the caller to detect.
pub fn read_rows(path: &Path) -> anyhow::Result<Vec<Row>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut row: Row = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a labelled row", path.display(), n + 1))?;
        if row.id.is_empty() {
            row.id = format!("{}:{}", path.display(), n + 1);
        }
        row.text = clean_artefacts(&row.text);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn split_is_fixed_and_roughly_80_10_10() {
        let mut counts = [0usize; 3];
        for i in 0..10_000 {
            counts[split_of(&format!("x:{i}")) as usize] += 1;
        }
        assert!(
            counts[0] > 7_700 && counts[1] > 900 && counts[2] > 900,
            "{counts:?}"
        );
        assert_eq!(split_of("sms_spam:1"), split_of("sms_spam:1"));
    }

    #[test]
    fn labels_and_ids_are_read_as_datasets_write_them() {
        let row = |line: &str| serde_json::from_str::<Row>(line);
        let r = row(r#"{"id": 17, "text": "x", "spam": 0, "abuse": 1}"#).unwrap();
        assert_eq!(
            (r.id.as_str(), r.spam, r.abuse),
            ("17", Some(false), Some(true))
        );
        let r = row(r#"{"text": "x", "abuse": false, "spam": null}"#).unwrap();
        assert_eq!((r.id.as_str(), r.spam, r.abuse), ("", None, Some(false)));
        let e = row(r#"{"text": "x", "abuse": 2}"#).unwrap_err().to_string();
        assert!(e.contains("a label is true, false, 1, 0 or null"), "{e}");
        assert!(row(r#"{"text": "x", "abuse": "yes"}"#).is_err());
        assert!(row(r#"{"id": [1], "text": "x"}"#).is_err());
    }

    #[test]
    fn artefacts_are_removed() {
        assert_eq!(clean_artefacts("@USER يا URL كلب"), "يا كلب");
        assert_eq!(clean_artefacts("RT @bob: hi"), "@bob: hi");
        assert_eq!(clean_artefacts("a<LF>b"), "a\nb");
        assert_eq!(clean_artefacts("user url"), "user url");
    }
}
