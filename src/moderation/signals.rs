//! Campaign copies: the same text posted again across threads or accounts.
//!
//! Ad campaigns on Arabic news sites post one text under many articles from many
//! accounts, changing only what a copy-paste tool makes easy to vary: the phone
//! number, the link, the handle, the hashtags, emoji, diacritics, tatweel, letter variants and
//! invisible characters. A comment's [`fingerprint`] is a hash of its words with all
//! of those taken out, so such copies share it while any reworded text does not.
//! The store counts the earlier comments of a site with the same fingerprint
//! ([`Copies`]) and whether a moderator already rejected one as spam; the policy
//! turns that into the `signal.duplicate` reason.
//!
//! Short texts get no fingerprint: "شكرا", "great article" and a condolence formula
//! are posted by many honest readers, and counting them would only make noise.

use super::features::{FNV_OFFSET, fnv_bytes, is_link};
use super::normalize::chars::{TATWEEL, fold_arabic, is_invisible, is_letter};
use super::normalize::latin::confusable_fold_non_arabic;
use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;

/// The fewest words (of two letters or more, after the variable parts are taken out)
/// a text needs to be fingerprinted.
pub const MIN_WORDS: usize = 6;

/// How often a site has already seen a comment's fingerprint in the policy's window,
/// counting only copies posted by another author or in another thread (a reader
/// posting twice in one thread is not a campaign).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, utoipa::ToSchema)]
pub struct Copies {
    /// Earlier copies (counted up to the store's cap).
    pub copies: u32,
    /// Distinct authors among them.
    pub authors: u32,
    /// Distinct threads among them.
    pub threads: u32,
    /// A moderator rejected a copy in the window as spam (any author, any thread).
    #[serde(default)]
    pub rejected_as_spam: bool,
}

impl Copies {
    /// The counts in English, as verdicts and the moderator page give them:
    /// "2 times before, by 1 author in 1 thread".
    pub fn summary(&self) -> String {
        let counted =
            |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{} before, by {} in {}",
            counted(self.copies, "time", "times"),
            counted(self.authors, "author", "authors"),
            counted(self.threads, "thread", "threads")
        )
    }
}

/// A fingerprint as the API and the UI show it: 16 hex digits.
pub fn show_fingerprint(f: i64) -> String {
    format!("{:016x}", f as u64)
}

/// A fingerprint from [`show_fingerprint`]'s form.
pub fn parse_fingerprint(s: &str) -> Option<i64> {
    (s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
        .map(|v| v as i64)
}

/// The fingerprint of a comment's body and subject, or `None` for a text too short
/// to tell a campaign from readers who happen to write the same words.
///
/// Tokens that are links, e-mail addresses, handles or hashtags are left out whole
/// (campaigns rotate them); in the
/// rest only letters count, folded as the normalizer folds them (Arabic letter
/// variants, Latin look-alikes, case), so digits, punctuation, emoji, marks,
/// tatweel and invisible characters change nothing; a word is what stands between
/// spaces. Words of one letter are left out too: a digit run broken by a stray
/// letter must not count as words.
pub fn fingerprint(body: &str, subject: Option<&str>) -> Option<i64> {
    let mut hash = Fnv::new();
    let mut words = 0;
    let mut word = String::new();
    for text in subject.into_iter().chain(std::iter::once(body)) {
        for token in text.split_whitespace() {
            if token.contains('@') || token.starts_with('#') || is_link(token) {
                continue;
            }
            for c in token.chars() {
                if is_invisible(c) || c == TATWEEL || is_combining_mark(c) {
                    continue;
                }
                // Only letters count, and nothing else breaks a word: `wh4ts.app`
                // and `whtsapp` are one word, so digits or dots dropped into a
                // word cannot split it into pieces too short to count.
                if is_letter(c) {
                    for l in c.to_lowercase() {
                        word.push(fold_arabic(confusable_fold_non_arabic(l)));
                    }
                }
            }
            words += hash.word(&mut word);
        }
    }
    (words >= MIN_WORDS).then(|| i64::from_ne_bytes(hash.0.to_ne_bytes()))
}

/// FNV-1a over the words, each followed by a separator so `ab c` and `a bc` differ.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(FNV_OFFSET)
    }

    /// Hash a finished word and clear it; 1 if it counted as a word.
    fn word(&mut self, word: &mut String) -> usize {
        let counted = word.chars().nth(1).is_some();
        if counted {
            self.0 = fnv_bytes(fnv_bytes(self.0, word.as_bytes()), &[0xff]);
        }
        word.clear();
        usize::from(counted)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints_read_back_as_shown() {
        for f in [0, 1, -1, i64::MIN, i64::MAX, 0x0123_4567_89ab_cdef] {
            let shown = show_fingerprint(f);
            assert_eq!(shown.len(), 16, "{shown}");
            assert_eq!(parse_fingerprint(&shown), Some(f), "{shown}");
        }
        for bad in [
            "",
            "12",
            "0123456789abcdefg",
            "zzzzzzzzzzzzzzzz",
            "+123456789abcdef",
        ] {
            assert_eq!(parse_fingerprint(bad), None, "{bad}");
        }
    }

    use super::*;

    const AD: &str = "شركة نقل عفش بالرياض مع الفك والتركيب والتغليف بأرخص الأسعار \
                      وضمان عدم الكسر 🚚 اتصل 0551234567 https://naql.example.com";

    #[test]
    fn copies_that_vary_only_the_variable_parts_share_a_fingerprint() {
        let base = fingerprint(AD, None);
        assert!(base.is_some());
        for copy in [
            // another number, another link, other emoji and punctuation
            "شركة نقل عفش بالرياض مع الفك والتركيب والتغليف بأرخص الأسعار \
             وضمان عدم الكسر!!! 📦📦 اتصل ٠٥٥٩٨٧٦٥٤٣ www.afsh-riyadh.com",
            // diacritics, tatweel, a zero-width joiner, Persian kaf, hamza-less alef
            "شَركة نقـــل عفش بالر\u{200D}ياض مع الفك والترکيب والتغليف بارخص الاسعار \
             وضمان عدم الكسر اتصل 0500000000 @naql_riyadh #نقل_عفش #الرياض",
            // line breaks instead of spaces
            "شركة نقل عفش بالرياض\nمع الفك والتركيب والتغليف\nبأرخص الأسعار وضمان عدم الكسر\nاتصل",
        ] {
            assert_eq!(fingerprint(copy, None), base, "{copy}");
        }
        // Case and Latin look-alikes fold as well.
        assert_eq!(
            fingerprint(
                "Earn 500 USD a day from home, message me on WhatsApp 555",
                None
            ),
            fingerprint(
                "earn 900 usd a dаy frоm home - message me on whatsapp!",
                None
            ),
        );
    }

    #[test]
    fn reworded_text_and_word_order_change_the_fingerprint() {
        let base = fingerprint(AD, None);
        assert_ne!(
            fingerprint(&AD.replace("بأرخص", "بأفضل"), None),
            base,
            "one word changed"
        );
        assert_ne!(
            fingerprint(&AD.replace("نقل عفش", "عفش نقل"), None),
            base,
            "two words swapped"
        );
        assert_ne!(
            fingerprint(AD, Some("عرض")),
            base,
            "a subject is part of it"
        );
        assert_ne!(
            fingerprint("ab cd ef gh ij kl", None),
            fingerprint("abc d ef gh ij kl", None)
        );
    }

    mod props {
        use super::super::fingerprint;
        use proptest::prelude::*;

        /// Words of two or more Arabic or Latin letters.
        fn words() -> impl Strategy<Value = Vec<String>> {
            let word = prop_oneof!["[a-z]{2,8}", "[ابتثجحخدذرزسشصضطظعغفقكلمنهوي]{2,7}"];
            prop::collection::vec(word, 6..14)
        }

        /// What a campaign varies between copies, inserted between and inside words.
        fn noise() -> impl Strategy<Value = String> {
            prop_oneof![
                "[0-9]{1,10}",
                "[٠-٩]{1,10}",
                Just("\u{200B}".to_string()),
                Just("\u{0640}".to_string()),
                Just("\u{064E}".to_string()),
                Just("🚚".to_string()),
                Just("!!".to_string()),
            ]
        }

        proptest! {
            /// Digits, invisibles, tatweel, harakat, emoji and punctuation anywhere,
            /// and extra links, handles and hashtags between words, leave the
            /// fingerprint as it was.
            #[test]
            fn variable_parts_never_change_it(
                ws in words(),
                inside in prop::collection::vec((any::<prop::sample::Index>(), noise()), 0..6),
                between in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![
                    "[0-9]{3,12}",
                    "https://[a-z]{3,8}\\.com/[a-z0-9]{0,6}",
                    "@[a-z_]{2,10}",
                    "#[a-z_]{2,10}",
                ]), 0..4),
            ) {
                let plain = ws.join(" ");
                let mut noisy: Vec<String> = ws.clone();
                for (at, n) in &inside {
                    // Inside a word, after its first letter: never splits the word
                    // into two counted words, since noise is not a letter.
                    let w = at.get_mut(&mut noisy);
                    let first = w.chars().next().map_or(0, char::len_utf8);
                    w.insert_str(first, n);
                }
                for (at, token) in &between {
                    let i = at.index(noisy.len() + 1);
                    noisy.insert(i, token.clone());
                }
                let noisy = noisy.join(" ");
                prop_assert!(fingerprint(&plain, None).is_some());
                prop_assert_eq!(fingerprint(&noisy, None), fingerprint(&plain, None), "{}", noisy);
            }
        }
    }

    #[test]
    fn short_texts_get_no_fingerprint() {
        for short in [
            "شكرا",
            "مقال رائع جدا",
            "إنا لله وإنا إليه راجعون",
            "Great article, thanks!",
            // digits and one-letter pieces are not words
            "0 5 5 1 2 3 4 5 6 7 a b c d e f g",
            "call 0551234567 https://x.example.com @someone me@example.com",
        ] {
            assert_eq!(fingerprint(short, None), None, "{short}");
        }
        assert!(fingerprint("one two three four five six", None).is_some());
    }
}
