//! Fuzz target: normalize arbitrary UTF-8 and evaluate it against a rule set with
//! every rule kind (plus the shipped packs when they load), checking the invariants
//! the rest of the crate relies on: no panic, every span inside its field with
//! start < end, and the feature text a fixed point of normalization.

#![no_main]

use libfuzzer_sys::fuzz_target;
use raqib::moderation::normalize::normalize;
use raqib::moderation::rules::{RuleDef, RuleSet, load_paths};
use raqib::moderation::{CommentInput, Field, prepare_fields};
use std::path::PathBuf;
use std::sync::OnceLock;

const INLINE: &str = r#"
[[rule]]
id = "kw-ar"
kind = "keyword"
lang = "ar"
terms = ["كلب", "حمار", "خرا", "بس"]
exceptions = ["فخرا"]
inflections = true
label = "abuse"
action = "reject"
[[rule]]
id = "kw-en"
kind = "keyword"
lang = "en"
terms = ["idiot", "stupid", "ass"]
label = "abuse"
action = "review"
[[rule]]
id = "kw-arabizi"
kind = "keyword"
lang = "arabizi"
terms = ["7mar", "kalb", "3abeet"]
label = "abuse"
action = "score"
weight = 0.5
[[rule]]
id = "phrase"
kind = "phrase"
terms = ["معالج روحاني", "work from home"]
label = "spam"
action = "review"
[[rule]]
id = "re"
kind = "regex"
pattern = "\\d{8,}"
label = "spam"
action = "score"
requires = ["phrase"]
[[rule]]
id = "links"
kind = "link_domain"
domains = ["example.com"]
shorteners = true
max_links = 1
label = "spam"
action = "review"
[[rule]]
id = "len"
kind = "length"
min_chars = 2
max_chars = 500
label = "spam"
action = "score"
[[rule]]
id = "rep"
kind = "repetition"
max_char_run = 6
max_word_repeats = 3
label = "spam"
action = "score"
"#;

#[derive(serde::Deserialize)]
struct File {
    rule: Vec<RuleDef>,
}

fn rules() -> Option<&'static RuleSet> {
    static SET: OnceLock<Option<RuleSet>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut defs = toml::from_str::<File>(INLINE).ok()?.rule;
        let packs = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/rules"));
        if let Ok(more) = load_paths(&[packs]) {
            defs.extend(more);
        }
        RuleSet::compile(defs, "fuzz").ok()
    })
    .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let once = normalize(text);
    let twice = normalize(once.feature_text());
    assert_eq!(once.feature_text(), twice.feature_text());
    let Some(set) = rules() else {
        panic!("fuzz rule set failed to compile");
    };
    let mid = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    let input = CommentInput {
        body: text,
        subject: text.get(..mid),
        author_name: text.get(mid..),
        author_id: "fuzz",
        ..CommentInput::default()
    };
    let fields = prepare_fields(&input);
    for m in set.evaluate(&fields, &input) {
        if let Some(span) = m.span {
            let raw = match span.field {
                Field::Body => input.body,
                Field::Subject => input.subject.unwrap_or_default(),
                Field::AuthorName => input.author_name.unwrap_or_default(),
            };
            assert!(span.start < span.end, "empty span {span:?}");
            assert!(
                span.end <= raw.chars().count(),
                "span {span:?} past the field"
            );
        }
    }
});
