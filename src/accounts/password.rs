//! Password hashing with argon2id (the crate's defaults follow the OWASP recommendation).
//! Hashing is deliberately slow: call these off the async threads.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::error::{AppError, AppResult};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

/// Checks a new password's length: long enough to resist guessing, short enough that hashing
/// it cannot be used to load the server.
pub fn check_strength(password: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(AppError::Invalid(format!(
            "password must be at least {MIN_LEN} characters"
        )));
    }
    if len > MAX_LEN {
        return Err(AppError::Invalid(format!(
            "password must be at most {MAX_LEN} characters"
        )));
    }
    Ok(())
}

pub fn hash(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing a password failed: {e}")))
}

/// True when `password` matches `stored`. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real check, so a login for a missing user cannot be told apart
/// from a wrong password by how long it takes.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("not-a-real-password").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "garbage"));
    }

    #[test]
    fn strength_bounds() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough").is_ok());
        assert!(check_strength(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
