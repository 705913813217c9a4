//! The character-level half of the pipeline (`normalization.md` §1.1 steps 0–9 and
//! the spaced-letter repair of step 10): turns the original characters into the
//! folded key characters, each remembering which original code points it came from.
//!
//! Every step is a map over single characters, so the offset map is simply carried
//! along: an output character points at the original code point range it came from.

use super::NormStats;
use super::chars::{
    DAGGER_ALEF, TATWEEL, fold_arabic, fold_digit, fold_enclosed, is_arabic_letter,
    is_bidi_override, is_blank, is_control, is_extra_arabic_sign, is_invisible, is_letter,
    is_plain, is_presentation_haraka, is_spacing_separator, is_token_symbol, is_word_char,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// One folded character and the original code points `[src, src_end)` it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KChar {
    pub(crate) c: char,
    pub(crate) src: u32,
    pub(crate) src_end: u32,
}

/// Options that make the alternative views of §1.4 ("candidates, not one string").
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StreamOpts {
    /// Read the dagger alef U+0670 as a full alef (evasion `حمٰر` for `حمار`).
    pub(crate) dagger_as_alef: bool,
}

/// What the character pass noticed that needs another view.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StreamFlags {
    pub(crate) saw_dagger: bool,
    pub(crate) saw_override: bool,
}

/// Steps 0–9 over `(original code point index, char)` pairs.
pub(crate) fn fold_chars(
    input: impl Iterator<Item = (u32, char)>,
    opts: StreamOpts,
    stats: &mut NormStats,
    flags: &mut StreamFlags,
) -> Vec<KChar> {
    let (lower, _) = input.size_hint();
    let mut out: Vec<KChar> = Vec::with_capacity(lower);
    let push = |out: &mut Vec<KChar>, c: char, src: u32| {
        // Step 9 collapses blank runs and trims the start as it goes.
        if c == ' ' && out.last().is_none_or(|k| k.c == ' ') {
            return;
        }
        out.push(KChar {
            c,
            src,
            src_end: src + 1,
        });
    };
    // A deleted character (mark, tatweel, invisible) right after a kept one joins
    // its span, so highlights cover `كَلْبٌ` whole rather than stop before the
    // last haraka.
    let absorb = |out: &mut Vec<KChar>, i: u32| {
        if let Some(last) = out.last_mut()
            && last.c != ' '
            && last.src_end == i
        {
            last.src_end = i + 1;
        }
    };
    for (i, c) in input {
        if is_plain(c) {
            push(&mut out, fold_digit(fold_arabic(c)), i);
            continue;
        }
        if c.is_ascii_uppercase() {
            push(&mut out, c.to_ascii_lowercase(), i);
            continue;
        }
        if is_control(c) {
            stats.controls_replaced += 1;
            push(&mut out, ' ', i);
            continue;
        }
        if is_invisible(c) {
            if is_bidi_override(c) {
                flags.saw_override = true;
                stats.bidi_overrides += 1;
            }
            stats.removed_invisibles += 1;
            absorb(&mut out, i);
            continue;
        }
        if is_presentation_haraka(c) {
            stats.removed_marks += 1;
            absorb(&mut out, i);
            continue;
        }
        if let Some(letter) = fold_enclosed(c) {
            push(&mut out, letter, i);
            continue;
        }
        if c == DAGGER_ALEF {
            flags.saw_dagger = true;
            if opts.dagger_as_alef {
                push(&mut out, 'ا', i);
            } else {
                stats.removed_marks += 1;
                absorb(&mut out, i);
            }
            continue;
        }
        // Steps 3–5 for everything else: compatibility decomposition (NFKD, which
        // with the mark stripping below equals NFKC + NFD + strip + NFC for our
        // purposes), a second pass of invisible removal, lowercasing and mark removal.
        let before = out.len();
        for d in std::iter::once(c).nfkd() {
            if is_invisible(d) {
                stats.removed_invisibles += 1;
                continue;
            }
            for e in d.to_lowercase() {
                if is_combining_mark(e) || is_extra_arabic_sign(e) {
                    stats.removed_marks += 1;
                    continue;
                }
                if e == TATWEEL {
                    stats.removed_tatweel += 1;
                    continue;
                }
                let e = fold_digit(fold_arabic(e));
                push(&mut out, if is_blank(e) { ' ' } else { e }, i);
            }
        }
        if out.len() == before {
            absorb(&mut out, i);
        }
    }
    if out.last().is_some_and(|k| k.c == ' ') {
        out.pop();
    }
    out
}

/// Characters that glue to a neighbouring letter (so that letter is not "single").
fn attached(c: char) -> bool {
    is_word_char(c) || (is_token_symbol(c) && !is_spacing_separator(c))
}

/// A character that can be one of the spaced-out letters: a letter, a digit or a
/// leet symbol.
fn spaced_letter(c: char) -> bool {
    is_word_char(c) || matches!(c, '@' | '$' | '!' | '|')
}

/// 0 = neutral (digit, symbol), 1 = Arabic, 2 = other letters.
fn script_class(c: char) -> u8 {
    if is_arabic_letter(c) {
        1
    } else if is_letter(c) {
        2
    } else {
        0
    }
}

/// Step 10: three or more single letters of one script separated by 1–3 separator
/// characters are joined (`ك ل ب`, `s.t.u.p.i.d`, `7 m a r`) by dropping the
/// separators. Returns the number of joins made.
pub(crate) fn join_spaced(chars: &mut Vec<KChar>) -> u32 {
    let n = chars.len();
    // Single letters are runs of attached characters of length one: one pass.
    let mut single: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < n {
        if !attached(chars[i].c) {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && attached(chars[i].c) {
            i += 1;
        }
        if i - start == 1 && spaced_letter(chars[start].c) {
            single.push(start);
        }
    }
    if single.len() < 3 {
        return 0;
    }
    let mut drop = vec![false; n];
    let mut joins = 0u32;
    let mut k = 0;
    while k < single.len() {
        let mut end = k;
        let mut class = script_class(chars[single[k]].c);
        while end + 1 < single.len() {
            let (a, b) = (single[end], single[end + 1]);
            let gap = b - a - 1;
            let next_class = script_class(chars[b].c);
            let compatible = class == 0 || next_class == 0 || class == next_class;
            if !(1..=3).contains(&gap)
                || !compatible
                || !chars[a + 1..b].iter().all(|k| is_spacing_separator(k.c))
            {
                break;
            }
            if class == 0 {
                class = next_class;
            }
            end += 1;
        }
        if end - k + 1 >= 3 {
            joins += 1;
            for w in k..end {
                for d in drop.iter_mut().take(single[w + 1]).skip(single[w] + 1) {
                    *d = true;
                }
            }
        }
        k = end + 1;
    }
    if joins > 0 {
        let mut i = 0;
        chars.retain(|_| {
            let keep = !drop[i];
            i += 1;
            keep
        });
    }
    joins
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> String {
        let mut stats = NormStats::default();
        let mut flags = StreamFlags::default();
        let mut v = fold_chars(
            s.chars().enumerate().map(|(i, c)| (i as u32, c)),
            StreamOpts::default(),
            &mut stats,
            &mut flags,
        );
        join_spaced(&mut v);
        v.iter().map(|k| k.c).collect()
    }

    #[test]
    fn character_steps() {
        assert_eq!(run("ك\u{FE76}لب"), "كلب");
        assert_eq!(run("ﻛﻠﺐ"), "كلب");
        assert_eq!(run("ﻛﻼﺏ"), "كلاب");
        assert_eq!(run("İDİOT"), "idiot");
        assert_eq!(run("حمـــــار"), "حمار");
        assert_eq!(run("a\u{7}b"), "a b");
        assert_eq!(run("  x   y "), "x y");
    }

    #[test]
    fn spaced_letters() {
        assert_eq!(run("كـ ـلـ ـب"), "كلب");
        assert_eq!(run("s * t * u * p * i * d"), "stupid");
        assert_eq!(run("7 m a r"), "7mar");
        assert_eq!(run("i\u{2800}d\u{2800}i\u{2800}o\u{2800}t"), "idiot");
        assert_eq!(run("a b"), "a b");
        assert_eq!(run("ok ك ل ب"), "ok كلب");
    }
}
