//! Text normalization (placeholder: the full Arabic/English pipeline of
//! `normalization.md` replaces this). Public contract used by the rest of the crate:
//! [`normalize`], [`Normalized::feature_text`], [`Normalized::stats`],
//! [`detect_language`], [`NORMALIZER_VERSION`].

use unicode_normalization::UnicodeNormalization;

/// Bumped whenever a fold changes which texts match or which features are produced.
pub const NORMALIZER_VERSION: &str = "0-placeholder";

/// Counters of what normalization removed or repaired, used as dense features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NormStats {
    pub removed_invisibles: u32,
}

/// The result of normalizing one field.
#[derive(Clone, Debug, Default)]
pub struct Normalized {
    feature_text: String,
    stats: NormStats,
}

impl Normalized {
    /// Lighter normalization for the classifier.
    pub fn feature_text(&self) -> &str {
        &self.feature_text
    }

    pub fn stats(&self) -> NormStats {
        self.stats
    }
}

/// Normalize one field.
pub fn normalize(text: &str) -> Normalized {
    Normalized {
        feature_text: text.nfkc().flat_map(char::to_lowercase).collect(),
        stats: NormStats::default(),
    }
}

/// The language of a text: `ar`, `en`, `arabizi`, or `und`. The host's label is a
/// hint only; the script of the text wins.
pub fn detect_language(text: &str, hint: Option<&str>) -> String {
    let arabic = text
        .chars()
        .filter(|c| ('\u{0600}'..='\u{06FF}').contains(c))
        .count();
    let latin = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if arabic > 0 && arabic >= latin {
        "ar".to_string()
    } else if latin > 0 {
        hint.filter(|h| *h == "arabizi")
            .map_or_else(|| "en".to_string(), str::to_string)
    } else {
        "und".to_string()
    }
}
