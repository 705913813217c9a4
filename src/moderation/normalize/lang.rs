//! Language routing (`ar` / `en` / `arabizi` / `und`, §1.3 point 2) and the display
//! order used by the bidi-override candidate (§1.2 step 15).
//!
//! The text decides the language; the host's label only breaks ties, because hosts
//! routinely label Arabic comments as English.

use super::chars::is_arabic_letter;
use unicode_bidi::BidiInfo;

/// Arabizi function words (§1.3): two cues in one comment make it Arabizi.
const ARABIZI_WORDS: &[&str] = &[
    "ana",
    "enta",
    "inta",
    "enti",
    "inti",
    "ya",
    "w",
    "el",
    "il",
    "msh",
    "mesh",
    "mish",
    "3ala",
    "fi",
    "wallah",
    "wallahi",
    "yalla",
    "kda",
    "keda",
    "ba2a",
    "inshallah",
    "mn",
    "men",
    "ma",
    "bs",
    "bas",
    "lesh",
    "leh",
    "3shan",
    "3ashan",
    "ezay",
    "ezzay",
    "shu",
    "eh",
    "la2",
    "aywa",
    "habibi",
    "7abibi",
    "ya3ni",
    "kteer",
    "kter",
    "mafi",
    "hada",
    "hadi",
    "hay",
    "law",
];

/// The language of a text: `ar`, `en`, `arabizi`, or `und`.
pub fn detect_language(text: &str, hint: Option<&str>) -> String {
    let mut arabic = 0usize;
    let mut latin = 0usize;
    for c in text.chars() {
        if is_arabic_letter(c) {
            arabic += 1;
        } else if super::chars::is_letter(c) {
            latin += 1;
        }
    }
    let hint = hint.map(|h| h.trim().to_ascii_lowercase());
    let hinted = |allowed: &[&str]| {
        hint.as_deref()
            .filter(|h| allowed.contains(h))
            .map(str::to_string)
    };
    if arabic == 0 && latin == 0 {
        return hinted(&["ar", "en", "arabizi"]).unwrap_or_else(|| "und".to_string());
    }
    if arabic > latin {
        return "ar".to_string();
    }
    if arabic == latin {
        if let Some(h) = hinted(&["ar", "en", "arabizi"]) {
            return h;
        }
        return "ar".to_string();
    }
    let cues = arabizi_cues(text);
    if cues >= 2 || (cues == 1 && hint.as_deref() == Some("arabizi")) {
        "arabizi".to_string()
    } else {
        "en".to_string()
    }
}

/// Count Arabizi cues: digit-letters inside words (`3ala`, `ma3lesh`, `7'`) and
/// Arabizi function words.
fn arabizi_cues(text: &str) -> usize {
    let mut cues = 0;
    for word in text.split(|c: char| !super::chars::is_word_char(c) && c != '\'') {
        if word.is_empty() {
            continue;
        }
        let cue = if word.is_ascii() {
            is_cue_ascii(word)
        } else {
            is_cue(word)
        };
        cues += usize::from(cue);
        if cues >= 2 {
            break;
        }
    }
    cues
}

/// Whether one word is an Arabizi cue, on its lower-cased characters.
fn is_cue(word: &str) -> bool {
    let lower = word.to_lowercase();
    digit_letter(lower.as_bytes()) || ARABIZI_WORDS.contains(&lower.as_str())
}

/// [`is_cue`] for an ASCII word, without lower-casing it into a new `String`: ASCII
/// lower-casing keeps every byte in its place and in its digit/letter class. Almost
/// every word this sees is ASCII (only Latin-majority texts get here).
fn is_cue_ascii(word: &str) -> bool {
    digit_letter(word.as_bytes()) || ARABIZI_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// A digit that stands for a letter (`3ala`, `7'`): one of 2 3 5 6 7 8 9 next to an
/// ASCII letter. Read on UTF-8 bytes, which gives the same answer as on characters:
/// every byte of a multi-byte character is ≥ 0x80, never an ASCII digit or letter.
fn digit_letter(b: &[u8]) -> bool {
    b.iter().enumerate().any(|(i, c)| {
        matches!(c, b'2' | b'3' | b'5' | b'6' | b'7' | b'8' | b'9')
            && (i > 0 && b[i - 1].is_ascii_alphabetic()
                || b.get(i + 1).is_some_and(u8::is_ascii_alphabetic))
    })
}

/// Original code point indices of the first `limit` characters in display
/// (visual) order, line by line, per UAX #9.
pub(crate) fn visual_order(text: &str, limit: usize) -> Vec<usize> {
    let info = BidiInfo::new(text, None);
    let mut order = Vec::new();
    for para in &info.paragraphs {
        let range = para.range.clone();
        let base = text.get(..range.start).map_or(0, |s| s.chars().count());
        let levels = info.reordered_levels_per_char(para, range);
        for i in BidiInfo::reorder_visual(&levels) {
            let idx = base + i;
            if idx < limit {
                order.push(idx);
            }
        }
    }
    order
}

/// What a reader sees, as (original index, char) in reading order: the display
/// order, with every run of Arabic script read right to left again. An RLO makes
/// Latin `diputs` display as `stupid`; an LRO makes Arabic `بلك` display so that
/// an Arabic reader reads `كلب`; an RLO around Arabic changes nothing visible.
pub(crate) fn reading_order(text: &str, limit: usize) -> Vec<(u32, char)> {
    let chars: Vec<char> = text.chars().take(limit).collect();
    let mut seq: Vec<(u32, char)> = visual_order(text, limit)
        .into_iter()
        .filter_map(|i| chars.get(i).map(|&c| (i as u32, c)))
        .collect();
    let arabic = |c: char| ('\u{0600}'..='\u{06FF}').contains(&c) || is_arabic_letter(c);
    let mut i = 0;
    while i < seq.len() {
        if !seq.get(i).is_some_and(|&(_, c)| arabic(c)) {
            i += 1;
            continue;
        }
        let start = i;
        while seq.get(i).is_some_and(|&(_, c)| arabic(c)) {
            i += 1;
        }
        if let Some(run) = seq.get_mut(start..i) {
            run.reverse();
        }
    }
    seq
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_cue_fast_path_agrees_with_the_general_one() {
        for w in [
            "3ala",
            "3ALA",
            "Ya",
            "YA",
            "ma3lesh",
            "7'",
            "'7",
            "a7",
            "7a",
            "77",
            "2",
            "b2a",
            "hello",
            "W",
            "w",
            "el",
            "El",
            "eL",
            "ELL",
            "x1y",
            "4a",
            "a4",
            "0a",
            "1b",
            "K",
            "habibi7",
            "Inshallah",
            "'",
            "ana'",
            "",
        ] {
            assert_eq!(is_cue_ascii(w), is_cue(w), "{w:?}");
        }
    }

    #[test]
    fn language_from_text_not_hint() {
        assert_eq!(detect_language("يا جماعة الخبر ده غلط", Some("en")), "ar");
        assert_eq!(detect_language("This is wrong", None), "en");
        assert_eq!(
            detect_language("wallahi el wad3 s3ib", Some("en")),
            "arabizi"
        );
        assert_eq!(detect_language("1234 !!", None), "und");
        assert_eq!(detect_language("1234", Some("ar")), "ar");
    }

    #[test]
    fn visual_order_reverses_override() {
        let t = "\u{202E}abc\u{202C}";
        let order = visual_order(t, 100);
        let chars: Vec<char> = t.chars().collect();
        let s: String = order
            .iter()
            .map(|&i| chars[i])
            .filter(|c| c.is_alphabetic())
            .collect();
        assert_eq!(s, "cba");
        let read = |t: &str| -> String {
            reading_order(t, 100)
                .into_iter()
                .map(|(_, c)| c)
                .filter(|c| c.is_alphabetic())
                .collect()
        };
        assert_eq!(read("\u{202E}diputs\u{202C}"), "stupid");
        assert_eq!(read("\u{202E}بلك\u{202C}"), "بلك");
        assert_eq!(read("\u{202D}بلك\u{202C}"), "كلب");
    }
}
