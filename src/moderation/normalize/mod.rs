//! Text normalization for matching and for the classifier, as specified in
//! `docs/normalization.md`: one pass over a field gives the match candidates of each
//! keyword list (Arabic, English leet, Arabizi, masked), the folded key text that
//! regex and phrase rules read, the lighter feature text for the classifier, counters
//! of what was removed, and an offset map back to the original code points.
//!
//! Nothing here is for display: the original text is always what is shown, and
//! every candidate carries the span of the original it came from. The keyword
//! lookup itself (clitics, run lengths, exceptions) lives in `rules`.
//!
//! Layout: `chars` (tables), `stream` (character steps 0–10), `tokens` (token steps
//! 11–14), `latin` (confusables, leet, Arabizi, lexicon), `lang` (language routing),
//! `confusables` (generated data).

pub(crate) mod chars;
mod confusables;
mod lang;
pub(crate) mod latin;
mod stream;
mod tokens;

#[cfg(test)]
mod proptests;

pub(crate) use chars::{is_letter, is_number, is_word_char};
pub use lang::detect_language;
pub(crate) use latin::{
    ArabiziShape, arabizi_canon, arabizi_fits, arabizi_shape, mask_is_ambiguous,
};

use stream::{KChar, StreamFlags, StreamOpts, fold_chars, join_spaced};

/// Bumped whenever a fold changes which texts match or which features are produced.
pub const NORMALIZER_VERSION: &str = "1.2.0+unicode-18.0.0";

/// Longest field normalized, in code points (§1.1 step 0: NFKC can expand one code
/// point to 18, so the cap applies before normalizing). The rest is not matched.
pub const MAX_CHARS: usize = 10_000;

/// Counters of what normalization removed or repaired, used as dense classifier
/// features (§1.5: evasion leaves traces even when it is undone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NormStats {
    /// Invisible and format characters deleted (ZWSP, ZWJ, bidi controls, …).
    pub removed_invisibles: u32,
    /// Combining marks deleted: tashkeel, Quranic marks, accents, zalgo, keycaps.
    pub removed_marks: u32,
    /// Tatweel (kashida) characters deleted.
    pub removed_tatweel: u32,
    /// Control characters replaced by a space.
    pub controls_replaced: u32,
    /// Letter runs of 3 or more (`حماااار`, `stuuupid`).
    pub elongations: u32,
    /// Tokens mixing Arabic and Latin-like letters.
    pub mixed_script_tokens: u32,
    /// LRO/RLO overrides seen (the visual-order candidate was added).
    pub bidi_overrides: u32,
    /// Leet stand-ins (digits, `@ $ ! |`) inside Latin tokens.
    pub leet_chars: u32,
    /// Non-ASCII look-alikes folded to ASCII in Latin tokens.
    pub confusables_folded: u32,
    /// Groups of spaced-out letters joined (`s t u p i d`).
    pub spaced_joins: u32,
    /// Adjacent tokens joined as split words (`ح مار`).
    pub split_joins: u32,
    /// Fields cut at [`MAX_CHARS`].
    pub truncated: u32,
}

/// Which keyword list a candidate is looked up in (§1.3: never mixed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyList {
    Ar,
    En,
    Arabizi,
    Masked,
}

/// One match candidate: a key text (a range of the shared buffer) and the span of
/// the original field (code points) it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) list: KeyList,
    pub(crate) text: (u32, u32),
    pub(crate) span: (u32, u32),
}

/// One token of the primary view, as phrase rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PhraseToken {
    pub(crate) key: (u32, u32),
    pub(crate) span: (u32, u32),
}

/// The result of normalizing one field.
#[derive(Clone, Debug, Default)]
pub struct Normalized {
    key: String,
    /// Per key character: (byte offset in `key`, original start, original end).
    key_map: Vec<(u32, u32, u32)>,
    buf: String,
    cands: Vec<Candidate>,
    phrase: Vec<PhraseToken>,
    feature_text: String,
    stats: NormStats,
    char_len: u32,
}

impl Normalized {
    /// Lighter normalization for the classifier (§1.5): the folded text with letter
    /// runs of three or more cut to two, no leet or Arabizi decoding.
    pub fn feature_text(&self) -> &str {
        &self.feature_text
    }

    /// What normalization removed or repaired.
    pub fn stats(&self) -> NormStats {
        self.stats
    }

    /// The folded key text of the primary view (steps 0–10), read by regex rules.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Number of code points in the original field.
    pub fn char_len(&self) -> usize {
        self.char_len as usize
    }

    /// Map a byte range of [`Normalized::key`] back to original code points.
    pub fn key_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let first = self.key_map.partition_point(|m| (m.0 as usize) < start);
        let last = self.key_map.partition_point(|m| (m.0 as usize) < end);
        if last <= first {
            return None;
        }
        let a = self.key_map.get(first)?;
        let b = self.key_map.get(last - 1)?;
        Some((a.1 as usize, b.2 as usize))
    }

    pub(crate) fn candidates(&self) -> &[Candidate] {
        &self.cands
    }

    pub(crate) fn phrase_tokens(&self) -> &[PhraseToken] {
        &self.phrase
    }

    /// The text of a candidate or phrase key.
    pub(crate) fn text(&self, range: (u32, u32)) -> &str {
        self.buf
            .get(range.0 as usize..range.1 as usize)
            .unwrap_or_default()
    }
}

fn view(
    input: impl Iterator<Item = (u32, char)>,
    opts: StreamOpts,
    stats: &mut NormStats,
    flags: &mut StreamFlags,
) -> Vec<KChar> {
    let mut chars = fold_chars(input, opts, stats, flags);
    stats.spaced_joins += join_spaced(&mut chars);
    chars
}

/// Normalize one field.
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::default();
    let mut stats = NormStats::default();
    let mut flags = StreamFlags::default();
    let total = text.chars().count();
    out.char_len = u32::try_from(total).unwrap_or(u32::MAX);
    if total > MAX_CHARS {
        stats.truncated = 1;
    }
    let indexed = || {
        text.chars()
            .take(MAX_CHARS)
            .zip(0u32..)
            .map(|(c, i)| (i, c))
    };
    let primary = view(indexed(), StreamOpts::default(), &mut stats, &mut flags);

    // Sized up front from the folded length n, so they do not grow push by push (a
    // dozen reallocations per field). On the load corpus they end at about 1.4 n
    // key bytes, one key-map entry per char, 2.3 n candidate-buffer bytes (over 3 n
    // for Arabic, two bytes a letter), 0.21 n candidates and 0.18 n phrase tokens.
    let n = primary.len();
    out.key.reserve(n * 2);
    out.key_map.reserve(n);
    out.buf.reserve(n * 4);
    out.cands.reserve(n / 3 + 4);
    out.phrase.reserve(n / 5 + 4);
    for k in &primary {
        out.key_map.push((out.key.len() as u32, k.src, k.src_end));
        out.key.push(k.c);
    }
    let marks = hashtag_marks(text, &primary);
    out.feature_text = feature_text(&primary, &marks, &mut stats);
    {
        let mut sink = tokens::Sink {
            buf: &mut out.buf,
            cands: &mut out.cands,
            stats: &mut stats,
            phrase: Some(&mut out.phrase),
            scratch: String::new(),
            word_cache: [(u32::MAX, 0, false); 2],
            monotonic: true,
        };
        tokens::emit(&primary, &mut sink);
    }
    // Alternative views only add candidates; their counters are not double counted.
    let mut scratch = NormStats::default();
    let mut ignored = StreamFlags::default();
    if flags.saw_dagger {
        let alt = view(
            indexed(),
            StreamOpts {
                dagger_as_alef: true,
            },
            &mut scratch,
            &mut ignored,
        );
        emit_extra(&alt, &mut out, &mut scratch, true);
    }
    let tags = hashtag_view(&primary, &marks);
    if !tags.is_empty() {
        emit_extra(&tags, &mut out, &mut scratch, true);
    }
    if flags.saw_override {
        let reading = lang::reading_order(text, MAX_CHARS);
        let alt = view(
            reading.into_iter(),
            StreamOpts::default(),
            &mut scratch,
            &mut ignored,
        );
        emit_extra(&alt, &mut out, &mut scratch, false);
    }
    out.stats = stats;
    out
}

/// Letter case of an original character, for splitting CamelCase hashtags.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    Lower,
    Upper,
    Other,
}

impl Case {
    fn of(c: char) -> Self {
        if c.is_lowercase() {
            Case::Lower
        } else if c.is_uppercase() {
            Case::Upper
        } else {
            Case::Other
        }
    }
}

fn emit_extra(chars: &[KChar], out: &mut Normalized, stats: &mut NormStats, monotonic: bool) {
    let mut sink = tokens::Sink {
        buf: &mut out.buf,
        cands: &mut out.cands,
        stats,
        phrase: None,
        scratch: String::new(),
        word_cache: [(u32::MAX, 0, false); 2],
        monotonic,
    };
    tokens::emit(chars, &mut sink);
}

/// Feature text: look-alike letters folded (never Arabic ones), runs of three or
/// more identical letters cut to two (AraBERT style), counting each elongation.
/// Hashtags are read as words (see [`hashtag_marks`]).
fn feature_text(chars: &[KChar], marks: &[TagMark], stats: &mut NormStats) -> String {
    let mut s = String::with_capacity(chars.len() * 2);
    let mut run = 0u32;
    let mut last = '\0';
    let mut marks = marks.iter().peekable();
    for (i, k) in chars.iter().enumerate() {
        let c = latin::confusable_fold_non_arabic(k.c);
        if let Some(m) = marks.next_if(|m| m.at == i) {
            match m.kind {
                TagMarkKind::Open { .. } => continue,
                TagMarkKind::Break => {
                    s.push(' ');
                    run = 1;
                    last = ' ';
                }
            }
        }
        if c == last && chars::is_letter(c) {
            run += 1;
            if run == 3 {
                stats.elongations += 1;
            }
            if run > 2 {
                continue;
            }
        } else {
            run = 1;
            last = c;
        }
        s.push(c);
    }
    s
}

/// What a hashtag does at one character of the primary view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TagMarkKind {
    /// The `#` that opens a hashtag: dropped from the feature text. `end` is the
    /// index just past the tag's last word character.
    Open { end: usize },
    /// The first letter of a word inside a CamelCase hashtag: a word starts here.
    Break,
}

#[derive(Clone, Copy, Debug)]
struct TagMark {
    at: usize,
    kind: TagMarkKind,
}

/// Hashtags read as words: the `#` that opens one (at the start of a token, before a
/// word character) is dropped, and inside it a lower-to-upper case change in the
/// original starts a new word, as does an upper-case letter between an upper- and a
/// lower-case one (`#FuckTrump` → `fuck trump`, `#ABCNews` → `abc news`). Tweets carry
/// whole insults and slogans in CamelCase tags, which would otherwise be one token
/// that no keyword and no training text shares. Folding lower-cased the view, so the
/// case is read from the original text, and only when it has a `#` at all.
fn hashtag_marks(text: &str, chars: &[KChar]) -> Vec<TagMark> {
    let mut marks = Vec::new();
    if !text.contains('#') {
        return marks;
    }
    let case: Vec<Case> = text.chars().take(MAX_CHARS).map(Case::of).collect();
    let case_at = |i: u32| case.get(i as usize).copied().unwrap_or(Case::Other);
    let mut in_tag = false;
    let mut after_space = true;
    for (i, k) in chars.iter().enumerate() {
        let c = latin::confusable_fold_non_arabic(k.c);
        let opens_here = after_space;
        after_space = c.is_whitespace();
        if in_tag && !chars::is_word_char(c) {
            in_tag = false;
        }
        if c == '#'
            && !in_tag
            && opens_here
            && chars.get(i + 1).is_some_and(|n| chars::is_word_char(n.c))
        {
            in_tag = true;
            let body = chars.get(i + 1..).unwrap_or(&[]);
            let len = body
                .iter()
                .take_while(|k| chars::is_word_char(latin::confusable_fold_non_arabic(k.c)))
                .count();
            marks.push(TagMark {
                at: i,
                kind: TagMarkKind::Open { end: i + 1 + len },
            });
            continue;
        }
        if in_tag
            && k.src > 0
            && case_at(k.src) == Case::Upper
            && (case_at(k.src - 1) == Case::Lower
                || (case_at(k.src - 1) == Case::Upper && case_at(k.src + 1) == Case::Lower))
        {
            marks.push(TagMark {
                at: i,
                kind: TagMarkKind::Break,
            });
        }
    }
    keep_words_of_two(&mut marks);
    marks
}

/// Drops the marks that would leave a one-letter word: a tag whose body is one
/// character keeps its `#`, and a break that would cut off a one-character piece is
/// not made (`#TrumpIsATraitor` → `trump is atraitor`). Three one-letter words in a
/// row read as a spaced-out word (step 10), so normalizing the feature text again
/// would join them: this keeps the feature text a fixed point of normalization.
fn keep_words_of_two(marks: &mut Vec<TagMark>) {
    let mut kept: Vec<TagMark> = Vec::with_capacity(marks.len());
    let mut i = 0;
    while i < marks.len() {
        let open = marks[i];
        let mut next = i + 1;
        while next < marks.len() && marks[next].kind == TagMarkKind::Break {
            next += 1;
        }
        let body_start = open.at + 1;
        let body_end = match open.kind {
            TagMarkKind::Open { end } => end,
            TagMarkKind::Break => body_start,
        };
        if body_end - body_start >= 2 {
            kept.push(open);
            // Piece boundaries: body start, each break, body end. A break stays only
            // if the pieces on both sides are two characters or more.
            let mut piece_start = body_start;
            let breaks = &marks[i + 1..next];
            for (b, m) in breaks.iter().enumerate() {
                let piece_end = breaks.get(b + 1).map_or(body_end, |n| n.at);
                if m.at - piece_start >= 2 && piece_end - m.at >= 2 {
                    kept.push(*m);
                    piece_start = m.at;
                }
            }
        }
        i = next;
    }
    *marks = kept;
}

/// The words of CamelCase hashtags as a view of their own, for keyword matching:
/// each such tag's characters with a space at every word break, tags one space
/// apart. Empty when no tag has a break (a one-word tag is already a token of the
/// primary view, `#` and all).
fn hashtag_view(chars: &[KChar], marks: &[TagMark]) -> Vec<KChar> {
    let mut view = Vec::new();
    let mut i = 0;
    while i < marks.len() {
        // One tag: its opening mark and the breaks up to the next opening.
        let TagMarkKind::Open { end } = marks[i].kind else {
            i += 1;
            continue;
        };
        let start = marks[i].at + 1;
        let mut next = i + 1;
        while next < marks.len() && marks[next].kind == TagMarkKind::Break {
            next += 1;
        }
        let breaks = &marks[i + 1..next];
        i = next;
        if breaks.is_empty() {
            continue;
        }
        let mut breaks = breaks.iter().peekable();
        for (at, k) in chars.iter().enumerate().take(end).skip(start) {
            if breaks.next_if(|m| m.at == at).is_some() {
                view.push(KChar {
                    c: ' ',
                    src: k.src,
                    src_end: k.src,
                });
            }
            view.push(*k);
        }
        if let Some(k) = view.last().copied() {
            view.push(KChar {
                c: ' ',
                src: k.src_end,
                src_end: k.src_end,
            });
        }
    }
    view
}
