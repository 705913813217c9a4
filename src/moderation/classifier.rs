//! The linear spam and abuse heads (placeholder: the trained model replaces this).
//! Public contract: [`Model::load`], [`Model::version`], [`Model::score`].

use super::{FieldText, Scores};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    #[error("cannot read model {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid model file: {0}")]
    Invalid(String),
}

#[derive(Debug)]
pub struct Model {
    version: String,
}

impl Model {
    pub fn load(path: &Path) -> Result<Model, ClassifierError> {
        let _ = std::fs::metadata(path).map_err(|source| ClassifierError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Model {
            version: "placeholder".into(),
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn score(&self, _fields: &[FieldText<'_>]) -> Scores {
        Scores::default()
    }
}
