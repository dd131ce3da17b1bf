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
    let folded = password.to_lowercase();
    let one_char = folded.chars().all(|c| folded.starts_with(c));
    if one_char || COMMON.contains(&folded.as_str()) {
        return Err(AppError::Invalid(
            "that password is among the first any attacker tries; choose another".into(),
        ));
    }
    Ok(())
}

/// [`check_strength`], and not the username itself (in any case).
pub fn check_for(username: &str, password: &str) -> AppResult<()> {
    check_strength(password)?;
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(AppError::Invalid(
            "the password cannot be the username".into(),
        ));
    }
    Ok(())
}

/// Passwords of eight characters or more that lists of leaked passwords put first, lowercased:
/// a login open to the internet is tried with these before anything else.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "12345678",
    "123456789",
    "1234567890",
    "87654321",
    "qwertyui",
    "qwerty123",
    "qwertyuiop",
    "iloveyou",
    "abcd1234",
    "abc12345",
    "1q2w3e4r",
    "1qaz2wsx",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "admin123",
    "letmein1",
    "passw0rd",
    "p@ssw0rd",
    "asdfghjk",
    "zxcvbnm1",
    "11223344",
    "12341234",
];

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

    #[test]
    fn the_first_passwords_an_attacker_tries_are_refused() {
        for weak in [
            "password",
            "Password1",
            "12345678",
            "aaaaaaaa",
            "QWERTYUIOP",
        ] {
            assert!(check_strength(weak).is_err(), "{weak}");
        }
        assert!(check_for("novi-demo", "Novi-Demo").is_err(), "the username");
        assert!(check_for("ravi", "ravi-pass-123").is_ok());
        assert!(
            check_strength("novi-demo").is_ok(),
            "the demo's own is not on the list"
        );
    }
}
