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
    let mut runs: Vec<u8> = Vec::with_capacity(s.len());
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
    (out, runs)
}

/// Step 13: every text run at least as long as the keyword's run.
pub(crate) fn runs_cover(text: &[u8], keyword: &[u8]) -> bool {
    text.len() == keyword.len() && text.iter().zip(keyword).all(|(t, k)| t >= k)
}

/// Proclitic strings with whether a 2-letter keyword may take them (only the bare
/// token, the article and the vocative: short vulgar roots are high-risk).
fn proclitics() -> &'static [(String, bool)] {
    static P: OnceLock<Vec<(String, bool)>> = OnceLock::new();
    P.get_or_init(|| {
        let mut v = vec![(String::new(), true), ("يا".to_string(), true)];
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
                    if !p.is_empty() && !v.iter().any(|(q, _)| *q == p) {
                        let short_ok = p == "ال";
                        v.push((p, short_ok));
                    }
                }
            }
        }
        v
    })
}

/// Pronoun enclitics (plus dialect و "his" and كو "your"), also after the ت that
/// a feminine ة becomes before a suffix (`حمارتك`). ة itself was folded to ه,
/// which the bare ه already covers.
fn enclitics() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| {
        let pronouns = [
            "ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "ي", "ني", "نا", "و", "كو",
        ];
        let mut v = vec![String::new()];
        for p in pronouns {
            v.push(p.to_string());
            v.push(format!("ت{p}"));
        }
        v
    })
}

/// Inflection suffixes, accepted only for keywords that opt in (`inflections`).
const INFLECTIONS: &[&str] = &["ات", "ون", "ين", "ان", "يه"];

/// Call `f(stem, short_ok, inflected)` for every way to read `token` as
/// proclitics + stem + enclitics (or + an inflection suffix).
pub(crate) fn arabic(token: &str, mut f: impl FnMut(&str, bool, bool)) {
    for (p, p_short) in proclitics() {
        let Some(rest) = token.strip_prefix(p.as_str()) else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        for s in enclitics() {
            if let Some(stem) = rest.strip_suffix(s.as_str())
                && !stem.is_empty()
            {
                f(stem, *p_short && s.is_empty(), false);
            }
        }
        for s in INFLECTIONS {
            if let Some(stem) = rest.strip_suffix(s)
                && !stem.is_empty()
            {
                f(stem, false, true);
            }
        }
    }
}

/// English stems: the token and its plural/possessive bases.
pub(crate) fn english(token: &str) -> impl Iterator<Item = &str> {
    let plural = ["'s", "\u{2019}s", "es", "s"]
        .into_iter()
        .filter_map(move |s| token.strip_suffix(s))
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
    ARABIZI_PREFIXES.iter().flat_map(move |p| {
        let rest = token.strip_prefix(p);
        ARABIZI_SUFFIXES.iter().filter_map(move |s| {
            rest.and_then(|r| r.strip_suffix(s))
                .filter(|stem| stem.chars().count() >= 2)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clitic_enumeration() {
        let mut stems = Vec::new();
        arabic("والكلب", |s, _, _| stems.push(s.to_string()));
        assert!(stems.contains(&"كلب".to_string()));
        let mut stems = Vec::new();
        arabic("كلبنان", |s, _, infl| {
            if !infl {
                stems.push(s.to_string());
            }
        });
        assert!(!stems.contains(&"كلب".to_string()));
        assert_eq!(collapse("aab").1, vec![2, 1]);
        assert!(runs_cover(&[1, 4], &[1, 2]));
        assert!(!runs_cover(&[1, 1], &[1, 2]));
    }
}
