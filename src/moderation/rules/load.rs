//! Loading rule files: `*.toml` files (or directories of them) holding `[[rule]]`
//! tables, read in file-name order so the result does not depend on the file
//! system. Duplicate ids across files are an error here, before compilation.

use super::{RuleDef, RuleError, invalid};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where the shipped default rule packs live, relative to the working directory.
pub const DEFAULT_RULES_DIR: &str = "config/rules";

/// [`DEFAULT_RULES_DIR`] as a path.
pub fn default_rules_dir() -> PathBuf {
    PathBuf::from(DEFAULT_RULES_DIR)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleDef>,
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> RuleError {
    RuleError::File {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// Read rule definitions from files and directories (`*.toml` inside, sorted by
/// file name; subdirectories are not walked).
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<RuleDef>, RuleError> {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| file_error(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "toml"))
                .collect();
            inside.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    let mut defs = Vec::new();
    let mut seen = HashSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| file_error(&f, e))?;
        let parsed: RuleFile = toml::from_str(&text).map_err(|e| file_error(&f, e))?;
        for d in parsed.rule {
            if !seen.insert(d.id.clone()) {
                return Err(invalid(
                    &d.id,
                    format!("duplicate rule id (again in {})", f.display()),
                ));
            }
            defs.push(d);
        }
    }
    Ok(defs)
}
