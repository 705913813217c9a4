//! Moderation rules: the TOML format of `config/rules/*.toml` ([`RuleDef`]), loading
//! ([`load_paths`]), compilation into an immutable, shareable [`RuleSet`], and
//! evaluation of a comment into [`RuleMatch`]es with spans on the original text.
//!
//! Text rules read what `normalize` produced; nothing is normalized twice. Keyword
//! and phrase lookup (clitics, run lengths, exceptions) lives in `keyword`; the
//! other kinds (regex, link_domain, author, length, repetition) in `checks`; file
//! loading in `load`. The policy, not this module, turns matches into a decision.

mod checks;
mod keyword;
mod load;

#[cfg(test)]
mod spec_examples;
#[cfg(test)]
mod tests;

use super::{Action, CommentInput, Field, FieldText, Label, Span};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use load::{DEFAULT_RULES_DIR, default_rules_dir, load_paths};

/// The kinds of rule (`kind = "..."` in TOML).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Whole words after normalization; Arabic clitics allowed; terms with spaces
    /// are matched as phrases.
    Keyword,
    /// Sequences of words (each word normalized like a keyword).
    Phrase,
    /// A `regex` crate pattern over the folded key text (or the raw text).
    Regex,
    /// Links: block/allow lists of domains, URL shorteners, a maximum link count.
    LinkDomain,
    /// Author ids, e-mail domains, IP ranges.
    Author,
    /// Field length bounds in code points.
    Length,
    /// Repeated characters or words.
    Repetition,
}

impl RuleKind {
    /// The snake_case name reported in [`RuleMatch::kind`].
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Keyword => "keyword",
            RuleKind::Phrase => "phrase",
            RuleKind::Regex => "regex",
            RuleKind::LinkDomain => "link_domain",
            RuleKind::Author => "author",
            RuleKind::Length => "length",
            RuleKind::Repetition => "repetition",
        }
    }
}

/// Which keyword list a rule's terms compile against (§1.3 of normalization.md:
/// Arabic script, English with leet, Arabizi with digit letters; never mixed).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleLang {
    Ar,
    En,
    Arabizi,
    /// By each term's script: Arabic letters → `ar`, otherwise `en`.
    #[default]
    Any,
}

/// Field names as written in rule files.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    Body,
    Subject,
    Name,
}

impl FieldName {
    fn field(self) -> Field {
        match self {
            FieldName::Body => Field::Body,
            FieldName::Subject => Field::Subject,
            FieldName::Name => Field::AuthorName,
        }
    }
}

/// What a regex rule reads.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegexTarget {
    /// The folded key: lowercase, Arabic letters and digits folded, invisibles gone,
    /// spaced letters joined (`W h a t s A p p` → `whatsapp`, `٠٥٥` → `055`).
    #[default]
    Key,
    /// The field exactly as submitted.
    Raw,
}

fn yes() -> bool {
    true
}

/// A rule as written in `config/rules/*.toml` (`[[rule]]` tables) or stored per site.
/// Kind-specific settings are ignored by the other kinds; see the comments at the
/// top of `config/rules/00-README.toml` for the format.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub kind: RuleKind,
    #[serde(default)]
    pub lang: RuleLang,
    /// keyword/phrase: the words or phrases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
    /// regex: the pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    pub label: Label,
    pub action: Action,
    /// For `score`: how much a match adds (default 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f32>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// keyword: innocent whole words that contain a term (`فخرا` for `خرا`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    /// Which fields the rule reads (default: all three; `length`: body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldName>>,
    /// The rule only reports when one of these other rules also matched the comment
    /// (e.g. a phone number *and* a spam word → reject).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// With `requires`: the required rule must match in the same field, at most this
    /// many characters from this rule's match ("@shop on snapchat", not a reply that
    /// starts with `@name` and mentions Snapchat three sentences later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<u32>,
    /// With `within`: the required rule's match must come first ("snapchat: @shop",
    /// never the `@name` a reply opens with).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after: bool,
    /// keyword (ar): also accept the inflection suffixes ات ون ين ان يه.
    #[serde(default)]
    pub inflections: bool,
    /// regex: what the pattern reads.
    #[serde(default)]
    pub target: RegexTarget,
    /// link_domain: blocked domains (subdomains included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    /// link_domain: domains never reported by this rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_domains: Vec<String>,
    /// link_domain: report links through known URL shorteners.
    #[serde(default)]
    pub shorteners: bool,
    /// link_domain: report when a field has more links than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_links: Option<u32>,
    /// author: exact author ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub author_ids: Vec<String>,
    /// author: e-mail domains (subdomains included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email_domains: Vec<String>,
    /// author: IP ranges in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<String>,
    /// length: report fields shorter than this many code points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_chars: Option<u32>,
    /// length: report fields longer than this many code points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u32>,
    /// repetition: report a character repeated more than this many times in a row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_char_run: Option<u32>,
    /// repetition: report a word that occurs more than this many times in a field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_word_repeats: Option<u32>,
}

/// Why rules could not be loaded or compiled. Every message names the rule id (or
/// the file, when the file itself is unreadable).
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule {id}: {message}")]
    Invalid { id: String, message: String },
    #[error("rules file {path}: {message}")]
    File { path: String, message: String },
}

pub(crate) fn invalid(id: &str, message: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        id: id.to_string(),
        message: message.into(),
    }
}

/// One hit of one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleMatch {
    pub rule_id: String,
    pub kind: String,
    pub label: Label,
    pub action: Action,
    pub weight: f32,
    /// The original text matched (for author rules: the id, e-mail or address).
    pub matched: String,
    pub span: Option<Span>,
}

/// What every compiled rule keeps besides its matcher.
#[derive(Debug)]
pub(crate) struct RuleMeta {
    pub(crate) id: String,
    pub(crate) kind: RuleKind,
    pub(crate) label: Label,
    pub(crate) action: Action,
    pub(crate) weight: f32,
    pub(crate) fields: Vec<Field>,
    pub(crate) requires: Vec<usize>,
    /// Characters allowed between this rule's match and a required rule's.
    pub(crate) within: Option<usize>,
    /// Whether the required rule's match must come before this one's.
    pub(crate) after: bool,
}

/// A compiled, immutable set of rules (`Send + Sync`, swapped behind an `Arc`).
#[derive(Debug, Default)]
pub struct RuleSet {
    version: String,
    metas: Vec<RuleMeta>,
    words: keyword::WordIndex,
    checks: Vec<checks::Check>,
    /// Distinct regex (pattern, target) pairs, one shared scan each.
    regex_slots: usize,
}

impl RuleSet {
    /// Compile rule definitions. Disabled rules are validated but never match.
    pub fn compile(defs: Vec<RuleDef>, version: impl Into<String>) -> Result<RuleSet, RuleError> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (i, d) in defs.iter().enumerate() {
            if d.id.trim().is_empty() {
                return Err(invalid(&d.id, "empty rule id"));
            }
            if ids.insert(d.id.as_str(), i).is_some() {
                return Err(invalid(&d.id, "duplicate rule id"));
            }
        }
        let mut set = RuleSet {
            version: version.into(),
            ..RuleSet::default()
        };
        let mut slots = Vec::new();
        for (i, d) in defs.iter().enumerate() {
            let weight = d.weight.unwrap_or(1.0);
            if !weight.is_finite() {
                return Err(invalid(&d.id, "weight must be a finite number"));
            }
            let requires = d
                .requires
                .iter()
                .map(|r| {
                    ids.get(r.as_str())
                        .copied()
                        .ok_or_else(|| invalid(&d.id, format!("requires unknown rule {r:?}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if d.within.is_some() && requires.is_empty() {
                return Err(invalid(&d.id, "within needs requires"));
            }
            if d.after && d.within.is_none() {
                return Err(invalid(&d.id, "after needs within"));
            }
            let default_fields: &[FieldName] = match d.kind {
                RuleKind::Length => &[FieldName::Body],
                _ => &[FieldName::Body, FieldName::Subject, FieldName::Name],
            };
            let fields = d
                .fields
                .as_deref()
                .unwrap_or(default_fields)
                .iter()
                .map(|f| f.field())
                .collect();
            set.metas.push(RuleMeta {
                id: d.id.clone(),
                kind: d.kind,
                label: d.label,
                action: d.action,
                weight,
                fields,
                requires,
                within: d.within.map(|n| n as usize),
                after: d.after,
            });
            match d.kind {
                RuleKind::Keyword | RuleKind::Phrase => set.words.add(i, d)?,
                _ => {
                    let check = checks::Check::compile(i, d, &mut slots)?;
                    if d.enabled {
                        set.checks.push(check);
                    }
                }
            }
            if !d.enabled {
                set.words.disable(i);
            }
        }
        set.regex_slots = slots.len();
        Ok(set)
    }

    /// The version string stored with each verdict.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Number of rules compiled (enabled or not).
    pub fn len(&self) -> usize {
        self.metas.len()
    }

    /// Whether the set has no rules.
    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    /// Every match of every enabled rule, with spans on the original fields.
    pub fn evaluate(&self, fields: &[FieldText<'_>], input: &CommentInput<'_>) -> Vec<RuleMatch> {
        let mut hits: Vec<Hit> = Vec::new();
        for f in fields {
            self.words.evaluate(f, &self.metas, &mut hits);
            let mut scan = checks::FieldScan::new(self.regex_slots);
            for c in &self.checks {
                if self
                    .metas
                    .get(c.rule)
                    .is_some_and(|m| m.fields.contains(&f.field))
                {
                    c.evaluate_field(f, &mut scan, &mut hits);
                }
            }
        }
        for c in &self.checks {
            c.evaluate_author(input, &mut hits);
        }
        self.finish(hits, fields)
    }

    /// Apply `requires`, drop duplicates (several candidates of one token), and
    /// turn hits into matches.
    fn finish(&self, hits: Vec<Hit>, fields: &[FieldText<'_>]) -> Vec<RuleMatch> {
        // Fx, not SipHash: the keys are rule indexes and spans of this one comment,
        // and SipHash was a visible share of a comment's cost.
        let matched: FxHashSet<usize> = hits.iter().map(|h| h.rule).collect();
        let mut seen: FxHashSet<(usize, Option<FieldSpan>, Option<String>)> = FxHashSet::default();
        let mut out = Vec::new();
        for h in &hits {
            let Some(meta) = self.metas.get(h.rule) else {
                continue;
            };
            if !meta.requires.is_empty() {
                let found = match meta.within {
                    None => meta.requires.iter().any(|r| matched.contains(r)),
                    // A comment has a handful of hits: a scan beats an index.
                    Some(n) => h.span.is_some_and(|here| {
                        hits.iter().any(|other| {
                            meta.requires.contains(&other.rule)
                                && other.span.is_some_and(|there| {
                                    gap(here, there) <= n && (!meta.after || there.1 < here.1)
                                })
                        })
                    }),
                };
                if !found {
                    continue;
                }
            }
            if !seen.insert((h.rule, h.span, h.text.clone())) {
                continue;
            }
            let matched_text = match (h.span, &h.text) {
                (_, Some(t)) => t.clone(),
                (Some((field, a, b)), None) => fields
                    .iter()
                    .find(|f| f.field == field)
                    .map(|f| f.raw.chars().skip(a).take(b.saturating_sub(a)).collect())
                    .unwrap_or_default(),
                (None, None) => String::new(),
            };
            out.push(RuleMatch {
                rule_id: meta.id.clone(),
                kind: meta.kind.as_str().to_string(),
                label: meta.label,
                action: if h.downgrade && meta.action == Action::Reject {
                    Action::Review
                } else {
                    meta.action
                },
                weight: meta.weight,
                matched: matched_text,
                span: h.span.map(|(field, start, end)| Span { field, start, end }),
            });
        }
        out
    }
}

/// A field and a code point range in it.
pub(crate) type FieldSpan = (Field, usize, usize);

/// Code points between two spans (0 when they touch or overlap); spans in
/// different fields are never near.
fn gap(a: FieldSpan, b: FieldSpan) -> usize {
    if a.0 != b.0 {
        return usize::MAX;
    }
    b.1.saturating_sub(a.2).max(a.1.saturating_sub(b.2))
}

/// A raw hit before `requires` and de-duplication: rule index, span (field,
/// code point start, end), an explicit matched text when there is no span, and
/// whether the hit is low-confidence (masked word: `reject` becomes `review`).
#[derive(Debug)]
pub(crate) struct Hit {
    pub(crate) rule: usize,
    pub(crate) span: Option<FieldSpan>,
    pub(crate) text: Option<String>,
    pub(crate) downgrade: bool,
}
