//! Phrase lookup: a phrase is a sequence of words, each compared run-collapsed, so
//! `شركة نقل عفش` matches `شركه نقل عفش` and `شركة نقــــل عفش`. Arabic words may
//! carry proclitics (`والمعالج الروحاني`: the article agrees on every word), and
//! the last word may also carry enclitics or an English plural.
//!
//! Matching is a hash lookup of the first word's stems, then a walk over the next
//! tokens, so the cost stays linear in the number of tokens.

use super::stems::{arabic, collapse_into, english, has_runs, lookup_key};
use crate::moderation::normalize::Normalized;
use rustc_hash::FxHashMap as HashMap;

#[derive(Debug, Default)]
pub(crate) struct PhraseIndex {
    /// First word (collapsed) → (rule, the following words, collapsed).
    first: HashMap<String, Vec<(usize, Vec<String>)>>,
}

fn is_arabic_text(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// The readings of a token as a phrase's first word: `f(stem, proclitic_only)`.
fn start_stems(text: &str, mut f: impl FnMut(&str, bool)) {
    if is_arabic_text(text) {
        arabic(text, |stem, info| {
            if !info.inflected {
                f(stem, info.bare_end);
            }
        });
    } else {
        f(text, true);
        for s in english(text).skip(1) {
            f(s, false);
        }
    }
}

/// Whether a token can stand for the phrase word `w` (collapsed): with its
/// proclitics removed, and, when it is the phrase's last word (`last`), also with
/// enclitics or a plural suffix removed. Compared in reused buffers: this runs for
/// every candidate phrase start, and building the token's whole set of forms cost
/// a dozen allocations each time.
fn stands_for(text: &str, w: &str, last: bool, buf: &mut String, runs: &mut Vec<u8>) -> bool {
    if is_arabic_text(text) {
        let mut found = false;
        arabic(text, |stem, info| {
            if found || info.inflected || !(last || info.bare_end) {
                return;
            }
            collapse_into(stem, buf, runs);
            found = buf == w;
        });
        found
    } else {
        let mut is_w = |s: &str| {
            collapse_into(s, buf, runs);
            buf == w
        };
        if last {
            english(text).any(is_w)
        } else {
            is_w(text)
        }
    }
}

impl PhraseIndex {
    pub(crate) fn add(&mut self, rule: usize, mut words: Vec<String>) {
        if words.is_empty() {
            return;
        }
        let first = words.remove(0);
        self.first.entry(first).or_default().push((rule, words));
    }

    pub(crate) fn evaluate(&self, norm: &Normalized, mut report: impl FnMut(usize, (u32, u32))) {
        if self.first.is_empty() {
            return;
        }
        let toks = norm.phrase_tokens();
        let (mut key, mut runs) = (String::new(), Vec::new());
        let mut starts: Vec<(usize, &Vec<String>, bool)> = Vec::new();
        for (i, tok) in toks.iter().enumerate() {
            starts.clear();
            let text = norm.text(tok.key);
            let doubled = has_runs(text);
            start_stems(text, |stem, pre| {
                let k = lookup_key(stem, doubled, &mut key, &mut runs);
                if let Some(entries) = self.first.get(k) {
                    starts.extend(entries.iter().map(|(r, rest)| (*r, rest, pre)));
                }
            });
            for &(rule, rest, pre) in &starts {
                // A one-word phrase may take enclitics; a longer one only on its
                // last word, so its first word must be a proclitic-only form.
                if !rest.is_empty() && !pre {
                    continue;
                }
                let mut fits = true;
                for (j, w) in rest.iter().enumerate() {
                    let ok = toks.get(i + 1 + j).is_some_and(|t| {
                        stands_for(
                            norm.text(t.key),
                            w,
                            j + 1 == rest.len(),
                            &mut key,
                            &mut runs,
                        )
                    });
                    if !ok {
                        fits = false;
                        break;
                    }
                }
                if fits && let (Some(a), Some(b)) = (toks.get(i), toks.get(i + rest.len())) {
                    report(rule, (a.span.0, b.span.1));
                }
            }
        }
    }
}
