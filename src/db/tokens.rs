//! The `api_tokens` table: bearer tokens for the JSON API, one business each.
//! Only a hash is stored; the token itself is shown once, when it is made.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{is_unique_violation, now};
use crate::auth::secret;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Makes a token named `name` for a business; returns the token text.
pub fn create(conn: &Connection, business_id: i64, name: &str) -> AppResult<String> {
    let token = format!("novi_{}", secret::new_token());
    let result = conn.execute(
        "INSERT INTO api_tokens (business_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![business_id, name, secret::hash(&token), now()],
    );
    match result {
        Ok(_) => Ok(token),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(format!(
            "a token named \"{name}\" already exists for this business"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Revokes the live token `name`; false when there was none.
pub fn revoke(conn: &Connection, business_id: i64, name: &str) -> AppResult<bool> {
    let changed = conn.execute(
        "UPDATE api_tokens SET revoked_at = ?3
         WHERE business_id = ?1 AND name = ?2 AND revoked_at IS NULL",
        params![business_id, name, now()],
    )?;
    Ok(changed > 0)
}

/// The business a live token belongs to, noting that it was used.
pub fn business_for(conn: &Connection, token: &str) -> AppResult<Option<i64>> {
    let hash = secret::hash(token);
    let found: Option<i64> = conn
        .query_row(
            "SELECT business_id FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
            [&hash],
            |r| r.get(0),
        )
        .optional()?;
    if found.is_some() {
        conn.execute(
            "UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1",
            params![hash, now()],
        )?;
    }
    Ok(found)
}

pub fn list(conn: &Connection, business_id: i64) -> AppResult<Vec<TokenInfo>> {
    let mut stmt = conn.prepare(
        "SELECT name, created_at, last_used_at FROM api_tokens
         WHERE business_id = ?1 AND revoked_at IS NULL ORDER BY name",
    )?;
    let rows = stmt.query_map([business_id], |r| {
        Ok(TokenInfo {
            name: r.get(0)?,
            created_at: r.get(1)?,
            last_used_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
