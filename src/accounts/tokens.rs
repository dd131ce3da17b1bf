//! The `api_tokens` table: bearer tokens for the JSON API, one business each.
//! Only a hash is stored; the token itself is shown once, when it is made.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::db::{is_unique_violation, now};
use crate::error::{AppError, AppResult};
use crate::secret;

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

/// How stale `last_used_at` may get: stamping it on every request would make every API read
/// a disk-synced write.
const USE_STAMP_SECS: i64 = 60;

/// A live token: its business, and whether its last-used stamp is due for refreshing.
pub struct Use {
    pub business_id: i64,
    pub stamp_due: bool,
}

/// Looks a live token up, without writing. A kept statement: every API request asks this
/// first, on the async thread (`Db::lookup`).
pub fn business_for(conn: &Connection, token: &str) -> AppResult<Option<Use>> {
    let found = conn
        .prepare_cached(
            "SELECT business_id, COALESCE(last_used_at, 0) FROM api_tokens
             WHERE token_hash = ?1 AND revoked_at IS NULL",
        )?
        .query_row([secret::hash(token)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?;
    Ok(found.map(|(business_id, last)| Use {
        business_id,
        stamp_due: now() - last >= USE_STAMP_SECS,
    }))
}

/// Notes that a token was used (to the minute).
pub fn stamp_use(conn: &Connection, token: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1",
        params![secret::hash(token), now()],
    )?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn a_token_is_stamped_at_most_once_a_minute_and_revoked_ones_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let b = crate::accounts::create_business(&db, "Shop", "shop").unwrap();
        let token = db.with_tx(|tx| create(tx, b.id, "pos")).unwrap();
        let used = db.with_conn(|c| business_for(c, &token)).unwrap().unwrap();
        assert_eq!(used.business_id, b.id);
        assert!(used.stamp_due, "never used yet");
        db.with_tx(|tx| stamp_use(tx, &token)).unwrap();
        assert!(
            !db.with_conn(|c| business_for(c, &token))
                .unwrap()
                .unwrap()
                .stamp_due
        );
        db.with_tx(|tx| revoke(tx, b.id, "pos")).unwrap();
        assert!(db.with_conn(|c| business_for(c, &token)).unwrap().is_none());
    }
}
