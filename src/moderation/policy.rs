//! The decision policy: turns rule matches and classifier scores into approve /
//! reject / review, explaining every contribution as a [`Reason`].
//!
//! Precedence, strongest first: a `reject` rule; an `allow` rule; a `review` rule;
//! the score thresholds (after `score` rules add their weights and author trust
//! shifts the thresholds); finally the site's mode (`premoderate` holds what would be
//! approved, `postmoderate` publishes what would be held).

use super::rules::RuleMatch;
use super::signals::Copies;
use super::{Action, DecidedBy, Decision, Label, Reason, Scores, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a site wants comments handled.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Decide by rules and scores.
    #[default]
    Auto,
    /// Everything waits for a moderator unless a rule rejects it.
    Premoderate,
    /// Everything is published unless the policy rejects it.
    Postmoderate,
}

/// Score thresholds of one head.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub review_at: f32,
    pub reject_at: f32,
}

/// Thresholds for both heads.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadThresholds {
    pub spam: Thresholds,
    pub abuse: Thresholds,
}

impl HeadThresholds {
    fn get(&self, label: Label) -> Thresholds {
        match label {
            Label::Spam => self.spam,
            Label::Abuse => self.abuse,
        }
    }
}

impl Default for HeadThresholds {
    fn default() -> Self {
        HeadThresholds {
            spam: Thresholds {
                review_at: 0.5,
                reject_at: 0.9,
            },
            // Chosen on rows no part of the model learnt from (`models/README.md`,
            // "Policy thresholds"): at 0.9 about one clean Arabic comment in 100 was
            // rejected outright, which at a realistic share of abuse makes one
            // rejection in eight a mistake. 0.99 is the lowest cut whose rejections
            // stay ≥ 95 % right in both languages when a fifth of the comments are
            // abusive; the rest of the band goes to a moderator instead.
            abuse: Thresholds {
                review_at: 0.5,
                reject_at: 0.99,
            },
        }
    }
}

/// A site's policy, editable by admins.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    pub mode: Mode,
    pub thresholds: HeadThresholds,
    /// Per-language thresholds (`ar`, `en`, `arabizi`) replacing the defaults.
    pub languages: BTreeMap<String, HeadThresholds>,
    /// Authors with at least this many approved and no rejected comments are trusted.
    pub trusted_min_approved: u32,
    /// How much trusted authors' thresholds are raised (more lenient).
    pub trusted_shift: f32,
    /// How much thresholds are lowered for authors with recent rejections.
    pub recent_rejection_shift: f32,
    /// The window, in days, that counts as "recent" for rejections.
    pub recent_rejection_days: u32,
    /// Hold the first comment of an author never seen before.
    pub hold_new_authors: bool,
    /// What earlier copies of a comment's text mean (campaigns).
    pub duplicates: Duplicates,
}

/// Campaign copies: a text the site has already seen, posted by another author or
/// in another thread (`moderation::signals`). Counted on stored submits and edits;
/// a dry run (`/v1/check`) scores the text alone.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Duplicates {
    /// How far back, in hours, earlier copies count.
    pub window_hours: u32,
    /// Earlier copies that make a comment a campaign copy; 0 turns the signal off.
    pub min_copies: u32,
    /// Added to a campaign copy's spam score, as a `score` rule's weight is.
    pub spam_weight: f32,
    /// Also hold every campaign copy for a moderator, whatever its scores (brigading
    /// on a sensitive story). Off by default: readers copy prayers and slogans too.
    pub hold: bool,
    /// Reject a copy of a text that a moderator rejected as spam within the window,
    /// from its first copy on: one decision clears the rest of a campaign.
    pub follow_moderators: bool,
}

impl Default for Duplicates {
    fn default() -> Self {
        // A weight, not a hold: an ad the model finds doubtful (spam 0.2–0.6) is
        // held or rejected once it turns out to be a campaign, while the honest
        // text many readers share (a prayer of condolence, a slogan) reads clean
        // and stays under review_at with the weight added.
        Duplicates {
            window_hours: 72,
            min_copies: 2,
            spam_weight: 0.3,
            hold: false,
            follow_moderators: true,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mode: Mode::Auto,
            thresholds: HeadThresholds::default(),
            languages: BTreeMap::new(),
            trusted_min_approved: 5,
            trusted_shift: 0.1,
            recent_rejection_shift: 0.15,
            recent_rejection_days: 7,
            hold_new_authors: false,
            duplicates: Duplicates::default(),
        }
    }
}

/// Why a policy is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{field}: {message}")]
pub struct PolicyError {
    pub field: String,
    pub message: String,
}

impl Policy {
    /// The start, in ms since the epoch, of the window whose rejections count as
    /// recent at `now_ms`.
    pub fn recent_since(&self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.recent_rejection_days) * 86_400_000
    }

    /// The start, in ms since the epoch, of the window whose copies of a text count
    /// at `now_ms`.
    pub fn duplicates_since(&self, now_ms: i64) -> i64 {
        now_ms - i64::from(self.duplicates.window_hours) * 3_600_000
    }

    /// Whether copies of a text matter to this policy at all (`min_copies` 0 turns
    /// the signal off, and then nobody needs to count them).
    pub fn counts_copies(&self) -> bool {
        self.duplicates.min_copies > 0
    }

    /// Whether `copies` make a comment a campaign copy.
    pub fn is_campaign(&self, copies: &Copies) -> bool {
        self.counts_copies() && copies.copies >= self.duplicates.min_copies
    }

    /// Whether a moderator's spam rejection of an earlier copy rejects this one.
    fn follows_moderators(&self, copies: &Copies) -> bool {
        self.counts_copies() && self.duplicates.follow_moderators && copies.rejected_as_spam
    }

    /// When a moderator's decision rejects the other copies of its text as well:
    /// a rejection with the reason `spam` under `follow_moderators`, which from then
    /// on rejects every later copy too. Returns the start of the window whose copies
    /// go with it. A rejection for another reason (off topic, a personal attack) is
    /// not a verdict on the text.
    pub fn copies_rejected_since(&self, reason_code: Option<&str>, now_ms: i64) -> Option<i64> {
        (self.counts_copies() && self.duplicates.follow_moderators && reason_code == Some("spam"))
            .then(|| self.duplicates_since(now_ms))
    }

    /// What being a campaign copy adds to the spam score: 0 unless it is one.
    pub fn duplicate_weight(&self, copies: &Copies) -> f32 {
        if self.is_campaign(copies) {
            self.duplicates.spam_weight
        } else {
            0.0
        }
    }

    /// Check ranges and ordering; called before a policy is saved.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let mut all = vec![("thresholds".to_string(), self.thresholds)];
        all.extend(
            self.languages
                .iter()
                .map(|(lang, t)| (format!("languages.{lang}"), *t)),
        );
        for (prefix, heads) in all {
            for (head, t) in [("spam", heads.spam), ("abuse", heads.abuse)] {
                let field = format!("{prefix}.{head}");
                for (name, v) in [("review_at", t.review_at), ("reject_at", t.reject_at)] {
                    if !(0.0..=1.0).contains(&v) {
                        return Err(PolicyError {
                            field: format!("{field}.{name}"),
                            message: "must be between 0 and 1".into(),
                        });
                    }
                }
                if t.review_at > t.reject_at {
                    return Err(PolicyError {
                        field: format!("{field}.review_at"),
                        message: "must not exceed reject_at".into(),
                    });
                }
            }
        }
        for (name, v) in [
            ("trusted_shift", self.trusted_shift),
            ("recent_rejection_shift", self.recent_rejection_shift),
            ("duplicates.spam_weight", self.duplicates.spam_weight),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(PolicyError {
                    field: name.into(),
                    message: "must be between 0 and 1".into(),
                });
            }
        }
        if !(1..=24 * 90).contains(&self.duplicates.window_hours) {
            return Err(PolicyError {
                field: "duplicates.window_hours".into(),
                message: "must be between 1 and 2160 (90 days)".into(),
            });
        }
        Ok(())
    }

    /// Decide one comment. `copies` are the earlier copies of its text the site
    /// holds (`Copies::default()` when unknown, as in a dry run).
    pub fn decide(
        &self,
        language: &str,
        matches: &[RuleMatch],
        model_scores: Scores,
        history: &AuthorHistory,
        copies: &Copies,
    ) -> Verdict {
        let mut reasons: Vec<Reason> = matches.iter().map(rule_reason).collect();
        let campaign = self.is_campaign(copies);
        let follow = self.follows_moderators(copies);
        if campaign || follow {
            reasons.push(self.duplicate_reason(copies, campaign, follow));
        }
        let mut scores = model_scores;
        let spam_rules = rule_score(matches, Label::Spam) + self.duplicate_weight(copies);
        scores.spam = (scores.spam + spam_rules).clamp(0.0, 1.0);
        scores.abuse = (scores.abuse + rule_score(matches, Label::Abuse)).clamp(0.0, 1.0);
        if let Some(s) = &mut scores.spam_without_links {
            *s = (*s + spam_rules).clamp(0.0, 1.0);
        }

        let base = self.thresholds_for(language);
        let standing = self.standing(history);
        reasons.extend(standing.reason(self, history));
        let shift = standing.shift(self);

        let mut decision = Decision::Approve;
        for label in [Label::Spam, Label::Abuse] {
            let t = base.get(label);
            let review_at = (t.review_at + shift).clamp(0.0, 1.0);
            let reject_at = (t.reject_at + shift).clamp(0.0, 1.0);
            let score = scores.get(label);
            // Links alone may send a comment to review, never reject it: when the
            // text without its links reads clean (`Scores::spam_without_links` under
            // review_at), a reader is citing a source. A link may still tip a text
            // that is doubtful on its own into a rejection, as ads with links are.
            let links_only = label == Label::Spam
                && scores
                    .spam_without_links
                    .is_some_and(|without| without < review_at);
            let head_decision = if score >= reject_at && !links_only {
                Decision::Reject
            } else if score >= review_at {
                Decision::Review
            } else {
                continue;
            };
            reasons.push(Reason {
                code: format!("model.{}", label_name(label)),
                score: Some(score),
                review_at: Some(review_at),
                reject_at: Some(reject_at),
                ..Reason::default()
            });
            if links_only && score >= reject_at {
                // Say why a score past reject_at only reached review.
                reasons.push(Reason {
                    code: "policy.links_only".into(),
                    score: scores.spam_without_links,
                    detail: Some("the text without its links reads clean".into()),
                    ..Reason::default()
                });
            }
            decision = stronger(decision, head_decision);
        }
        let mut decided_by = DecidedBy::Policy;

        if self.hold_new_authors && history.is_new() {
            decision = stronger(decision, Decision::Review);
            reasons.push(Reason::code("policy.new_author"));
        }
        if follow {
            decision = Decision::Reject;
        } else if self.duplicates.hold && campaign {
            decision = stronger(decision, Decision::Review);
        }

        // Rule actions override scores.
        let has = |a: Action| matches.iter().any(|m| m.action == a);
        if has(Action::Reject) {
            decision = Decision::Reject;
            decided_by = DecidedBy::Rule;
        } else if has(Action::Allow) {
            decision = Decision::Approve;
            decided_by = DecidedBy::Rule;
        } else if has(Action::Review) && decision == Decision::Approve {
            decision = Decision::Review;
            decided_by = DecidedBy::Rule;
        }

        match (self.mode, decision) {
            (Mode::Premoderate, Decision::Approve) => {
                decision = Decision::Review;
                decided_by = DecidedBy::Policy;
                reasons.push(mode_reason(self.mode));
            }
            (Mode::Postmoderate, Decision::Review) => {
                decision = Decision::Approve;
                decided_by = DecidedBy::Policy;
                reasons.push(mode_reason(self.mode));
            }
            _ => {}
        }

        Verdict {
            decision,
            decided_by,
            language: language.to_string(),
            scores,
            reasons,
        }
    }

    /// The `signal.duplicate` reason of a campaign copy, or of a copy of a text a
    /// moderator rejected (`follow`).
    fn duplicate_reason(&self, copies: &Copies, campaign: bool, follow: bool) -> Reason {
        let action = if follow {
            Action::Reject
        } else if self.duplicates.hold {
            Action::Review
        } else {
            Action::Score
        };
        let mut detail = format!(
            "in the last {} h: posted {}",
            self.duplicates.window_hours,
            copies.summary()
        );
        if follow {
            detail.push_str("; a moderator rejected a copy as spam");
        }
        Reason {
            code: "signal.duplicate".into(),
            label: Some(Label::Spam),
            action: Some(action),
            weight: campaign.then_some(self.duplicates.spam_weight),
            copies: Some(*copies),
            detail: Some(detail),
            ..Reason::default()
        }
    }

    /// The threshold a comment's `label` model score must reach to be rejected: the
    /// language's thresholds moved by the author's history, as in [`Policy::decide`].
    /// Lets the engine skip work whose only use is a rejection that cannot happen.
    pub fn reject_at(&self, label: Label, language: &str, history: &AuthorHistory) -> f32 {
        let shift = self.standing(history).shift(self);
        (self.thresholds_for(language).get(label).reject_at + shift).clamp(0.0, 1.0)
    }

    /// The language's own thresholds, or the site's defaults.
    fn thresholds_for(&self, language: &str) -> HeadThresholds {
        self.languages
            .get(language)
            .copied()
            .unwrap_or(self.thresholds)
    }

    fn standing(&self, history: &AuthorHistory) -> Standing {
        if history.recent_rejected > 0 {
            Standing::RecentOffender
        } else if self.trusted_min_approved > 0
            && history.approved >= self.trusted_min_approved
            && history.rejected == 0
        {
            Standing::Trusted
        } else {
            Standing::Regular
        }
    }
}

/// Where an author stands with a site, which moves the thresholds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    RecentOffender,
    Trusted,
    Regular,
}

impl Standing {
    /// Positive shifts make thresholds more lenient, negative stricter.
    fn shift(self, policy: &Policy) -> f32 {
        match self {
            Standing::RecentOffender => -policy.recent_rejection_shift,
            Standing::Trusted => policy.trusted_shift,
            Standing::Regular => 0.0,
        }
    }

    /// The reason a verdict gives for the shift, if any.
    fn reason(self, policy: &Policy, history: &AuthorHistory) -> Option<Reason> {
        match self {
            Standing::RecentOffender => Some(Reason {
                code: "policy.recent_rejections".into(),
                detail: Some(format!(
                    "{} rejected in the last {} days",
                    history.recent_rejected, policy.recent_rejection_days
                )),
                ..Reason::default()
            }),
            Standing::Trusted => Some(Reason::code("policy.trusted_author")),
            Standing::Regular => None,
        }
    }
}

/// What the `score` rules among `matches` add to a `label`'s score. A rule counts
/// once per comment, however often it matches: a weak word repeated must not add up
/// to a rejection.
pub fn rule_score(matches: &[RuleMatch], label: Label) -> f32 {
    let mut counted: Vec<&str> = Vec::new();
    let mut sum = 0.0;
    for m in matches
        .iter()
        .filter(|m| m.action == Action::Score && m.label == label)
    {
        if !counted.contains(&m.rule_id.as_str()) {
            counted.push(&m.rule_id);
            sum += m.weight;
        }
    }
    sum
}

/// What the site knows about a comment's author before this comment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthorHistory {
    pub approved: u32,
    pub rejected: u32,
    /// Rejections within the policy's recent window.
    pub recent_rejected: u32,
    /// Whether the author has been seen on this site before.
    pub seen: bool,
}

impl AuthorHistory {
    pub fn is_new(&self) -> bool {
        !self.seen
    }
}

fn stronger(a: Decision, b: Decision) -> Decision {
    let rank = |d| match d {
        Decision::Approve => 0,
        Decision::Review => 1,
        Decision::Reject => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn label_name(label: Label) -> &'static str {
    match label {
        Label::Spam => "spam",
        Label::Abuse => "abuse",
    }
}

fn mode_reason(mode: Mode) -> Reason {
    Reason {
        code: "policy.mode".into(),
        detail: Some(
            match mode {
                Mode::Auto => "auto",
                Mode::Premoderate => "premoderate",
                Mode::Postmoderate => "postmoderate",
            }
            .into(),
        ),
        ..Reason::default()
    }
}

/// The reason a rule match contributes to a verdict (also shown by rule tests).
pub fn rule_reason(m: &RuleMatch) -> Reason {
    Reason {
        code: format!("rule.{}", m.kind),
        rule_id: Some(m.rule_id.clone()),
        label: Some(m.label),
        action: Some(m.action),
        weight: (m.action == Action::Score).then_some(m.weight),
        matched: Some(m.matched.clone()),
        span: m.span,
        ..Reason::default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn m(action: Action, label: Label, weight: f32) -> RuleMatch {
        RuleMatch {
            rule_id: format!("r-{action:?}"),
            kind: "keyword".into(),
            label,
            action,
            weight,
            matched: "x".into(),
            span: None,
        }
    }

    fn scored(id: &str, label: Label, weight: f32) -> RuleMatch {
        RuleMatch {
            rule_id: id.into(),
            ..m(Action::Score, label, weight)
        }
    }

    fn trusted() -> AuthorHistory {
        AuthorHistory {
            approved: 10,
            rejected: 0,
            recent_rejected: 0,
            seen: true,
        }
    }

    fn recent_offender() -> AuthorHistory {
        AuthorHistory {
            approved: 10,
            rejected: 2,
            recent_rejected: 1,
            seen: true,
        }
    }

    fn regular() -> AuthorHistory {
        AuthorHistory {
            approved: 1,
            rejected: 0,
            recent_rejected: 0,
            seen: true,
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn decision_table() {
        let auto = Policy::default();
        let pre = Policy {
            mode: Mode::Premoderate,
            ..Policy::default()
        };
        let post = Policy {
            mode: Mode::Postmoderate,
            ..Policy::default()
        };
        let hold_new = Policy {
            hold_new_authors: true,
            ..Policy::default()
        };
        let s = |spam, abuse| Scores {
            spam,
            abuse,
            spam_without_links: None,
        };
        let links = |spam, without| Scores {
            spam,
            abuse: 0.0,
            spam_without_links: Some(without),
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, &Policy, Vec<RuleMatch>, Scores, AuthorHistory, Decision, DecidedBy, &[&str])> = vec![
            ("clean", &auto, vec![], s(0.1, 0.1), regular(), Decision::Approve, DecidedBy::Policy, &[]),
            ("spam above review", &auto, vec![], s(0.6, 0.1), regular(), Decision::Review, DecidedBy::Policy, &["model.spam"]),
            ("abuse above reject", &auto, vec![], s(0.1, 0.995), regular(), Decision::Reject, DecidedBy::Policy, &["model.abuse"]),
            ("abuse between 0.9 and 0.99 is reviewed", &auto, vec![], s(0.1, 0.98), regular(), Decision::Review, DecidedBy::Policy, &["model.abuse"]),
            ("spam at 0.9 is rejected", &auto, vec![], s(0.9, 0.1), regular(), Decision::Reject, DecidedBy::Policy, &["model.spam"]),
            ("exactly at review_at", &auto, vec![], s(0.5, 0.0), regular(), Decision::Review, DecidedBy::Policy, &["model.spam"]),
            ("reject rule wins over low scores", &auto, vec![m(Action::Reject, Label::Spam, 0.0)], s(0.0, 0.0), regular(), Decision::Reject, DecidedBy::Rule, &["rule.keyword"]),
            ("allow rule wins over high scores", &auto, vec![m(Action::Allow, Label::Abuse, 0.0)], s(0.99, 0.99), regular(), Decision::Approve, DecidedBy::Rule, &["rule.keyword", "model.spam", "model.abuse"]),
            ("reject beats allow", &auto, vec![m(Action::Allow, Label::Abuse, 0.0), m(Action::Reject, Label::Abuse, 0.0)], s(0.0, 0.0), regular(), Decision::Reject, DecidedBy::Rule, &["rule.keyword"]),
            ("review rule holds", &auto, vec![m(Action::Review, Label::Abuse, 0.0)], s(0.0, 0.0), regular(), Decision::Review, DecidedBy::Rule, &["rule.keyword"]),
            ("review rule does not soften a reject", &auto, vec![m(Action::Review, Label::Abuse, 0.0)], s(0.0, 0.995), regular(), Decision::Reject, DecidedBy::Policy, &["model.abuse"]),
            ("score rules add up", &auto, vec![m(Action::Score, Label::Spam, 0.3), scored("other", Label::Spam, 0.3)], s(0.0, 0.0), regular(), Decision::Review, DecidedBy::Policy, &["model.spam"]),
            ("a score rule counts once", &auto, vec![m(Action::Score, Label::Spam, 0.3), m(Action::Score, Label::Spam, 0.3)], s(0.0, 0.0), regular(), Decision::Approve, DecidedBy::Policy, &[]),
            ("trusted author gets slack", &auto, vec![], s(0.55, 0.0), trusted(), Decision::Approve, DecidedBy::Policy, &["policy.trusted_author"]),
            ("recent rejections tighten", &auto, vec![], s(0.4, 0.0), recent_offender(), Decision::Review, DecidedBy::Policy, &["policy.recent_rejections", "model.spam"]),
            ("premoderate holds clean", &pre, vec![], s(0.0, 0.0), regular(), Decision::Review, DecidedBy::Policy, &["policy.mode"]),
            ("premoderate keeps rule rejects", &pre, vec![m(Action::Reject, Label::Spam, 0.0)], s(0.0, 0.0), regular(), Decision::Reject, DecidedBy::Rule, &[]),
            ("postmoderate publishes doubtful", &post, vec![], s(0.6, 0.0), regular(), Decision::Approve, DecidedBy::Policy, &["model.spam", "policy.mode"]),
            ("postmoderate still rejects", &post, vec![], s(0.95, 0.0), regular(), Decision::Reject, DecidedBy::Policy, &["model.spam"]),
            ("new author held when configured", &hold_new, vec![], s(0.0, 0.0), AuthorHistory::default(), Decision::Review, DecidedBy::Policy, &["policy.new_author"]),
            ("known author not held", &hold_new, vec![], s(0.0, 0.0), regular(), Decision::Approve, DecidedBy::Policy, &[]),
            ("links alone only reach review", &auto, vec![], links(0.95, 0.3), regular(), Decision::Review, DecidedBy::Policy, &["model.spam", "policy.links_only"]),
            ("links plus an ad are rejected", &auto, vec![], links(0.99, 0.92), regular(), Decision::Reject, DecidedBy::Policy, &["model.spam"]),
            ("links never lower review", &auto, vec![], links(0.6, 0.1), regular(), Decision::Review, DecidedBy::Policy, &["model.spam"]),
            ("score rules count without links too", &auto, vec![m(Action::Score, Label::Spam, 0.3)], links(0.95, 0.65), regular(), Decision::Reject, DecidedBy::Policy, &["model.spam"]),
            ("a score rule makes the text doubtful", &auto, vec![m(Action::Score, Label::Spam, 0.3)], links(0.95, 0.3), regular(), Decision::Reject, DecidedBy::Policy, &["model.spam"]),
            ("a weak score rule does not", &auto, vec![m(Action::Score, Label::Spam, 0.3)], links(0.95, 0.15), regular(), Decision::Review, DecidedBy::Policy, &["model.spam", "policy.links_only"]),
            ("doubtful text with a link is rejected", &auto, vec![], links(0.95, 0.6), regular(), Decision::Reject, DecidedBy::Policy, &["model.spam"]),
        ];
        for (name, policy, matches, scores, history, decision, by, codes) in cases {
            let v = policy.decide("ar", &matches, scores, &history, &Copies::default());
            assert_eq!(v.decision, decision, "{name}: {v:?}");
            assert_eq!(v.decided_by, by, "{name}");
            for code in codes {
                assert!(
                    v.reasons.iter().any(|r| r.code == *code),
                    "{name}: missing {code} in {:?}",
                    v.reasons
                );
            }
        }
    }

    #[test]
    fn campaign_copies_add_their_weight_and_say_so() {
        let copies = |n| Copies {
            copies: n,
            authors: n,
            threads: 1,
            ..Copies::default()
        };
        let spam = |x| Scores {
            spam: x,
            ..Scores::default()
        };
        let none = AuthorHistory::default();
        let p = Policy::default();
        let decide = |p: &Policy, score, c| p.decide("ar", &[], spam(score), &none, &copies(c));

        // Below min_copies nothing happens.
        let v = decide(&p, 0.3, 1);
        assert_eq!(v.decision, Decision::Approve);
        assert!(v.reasons.is_empty(), "{v:?}");
        // A doubtful ad turns out to be a campaign: held, and a likely one rejected.
        let v = decide(&p, 0.3, 2);
        assert_eq!(v.decision, Decision::Review, "{v:?}");
        assert!((v.scores.spam - 0.6).abs() < 1e-6);
        let dup = v.reasons.iter().find(|r| r.code == "signal.duplicate");
        assert_eq!(dup.and_then(|r| r.copies), Some(copies(2)), "{v:?}");
        assert_eq!(dup.and_then(|r| r.action), Some(Action::Score));
        assert_eq!(decide(&p, 0.65, 5).decision, Decision::Reject);
        // Text that reads clean stays published: readers share prayers too.
        let v = decide(&p, 0.02, 40);
        assert_eq!(v.decision, Decision::Approve);
        assert!(v.reasons.iter().any(|r| r.code == "signal.duplicate"));

        // A site that holds campaigns sends even clean copies to a moderator.
        let mut hold = Policy::default();
        hold.duplicates.hold = true;
        let v = decide(&hold, 0.02, 2);
        assert_eq!(v.decision, Decision::Review, "{v:?}");
        assert_eq!(v.decided_by, DecidedBy::Policy);
        // min_copies 0 turns the signal off.
        let mut off = Policy::default();
        off.duplicates.min_copies = 0;
        off.duplicates.hold = true;
        assert_eq!(decide(&off, 0.3, 100).decision, Decision::Approve);

        // A moderator rejected a copy as spam: the next one is rejected from the
        // first copy on, unless the site does not follow, or an allow rule wins.
        let rejected = Copies {
            copies: 1,
            rejected_as_spam: true,
            ..Copies::default()
        };
        let v = p.decide("ar", &[], spam(0.02), &none, &rejected);
        assert_eq!(
            (v.decision, v.decided_by),
            (Decision::Reject, DecidedBy::Policy),
            "{v:?}"
        );
        let dup = v.reasons.iter().find(|r| r.code == "signal.duplicate");
        assert_eq!(dup.and_then(|r| r.action), Some(Action::Reject), "{v:?}");
        assert_eq!(dup.and_then(|r| r.weight), None, "one copy is no campaign");
        let mut own = Policy::default();
        own.duplicates.follow_moderators = false;
        let v = own.decide("ar", &[], spam(0.02), &none, &rejected);
        assert_eq!(v.decision, Decision::Approve, "{v:?}");
        let allow = [m(Action::Allow, Label::Spam, 0.0)];
        let v = p.decide("ar", &allow, spam(0.02), &none, &rejected);
        assert_eq!(v.decision, Decision::Approve, "{v:?}");
        assert_eq!(
            off.decide("ar", &[], spam(0.02), &none, &rejected).decision,
            Decision::Approve
        );
    }

    #[test]
    fn only_a_spam_rejection_takes_pending_copies_with_it() {
        let now = 1_000_000_000_000;
        let p = Policy::default();
        assert_eq!(
            p.copies_rejected_since(Some("spam"), now),
            Some(now - 72 * 3_600_000)
        );
        assert_eq!(p.copies_rejected_since(Some("off_topic"), now), None);
        assert_eq!(p.copies_rejected_since(None, now), None);
        let mut own = Policy::default();
        own.duplicates.follow_moderators = false;
        assert_eq!(own.copies_rejected_since(Some("spam"), now), None);
        let mut off = Policy::default();
        off.duplicates.min_copies = 0;
        assert_eq!(off.copies_rejected_since(Some("spam"), now), None);
    }

    #[test]
    fn duplicate_settings_are_validated() {
        let mut p = Policy::default();
        p.duplicates.spam_weight = 1.5;
        assert_eq!(
            p.validate().map_err(|e| e.field),
            Err("duplicates.spam_weight".into())
        );
        let mut p = Policy::default();
        p.duplicates.window_hours = 0;
        assert_eq!(
            p.validate().map_err(|e| e.field),
            Err("duplicates.window_hours".into())
        );
        // Policies stored before the setting existed read with its defaults.
        let old: Policy = serde_json::from_str(r#"{"mode":"auto"}"#).unwrap();
        assert_eq!(old.duplicates, Duplicates::default());
        assert_eq!(p.duplicates_since(10 * 3_600_000), 10 * 3_600_000);
        assert_eq!(
            Policy::default().duplicates_since(100 * 3_600_000),
            28 * 3_600_000
        );
    }

    #[test]
    fn language_overrides_apply() {
        let mut p = Policy::default();
        p.languages.insert(
            "ar".into(),
            HeadThresholds {
                spam: Thresholds {
                    review_at: 0.2,
                    reject_at: 0.3,
                },
                ..HeadThresholds::default()
            },
        );
        let scores = Scores {
            spam: 0.25,
            ..Scores::default()
        };
        assert_eq!(
            p.decide(
                "ar",
                &[],
                scores,
                &AuthorHistory::default(),
                &Copies::default()
            )
            .decision,
            Decision::Review
        );
        assert_eq!(
            p.decide(
                "en",
                &[],
                scores,
                &AuthorHistory::default(),
                &Copies::default()
            )
            .decision,
            Decision::Approve
        );
    }

    #[test]
    fn validation_names_the_field() {
        let mut p = Policy::default();
        p.thresholds.abuse.review_at = 0.995;
        assert_eq!(
            p.validate().unwrap_err().field,
            "thresholds.abuse.review_at"
        );
        let mut p = Policy::default();
        p.languages.insert(
            "en".into(),
            HeadThresholds {
                spam: Thresholds {
                    review_at: -0.1,
                    reject_at: 0.5,
                },
                ..HeadThresholds::default()
            },
        );
        assert_eq!(
            p.validate().unwrap_err().field,
            "languages.en.spam.review_at"
        );
        assert!(Policy::default().validate().is_ok());
    }
}
