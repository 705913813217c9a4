//! Drop-in compatibility endpoints: other services' wire protocols answered by raqib,
//! so existing sites and libraries switch by changing a URL (field-level
//! specification: `docs/compat.md`).
//!
//! - [`perspective`]: Google Perspective `comments:analyze` / `:suggestscore` and the
//!   discovery document.
//! - [`akismet`]: Akismet 1.1 `verify-key`, `comment-check`, `submit-spam`/`-ham`.
//! - [`coral`]: Coral's signed external moderation phase, and the admin route that
//!   stores the signing secrets.
//! - [`openai`]: OpenAI-style `POST /v1/moderations`.
//!
//! Every protocol calls the same [`crate::service`] functions as the native API, so
//! rate limits, metrics and audit apply alike. This file holds what the protocols
//! share and keeps it pure: turning a verdict into Perspective-style attribute
//! scores ([`Profile`]), UTF-16 offsets, sentence spans, HTML to text, and the small
//! parsers (form bodies, Basic auth) the protocols need. Each protocol owns its error
//! type and maps it to its own wire format once.

pub mod akismet;
pub mod coral;
pub mod openai;
pub mod perspective;

use crate::app::AppState;
use crate::moderation::policy::{HeadThresholds, Thresholds};
use crate::moderation::{Action, Decision, Field, Label, Policy, Reason};
use crate::service::VerdictResponse;
use axum::Router;
use axum::body::{Body, Bytes};

/// Every compatibility route, merged into the main router by `http::router`.
pub fn router() -> Router<AppState> {
    perspective::routes()
        .merge(akismet::routes())
        .merge(coral::routes())
        .merge(openai::routes())
}

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge,
    Unreadable(String),
}

/// Read a whole request body, at most `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // The limit error's type belongs to a crate raqib does not depend on directly;
        // its message is stable ("length limit exceeded"), so look for it in the chain.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if err.to_string().contains("length limit exceeded") {
                return BodyError::TooLarge;
            }
            source = err.source();
        }
        BodyError::Unreadable(e.to_string())
    })
}

/// The Perspective attributes raqib scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attribute {
    Toxicity,
    SevereToxicity,
    IdentityAttack,
    Insult,
    Profanity,
    Threat,
    Spam,
}

impl Attribute {
    /// Every attribute, in response order.
    pub const ALL: [Attribute; 7] = [
        Attribute::Toxicity,
        Attribute::SevereToxicity,
        Attribute::IdentityAttack,
        Attribute::Insult,
        Attribute::Profanity,
        Attribute::Threat,
        Attribute::Spam,
    ];

    /// The share of the overall abuse (or spam) score an attribute gets when no rule
    /// of its own kind matched: a toxic comment is not necessarily a threat.
    fn fallback_share(self) -> f32 {
        match self {
            Attribute::Toxicity | Attribute::Spam => 1.0,
            Attribute::Insult => 0.8,
            Attribute::SevereToxicity | Attribute::Profanity => 0.5,
            Attribute::IdentityAttack | Attribute::Threat => 0.3,
        }
    }

    fn head(self) -> Label {
        match self {
            Attribute::Spam => Label::Spam,
            _ => Label::Abuse,
        }
    }

    /// Whether a matched rule speaks for this attribute. Rule ids of the shipped packs
    /// name their kind (`ar-threat`, `en-obscene-strong`, `en-insult`); a site's own
    /// rules count towards `TOXICITY` / `SPAM` through their label.
    fn covers(self, rule_id: &str, label: Label, action: Action) -> bool {
        if label != self.head() {
            return false;
        }
        let id = rule_id.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| id.contains(w));
        match self {
            Attribute::Toxicity | Attribute::Spam => true,
            // Severe: what raqib rejects outright, and threats it holds; a weak
            // threat hint alone is not severe.
            Attribute::SevereToxicity => {
                action == Action::Reject || (action == Action::Review && has(&["threat"]))
            }
            Attribute::IdentityAttack => has(&["hate", "identity", "slur", "racis", "sectarian"]),
            // Harassment without an insult word ("get back in the kitchen") is
            // Perspective's "negative comment towards a person" all the same.
            Attribute::Insult => has(&["insult", "harass"]),
            Attribute::Profanity => has(&["obscene", "profan"]),
            Attribute::Threat => has(&["threat"]),
        }
    }
}

/// Map a head score onto the scale Perspective clients expect, anchored on the site's
/// thresholds: below `review_at` → [0, 0.79]; from `review_at` → [0.81, 0.95); from
/// `reject_at` → [0.95, 1]. Coral withholds at `> 0.80` by default, so it then holds
/// exactly what raqib would send to review. 0.79–0.81 is never produced so that the
/// strict `>` and raqib's `≥` agree.
pub fn calibrate(score: f32, t: Thresholds) -> f32 {
    let s = score.clamp(0.0, 1.0);
    let frac = |x: f32, lo: f32, hi: f32| {
        if hi > lo {
            ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            1.0
        }
    };
    let v = if s < t.review_at {
        0.79 * frac(s, 0.0, t.review_at)
    } else if s < t.reject_at {
        0.81 + 0.14 * frac(s, t.review_at, t.reject_at)
    } else {
        0.95 + 0.05 * frac(s, t.reject_at, 1.0)
    };
    // Four decimals: enough for a probability, and stable across f32 rounding.
    (v * 10_000.0).round() / 10_000.0
}

/// The calibrated score one matched rule stands for.
fn rule_score(action: Action, weight: Option<f32>, t: Thresholds) -> f32 {
    match action {
        Action::Reject => 0.97,
        Action::Review => 0.85,
        Action::Score => calibrate(weight.unwrap_or(0.0), t),
        Action::Allow => 0.0,
    }
}

/// A matched rule, as the scoring below needs it.
struct RuleHit {
    rule_id: String,
    label: Label,
    action: Action,
    weight: Option<f32>,
    /// Code points in the body, when the match is in the body.
    span: Option<(usize, usize)>,
}

fn rule_hits(reasons: &[Reason]) -> Vec<RuleHit> {
    reasons
        .iter()
        .filter_map(|r| {
            Some(RuleHit {
                rule_id: r.rule_id.clone()?,
                label: r.label?,
                action: r.action?,
                weight: r.weight,
                span: r
                    .span
                    .filter(|s| s.field == Field::Body)
                    .map(|s| (s.start, s.end)),
            })
        })
        .collect()
}

/// A verdict seen through Perspective's eyes: a calibrated score per attribute, and
/// per-sentence scores when asked for.
pub struct Profile {
    hits: Vec<RuleHit>,
    thresholds: HeadThresholds,
    /// Head scores from the classifier alone (rule weights taken out), for sentences
    /// no rule touched.
    model_only: [f32; 2],
    /// Head scores as the verdict has them (model plus weighted rules).
    overall: [f32; 2],
    pub decision: Decision,
}

fn head_index(label: Label) -> usize {
    match label {
        Label::Spam => 0,
        Label::Abuse => 1,
    }
}

impl Profile {
    /// Build from a verdict and the site's policy (its thresholds for the verdict's
    /// language anchor the calibration).
    pub fn new(v: &VerdictResponse, policy: &Policy) -> Profile {
        Profile::from_parts(&v.language, &v.scores, &v.reasons, v.decision, policy)
    }

    /// Build from the core's verdict (no HTTP response around it: `raqib eval --engine`).
    pub fn from_verdict(v: &crate::moderation::Verdict, policy: &Policy) -> Profile {
        Profile::from_parts(&v.language, &v.scores, &v.reasons, v.decision, policy)
    }

    fn from_parts(
        language: &str,
        scores: &crate::moderation::Scores,
        reasons: &[Reason],
        decision: Decision,
        policy: &Policy,
    ) -> Profile {
        let thresholds = policy
            .languages
            .get(language)
            .copied()
            .unwrap_or(policy.thresholds);
        let hits = rule_hits(reasons);
        let mut model_only = [scores.spam, scores.abuse];
        for h in hits.iter().filter(|h| h.action == Action::Score) {
            let i = head_index(h.label);
            model_only[i] = (model_only[i] - h.weight.unwrap_or(0.0)).max(0.0);
        }
        Profile {
            hits,
            thresholds,
            model_only,
            overall: [scores.spam, scores.abuse],
            decision,
        }
    }

    /// A head's whole-comment score: TOXICITY for abuse, SPAM for spam.
    pub fn head_score(&self, label: Label) -> f32 {
        self.score(match label {
            Label::Spam => Attribute::Spam,
            Label::Abuse => Attribute::Toxicity,
        })
    }

    fn head_thresholds(&self, label: Label) -> Thresholds {
        match label {
            Label::Spam => self.thresholds.spam,
            Label::Abuse => self.thresholds.abuse,
        }
    }

    /// The whole-comment score of an attribute.
    pub fn score(&self, a: Attribute) -> f32 {
        let label = a.head();
        let t = self.head_thresholds(label);
        let base = calibrate(self.overall[head_index(label)], t) * a.fallback_share();
        let from_rules = self
            .hits
            .iter()
            .filter(|h| a.covers(&h.rule_id, h.label, h.action))
            .map(|h| rule_score(h.action, h.weight, t))
            .fold(0.0_f32, f32::max);
        round4(base.max(from_rules))
    }

    /// Per-sentence scores of an attribute over `text` (the body the verdict is for):
    /// `(begin, end, score)` in UTF-16 code units, `end` exclusive. A sentence gets the
    /// strongest rule of the attribute's kind that matched inside it, or else the
    /// classifier's share.
    pub fn span_scores(&self, a: Attribute, text: &str) -> Vec<(usize, usize, f32)> {
        let label = a.head();
        let t = self.head_thresholds(label);
        let background =
            round4(calibrate(self.model_only[head_index(label)], t) * a.fallback_share());
        let utf16 = Utf16Index::new(text);
        sentences(text)
            .into_iter()
            .map(|(start, end)| {
                let score = self
                    .hits
                    .iter()
                    .filter(|h| a.covers(&h.rule_id, h.label, h.action))
                    .filter(|h| h.span.is_some_and(|(s, e)| s < end && e > start))
                    .map(|h| rule_score(h.action, h.weight, t))
                    .fold(background, f32::max);
                (utf16.at(start), utf16.at(end), round4(score))
            })
            .collect()
    }

    /// Whether spam is among the things that stopped the comment: a spam rule asking
    /// for review or rejection, or the spam head over its review threshold.
    pub fn spam_decisive(&self) -> bool {
        self.hits
            .iter()
            .any(|h| h.label == Label::Spam && matches!(h.action, Action::Reject | Action::Review))
            || self.overall[0] >= self.thresholds.spam.review_at
    }

    /// Whether abuse is among the things that stopped the comment.
    pub fn abuse_decisive(&self) -> bool {
        self.hits
            .iter()
            .any(|h| h.label == Label::Abuse && matches!(h.action, Action::Reject | Action::Review))
            || self.overall[1] >= self.thresholds.abuse.review_at
    }

    /// Blatant spam: a spam rule rejects it or the spam head is over `reject_at`.
    pub fn spam_certain(&self) -> bool {
        self.hits
            .iter()
            .any(|h| h.label == Label::Spam && h.action == Action::Reject)
            || self.overall[0] >= self.thresholds.spam.reject_at
    }

    /// Whether a rule of the attribute's own kind matched (`TOXICITY` and `SPAM`,
    /// which every rule of their head covers, never count). Coral's rejection reason
    /// is chosen from this.
    pub fn has_rule_for(&self, a: Attribute) -> bool {
        a != Attribute::Toxicity
            && a != Attribute::Spam
            && self.hits.iter().any(|h| {
                matches!(h.action, Action::Reject | Action::Review)
                    && a.covers(&h.rule_id, h.label, h.action)
            })
    }
}

fn round4(v: f32) -> f32 {
    (v * 10_000.0).round() / 10_000.0
}

/// Code point offset → UTF-16 code unit offset for one text.
pub struct Utf16Index {
    /// `units[i]`: UTF-16 units before code point `i`; one extra entry for the end.
    units: Vec<usize>,
}

impl Utf16Index {
    pub fn new(text: &str) -> Utf16Index {
        let mut units = Vec::with_capacity(text.len() + 1);
        let mut n = 0;
        units.push(0);
        for c in text.chars() {
            n += c.len_utf16();
            units.push(n);
        }
        Utf16Index { units }
    }

    /// The UTF-16 offset of code point `i` (clamped to the end).
    pub fn at(&self, i: usize) -> usize {
        self.units
            .get(i)
            .or_else(|| self.units.last())
            .copied()
            .unwrap_or(0)
    }
}

/// Sentences of a text as code point ranges, surrounding white space left out. A
/// sentence ends after `.`, `!`, `?`, `؟`, `…`, `۔` (runs of them together) or at a
/// line break. Perspective's spans are per sentence too.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let push = |out: &mut Vec<(usize, usize)>, s: usize, e: usize| {
        let mut s = s;
        let mut e = e;
        while s < e && chars[s].is_whitespace() {
            s += 1;
        }
        while e > s && chars[e - 1].is_whitespace() {
            e -= 1;
        }
        if s < e {
            out.push((s, e));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' || c == '\r' {
            push(&mut out, start, i);
            start = i + 1;
        } else if matches!(c, '.' | '!' | '?' | '؟' | '…' | '۔') {
            let mut j = i + 1;
            while j < chars.len() && matches!(chars[j], '.' | '!' | '?' | '؟' | '…' | '۔') {
                j += 1;
            }
            // Only a boundary when followed by space or the end: "3.5" and "a.b" stay.
            if j == chars.len() || chars[j].is_whitespace() {
                push(&mut out, start, j);
                start = j;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    push(&mut out, start, chars.len());
    out
}

/// Plain text from an HTML comment body (Coral sends HTML): tags dropped, block
/// boundaries as line breaks, the common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            // A lone `<` is text.
            out.push_str(&decode_entities(&rest[lt..]));
            return out;
        };
        let tag = rest[lt + 1..lt + gt]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if matches!(name.as_str(), "br" | "p" | "div" | "li" | "blockquote") && !out.ends_with('\n')
        {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(&decode_entities(rest));
    out.trim().to_string()
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&n| n <= 10).and_then(|n| {
            let name = &after[..n];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, n))
        });
        match decoded {
            Some((c, n)) => {
                out.push(c);
                rest = &after[n + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `application/x-www-form-urlencoded` (and query strings) into pairs, in order. Both
/// `+` and `%20` are spaces; bytes that are not UTF-8 are replaced, not rejected, since
/// old clients send their blog's charset.
pub fn parse_form(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = match part.iter().position(|&b| b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &[][..]),
            };
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &[u8]) -> String {
    let hex = |b: u8| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The user name of an `Authorization: Basic` header.
pub fn basic_user(header: &str) -> Option<String> {
    let (scheme, b64) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64_decode(b64.trim())?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split_once(':').map_or(text.as_str(), |(u, _)| u);
    Some(user.to_string())
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s.trim_end_matches('=').as_bytes() {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// Keep at most `max` characters: compat clients cannot act on a "too long" error
/// for an author name, so long fields are cut, not refused.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn verdict(abuse: f32, reasons: Vec<Reason>, decision: Decision) -> VerdictResponse {
        VerdictResponse {
            comment_id: None,
            external_id: None,
            status: decision.status(),
            decision,
            decided_by: crate::moderation::DecidedBy::Policy,
            language: "en".into(),
            scores: crate::moderation::Scores {
                spam: 0.0,
                abuse,
                spam_without_links: None,
            },
            reasons,
            model_version: "none".into(),
            rules_version: "test".into(),
        }
    }

    fn rule(id: &str, action: Action, weight: Option<f32>, span: (usize, usize)) -> Reason {
        Reason {
            code: "rule.keyword".into(),
            rule_id: Some(id.into()),
            label: Some(Label::Abuse),
            action: Some(action),
            weight,
            span: Some(crate::moderation::Span {
                field: Field::Body,
                start: span.0,
                end: span.1,
            }),
            ..Reason::default()
        }
    }

    #[test]
    fn attributes_follow_the_kind_of_rule_that_matched() {
        let policy = Policy::default();
        // "you idiot. go on": an insult that only adds to the score.
        let v = verdict(
            0.5,
            vec![rule("en-insult", Action::Score, Some(0.5), (4, 9))],
            Decision::Review,
        );
        let p = Profile::new(&v, &policy);
        assert!(p.score(Attribute::Toxicity) > 0.8);
        assert!(p.score(Attribute::Insult) > 0.8);
        assert!(p.score(Attribute::Threat) < 0.3);
        assert!(p.score(Attribute::SevereToxicity) < 0.5);
        assert_eq!(p.score(Attribute::Spam), 0.0);
        assert!(p.abuse_decisive() && !p.spam_decisive());
        let spans = p.span_scores(Attribute::Insult, "you idiot. go on");
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].0, spans[0].1), (0, 10));
        assert!(spans[0].2 > 0.8);
        // The model gave nothing: the clean sentence gets nothing.
        assert_eq!(spans[1], (11, 16, 0.0));

        // An obscenity rule that rejects is severe and profane.
        let v = verdict(
            0.0,
            vec![rule("en-obscene-strong", Action::Reject, None, (0, 8))],
            Decision::Reject,
        );
        let p = Profile::new(&v, &policy);
        assert!(p.score(Attribute::SevereToxicity) > 0.95);
        assert!(p.score(Attribute::Profanity) > 0.95);
        assert!(p.has_rule_for(Attribute::Profanity));
        assert!(!p.has_rule_for(Attribute::Threat));

        // Intimidation without an insult word ("I know where you live") is a threat
        // the shipped packs hold for review: THREAT and severe, not INSULT.
        let v = verdict(
            0.2,
            vec![rule(
                "en-threat-intimidation",
                Action::Review,
                None,
                (0, 21),
            )],
            Decision::Review,
        );
        let p = Profile::new(&v, &policy);
        assert!(p.has_rule_for(Attribute::Threat));
        assert!(p.score(Attribute::Threat) > 0.8);
        assert!(p.score(Attribute::SevereToxicity) > 0.8);
        assert!(!p.has_rule_for(Attribute::Insult));

        // Hate aimed at a group is an identity attack; harassment without an insult
        // word is an insult.
        let v = verdict(
            0.1,
            vec![
                rule("ar-hate-group", Action::Review, None, (0, 10)),
                rule("en-harass-sexist", Action::Review, None, (11, 20)),
            ],
            Decision::Review,
        );
        let p = Profile::new(&v, &policy);
        assert!(p.score(Attribute::IdentityAttack) > 0.8);
        assert!(p.score(Attribute::Insult) > 0.8);
        assert!(!p.has_rule_for(Attribute::Threat));
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs() {
        let text = "أنت 👍 x";
        let idx = Utf16Index::new(text);
        // أ ن ت space = 4 code points = 4 units; 👍 is 1 code point, 2 units.
        assert_eq!(idx.at(4), 4);
        assert_eq!(idx.at(5), 6);
        assert_eq!(idx.at(7), 8);
        assert_eq!(idx.at(99), 8);
    }

    #[test]
    fn sentences_split_on_arabic_and_latin_punctuation() {
        let text = "Hello there. كيف حالك؟ Price 3.5 ok!\nnext";
        let got: Vec<String> = sentences(text)
            .into_iter()
            .map(|(s, e)| text.chars().skip(s).take(e - s).collect())
            .collect();
        assert_eq!(got, ["Hello there.", "كيف حالك؟", "Price 3.5 ok!", "next"]);
    }

    #[test]
    fn calibration_puts_review_threshold_above_coral_default() {
        let t = Thresholds {
            review_at: 0.5,
            reject_at: 0.9,
        };
        assert!(calibrate(0.49, t) < 0.8);
        assert!(calibrate(0.5, t) > 0.8);
        assert!(calibrate(0.9, t) >= 0.95);
        assert_eq!(calibrate(0.0, t), 0.0);
        assert_eq!(calibrate(1.0, t), 1.0);
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text("<p>Here&#39;s a <b>comment</b>!</p><p>a &amp; b</p>"),
            "Here's a comment!\na & b"
        );
        assert_eq!(html_to_text("1 < 2"), "1 < 2");
    }

    #[test]
    fn forms_decode_plus_and_percent() {
        let pairs = parse_form(b"a=Reader+One&b=Reader%20One&c=%D9%85&d&e=%zz&f=%4");
        assert_eq!(pairs[0], ("a".into(), "Reader One".into()));
        assert_eq!(pairs[1], ("b".into(), "Reader One".into()));
        assert_eq!(pairs[2], ("c".into(), "م".into()));
        assert_eq!(pairs[3], ("d".into(), String::new()));
        assert_eq!(pairs[4], ("e".into(), "%zz".into()));
        assert_eq!(pairs[5], ("f".into(), "%4".into()));
    }

    #[test]
    fn basic_auth_user() {
        assert_eq!(
            basic_user("Basic dGVzdGtleS46dW5kZWZpbmVk").as_deref(),
            Some("testkey.")
        );
        assert_eq!(basic_user("Bearer x"), None);
    }
}
