//! Phrase lookup: a phrase is a sequence of words, each compared run-collapsed, so
//! `شركة نقل عفش` matches `شركه نقل عفش` and `شركة نقــــل عفش`. Arabic words may
//! carry proclitics (`والمعالج الروحاني`: the article agrees on every word), and
//! the last word may also carry enclitics or an English plural.
//!
//! Matching is a hash lookup of the first word's stems, then a walk over the next
//! tokens, so the cost stays linear in the number of tokens.

use super::stems::{arabic, collapse, english, has_runs, lookup_key};
use crate::moderation::normalize::Normalized;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

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

fn forms_of(text: &str) -> Forms {
    let mut pre = HashSet::default();
    let mut full = HashSet::default();
    if is_arabic_text(text) {
        arabic(text, |stem, info| {
            if info.inflected {
                return;
            }
            let key = collapse(stem).0;
            if info.bare_end {
                pre.insert(key.clone());
            }
            full.insert(key);
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
        // Forms are computed lazily: most tokens never start a phrase.
        let mut forms: Vec<Option<Forms>> = Vec::new();
        forms.resize_with(toks.len(), || None);
        let ensure = |forms: &mut Vec<Option<Forms>>, i: usize| {
            if let (Some(slot), Some(tok)) = (forms.get_mut(i), toks.get(i))
                && slot.is_none()
            {
                *slot = Some(forms_of(norm.text(tok.key)));
            }
        };
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
                    ensure(&mut forms, i + 1 + j);
                    let ok = forms
                        .get(i + 1 + j)
                        .and_then(Option::as_ref)
                        .is_some_and(|g| {
                            if j + 1 == rest.len() {
                                g.full.contains(w)
                            } else {
                                g.pre.contains(w)
                            }
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
