//! Feature extraction shared by training (`train`) and serving (`classifier`), so the
//! two can never drift: both call [`for_each_feature`] and [`dense_signals`].
//!
//! Sparse features are hashed (FNV-1a 64 with a fixed seed per family, then a
//! multiplicative finaliser, never `DefaultHasher`) into `2^bucket_bits` buckets:
//! - [`Family::CharWord`]: character n-grams inside each token, padded with a space
//!   on both sides so word starts and ends are their own n-grams;
//! - [`Family::CharCross`]: character n-grams whose interior spans a word boundary
//!   (`يا كلب` → `ا كل`), which catches split or clitic-attached insults;
//! - [`Family::Word`] and [`Family::WordBigram`]: word unigrams and bigrams.
//!
//! A token of ASCII digits only gives its word features but no character n-grams:
//! its n-grams (` 0`, `0 `, `00`) are shared by every price and phone number in the
//! SMS spam, so a stray "0 0" read as an ad (spam 0.99 before this rule). Digits
//! inside words and the digit dense signals are unchanged.
//!
//! A function word (a short closed list of Arabic and English prepositions,
//! pronouns, articles and particles, [`FUNCTION_WORDS`]) gives no word unigram and no
//! character n-grams of its own; it still takes part in word bigrams and in the
//! n-grams that span a word boundary. Alone such a word says nothing about spam or
//! abuse, but one spam template can make it look as if it did: 555 Arabic ads say
//! "قبل الحذف" ("before it is deleted"), and "قبل" on its own tipped a comment about
//! education reform into a spam rejection (feature config f4; the bigram keeps the
//! template).
//!
//! Mentions (`@name`) produce no n-grams: in the training data they are collection
//! artefacts (Twitter sets are full of them, news comments have none). Links produce
//! one `<url>` word feature and count as a dense signal instead of n-grams.
//!
//! Nothing here allocates: n-gram windows are fixed arrays and features are passed to
//! a callback as they are hashed.

use super::normalize::{NORMALIZER_VERSION, NormStats, is_letter, is_number, is_word_char};
use serde::{Deserialize, Serialize};

/// Bumped whenever tokenisation, hashing, the dense signals or the way the stack
/// inputs are formed from them (`classifier::MEAN_PRIOR`) change.
pub const FEATURE_VERSION: &str = "f4";

/// Words that give no unigram and no in-word character n-grams (module docs), as
/// written and separated by spaces; they are matched after normalization, so spelling
/// variants the normalizer folds (إلى / الى, على / علي) need no entry of their own.
pub const FUNCTION_WORDS: &str = concat!(
    // Arabic prepositions, particles, pronouns and demonstratives.
    "من في على عن إلى مع قبل بعد عند بين حتى منذ خلال حول عبر لدى ",
    "هذا هذه ذلك تلك هؤلاء الذي التي الذين أن إن لا ما لم لن قد ",
    "هو هي هم نحن أنا أنت كل أو ثم لكن بل إذا كما فقط كان كانت أي ",
    // English articles, prepositions, pronouns and auxiliaries.
    "the an of to in on at for with by from and or but is are was were be been ",
    "this that these those it its as if than then there their they we he she ",
    "his her our have has had before after",
);

/// FNV word hashes of [`FUNCTION_WORDS`] after normalization, sorted.
fn function_word_hashes() -> &'static [u64] {
    static HASHES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    HASHES.get_or_init(|| {
        let mut v: Vec<u64> = FUNCTION_WORDS
            .split_whitespace()
            .flat_map(|w| {
                let n = super::normalize::normalize(w);
                n.feature_text()
                    .split_whitespace()
                    .map(|t| t.chars().fold(seed(Family::Word), fnv_char))
                    .collect::<Vec<_>>()
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// Number of sparse feature families (see [`Family`]).
pub const N_FAMILIES: usize = 4;

/// Number of dense signals returned by [`dense_signals`].
pub const N_DENSE: usize = 13;

/// Names of the dense signals, in order (recorded in the model card and metadata).
pub const DENSE_NAMES: [&str; N_DENSE] = [
    "log_len",
    "arabic_frac",
    "latin_frac",
    "script_mix",
    "log_links",
    "log_digits",
    "phone_runs",
    "log_elongations",
    "log_emoji",
    "log_invisibles",
    "upper_frac",
    "log_exclaim",
    "log_evasion",
];

/// A family of sparse features; each gets its own score in the stacked model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    CharWord = 0,
    CharCross = 1,
    Word = 2,
    WordBigram = 3,
}

/// The feature configuration a model was trained with. Serving refuses a model whose
/// configuration differs from [`FeatureConfig::current`] in anything but nothing:
/// a different normalizer or tokenisation changes every hashed bucket.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    pub feature_version: String,
    pub normalizer_version: String,
    pub bucket_bits: u32,
    pub char_min: usize,
    pub char_max: usize,
    pub cross_min: usize,
    pub cross_max: usize,
}

/// Longest n-gram the fixed windows support.
const MAX_N: usize = 8;

impl FeatureConfig {
    /// The configuration this build of the code produces.
    pub fn current() -> FeatureConfig {
        FeatureConfig {
            feature_version: FEATURE_VERSION.to_string(),
            normalizer_version: NORMALIZER_VERSION.to_string(),
            bucket_bits: 20,
            char_min: 2,
            char_max: 5,
            cross_min: 3,
            cross_max: 5,
        }
    }

    /// One string naming the whole configuration, part of the model version.
    pub fn id(&self) -> String {
        format!(
            "{}+norm:{}+b{}+c{}-{}+x{}-{}",
            self.feature_version,
            self.normalizer_version,
            self.bucket_bits,
            self.char_min,
            self.char_max,
            self.cross_min,
            self.cross_max
        )
    }

    pub fn n_buckets(&self) -> usize {
        1usize << self.bucket_bits
    }

    /// Why `self` (from a model file) cannot be served by this build, if it cannot.
    pub fn incompatibility(&self) -> Option<String> {
        let current = FeatureConfig::current();
        (*self != current).then(|| {
            format!(
                "model was trained with feature config `{}` but this build computes `{}`; \
                 retrain the model with this build (`raqib train`) or run the build it came from",
                self.id(),
                current.id()
            )
        })
    }

    fn valid(&self) -> bool {
        (1..=MAX_N).contains(&self.char_max)
            && (1..=MAX_N).contains(&self.cross_max)
            && self.char_min >= 1
            && self.char_min <= self.char_max
            && self.cross_min >= 2
            && self.cross_min <= self.cross_max
            && (8..=24).contains(&self.bucket_bits)
    }
}

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// `FNV_PRIME` cubed (wrapping), for [`fnv_char`]'s short cut.
const FNV_PRIME_3: u64 = FNV_PRIME.wrapping_mul(FNV_PRIME).wrapping_mul(FNV_PRIME);

#[inline]
fn fnv_char(h: u64, c: char) -> u64 {
    // Feed the code point as 4 little-endian bytes so the hash never depends on
    // the platform or on UTF-8 length quirks. A zero byte only multiplies (x ^ 0 =
    // x), so the two high zero bytes of a BMP character (all of Arabic and Latin)
    // fold into one multiplication by the prime's cube: the same value as four byte
    // steps, with two multiplications instead of four. This is the hottest loop in
    // the core.
    let v = u64::from(c as u32);
    // (For ASCII the second byte is zero too, and `x ^ 0 = x` keeps the formula
    // exact.)
    if v < 0x1_0000 {
        ((h ^ (v & 0xff)).wrapping_mul(FNV_PRIME) ^ (v >> 8)).wrapping_mul(FNV_PRIME_3)
    } else {
        fnv_bytes(h, &(c as u32).to_le_bytes())
    }
}

#[inline]
pub(crate) fn fnv_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

#[inline]
fn fnv_u64(h: u64, v: u64) -> u64 {
    fnv_bytes(h, &v.to_le_bytes())
}

#[inline]
fn seed(family: Family) -> u64 {
    fnv_u64(FNV_OFFSET, family as u64 + 1)
}

/// Map a 64-bit hash to a bucket. FNV's low bits are weak for short inputs, so mix
/// with a Fibonacci multiplier and take the high bits.
#[inline]
fn bucket(h: u64, bits: u32) -> u32 {
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as u32
}

/// The running FNV hash of every suffix of the characters pushed so far, up to
/// `MAX_N` long: `chain[n]` is the hash of the last `n` characters, so each new
/// character costs one step per n-gram length instead of re-hashing. It also keeps
/// where the last two spaces were, which is all the cross-word n-grams ask of the
/// characters themselves.
struct Window {
    chain: [u64; MAX_N + 1],
    /// Characters pushed in all.
    pos: usize,
    /// Positions of the most recent space and of the one before it.
    spaces: [Option<usize>; 2],
}

impl Window {
    fn new(family: Family) -> Window {
        Window {
            chain: [seed(family); MAX_N + 1],
            pos: 0,
            spaces: [None; 2],
        }
    }

    #[inline]
    fn push(&mut self, c: char) {
        if c == ' ' {
            self.spaces = [Some(self.pos), self.spaces[0]];
        }
        self.pos += 1;
        // Longest first, so chain[n - 1] still holds the previous position's value.
        // Every length up to MAX_N is updated, not only the configured ones: with
        // constant bounds the loop unrolls without bounds checks, which costs less
        // than the unused lengths.
        for n in (1..=MAX_N).rev() {
            self.chain[n] = fnv_char(self.chain[n - 1], c);
        }
    }

    /// Characters pushed, capped at `MAX_N`.
    #[inline]
    fn len(&self) -> usize {
        self.pos.min(MAX_N)
    }

    /// Whether a space lies strictly inside the last `n` characters (`2 <= n <= len`).
    #[inline]
    fn space_inside(&self, n: usize) -> bool {
        let Some(last) = self.pos.checked_sub(1) else {
            return false;
        };
        // The latest space before the last character; it is inside when it is no
        // further back than the window's second character.
        let s = if self.spaces[0] == Some(last) {
            self.spaces[1]
        } else {
            self.spaces[0]
        };
        s.is_some_and(|s| s + n >= last + 2)
    }

    /// Hash of the last `n` characters (`n <= len()`).
    #[inline]
    fn hash(&self, n: usize) -> u64 {
        self.chain[n]
    }
}

/// Whether a token is a link (scheme, `www.` or a bare domain with a common TLD).
pub fn is_link(token: &str) -> bool {
    // Every form below needs a `.` (domains, `www.`) or a `:` (schemes); most tokens
    // have neither, and this runs on every token twice per comment.
    if !token.bytes().any(|b| b == b'.' || b == b':') {
        return false;
    }
    const TLDS: [&str; 14] = [
        ".com", ".net", ".org", ".info", ".io", ".ly", ".me", ".co", ".xyz", ".biz", ".site",
        ".online", ".shop", ".link",
    ];
    let t = token.trim_matches(|c: char| !is_word_char(c) && c != '/');
    if t.starts_with("http://") || t.starts_with("https://") || t.starts_with("www.") {
        return true;
    }
    let lower_ascii = |s: &str, suffix: &str| {
        s.len() > suffix.len()
            && s.is_char_boundary(s.len() - suffix.len())
            && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    let host = t.split('/').next().unwrap_or(t);
    host.contains('.') && TLDS.iter().any(|tld| lower_ascii(host, tld))
}

/// Call `emit(family, bucket)` for every sparse feature of the feature texts in
/// `parts` (e.g. body then subject). N-grams never span two parts.
pub fn for_each_feature(cfg: &FeatureConfig, parts: &[&str], mut emit: impl FnMut(Family, u32)) {
    if !cfg.valid() {
        return;
    }
    let bits = cfg.bucket_bits;
    let url_hash = bucket(fnv_char(seed(Family::Word), '\u{1}'), bits);
    let function_words = function_word_hashes();
    for part in parts {
        let mut prev_word: Option<u64> = None;
        let mut cross = Window::new(Family::CharCross);
        for token in part.split_whitespace() {
            if token.starts_with('@') && token.chars().count() > 1 {
                prev_word = None;
                continue;
            }
            if is_link(token) {
                emit(Family::Word, url_hash);
                prev_word = None;
                continue;
            }
            // Word features use the token without surrounding punctuation; a token
            // that is only punctuation or emoji is kept whole (emoji carry signal).
            let trimmed = token.trim_matches(|c: char| !is_word_char(c));
            let word = if trimmed.is_empty() { token } else { trimmed };
            let wh = word.chars().fold(seed(Family::Word), fnv_char);
            let function = function_words.binary_search(&wh).is_ok();
            if !function {
                emit(Family::Word, bucket(wh, bits));
            }
            if let Some(p) = prev_word {
                emit(
                    Family::WordBigram,
                    bucket(fnv_u64(fnv_u64(seed(Family::WordBigram), p), wh), bits),
                );
            }
            prev_word = Some(wh);

            // Character n-grams inside the padded token; none for a bare number or a
            // function word (see the module docs).
            if !function && !word.bytes().all(|b| b.is_ascii_digit()) {
                let mut win = Window::new(Family::CharWord);
                let chars = std::iter::once(' ')
                    .chain(token.chars())
                    .chain(std::iter::once(' '));
                for c in chars {
                    win.push(c);
                    for n in cfg.char_min..=cfg.char_max.min(win.len()) {
                        emit(Family::CharWord, bucket(win.hash(n), bits));
                    }
                }
            }

            // Character n-grams across the boundary to the previous token: only
            // those with a space strictly inside, the rest are CharWord's job.
            if cross.pos > 0 {
                cross.push(' ');
            }
            for c in token.chars() {
                cross.push(c);
                for n in cfg.cross_min..=cfg.cross_max.min(cross.len()) {
                    if cross.space_inside(n) {
                        emit(Family::CharCross, bucket(cross.hash(n), bits));
                    }
                }
            }
        }
    }
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF)
}

fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Traces of undone evasion: leet stand-ins, look-alike letters, spaced-out or split
/// words and bidi overrides. Ordinary writing has almost none.
pub fn evasion_count(s: NormStats) -> u32 {
    s.leet_chars + s.confusables_folded + s.spaced_joins + s.split_joins + s.bidi_overrides
}

/// Add the counters of two fields (body and subject are scored as one text).
pub fn add_stats(a: NormStats, b: NormStats) -> NormStats {
    NormStats {
        removed_invisibles: a.removed_invisibles + b.removed_invisibles,
        leet_chars: a.leet_chars + b.leet_chars,
        confusables_folded: a.confusables_folded + b.confusables_folded,
        spaced_joins: a.spaced_joins + b.spaced_joins,
        split_joins: a.split_joins + b.split_joins,
        bidi_overrides: a.bidi_overrides + b.bidi_overrides,
        ..a
    }
}

/// The dense signals of the raw texts in `raw_parts` (what the author typed) plus the
/// normalizer's counters. Values are log-scaled or fractions so a linear model can use
/// them without standardising surprises.
pub fn dense_signals(raw_parts: &[&str], stats: NormStats) -> [f32; N_DENSE] {
    let (mut chars, mut arabic, mut latin, mut upper, mut digits, mut emoji, mut exclaim) =
        (0u32, 0u32, 0u32, 0u32, 0u32, 0u32, 0u32);
    let (mut links, mut phone_runs, mut elongations) = (0u32, 0u32, 0u32);
    for part in raw_parts {
        let mut run_digits = 0u32; // digits in the current phone-like run
        let mut prev = '\0';
        let mut same = 0u32;
        for c in part.chars() {
            chars += 1;
            if is_arabic(c) && is_letter(c) {
                arabic += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
                upper += u32::from(c.is_ascii_uppercase());
            }
            if is_number(c) {
                digits += 1;
                run_digits += 1;
            } else if !matches!(c, ' ' | '-' | '+' | '.' | '(' | ')') {
                phone_runs += u32::from(run_digits >= 7);
                run_digits = 0;
            }
            emoji += u32::from(is_emoji(c));
            exclaim += u32::from(matches!(c, '!' | '?' | '؟'));
            if c == prev {
                same += 1;
                elongations += u32::from(same == 2 && !c.is_whitespace());
            } else {
                same = 0;
            }
            prev = c;
        }
        phone_runs += u32::from(run_digits >= 7);
        links += part.split_whitespace().filter(|t| is_link(t)).count() as u32;
    }
    let letters = (arabic + latin).max(1) as f32;
    let ln = |v: u32| (v as f32).ln_1p();
    let (ar, la) = (arabic as f32 / letters, latin as f32 / letters);
    [
        ln(chars),
        ar,
        la,
        ar.min(la) * 2.0,
        ln(links),
        ln(digits),
        phone_runs.min(5) as f32,
        ln(elongations),
        ln(emoji),
        ln(stats.removed_invisibles),
        if latin > 0 {
            upper as f32 / latin as f32
        } else {
            0.0
        },
        ln(exclaim),
        ln(evasion_count(stats)),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn collect(text: &str) -> Vec<(Family, u32)> {
        let mut v = Vec::new();
        for_each_feature(&FeatureConfig::current(), &[text], |f, b| v.push((f, b)));
        v
    }

    #[test]
    fn char_hash_short_cuts_equal_four_byte_steps() {
        for c in [
            '\0',
            'a',
            'Z',
            ' ',
            '\u{7f}',
            '\u{80}',
            '\u{ff}',
            '\u{100}',
            'ب',
            'ـ',
            '\u{200f}',
            '\u{fffd}',
            '\u{ffff}',
            '\u{10000}',
            '😀',
            '\u{10ffff}',
        ] {
            for h in [FNV_OFFSET, 0, u64::MAX, 0x1234_5678_9abc_def0] {
                assert_eq!(
                    fnv_char(h, c),
                    fnv_bytes(h, &(c as u32).to_le_bytes()),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn space_inside_agrees_with_looking_at_the_characters() {
        for text in [
            "ab cd",
            " a b  c   d ",
            "يا كلب يا  حمار",
            "x",
            "  ",
            "one two three four",
            "a😀 b\u{10000}c d",
        ] {
            let mut w = Window::new(Family::CharCross);
            let mut seen: Vec<char> = Vec::new();
            for c in text.chars() {
                w.push(c);
                seen.push(c);
                for n in 2..=seen.len().min(MAX_N) {
                    let last = &seen[seen.len() - n..];
                    assert_eq!(
                        w.space_inside(n),
                        last[1..n - 1].contains(&' '),
                        "{text:?} after {} chars, n = {n}",
                        seen.len()
                    );
                }
                for n in 1..=seen.len().min(MAX_N) {
                    let h = seen[seen.len() - n..]
                        .iter()
                        .fold(seed(Family::CharCross), |h, &c| fnv_char(h, c));
                    assert_eq!(w.hash(n), h, "{text:?}, n = {n}");
                }
            }
        }
    }

    #[test]
    fn hashing_is_fixed_across_runs_and_platforms() {
        // A pinned value: if this changes, FEATURE_VERSION must be bumped.
        let h = "ab".chars().fold(FNV_OFFSET, fnv_char);
        assert_eq!(h, 0xa71bed7b7ba66346_u64);
        assert_eq!(collect("hello world"), collect("hello world"));
        assert_ne!(collect("hello world"), collect("world hello"));
    }

    #[test]
    fn families_are_produced() {
        let f = collect("يا كلب");
        for fam in [
            Family::CharWord,
            Family::CharCross,
            Family::Word,
            Family::WordBigram,
        ] {
            assert!(f.iter().any(|(x, _)| *x == fam), "{fam:?} missing");
        }
    }

    #[test]
    fn bare_numbers_give_word_features_only() {
        let f = collect("0 0");
        assert!(!f.is_empty());
        assert!(f.iter().all(|(fam, _)| *fam != Family::CharWord), "{f:?}");
        assert!(
            collect("a1")
                .iter()
                .any(|(fam, _)| *fam == Family::CharWord)
        );
    }

    #[test]
    fn function_words_give_only_bigrams_and_boundary_ngrams() {
        let count =
            |text: &str, fam: Family| collect(text).iter().filter(|(f, _)| *f == fam).count();
        // "قبل" alone: nothing of its own.
        assert!(collect("قبل").is_empty(), "{:?}", collect("قبل"));
        // In "قبل الحذف" only the second word gives a unigram and in-word n-grams;
        // the bigram and the n-grams across the space keep the phrase.
        assert_eq!(count("قبل الحذف", Family::Word), 1);
        assert_eq!(count("قبل الحذف", Family::WordBigram), 1);
        assert!(count("قبل الحذف", Family::CharCross) > 0);
        assert_eq!(
            count("قبل الحذف", Family::CharWord),
            count("الحذف", Family::CharWord)
        );
        // Matched after normalization: a spelling the normalizer folds, English case.
        let normalized = |t: &str| collect(super::super::normalize::normalize(t).feature_text());
        for (variant, plain) in [
            ("إلى", "الى"),
            ("على", "علي"),
            ("The", "the"),
            ("قَبْلَ", "قبل"),
        ] {
            assert_eq!(normalized(variant), normalized(plain), "{variant}");
            assert!(normalized(variant).is_empty(), "{variant}");
        }
        // A word that only contains a function word is an ordinary word.
        assert_eq!(count("قبلة", Family::Word), 1);
        assert_eq!(count("theory", Family::Word), 1);
    }

    #[test]
    fn mentions_and_links_are_not_ngrams() {
        assert!(collect("@someone").is_empty());
        assert_eq!(collect("https://spam.example.com/x").len(), 1);
        assert!(is_link("bit.ly/abc") && is_link("WWW.Example.org") && !is_link("hello."));
    }

    #[test]
    fn dense_signals_count_phones_links_and_scripts() {
        let d = dense_signals(
            &["call 0501234567 now http://x.com مرحبا"],
            NormStats::default(),
        );
        assert_eq!(d[6], 1.0);
        assert!(d[4] > 0.0 && d[3] > 0.0);
        let clean = dense_signals(&["hello"], NormStats::default());
        assert_eq!(clean[6], 0.0);
        assert_eq!(clean[1], 0.0);
    }

    #[test]
    fn config_mismatch_is_explained() {
        let mut c = FeatureConfig::current();
        assert!(c.incompatibility().is_none());
        c.normalizer_version = "other".into();
        let msg = c.incompatibility().unwrap_or_default();
        assert!(
            msg.contains("norm:other") && msg.contains("retrain"),
            "{msg}"
        );
    }
}
