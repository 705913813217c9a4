//! Password hashing for the web UI's users (argon2, PHC strings).

use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

/// Hash a password with a fresh salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}
