//! Keyword and phrase lookup (`normalization.md` §3 and §1.2 step 13).
//!
//! A token matches keyword K iff token = P + K + S with P and S from closed clitic
//! sets and K equal under the run-length rule (every text run ≥ the keyword's run,
//! so `حماااار` matches `حمار` but `as` never matches `ass`). We never strip the
//! keyword: we enumerate the token's candidate stems and look up their
//! run-collapsed form in a hash map, then verify run counts. English keys accept
//! the plural suffixes; Arabizi keys compare consonant skeletons with vowel slots.

use super::RuleError;
use super::{Hit, RuleDef, RuleLang, RuleMeta, invalid};
use crate::moderation::FieldText;
use crate::moderation::normalize::{
    ArabiziShape, KeyList, Normalized, arabizi_canon, arabizi_fits, arabizi_shape,
    mask_is_ambiguous, normalize,
};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

mod exceptions;
mod phrase;
mod stems;

use stems::{collapse, has_runs, lookup_key, runs_cover};

/// One compiled single-word term.
#[derive(Debug, Clone)]
struct Entry {
    rule: usize,
    runs: Vec<u8>,
    /// No doubled letters: a run-free stem matches iff the key does.
    plain: bool,
    chars: usize,
    inflections: bool,
    shape: Option<ArabiziShape>,
    /// The English key, kept for mask comparison.
    key: String,
}

/// All keyword and phrase terms of a rule set, by key list.
#[derive(Debug, Default)]
pub(crate) struct WordIndex {
    ar: HashMap<String, Vec<Entry>>,
    en: HashMap<String, Vec<Entry>>,
    arabizi: HashMap<String, Vec<Entry>>,
    /// English keywords of 4+ letters by length, for masked tokens.
    masked: HashMap<usize, Vec<Entry>>,
    phrases: phrase::PhraseIndex,
    exceptions: HashMap<usize, HashSet<String>>,
    disabled: HashSet<usize>,
}

/// The first match key of a term, to compare spellings (the built-in exception
/// list is written plainly; rules may use any spelling or diacritics).
fn first_key(term: &str) -> Option<String> {
    let n = normalize(term);
    n.candidates().first().map(|c| n.text(c.text).to_string())
}

fn list_of(lang: RuleLang, term: &str) -> KeyList {
    match lang {
        RuleLang::Ar => KeyList::Ar,
        RuleLang::En => KeyList::En,
        RuleLang::Arabizi => KeyList::Arabizi,
        RuleLang::Any => {
            if term.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
                KeyList::Ar
            } else {
                KeyList::En
            }
        }
    }
}

impl WordIndex {
    pub(crate) fn disable(&mut self, rule: usize) {
        self.disabled.insert(rule);
    }

    pub(crate) fn add(&mut self, rule: usize, def: &RuleDef) -> Result<(), RuleError> {
        if def.terms.is_empty() {
            return Err(invalid(&def.id, "no terms"));
        }
        let mut term_keys: HashSet<String> = HashSet::default();
        for term in &def.terms {
            let list = list_of(def.lang, term);
            let norm = normalize(term);
            if let Some(c) = norm.candidates().first() {
                term_keys.insert(norm.text(c.text).to_string());
            }
            let words = norm.phrase_tokens();
            if words.is_empty() {
                return Err(invalid(&def.id, format!("term {term:?} has no letters")));
            }
            if words.len() > 1 || def.kind == super::RuleKind::Phrase {
                let keys: Vec<String> =
                    words.iter().map(|w| collapse(norm.text(w.key)).0).collect();
                self.phrases.add(rule, keys);
                continue;
            }
            self.add_word(rule, def, term, list, &norm)?;
        }
        let mut exc = HashSet::default();
        let builtin = exceptions::BUILTIN
            .iter()
            .filter(|(keyword, _)| first_key(keyword).is_some_and(|k| term_keys.contains(&k)));
        let innocent = builtin.flat_map(|(_, words)| words.iter().map(|w| w.to_string()));
        for e in def.exceptions.iter().cloned().chain(innocent) {
            let norm = normalize(&e);
            for c in norm.candidates() {
                exc.insert(norm.text(c.text).to_string());
            }
        }
        if !exc.is_empty() {
            self.exceptions.insert(rule, exc);
        }
        Ok(())
    }

    fn add_word(
        &mut self,
        rule: usize,
        def: &RuleDef,
        term: &str,
        list: KeyList,
        norm: &Normalized,
    ) -> Result<(), RuleError> {
        let Some(cand) = norm.candidates().iter().find(|c| c.list == list) else {
            return Err(invalid(
                &def.id,
                format!("term {term:?} has no {list:?} key (check the rule's lang)"),
            ));
        };
        let text = norm.text(cand.text);
        if list == KeyList::Arabizi {
            let mut canon = String::new();
            arabizi_canon(text, &mut canon);
            let mut shape = ArabiziShape::default();
            arabizi_shape(&canon, &mut shape);
            let entry = Entry {
                rule,
                runs: Vec::new(),
                plain: true,
                chars: canon.chars().count(),
                inflections: false,
                shape: Some(shape.clone()),
                key: canon,
            };
            self.arabizi.entry(shape.skeleton).or_default().push(entry);
            return Ok(());
        }
        let (collapsed, runs) = collapse(text);
        let entry = Entry {
            rule,
            plain: runs.iter().all(|&r| r == 1),
            runs,
            chars: text.chars().count(),
            inflections: def.inflections,
            shape: None,
            key: text.to_string(),
        };
        if list == KeyList::En && entry.chars >= 4 {
            self.masked
                .entry(entry.chars)
                .or_default()
                .push(entry.clone());
        }
        let map = if list == KeyList::Ar {
            &mut self.ar
        } else {
            &mut self.en
        };
        map.entry(collapsed).or_default().push(entry);
        Ok(())
    }

    fn excepted(&self, rule: usize, token: &str) -> bool {
        self.exceptions
            .get(&rule)
            .is_some_and(|set| set.contains(token))
    }

    /// Look up every candidate of one field.
    pub(crate) fn evaluate(&self, f: &FieldText<'_>, metas: &[RuleMeta], hits: &mut Vec<Hit>) {
        let live = |rule: usize| {
            !self.disabled.contains(&rule)
                && metas.get(rule).is_some_and(|m| m.fields.contains(&f.field))
        };
        let norm = &f.norm;
        let mut report = |rule: usize, span: (u32, u32), downgrade: bool| {
            if live(rule) {
                hits.push(Hit {
                    rule,
                    span: Some((f.field, span.0 as usize, span.1 as usize)),
                    text: None,
                    downgrade,
                });
            }
        };
        let mut masked_budget = 16;
        let mut canon = String::new();
        let mut key = String::new();
        let mut runs: Vec<u8> = Vec::new();
        let mut shape = ArabiziShape::default();
        for cand in norm.candidates() {
            let text = norm.text(cand.text);
            match cand.list {
                KeyList::Ar if !self.ar.is_empty() => {
                    let doubled = has_runs(text);
                    stems::arabic(text, |stem, info| {
                        let k = lookup_key(stem, doubled, &mut key, &mut runs);
                        for e in self.ar.get(k).into_iter().flatten() {
                            let short = e.chars <= 2;
                            let covered = if doubled {
                                runs_cover(&runs, &e.runs)
                            } else {
                                e.plain
                            };
                            if covered
                                && (!short || info.short_ok)
                                && (!info.inflected || e.inflections)
                                && !self.excepted(e.rule, text)
                            {
                                report(e.rule, cand.span, false);
                            }
                        }
                    });
                }
                KeyList::En if !self.en.is_empty() => {
                    let doubled = has_runs(text);
                    for stem in stems::english(text) {
                        let k = lookup_key(stem, doubled, &mut key, &mut runs);
                        for e in self.en.get(k).into_iter().flatten() {
                            let covered = if doubled {
                                runs_cover(&runs, &e.runs)
                            } else {
                                e.plain
                            };
                            if covered && !self.excepted(e.rule, text) {
                                report(e.rule, cand.span, false);
                            }
                        }
                    }
                }
                KeyList::Arabizi if !self.arabizi.is_empty() => {
                    for stem in stems::arabizi(text) {
                        arabizi_canon(stem, &mut canon);
                        arabizi_shape(&canon, &mut shape);
                        for e in self.arabizi.get(&shape.skeleton).into_iter().flatten() {
                            if e.shape.as_ref().is_some_and(|k| arabizi_fits(&shape, k))
                                && !self.excepted(e.rule, text)
                                && !is_name(f.raw, cand.span)
                            {
                                report(e.rule, cand.span, false);
                            }
                        }
                    }
                }
                KeyList::Masked if masked_budget > 0 => {
                    masked_budget -= 1;
                    let pattern: Vec<char> = text.chars().collect();
                    for e in self.masked.get(&pattern.len()).into_iter().flatten() {
                        if masked_fits(&pattern, &e.key) && !mask_is_ambiguous(&pattern, &e.key) {
                            report(e.rule, cand.span, true);
                        }
                    }
                }
                _ => {}
            }
        }
        self.phrases
            .evaluate(norm, |rule, span| report(rule, span, false));
    }
}

/// Is the word at `span` (code points of `raw`) written as a name: a capital and
/// then lower-case letters only, inside a sentence, not after the vocative `ya`?
/// Names (`Heimer`, `Keisha`, `Hawaiian`) share short skeletons with Arabizi
/// insults; Arabizi writers rarely capitalise a word in mid-sentence, except after
/// `ya` ("Ya Kalb"). Asked only after an Arabizi keyword fitted, so it may walk the
/// text.
fn is_name(raw: &str, span: (u32, u32)) -> bool {
    let (start, end) = (span.0 as usize, span.1 as usize);
    // Code points to bytes, so the text before the word can be read backwards in place.
    let byte = |n: usize| raw.char_indices().nth(n).map_or(raw.len(), |(b, _)| b);
    let (from, to) = (byte(start), byte(end));
    let mut word = raw[from..to].chars();
    let capital = word.next().is_some_and(|c| c.is_ascii_uppercase());
    let mut rest = word.peekable();
    if !capital || rest.peek().is_none() || !rest.all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let text = raw[..from]
        .chars()
        .rev()
        .skip_while(|&c| c.is_whitespace() && c != '\n');
    // The word before, read backwards (`ya` is `ay`).
    let mut previous = String::new();
    for c in text {
        if c.is_alphabetic() {
            previous.push(c.to_ascii_lowercase());
        } else if previous.is_empty() {
            // Punctuation right before the word: after a sentence end the capital
            // is the sentence's, after a comma or a reply's `+` it is the word's own.
            return !matches!(c, '.' | '!' | '?' | '؟' | ':' | '\n' | '…');
        } else {
            break;
        }
    }
    // No word before it at all: the text's first word.
    !previous.is_empty() && previous != "ay" && previous != "ey"
}

/// §1.4 masked words: same length, first letter visible, at most a third masked,
/// every visible letter in place.
fn masked_fits(pattern: &[char], key: &str) -> bool {
    let masks = pattern.iter().filter(|&&c| c == '*').count();
    pattern.first().is_some_and(|&c| c != '*')
        && masks >= 1
        && masks * 3 <= pattern.len()
        && key.chars().zip(pattern).all(|(k, &p)| p == '*' || k == p)
}
