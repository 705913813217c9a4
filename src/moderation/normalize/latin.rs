//! Keys for Latin-like tokens (`normalization.md` §1.2 step 14 and §1.3): the
//! confusable fold to ASCII, the English leet key, the Arabizi canonical key, and the
//! English lexicon used by the guards (split-word join, Arabizi, masks).
//!
//! English leet and Arabizi read the same digits differently (3 = e / ع), so the two
//! keys are kept apart and each keyword list only ever sees its own key.

use super::confusables::CONFUSABLES;
use rustc_hash::FxHashSet as HashSet;
use std::sync::OnceLock;

/// Fold one (already lowercased) character of a Latin-dominant token to ASCII when
/// it is a known look-alike; Arabic-script look-alikes (ا→l, ه→o) only fold here,
/// never in Arabic tokens.
pub(crate) fn confusable_fold(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match CONFUSABLES.binary_search_by_key(&c, |e| e.0) {
        Ok(i) => CONFUSABLES.get(i).map_or(c, |e| e.1),
        Err(_) => c,
    }
}

/// [`confusable_fold`] without the Arabic-script entries, safe on any text: the
/// feature text folds look-alikes (`pаypal` → `paypal`) but never Arabic letters.
pub(crate) fn confusable_fold_non_arabic(c: char) -> char {
    if c.is_ascii() || ('\u{0600}'..='\u{06FF}').contains(&c) {
        return c;
    }
    match CONFUSABLES.binary_search_by_key(&c, |e| e.0) {
        // Letter to letter only: turning a symbol (×) or a letter into a digit would
        // change what the spaced-letter repair joins, and the feature text must
        // stay a fixed point of normalization.
        Ok(i) => CONFUSABLES
            .get(i)
            .filter(|e| !e.2 && e.1.is_ascii_alphabetic() && c.is_alphabetic())
            .map_or(c, |e| e.1),
        Err(_) => c,
    }
}

/// The English leet classes: `0→o, 1 ! | →i, 3→e, 4 @ →a, 5 $ →s, 7 + →t, 8→b, 9→g`.
pub(crate) fn leet(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        '9' => 'g',
        other => other,
    }
}

/// Whether a character is a leet stand-in (counted as a classifier feature).
pub(crate) fn is_leet(c: char) -> bool {
    leet(c) != c
}

/// Arabizi canonical form (§1.2 "Arabizi canonicalization"): digraphs and digit
/// letters to one symbol each, long vowels shortened. A hamza (`2`, apostrophe) is
/// not a consonant of the skeleton, but it is kept as [`HAMZA`] so the shape can
/// tell `7a2eer` (a vowel, a hamza, a vowel) from `har`.
pub(crate) fn arabizi_canon(s: &str, out: &mut String) {
    out.clear();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        let next = it.peek().copied();
        let apostrophe = matches!(next, Some('\'' | '\u{2019}' | '\u{02BC}'));
        let (sym, used) = match (c, next) {
            ('3', _) if apostrophe => ('8', 2),
            ('7', _) if apostrophe => ('5', 2),
            ('g', Some('h')) => ('8', 2),
            ('k', Some('h')) => ('5', 2),
            ('s' | 'c', Some('h')) => ('$', 2),
            ('t', Some('h')) => ('θ', 2),
            ('d', Some('h')) => ('ð', 2),
            ('e', Some('e')) => ('i', 2),
            ('o', Some('o' | 'u')) => ('u', 2),
            ('h', _) => ('7', 1),
            ('q', _) => ('9', 1),
            ('2' | '\'' | '\u{2019}' | '\u{02BC}', _) => (HAMZA, 1),
            ('y', None) => ('i', 1),
            (other, _) => (other, 1),
        };
        out.push(sym);
        if used == 2 {
            it.next();
        }
    }
}

/// The hamza mark of the canonical form: no consonant, but part of a vowel gap.
pub(crate) const HAMZA: char = '.';

/// What fills a vowel gap, as 2-bit codes: front vowels `a e i y` (fatha and kasra
/// are written with any of them), back vowels `o u` (damma), the hamza mark; runs of
/// one code count once, so `aya` = `a` and `oo` = `o`.
const FRONT: u16 = 1;
const BACK: u16 = 2;
const MARK: u16 = 3;

fn gap_code(c: char) -> Option<u16> {
    match c {
        'a' | 'e' | 'i' | 'y' => Some(FRONT),
        'o' | 'u' => Some(BACK),
        HAMZA => Some(MARK),
        _ => None,
    }
}

/// An Arabizi word as consonant skeleton plus what fills each vowel gap:
/// `gaps[i]` is the gap before consonant `i`, `gaps[n]` the one after the last;
/// 0 = empty, else the gap's codes (see [`gap_code`]), two bits each. `vowels[i]` is
/// the same gap without its hamza marks, with [`HIATUS`] set when it holds two or
/// more vowel letters: what is left of a hamza the writer left out (`7aeer`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct ArabiziShape {
    pub(crate) skeleton: String,
    pub(crate) gaps: Vec<u16>,
    pub(crate) vowels: Vec<u16>,
}

/// Flag of [`ArabiziShape::vowels`]: the gap has two or more vowel letters.
const HIATUS: u16 = 1 << 15;

/// Append a code to a gap's code string unless it repeats the last one. Seven codes
/// fit; a longer gap keeps its first seven.
fn push_code(gap: u16, code: u16) -> u16 {
    if gap & 3 != code && gap < 1 << 12 {
        gap << 2 | code
    } else {
        gap
    }
}

/// Split a canonical Arabizi key into its shape; consonant runs count once
/// (`7ammar` and `7amar` share the skeleton `7mr`).
pub(crate) fn arabizi_shape(canon: &str, out: &mut ArabiziShape) {
    out.skeleton.clear();
    out.gaps.clear();
    out.vowels.clear();
    let (mut gap, mut vowels, mut letters) = (0u16, 0u16, 0u8);
    let mut last: Option<char> = None;
    for c in canon.chars() {
        if let Some(code) = gap_code(c) {
            gap = push_code(gap, code);
            if code != MARK {
                vowels = push_code(vowels, code);
                letters = letters.saturating_add(1);
            }
            continue;
        }
        if last == Some(c) && gap == 0 {
            continue;
        }
        out.gaps.push(gap);
        out.vowels.push(if letters >= 2 {
            vowels | HIATUS
        } else {
            vowels
        });
        out.skeleton.push(c);
        (gap, vowels, letters) = (0, 0, 0);
        last = Some(c);
    }
    out.gaps.push(gap);
    out.vowels.push(if letters >= 2 {
        vowels | HIATUS
    } else {
        vowels
    });
}

/// Does a text shape fit a keyword shape? Same skeleton; every gap the keyword
/// fills must be filled the same way in the text (front or back vowel, hamza), so
/// `kuss` fits `kos` and `kass` does not. A hamza the keyword writes may be left
/// out where two vowel letters still show it (`7aeer` fits `7a2eer`, `har` does
/// not). Interior gaps the keyword leaves empty may be filled or not, and the ends
/// may not gain vowels (`7amra` ≠ `7mar`).
pub(crate) fn arabizi_fits(text: &ArabiziShape, kw: &ArabiziShape) -> bool {
    if text.skeleton != kw.skeleton || text.gaps.len() != kw.gaps.len() {
        return false;
    }
    let last = kw.gaps.len() - 1;
    (0..kw.gaps.len()).all(|i| {
        let (k, t) = (kw.gaps[i], text.gaps[i]);
        if k != 0 {
            let (kv, tv) = (kw.vowels[i] & !HIATUS, text.vowels[i]);
            let hamza = kv != k;
            t == k || (hamza && tv & HIATUS != 0 && tv & !HIATUS == kv)
        } else if i == 0 || i == last {
            t == 0
        } else {
            true
        }
    })
}

/// The English lexicon (SCOWL via Debian wamerican, see the file header).
static LEXICON_TEXT: &str = include_str!("lexicon_en.txt");

fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| {
        let mut words = HashSet::default();
        let mut by_len: Vec<Vec<&'static str>> = vec![Vec::new(); 13];
        for w in LEXICON_TEXT.lines().filter(|l| !l.starts_with('#')) {
            words.insert(w);
            if let Some(bucket) = by_len.get_mut(w.len()) {
                bucket.push(w);
            }
        }
        Lexicon { words, by_len }
    })
}

struct Lexicon {
    words: HashSet<&'static str>,
    by_len: Vec<Vec<&'static str>>,
}

/// Is this (lowercase ASCII) word an English dictionary word?
pub(crate) fn is_english_word(w: &str) -> bool {
    lexicon().words.contains(w)
}

/// English words of the same length that fit a mask pattern (`*`/`#` = any letter),
/// other than `except`. Used to refuse ambiguous masks (`cr*p` = crop).
pub(crate) fn mask_is_ambiguous(pattern: &[char], except: &str) -> bool {
    let Some(bucket) = lexicon().by_len.get(pattern.len()) else {
        return false;
    };
    bucket.iter().any(|w| {
        *w != except
            && w.chars()
                .zip(pattern)
                .all(|(a, &p)| p == '*' || p == '#' || a == p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(s: &str) -> ArabiziShape {
        let mut c = String::new();
        arabizi_canon(s, &mut c);
        let mut sh = ArabiziShape::default();
        arabizi_shape(&c, &mut sh);
        sh
    }

    #[test]
    fn arabizi_patterns() {
        let kw = shape("7mar");
        assert!(arabizi_fits(&shape("hmar"), &kw));
        assert!(arabizi_fits(&shape("7emar"), &kw));
        assert!(arabizi_fits(&shape("7maaar"), &kw));
        assert!(!arabizi_fits(&shape("7amra"), &kw));
        assert!(arabizi_fits(&shape("3abit"), &shape("3abeet")));
        assert!(arabizi_fits(&shape("7'ara"), &shape("5ara")));
        assert!(!arabizi_fits(&shape("sara"), &shape("5ara")));
        assert!(!arabizi_fits(&shape("2albi"), &shape("kalb")));
    }

    /// The vowel a keyword writes is kept as front or back, and its hamza is kept:
    /// Arabizi spellings vary within a class (`kos`/`kuss`, `kalb`/`kelb`), while
    /// English words and names that share a short skeleton differ across it.
    #[test]
    fn arabizi_vowel_classes_and_hamza() {
        let kos = shape("kos");
        assert!(arabizi_fits(&shape("kuss"), &kos));
        assert!(arabizi_fits(&shape("kooos"), &kos));
        assert!(!arabizi_fits(&shape("kass"), &kos));
        assert!(!arabizi_fits(&shape("keis"), &kos));
        let haqir = shape("7a2eer");
        assert!(arabizi_fits(&shape("ha2eer"), &haqir));
        assert!(arabizi_fits(&shape("7a'ir"), &haqir));
        // The hamza left out, its two vowels still written.
        assert!(arabizi_fits(&shape("7aeer"), &haqir));
        assert!(arabizi_fits(&shape("haeer"), &haqir));
        assert!(!arabizi_fits(&shape("har"), &haqir));
        assert!(!arabizi_fits(&shape("hour"), &haqir));
        let hmar = shape("7mar");
        assert!(arabizi_fits(&shape("homar"), &hmar));
        assert!(!arabizi_fits(&shape("humour"), &hmar));
        assert!(arabizi_fits(&shape("kelb"), &shape("kalb")));
        assert!(arabizi_fits(&shape("7aywan"), &shape("7ayawan")));
        assert!(!arabizi_fits(&shape("tozz"), &shape("teez")));
    }

    #[test]
    fn confusables_and_lexicon() {
        assert_eq!(confusable_fold('і'), 'i');
        assert_eq!(confusable_fold('ι'), 'i');
        assert_eq!(confusable_fold('ᴛ'), 't');
        assert!(is_english_word("hammer"));
        assert!(mask_is_ambiguous(&['c', 'r', '*', 'p'], "crap"));
        assert!(!mask_is_ambiguous(&['i', 'd', '*', 'o', 't'], "idiot"));
    }
}
