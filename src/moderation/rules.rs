//! Keyword and pattern rules (placeholder: the compiled rule engine replaces this).
//! Public contract used by the rest of the crate: [`RuleDef`], [`RuleSet::compile`],
//! [`RuleSet::evaluate`], [`RuleSet::version`], [`RuleMatch`], [`RuleError`].

use super::{Action, CommentInput, FieldText, Label, Span};
use serde::{Deserialize, Serialize};

/// A rule as written in `config/rules/*.toml` or stored per site.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub terms: Vec<String>,
    pub label: Label,
    pub action: Action,
}

/// Why a rule set could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule {id}: {message}")]
    Invalid { id: String, message: String },
}

/// One hit of one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleMatch {
    pub rule_id: String,
    pub kind: String,
    pub label: Label,
    pub action: Action,
    pub weight: f32,
    pub matched: String,
    pub span: Option<Span>,
}

/// A compiled, immutable set of rules.
#[derive(Debug, Default)]
pub struct RuleSet {
    version: String,
    defs: Vec<RuleDef>,
}

impl RuleSet {
    pub fn compile(defs: Vec<RuleDef>, version: impl Into<String>) -> Result<RuleSet, RuleError> {
        Ok(RuleSet {
            version: version.into(),
            defs,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn evaluate(&self, fields: &[FieldText<'_>], _input: &CommentInput<'_>) -> Vec<RuleMatch> {
        let _ = (&self.defs, fields);
        Vec::new()
    }
}

/// The shipped rule packs, relative to the working directory.
pub const DEFAULT_RULES_DIR: &str = "config/rules";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleDef>,
}

/// Read rule files, or directories of `*.toml` rule files (sorted by name).
pub fn load_paths(paths: &[std::path::PathBuf]) -> Result<Vec<RuleDef>, RuleError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| io_error(path, &e))?;
            let mut found: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut defs = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| io_error(&file, &e))?;
        let parsed: RuleFile = toml::from_str(&text).map_err(|e| RuleError::Invalid {
            id: file.display().to_string(),
            message: e.to_string(),
        })?;
        defs.extend(parsed.rule);
    }
    Ok(defs)
}

fn io_error(path: &std::path::Path, e: &std::io::Error) -> RuleError {
    RuleError::Invalid {
        id: path.display().to_string(),
        message: e.to_string(),
    }
}
