//! Character tables for the character-level steps of `normalization.md` §1.1
//! (steps 0–9): what is invisible, what is a presentation-form haraka, which Arabic
//! letters fold to which, which digits and blanks are rewritten, and which
//! characters separate spaced-out letters (step 10).
//!
//! The tables are hand-written ranges on purpose: they are small, reviewed against
//! the spec line by line, and a `match` on ranges compiles to a few comparisons.

/// Step 1: Default_Ignorable_Code_Point plus the Arabic format characters that are
/// not default-ignorable but are just as invisible in a comment box.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}'
        // Arabic number signs, end of ayah, and the Quranic format mark: not
        // default-ignorable, but they render as nothing useful inside a word.
        | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{08E2}')
}

/// The two bidi overrides whose presence makes the display order differ from the
/// logical order (step 15).
pub(crate) fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202D}' | '\u{202E}')
}

/// Step 2: presentation-form harakat. NFKC turns these into SPACE + mark, which
/// would split the word (finding F4), so they go before NFKC.
pub(crate) fn is_presentation_haraka(c: char) -> bool {
    matches!(c, '\u{FE70}'..='\u{FE7F}' | '\u{FC5E}'..='\u{FC63}')
}

/// Step 5 (second half): Arabic small signs that are not general category Mn/Me,
/// so the generic mark stripping misses them.
pub(crate) fn is_extra_arabic_sign(c: char) -> bool {
    matches!(
        c,
        '\u{0674}' | '\u{06E5}' | '\u{06E6}' | '\u{06DE}' | '\u{06E9}'
    )
}

/// The dagger (superscript) alef, which gets a second candidate as a real alef.
pub(crate) const DAGGER_ALEF: char = '\u{0670}';

/// Tatweel (kashida), step 6.
pub(crate) const TATWEEL: char = '\u{0640}';

/// Step 7: Arabic letter folds (alef, yeh, teh marbuta, waw hamza, heh and kaf
/// variants, dotless noon). Dotless ٮ ٯ ڡ are comparison classes, handled in
/// [`dotless_class`], and the dialect letters گ چ ڤ پ ڨ are deliberately kept:
/// Gulf `گلب` (heart) must not become `كلب` (dog).
pub(crate) fn fold_arabic(c: char) -> char {
    match c {
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' | '\u{0672}' | '\u{0673}' => '\u{0627}',
        '\u{0649}' | '\u{06CC}' | '\u{06CD}' | '\u{06D0}' | '\u{0626}' => '\u{064A}',
        '\u{0629}' | '\u{06C3}' => '\u{0647}',
        '\u{0624}' => '\u{0648}',
        '\u{06C1}' | '\u{06C2}' | '\u{06BE}' | '\u{06D5}' | '\u{06C0}' => '\u{0647}',
        '\u{06A9}' | '\u{06AA}' => '\u{0643}',
        '\u{06BA}' => '\u{0646}',
        other => other,
    }
}

/// Step 7, dotless letters: the letters a dotless form may stand for. Matching tries
/// each member, so `كلٮ` can be `كلب` while ordinary letters never lose their dots.
pub(crate) fn dotless_class(c: char) -> Option<&'static [char]> {
    match c {
        '\u{066E}' => Some(&['ب', 'ت', 'ث', 'ن', 'ي']),
        '\u{066F}' | '\u{06A1}' => Some(&['ق', 'ف']),
        _ => None,
    }
}

/// Enclosed letters that NFKC leaves alone because they are symbols, not letters:
/// negative circled 🅐–🅩, negative squared 🅰–🆉 and regional indicators 🇦–🇿.
/// They spell words just as well as ⓐ (which NFKC folds), so they fold to a–z.
pub(crate) fn fold_enclosed(c: char) -> Option<char> {
    let base = match c {
        '\u{1F150}'..='\u{1F169}' => 0x1F150,
        '\u{1F170}'..='\u{1F189}' => 0x1F170,
        '\u{1F1E6}'..='\u{1F1FF}' => 0x1F1E6,
        _ => return None,
    };
    char::from_u32(u32::from('a') + (c as u32 - base))
}

/// Step 8: Arabic-Indic and Extended Arabic-Indic (Persian) digits to ASCII.
pub(crate) fn fold_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => ascii_digit(c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => ascii_digit(c as u32 - 0x06F0),
        other => other,
    }
}

fn ascii_digit(n: u32) -> char {
    char::from_digit(n, 10).unwrap_or('0')
}

/// Step 9: every White_Space character plus visible blanks (Braille blank) become
/// a plain space.
pub(crate) fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{2800}'
}

/// Step 0: C0/C1 controls other than TAB/LF/CR (those are whitespace anyway).
pub(crate) fn is_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Step 10: characters that may sit between spaced-out letters. `' @ $ ! |` and
/// digits are not here: they are letters in leetspeak and Arabizi.
pub(crate) fn is_spacing_separator(c: char) -> bool {
    c == ' '
        || matches!(
            c,
            '.' | ','
                | '-'
                | '_'
                | '*'
                | '/'
                | '\\'
                | '~'
                | '+'
                | '·'
                | '•'
                | '‧'
                | '∙'
                | '⋅'
                | '،'
                | '؛'
                | ':'
                | ';'
                | '"'
                | '^'
                | '='
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
                | '«'
                | '»'
                | '`'
        )
}

/// Characters that are part of a token besides letters and digits (step 11):
/// in-token apostrophes (Arabizi `3'`, English contractions), leet symbols and the
/// mask symbols.
pub(crate) fn is_token_symbol(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{02BC}' | '@' | '$' | '!' | '|' | '*' | '#'
    )
}

/// Mask symbols (`id*ot`).
pub(crate) fn is_mask(c: char) -> bool {
    matches!(c, '*' | '#')
}

/// The Arabic base letters (hamza to yeh, without tatweel): letters, not numbers.
/// With ASCII they are nearly every character of a comment, so the classifiers below
/// answer for them directly: the general Unicode tables are a binary search per
/// call, and these run several times per char.
fn is_arabic_base_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063F}' | '\u{0641}'..='\u{064A}')
}

/// Letters and digits, the core of a token.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    is_arabic_base_letter(c) || c.is_alphanumeric()
}

/// Letters of any script, with the same fast paths as [`is_word_char`].
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    is_arabic_base_letter(c) || c.is_alphabetic()
}

/// Numeric characters (`char::is_numeric`), with the same fast paths.
pub(crate) fn is_number(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    !is_arabic_base_letter(c) && c.is_numeric()
}

/// Arabic-script letters (after folding; digits are already ASCII by then).
pub(crate) fn is_arabic_letter(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    if matches!(c, '\u{0621}'..='\u{063F}' | '\u{0641}'..='\u{064A}') {
        return true;
    }
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08C9}')
        && c.is_alphabetic()
}

/// Characters that pass every step unchanged, so the common case skips NFKC and
/// case folding entirely (this is where the throughput comes from).
pub(crate) fn is_plain(c: char) -> bool {
    matches!(c, 'a'..='z' | '0'..='9' | ' ' | '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}')
        || (c.is_ascii_punctuation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_the_unicode_tables_everywhere() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_number(c), c.is_numeric(), "{c:?}");
        }
    }

    #[test]
    fn folds_follow_the_spec_table() {
        assert_eq!(fold_arabic('أ'), 'ا');
        assert_eq!(fold_arabic('ى'), 'ي');
        assert_eq!(fold_arabic('ة'), 'ه');
        assert_eq!(fold_arabic('ک'), 'ك');
        assert_eq!(fold_arabic('گ'), 'گ');
        assert_eq!(fold_digit('٧'), '7');
        assert_eq!(fold_digit('۷'), '7');
        assert!(is_invisible('\u{061C}'));
        assert!(!is_invisible('a'));
    }
}
