//! The `setup_tokens` table: the one-time link that lets the first owner in.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;
use crate::secret;

/// Replaces any unused link with a new one and returns its token. Each start of an empty
/// install prints a fresh link, so an old one seen in a log is worthless.
pub fn issue(conn: &Connection) -> AppResult<String> {
    let token = secret::new_token();
    conn.execute("DELETE FROM setup_tokens WHERE used_at IS NULL", [])?;
    conn.execute(
        "INSERT INTO setup_tokens (token_hash, created_at) VALUES (?1, ?2)",
        params![secret::hash(&token), now()],
    )?;
    Ok(token)
}

/// True when `token` is a link that has not been used.
pub fn is_open(conn: &Connection, token: &str) -> AppResult<bool> {
    let found = conn
        .query_row(
            "SELECT 1 FROM setup_tokens WHERE token_hash = ?1 AND used_at IS NULL",
            [secret::hash(token)],
            |_| Ok(()),
        )
        .optional()?;
    Ok(found.is_some())
}

/// Marks the link used; false when it was not open (already used, or never issued). Call it
/// inside the transaction that creates the owner so two racing submissions cannot both win.
pub fn consume(conn: &Connection, token: &str) -> AppResult<bool> {
    let changed = conn.execute(
        "UPDATE setup_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL",
        params![secret::hash(token), now()],
    )?;
    Ok(changed == 1)
}
