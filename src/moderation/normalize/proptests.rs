//! Property tests for the normalizer: it never panics, every span points inside
//! the original at valid code point boundaries, and the feature text is a fixed
//! point of normalization (normalizing it again changes nothing).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::normalize;
use proptest::prelude::*;

fn mixed_text() -> impl Strategy<Value = String> {
    // Arabic, Latin, digits, marks, invisibles, presentation forms and separators:
    // the characters the pipeline treats specially, plus anything at all.
    let interesting = prop::sample::select(vec![
        'ك', 'ل', 'ب', 'ا', 'أ', 'ة', 'ى', 'ـ', '\u{064E}', '\u{0670}', '\u{FE76}', '\u{FEDB}',
        '\u{200B}', '\u{202E}', '\u{202C}', '٧', 'a', 's', 'S', '3', '7', '$', '*', ' ', '.', '-',
        'İ', 'ſ', 'ⓢ', '\u{FDFA}', '😀', '\u{2800}', '\u{0007}', 'ı', 'ß', '\'', '#', 'A', 'B',
    ]);
    prop::collection::vec(prop_oneof![interesting, any::<char>()], 0..64)
        .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn never_panics_and_spans_are_valid(s in mixed_text()) {
        let n = normalize(&s);
        let len = s.chars().count();
        for c in n.candidates() {
            prop_assert!(c.span.0 < c.span.1, "empty span {:?}", c.span);
            prop_assert!((c.span.1 as usize) <= len);
        }
        for p in n.phrase_tokens() {
            prop_assert!((p.span.1 as usize) <= len && p.span.0 < p.span.1);
        }
        let key = n.key();
        for (i, _) in key.char_indices() {
            let (a, b) = n.key_span(i, i + 1).expect("every key char maps back");
            prop_assert!(a < b && b <= len);
        }
    }

    #[test]
    fn any_string_is_fine(s in any::<String>()) {
        let n = normalize(&s);
        prop_assert!(n.char_len() == s.chars().count());
    }

    #[test]
    fn feature_text_is_idempotent(s in mixed_text()) {
        let once = normalize(&s);
        let twice = normalize(once.feature_text());
        prop_assert_eq!(once.feature_text(), twice.feature_text());
    }
}

/// Inputs proptest once shrank failures to (kept here rather than in a
/// regression file): a symbol folded to a letter, and a run made by folding.
#[test]
fn feature_text_fixed_point_regressions() {
    // The last: dropping the `#` of a one-letter tag made three spaced single letters.
    for s in [
        "٧[×*٧\u{e000}",
        "ıiı",
        "ⓢ ⓣ ⓤ",
        "\u{202E}diputs\u{202C}",
        "ك(ك\0#ك\u{e000}",
    ] {
        let once = normalize(s);
        assert_eq!(
            once.feature_text(),
            normalize(once.feature_text()).feature_text()
        );
    }
}

/// Hashtags are words to the classifier: the opening `#` goes, CamelCase splits, and a
/// `#` that opens no word, opens a one-character tag, or sits inside a word (a mask)
/// stays; no split leaves a one-letter word.
#[test]
fn hashtags_are_read_as_words() {
    for (input, expected) in [
        (
            "Actually #FuckTrump impressed me",
            "actually fuck trump impressed me",
        ),
        ("#TrumpIsATraitor", "trump isa traitor"),
        ("#1 fan #A #AZmonsoon", "#1 fan #a azmonsoon"),
        (
            "#ABCNews #Trump2020 #dickhead",
            "abc news trump2020 dickhead",
        ),
        ("#قطع_العلاقات", "قطع_العلاقات"),
        ("id#ot # ##", "id#ot # ##"),
        ("no tags: FuckTrump", "no tags: fucktrump"),
    ] {
        assert_eq!(normalize(input).feature_text(), expected, "{input}");
    }
}
