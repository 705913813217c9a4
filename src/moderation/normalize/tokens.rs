//! The token-level half of the pipeline (`normalization.md` §1.2 steps 11, 12 and
//! 14): cuts the folded characters into tokens, classifies each by script, and emits
//! the match candidates of each keyword list (Arabic key, English leet key, Arabizi
//! key, masked key), plus the per-token keys that phrase rules walk over.
//!
//! Candidates are bounded per token (edge-stripped, squeezed, script-split, dotless
//! expansions, one join with the next token), so the total stays linear in the text.

use super::chars::{
    dotless_class, is_arabic_letter, is_letter, is_mask, is_token_symbol, is_word_char,
};
use super::latin::{confusable_fold, is_english_word, is_leet, leet};
use super::stream::KChar;
use super::{Candidate, KeyList, NormStats, PhraseToken};

/// Where candidates and their texts are collected (one shared string buffer, so a
/// comment costs a handful of allocations, not one per candidate).
pub(crate) struct Sink<'a> {
    pub(crate) buf: &'a mut String,
    pub(crate) cands: &'a mut Vec<Candidate>,
    pub(crate) stats: &'a mut NormStats,
    /// `Some` for the primary view only: phrase rules walk the primary tokens.
    pub(crate) phrase: Option<&'a mut Vec<PhraseToken>>,
    /// Reused for lexicon lookups.
    pub(crate) scratch: String,
    /// The last two lexicon answers, keyed by (original start, length): a token is
    /// asked about for the Arabizi guard and again for the joins on both sides.
    pub(crate) word_cache: [(u32, usize, bool); 2],
    /// Source indices never decrease along the view (every view but the visual
    /// one), so a span is simply first start to last end.
    pub(crate) monotonic: bool,
}

impl Sink<'_> {
    fn span(&self, chars: &[KChar]) -> (u32, u32) {
        match (self.monotonic, chars.first(), chars.last()) {
            (true, Some(a), Some(b)) => (a.src, b.src_end),
            _ => span_of(chars),
        }
    }

    /// Is the Latin key of these characters an English word (2+ letters)?
    fn english_word(&mut self, chars: &[KChar]) -> bool {
        let key = (chars.first().map_or(u32::MAX, |k| k.src), chars.len());
        if let Some(hit) = self.word_cache.iter().find(|e| (e.0, e.1) == key) {
            return hit.2;
        }
        self.scratch.clear();
        self.scratch.extend(latin_key(chars));
        let word = self.scratch.len() > 1 && is_english_word(&self.scratch);
        self.word_cache[1] = self.word_cache[0];
        self.word_cache[0] = (key.0, key.1, word);
        word
    }
}

impl Sink<'_> {
    fn push(&mut self, list: KeyList, text: impl Iterator<Item = char>, span: (u32, u32)) {
        let start = self.buf.len();
        self.buf.extend(text);
        if self.buf.len() == start {
            return;
        }
        let range = (start as u32, self.buf.len() as u32);
        // The edge-stripped variant often equals the full token: skip duplicates.
        if self.cands.last().is_some_and(|c| {
            c.list == list
                && c.span == span
                && self.buf.get(c.text.0 as usize..c.text.1 as usize) == self.buf.get(start..)
        }) {
            self.buf.truncate(start);
            return;
        }
        self.cands.push(Candidate {
            list,
            text: range,
            span,
        });
    }
}

fn is_tok(c: char) -> bool {
    is_word_char(c) || is_token_symbol(c)
}

/// The original span of some key characters. Min/max rather than first/last: in
/// the visual-order view the characters run backwards through the original.
fn span_of(chars: &[KChar]) -> (u32, u32) {
    let start = chars.iter().map(|k| k.src).min().unwrap_or(0);
    let end = chars.iter().map(|k| k.src_end).max().unwrap_or(start);
    (start, end)
}

/// Tokenize one view and emit its candidates.
pub(crate) fn emit(chars: &[KChar], sink: &mut Sink<'_>) {
    let mut prev: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < chars.len() {
        if !is_tok(chars[i].c) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_tok(chars[i].c) {
            i += 1;
        }
        let token = &chars[start..i];
        emit_token(token, sink);
        // Step 12: join with the previous token across exactly one space.
        if let Some((ps, pe)) = prev
            && pe + 1 == start
            && chars[pe].c == ' '
        {
            join_pair(&chars[ps..pe], token, sink);
        }
        prev = Some((start, i));
    }
}

fn core_of(token: &[KChar]) -> &[KChar] {
    let s = token
        .iter()
        .position(|k| is_word_char(k.c))
        .unwrap_or(token.len());
    let e = token
        .iter()
        .rposition(|k| is_word_char(k.c))
        .map_or(s, |e| e + 1);
    token.get(s..e).unwrap_or(&[])
}

/// The part of a Latin token that phrase rules read: leading leet symbols stay
/// (`$tupid`), trailing ones only when they can be letters inside a word (`a$$`),
/// so `idiot!` reads as `idiot`.
fn leet_core(token: &[KChar]) -> &[KChar] {
    let s = token
        .iter()
        .position(|k| is_word_char(k.c) || matches!(k.c, '$' | '@' | '!' | '|'))
        .unwrap_or(token.len());
    let e = token
        .iter()
        .rposition(|k| is_word_char(k.c) || k.c == '$')
        .map_or(s, |e| e + 1);
    token.get(s..e.max(s)).unwrap_or(&[])
}

fn counts(chars: &[KChar]) -> (usize, usize) {
    let (mut ar, mut lat) = (0, 0);
    for k in chars {
        if k.c.is_ascii() {
            lat += usize::from(k.c.is_ascii_alphabetic());
        } else if is_arabic_letter(k.c) {
            ar += 1;
        } else if is_letter(k.c) {
            lat += 1;
        }
    }
    (ar, lat)
}

fn emit_token(token: &[KChar], sink: &mut Sink<'_>) {
    let core = core_of(token);
    let (ar, lat) = counts(core);
    if ar > 0 && lat > 0 {
        sink.stats.mixed_script_tokens += 1;
    }
    if ar > 0 && ar >= lat {
        emit_arabic(core, sink);
        if lat > 0 {
            for run in script_runs(core, false) {
                emit_latin(run, run, true, sink);
            }
        }
        phrase_token(core, sink, true);
    } else if lat > 0 || core.iter().any(|k| k.c.is_ascii_digit()) {
        emit_latin(token, core, true, sink);
        if ar > 0 {
            for run in script_runs(core, true) {
                emit_arabic(run, sink);
            }
            for run in script_runs(core, false) {
                emit_latin(run, run, true, sink);
            }
        }
        // A plain lowercase word's phrase key is its English (or identical
        // Arabizi) key, already in the buffer as the last candidate: share it.
        let plain = token.iter().all(|k| k.c.is_ascii_lowercase());
        match sink.cands.last() {
            Some(c) if plain && matches!(c.list, KeyList::En | KeyList::Arabizi) => {
                let (key, span) = (c.text, c.span);
                if let Some(phrase) = sink.phrase.as_mut() {
                    phrase.push(PhraseToken { key, span });
                }
            }
            _ => phrase_token(leet_core(token), sink, false),
        }
    }
}

/// Maximal runs of Arabic letters (`arabic`) or of Latin-like letters and digits.
fn script_runs(core: &[KChar], arabic: bool) -> impl Iterator<Item = &[KChar]> {
    core.split(move |k| {
        let is_ar = is_arabic_letter(k.c);
        if arabic {
            !is_ar
        } else {
            is_ar || !is_word_char(k.c)
        }
    })
    .filter(|r| !r.is_empty())
}

fn emit_arabic(core: &[KChar], sink: &mut Sink<'_>) {
    if core.is_empty() {
        return;
    }
    let span = sink.span(core);
    sink.push(KeyList::Ar, core.iter().map(|k| k.c), span);
    // Squeezed candidate: Arabic zero ٠ (now `0`) or Latin junk used as dots.
    if core.iter().any(|k| !is_arabic_letter(k.c)) {
        sink.push(
            KeyList::Ar,
            core.iter().map(|k| k.c).filter(|&c| is_arabic_letter(c)),
            span,
        );
    }
    // Dotless letters are comparison classes: try each member, at most two such
    // letters per token so the expansion stays bounded (≤ 25 variants).
    let dotless: Vec<usize> = (0..core.len())
        .filter(|&i| dotless_class(core[i].c).is_some())
        .take(3)
        .collect();
    if !dotless.is_empty() && dotless.len() <= 2 {
        let letters: Vec<char> = core.iter().map(|k| k.c).collect();
        expand_dotless(&letters, &dotless, 0, span, sink);
    }
}

fn expand_dotless(
    letters: &[char],
    at: &[usize],
    depth: usize,
    span: (u32, u32),
    sink: &mut Sink<'_>,
) {
    let Some(&pos) = at.get(depth) else {
        sink.push(KeyList::Ar, letters.iter().copied(), span);
        return;
    };
    let Some(class) = letters.get(pos).and_then(|&c| dotless_class(c)) else {
        return;
    };
    let mut work = letters.to_vec();
    for &member in class {
        work[pos] = member;
        expand_dotless(&work, at, depth + 1, span, sink);
    }
}

fn latin_key(chars: &[KChar]) -> impl Iterator<Item = char> + '_ {
    chars.iter().map(|k| confusable_fold(k.c))
}

/// Keys of a Latin-like token; `arabizi: false` leaves out its Arabizi key.
fn emit_latin(token: &[KChar], core: &[KChar], arabizi: bool, sink: &mut Sink<'_>) {
    if core.is_empty() {
        return;
    }
    // Fast path for the common plain lowercase word: every key is the word itself.
    if token.iter().all(|k| k.c.is_ascii_lowercase()) {
        let span = sink.span(token);
        sink.push(KeyList::En, token.iter().map(|k| k.c), span);
        if arabizi && !sink.english_word(token) {
            sink.push(KeyList::Arabizi, token.iter().map(|k| k.c), span);
        }
        return;
    }
    sink.stats.leet_chars += token.iter().filter(|k| is_leet(k.c)).count() as u32;
    sink.stats.confusables_folded += token
        .iter()
        .filter(|k| !k.c.is_ascii() && confusable_fold(k.c) != k.c)
        .count() as u32;
    // English key: full token (`!diot`) and the edge-stripped core (`idiot!`).
    sink.push(KeyList::En, latin_key(token).map(leet), sink.span(token));
    sink.push(KeyList::En, latin_key(core).map(leet), sink.span(core));
    // Arabizi key (digits kept); a digit-free English word is never Arabizi.
    let digit_free = !core.iter().any(|k| k.c.is_ascii_digit());
    if arabizi && !(digit_free && sink.english_word(core)) {
        sink.push(KeyList::Arabizi, latin_key(core), sink.span(core));
    }
    // Masked key: mask symbols inside, first letter visible.
    if core.iter().any(|k| is_mask(k.c)) {
        sink.push(
            KeyList::Masked,
            latin_key(core).map(|c| if is_mask(c) { '*' } else { leet(c) }),
            sink.span(core),
        );
    }
}

/// Step 12 for one adjacent pair: join when one side is a single letter, or (for
/// Latin) when neither side is a dictionary word (`stu pid`, never `pen is`).
fn join_pair(a: &[KChar], b: &[KChar], sink: &mut Sink<'_>) {
    let (ca, cb) = (core_of(a), core_of(b));
    if ca.len() != a.len() || cb.len() != b.len() || a.len() + b.len() > 40 {
        return;
    }
    let (aa, al) = counts(a);
    let (ba, bl) = counts(b);
    let single = a.len() == 1 || b.len() == 1;
    let arabic = aa == a.len() && ba == b.len() && single;
    let latin = al == a.len()
        && bl == b.len()
        && (single || (!sink.english_word(a) && !sink.english_word(b)));
    if !arabic && !latin {
        return;
    }
    // An English word and a one-letter word next to it (`wait a`, `kiss u`, `who r`)
    // is ordinary English, not a split Arabizi word: only the English key is tried.
    let arabizi = !(single && sink.english_word(if a.len() == 1 { b } else { a }));
    let mut joined: Vec<KChar> = Vec::with_capacity(a.len() + b.len());
    joined.extend_from_slice(a);
    joined.extend_from_slice(b);
    sink.stats.split_joins += 1;
    if arabic {
        emit_arabic(&joined, sink);
    } else {
        emit_latin(&joined, &joined, arabizi, sink);
    }
}

fn phrase_token(core: &[KChar], sink: &mut Sink<'_>, arabic: bool) {
    let span = sink.span(core);
    let Some(phrase) = sink.phrase.as_mut() else {
        return;
    };
    let start = sink.buf.len();
    if arabic {
        // Arabic letters only, like the squeezed candidate: `ك*س` reads as `كس`.
        sink.buf
            .extend(core.iter().map(|k| k.c).filter(|&c| is_arabic_letter(c)));
    } else {
        sink.buf.extend(latin_key(core).map(leet));
    }
    phrase.push(PhraseToken {
        key: (start as u32, sink.buf.len() as u32),
        span,
    });
}
