//! Candidate stems of a token (`normalization.md` §3 and §1.2 step 14): Arabic
//! proclitic/enclitic enumeration, English plural suffixes, Arabizi affixes, and the
//! run-length helpers of step 13.
//!
//! Stems only propose; the keyword lookup decides. The clitic sets are closed and
//! small, so a token yields a bounded number of stems.

use std::sync::OnceLock;

/// Run-collapse a key: `حماااار` → (`حمار`, [1,1,4,1]). Counts saturate at 255.
pub(crate) fn collapse(s: &str) -> (String, Vec<u8>) {
    let mut out = String::with_capacity(s.len());
    let mut runs = Vec::with_capacity(s.len());
    collapse_into(s, &mut out, &mut runs);
    (out, runs)
}

/// [`collapse`] into reused buffers (the hot path allocates nothing).
pub(crate) fn collapse_into(s: &str, out: &mut String, runs: &mut Vec<u8>) {
    out.clear();
    runs.clear();
    let mut last = None;
    for c in s.chars() {
        if Some(c) == last {
            if let Some(r) = runs.last_mut() {
                *r = r.saturating_add(1);
            }
        } else {
            out.push(c);
            runs.push(1);
            last = Some(c);
        }
    }
}

/// `s.strip_prefix(p)` for the short affixes here, as an inlined byte loop: the
/// library version calls memcmp, whose call overhead dominated the profile.
fn cut_prefix<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let (sb, pb) = (s.as_bytes(), p.as_bytes());
    if sb.len() < pb.len() || sb.iter().zip(pb).any(|(a, b)| a != b) {
        return None;
    }
    s.get(pb.len()..)
}

/// `s.strip_suffix(p)`, like [`cut_prefix`].
fn cut_suffix<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    let (sb, pb) = (s.as_bytes(), p.as_bytes());
    if sb.len() < pb.len() || sb.iter().rev().zip(pb.iter().rev()).any(|(a, b)| a != b) {
        return None;
    }
    s.get(..sb.len() - pb.len())
}

/// Whether a key has two equal neighbours, i.e. needs collapsing at all. Most
/// tokens do not, and then every stem is its own lookup key (no copy).
pub(crate) fn has_runs(s: &str) -> bool {
    let mut last = None;
    for c in s.chars() {
        if Some(c) == last {
            return true;
        }
        last = Some(c);
    }
    false
}

/// The lookup key of a stem of a token: the stem itself when the token has no
/// runs, else its collapsed form (written to `buf`, run counts to `runs`).
pub(crate) fn lookup_key<'a>(
    stem: &'a str,
    token_has_runs: bool,
    buf: &'a mut String,
    runs: &mut Vec<u8>,
) -> &'a str {
    if token_has_runs {
        collapse_into(stem, buf, runs);
        buf.as_str()
    } else {
        stem
    }
}

/// Step 13: every text run at least as long as the keyword's run.
pub(crate) fn runs_cover(text: &[u8], keyword: &[u8]) -> bool {
    text.len() == keyword.len() && text.iter().zip(keyword).all(|(t, k)| t >= k)
}

/// The closed clitic sets, grouped by the letter a token must start (proclitics)
/// or end (enclitics) with, so a token only tries the few that can apply.
struct Clitics {
    /// (first letter, [(proclitic, whether a 2-letter keyword may take it)]).
    pro: Vec<(char, Vec<(String, bool)>)>,
    /// (last letter, [enclitic]).
    enc: Vec<(char, Vec<String>)>,
}

fn group<T>(groups: &mut Vec<(char, Vec<T>)>, key: char, item: T) {
    match groups.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => v.push(item),
        None => groups.push((key, vec![item])),
    }
}

fn clitics() -> &'static Clitics {
    static C: OnceLock<Clitics> = OnceLock::new();
    C.get_or_init(|| {
        let mut pro = Vec::new();
        // The vocative, also fused with the article (`يالكلب` for `يا الكلب`).
        let mut all: Vec<String> = vec!["يا".to_string(), "يال".to_string()];
        for conj in ["", "و", "ف"] {
            for prep in ["", "ب", "ك", "ل", "ع"] {
                for art in ["", "ال"] {
                    let p = match (prep, art) {
                        ("ل", "ال") => format!("{conj}لل"),
                        // Dialect ع ("on") only in its contracted form عال.
                        ("ع", "") => continue,
                        ("ع", "ال") => format!("{conj}عال"),
                        _ => format!("{conj}{prep}{art}"),
                    };
                    if !p.is_empty() && !all.contains(&p) {
                        all.push(p);
                    }
                }
            }
        }
        for p in all {
            // Only the article and the vocative for 2-letter keywords (§3).
            let short_ok = p == "ال" || p == "يا";
            if let Some(first) = p.chars().next() {
                group(&mut pro, first, (p, short_ok));
            }
        }
        // Pronouns (plus dialect و "his" and كو "your"), also after the ت that a
        // feminine ة becomes before a suffix (`حمارتك`). ة itself was folded to ه,
        // which the bare ه already covers.
        let mut enc = Vec::new();
        for p in [
            "ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "ي", "ني", "نا", "و", "كو",
        ] {
            for s in [p.to_string(), format!("ت{p}")] {
                if let Some(last) = s.chars().last() {
                    group(&mut enc, last, s);
                }
            }
        }
        Clitics { pro, enc }
    })
}

/// Inflection suffixes, accepted only for keywords that opt in (`inflections`).
const INFLECTIONS: &[&str] = &["ات", "ون", "ين", "ان", "يه"];

/// How a stem was read off its token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StemInfo {
    /// A 2-letter keyword may match this reading (bare, or only ال/يا).
    pub(crate) short_ok: bool,
    /// An inflection suffix was removed (only for keywords that opt in).
    pub(crate) inflected: bool,
    /// No enclitic was removed (phrase words before the last one).
    pub(crate) bare_end: bool,
}

/// Call `f(stem, info)` for every way to read `token` as proclitics + stem +
/// (enclitic or inflection suffix).
pub(crate) fn arabic(token: &str, mut f: impl FnMut(&str, StemInfo)) {
    let c = clitics();
    let (Some(first), Some(last)) = (token.chars().next(), token.chars().last()) else {
        return;
    };
    let empty_pro = [(String::new(), true)];
    let pros = c
        .pro
        .iter()
        .find(|(k, _)| *k == first)
        .map_or(&[][..], |(_, v)| v);
    let encs = c
        .enc
        .iter()
        .find(|(k, _)| *k == last)
        .map_or(&[][..], |(_, v)| v);
    for (p, p_short) in empty_pro.iter().chain(pros) {
        let Some(rest) = cut_prefix(token, p) else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let bare = StemInfo {
            short_ok: *p_short,
            inflected: false,
            bare_end: true,
        };
        f(rest, bare);
        for s in encs {
            if let Some(stem) = cut_suffix(rest, s)
                && !stem.is_empty()
            {
                f(
                    stem,
                    StemInfo {
                        short_ok: false,
                        bare_end: false,
                        ..bare
                    },
                );
            }
        }
        for s in INFLECTIONS {
            if let Some(stem) = cut_suffix(rest, s)
                && !stem.is_empty()
            {
                f(
                    stem,
                    StemInfo {
                        short_ok: false,
                        inflected: true,
                        bare_end: false,
                    },
                );
            }
        }
    }
}

/// English stems: the token and its plural/possessive bases.
pub(crate) fn english(token: &str) -> impl Iterator<Item = &str> {
    let plural = ["'s", "\u{2019}s", "es", "s"]
        .into_iter()
        .filter_map(move |s| cut_suffix(token, s))
        .filter(|stem| stem.chars().count() >= 2);
    std::iter::once(token).chain(plural)
}

const ARABIZI_PREFIXES: &[&str] = &["", "el", "al", "il", "l", "ya", "w", "b"];
const ARABIZI_SUFFIXES: &[&str] = &[
    "", "i", "y", "ak", "ek", "ik", "k", "ha", "hom", "hum", "kom", "kum", "na", "o", "ou", "u",
];

/// Arabizi stems: the token without article/vocative/conjunction prefixes and
/// pronoun suffixes.
pub(crate) fn arabizi(token: &str) -> impl Iterator<Item = &str> {
    // Compare the edge byte first: most affixes fail on it, without a memcmp call.
    let first = token.as_bytes().first().copied();
    let last = token.as_bytes().last().copied();
    ARABIZI_PREFIXES
        .iter()
        .filter(move |p| p.is_empty() || p.as_bytes().first().copied() == first)
        .filter_map(move |p| cut_prefix(token, p))
        .flat_map(move |rest| {
            ARABIZI_SUFFIXES
                .iter()
                .filter(move |s| s.is_empty() || s.as_bytes().last().copied() == last)
                .filter_map(move |s| cut_suffix(rest, s))
                .filter(|stem| stem.chars().nth(1).is_some())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clitic_enumeration() {
        let mut stems = Vec::new();
        arabic("والكلب", |s, _| stems.push(s.to_string()));
        assert!(stems.contains(&"كلب".to_string()));
        let mut stems = Vec::new();
        arabic("كلبنان", |s, info| {
            if !info.inflected {
                stems.push(s.to_string());
            }
        });
        assert!(!stems.contains(&"كلب".to_string()));
        assert_eq!(collapse("aab").1, vec![2, 1]);
        assert!(runs_cover(&[1, 4], &[1, 2]));
        assert!(!runs_cover(&[1, 1], &[1, 2]));
    }
}
