//! The `sessions` table: who is logged in, keyed by a hash of their cookie.

use std::sync::LazyLock;

use rusqlite::{params, Connection, OptionalExtension};

use super::users;
use crate::db::now;
use crate::error::AppResult;
use crate::secret;

/// Starts a session for `user_id`; returns the cookie value (only its hash is stored).
pub fn create(conn: &Connection, user_id: i64, ttl_secs: i64) -> AppResult<String> {
    let token = secret::new_token();
    let created = now();
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![secret::hash(&token), user_id, created, created + ttl_secs],
    )?;
    // Expired rows are dead weight; logins are rare enough to sweep them here.
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [created])?;
    Ok(token)
}

/// The user behind a cookie value, if the session is live and the user is not disabled.
/// One kept statement: every page a logged-in user opens asks this first.
pub fn user_for(conn: &Connection, token: &str) -> AppResult<Option<users::User>> {
    // Written once: this runs on the async thread for every page (`Db::lookup`).
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
            users::COLUMNS_OF_U
        )
    });
    let mut stmt = conn.prepare_cached(&SQL)?;
    Ok(stmt
        .query_row(params![secret::hash(token), now()], users::from_row)
        .optional()?)
}

pub fn delete(conn: &Connection, token: &str) -> AppResult<()> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [secret::hash(token)],
    )?;
    Ok(())
}

pub fn delete_for_user(conn: &Connection, user_id: i64) -> AppResult<()> {
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
    Ok(())
}
