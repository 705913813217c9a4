//! Phrase lookup: a phrase is a sequence of words, each compared run-collapsed, so
//! `شركة نقل عفش` matches `شركه نقل عفش` and `شركة نقــــل عفش`. Arabic words may
//! carry proclitics (`والمعالج الروحاني`: the article agrees on every word), and
//! the last word may also carry enclitics or an English plural.
//!
//! Matching is a hash lookup of the first word's stems, then a walk over the next
//! tokens, so the cost stays linear in the number of tokens.

use super::stems::{arabic, collapse, english};
use crate::moderation::normalize::Normalized;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub(crate) struct PhraseIndex {
    /// First word (collapsed) → (rule, the following words, collapsed).
    first: HashMap<String, Vec<(usize, Vec<String>)>>,
}

/// The forms a token can stand for: with proclitics removed (`pre`), and also with
/// enclitics or plural suffixes removed (`full`).
struct Forms {
    pre: HashSet<String>,
    full: HashSet<String>,
}

fn forms_of(text: &str) -> Forms {
    let mut pre = HashSet::new();
    let mut full = HashSet::new();
    if text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
        arabic(text, |stem, _, inflected| {
            if !inflected {
                full.insert(collapse(stem).0);
            }
        });
        // Stems that end where the token ends are the proclitic-only readings.
        arabic(text, |stem, _, inflected| {
            if !inflected && text.ends_with(stem) {
                pre.insert(collapse(stem).0);
            }
        });
    } else {
        pre.insert(collapse(text).0);
        for s in english(text) {
            full.insert(collapse(s).0);
        }
    }
    full.extend(pre.iter().cloned());
    Forms { pre, full }
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
        let forms: Vec<Forms> = toks.iter().map(|t| forms_of(norm.text(t.key))).collect();
        for (i, f) in forms.iter().enumerate() {
            for stem in &f.full {
                let Some(entries) = self.first.get(stem) else {
                    continue;
                };
                for (rule, rest) in entries {
                    // A one-word phrase may take enclitics; a longer one only on its
                    // last word, so its first word must be a proclitic-only form.
                    if !rest.is_empty() && !f.pre.contains(stem) {
                        continue;
                    }
                    let fits = rest.iter().enumerate().all(|(j, w)| {
                        forms.get(i + 1 + j).is_some_and(|g| {
                            if j + 1 == rest.len() {
                                g.full.contains(w)
                            } else {
                                g.pre.contains(w)
                            }
                        })
                    });
                    if fits && let (Some(a), Some(b)) = (toks.get(i), toks.get(i + rest.len())) {
                        report(*rule, (a.span.0, b.span.1));
                    }
                }
            }
        }
    }
}
