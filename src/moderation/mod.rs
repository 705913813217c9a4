//! The moderation core: a pure function from a comment (plus the site's compiled
//! rules, model and policy, plus what we know about the author) to a [`Verdict`].
//!
//! Nothing in here touches HTTP, storage, the clock or tokio, so the same code runs in
//! the server, in `raqib check`, in training, in benches and under the fuzzer.
//!
//! Flow: [`normalize`] each moderated field once → [`rules`] over the match keys →
//! [`classifier`] over the feature text → [`policy`] turns matches and scores into a
//! decision with every contributing reason.

pub mod classifier;
pub mod eval;
pub mod features;
pub mod normalize;
pub mod policy;
pub mod rules;
pub mod signals;
#[cfg(feature = "train")]
pub mod train;

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

pub use policy::{AuthorHistory, Policy};

/// Which submitted field a span points into. All three are moderated: on Arabic news
/// sites the author's display name is a favourite place for ads and phone numbers.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Body,
    Subject,
    AuthorName,
}

/// A range of Unicode code points (not bytes, not UTF-16 units) in one field as the
/// host submitted it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
pub struct Span {
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

/// The two things raqib scores for.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Spam,
    Abuse,
}

/// What a rule asks for when it matches.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Reject,
    Review,
    Score,
    Allow,
}

/// The outcome of moderation.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
    Review,
}

impl Decision {
    /// The comment status a decision leads to.
    pub fn status(self) -> Status {
        match self {
            Decision::Approve => Status::Approved,
            Decision::Reject => Status::Rejected,
            Decision::Review => Status::Pending,
        }
    }
}

/// A stored comment's status.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Approved,
    Rejected,
    Pending,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Pending => "pending",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "approved" => Some(Status::Approved),
            "rejected" => Some(Status::Rejected),
            "pending" => Some(Status::Pending),
            _ => None,
        }
    }
}

/// Who made the decision that stands.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    Policy,
    Rule,
    Moderator,
}

impl DecidedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Policy => "policy",
            DecidedBy::Rule => "rule",
            DecidedBy::Moderator => "moderator",
        }
    }

    pub fn parse(s: &str) -> Option<DecidedBy> {
        match s {
            "policy" => Some(DecidedBy::Policy),
            "rule" => Some(DecidedBy::Rule),
            "moderator" => Some(DecidedBy::Moderator),
            _ => None,
        }
    }
}

/// Calibrated probabilities from the classifier heads (0 when no model is loaded).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, utoipa::ToSchema)]
pub struct Scores {
    pub spam: f32,
    pub abuse: f32,
    /// The spam head's score of the same text with its links taken out, when it has
    /// any. Not part of the API: the policy reads it so that a link alone never
    /// gets a comment rejected (see `Model::score`).
    #[serde(skip)]
    #[schema(ignore)]
    pub spam_without_links: Option<f32>,
}

impl Scores {
    pub fn get(&self, label: Label) -> f32 {
        match label {
            Label::Spam => self.spam,
            Label::Abuse => self.abuse,
        }
    }
}

/// One thing that contributed to a verdict. `code` is stable (`rule.keyword`,
/// `model.abuse`, `policy.mode`, …); the other fields are present when they apply.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, utoipa::ToSchema)]
pub struct Reason {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f32>,
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_at: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_at: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Earlier copies of the text (`signal.duplicate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<signals::Copies>,
}

impl Reason {
    pub fn code(code: impl Into<String>) -> Reason {
        Reason {
            code: code.into(),
            ..Reason::default()
        }
    }
}

/// A comment as the core sees it: borrowed, already validated at the edge.
#[derive(Clone, Debug, Default)]
pub struct CommentInput<'a> {
    pub body: &'a str,
    pub subject: Option<&'a str>,
    pub author_name: Option<&'a str>,
    pub author_id: &'a str,
    pub author_email: Option<&'a str>,
    pub author_ip: Option<IpAddr>,
    /// The host's language label, if any. Only a hint: the text decides.
    pub language: Option<&'a str>,
    /// Earlier copies of this text on the site, counted by the caller from the
    /// store (`signals::fingerprint`); zero when nothing was looked up.
    pub copies: signals::Copies,
}

/// One moderated field after normalization, handed to rules and classifier so the
/// text is normalized exactly once per request.
pub struct FieldText<'a> {
    pub field: Field,
    pub raw: &'a str,
    pub norm: normalize::Normalized,
}

/// The core's answer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, utoipa::ToSchema)]
pub struct Verdict {
    pub decision: Decision,
    pub decided_by: DecidedBy,
    pub language: String,
    pub scores: Scores,
    pub reasons: Vec<Reason>,
}

/// Everything compiled and loaded that moderation needs, swapped atomically as a
/// whole when rules or the model change.
pub struct Engine {
    pub rules: std::sync::Arc<rules::RuleSet>,
    pub model: Option<std::sync::Arc<classifier::Model>>,
}

impl Engine {
    /// The version string stored with each verdict for the rules in force.
    pub fn rules_version(&self) -> String {
        self.rules.version().to_string()
    }

    /// The version string of the model in force, or `none`.
    pub fn model_version(&self) -> String {
        self.model
            .as_ref()
            .map_or_else(|| "none".to_string(), |m| m.version().to_string())
    }

    /// Moderate one comment. Pure: same inputs, same verdict.
    pub fn moderate(
        &self,
        input: &CommentInput<'_>,
        policy: &Policy,
        history: &AuthorHistory,
    ) -> Verdict {
        let fields = prepare_fields(input);
        let language = normalize::detect_language(input.body, input.language);
        let matches = self.rules.evaluate(&fields, input);
        let scores = self
            .model
            .as_ref()
            .map(|m| {
                // The model score at which score rules would carry the comment to
                // its reject threshold.
                let reach = policy.reject_at(Label::Spam, &language, history)
                    - policy::rule_score(&matches, Label::Spam)
                    - policy.duplicate_weight(&input.copies);
                m.score_for(&fields, reach)
            })
            .unwrap_or_default();
        policy.decide(&language, &matches, scores, history, &input.copies)
    }
}

/// Normalize every present field once.
pub fn prepare_fields<'a>(input: &CommentInput<'a>) -> Vec<FieldText<'a>> {
    let mut fields = Vec::with_capacity(3);
    fields.push(FieldText {
        field: Field::Body,
        raw: input.body,
        norm: normalize::normalize(input.body),
    });
    for (field, raw) in [
        (Field::Subject, input.subject),
        (Field::AuthorName, input.author_name),
    ] {
        if let Some(raw) = raw.filter(|s| !s.is_empty()) {
            fields.push(FieldText {
                field,
                raw,
                norm: normalize::normalize(raw),
            });
        }
    }
    fields
}
