//! The outbox: messages waiting to be sent. A row is written in the same transaction as what
//! caused it, so a reply is never lost; the sender claims rows before sending them, so one
//! process never sends a row twice, and a crash mid-send sends it at most once more.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::metrics::{self, Counter};
use super::store;
use crate::db::now;
use crate::error::{AppError, AppResult};

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    Text {
        text: String,
    },
    /// Reply buttons (Cloud API, up to 3); other transports send the text with the titles listed.
    Buttons {
        text: String,
        buttons: Vec<Button>,
    },
    /// A list to pick from (Cloud API: up to 10 rows); other transports send the rows as text.
    List {
        text: String,
        button: String,
        rows: Vec<Row>,
    },
    /// An approved template, for when the 24-hour window has closed.
    Template {
        name: String,
        language: String,
        params: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub id: String,
    pub title: String,
}

impl Content {
    pub fn text(text: impl Into<String>) -> Self {
        Content::Text { text: text.into() }
    }

    /// The words a person reads, for the conversation view.
    pub fn readable(&self) -> String {
        match self {
            Content::Text { text } | Content::Buttons { text, .. } => text.clone(),
            Content::List { text, rows, .. } => {
                let lines: Vec<String> = rows
                    .iter()
                    .map(|r| format!("• {} — {}", r.title, r.description))
                    .collect();
                format!("{text}\n{}", lines.join("\n"))
            }
            Content::Template { name, params, .. } => {
                format!("[template {name}] {}", params.join(" "))
            }
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Content::Text { .. } => "text",
            Content::Buttons { .. } | Content::List { .. } => "interactive",
            Content::Template { .. } => "template",
        }
    }
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Queues a message to `recipient` (digits, or a group's chat id) and records it in the
/// conversation. Returns the message's id.
pub fn enqueue(
    conn: &Connection,
    business_id: i64,
    recipient: &str,
    content: &Content,
    provider: &str,
) -> AppResult<i64> {
    let t = now();
    let group = recipient.contains('@').then_some(recipient);
    conn.prepare_cached(
        "INSERT INTO messages (business_id, phone, customer_id, direction, type, text, provider, group_id,
                               status, handled, seen, created_at, updated_at)
         VALUES (?1, ?2, (SELECT id FROM customers WHERE business_id = ?1 AND phone = ?2), 'out', ?3, ?4,
                 ?5, ?6, 'queued', 1, 1, ?7, ?7)",
    )?
    .execute(params![business_id, recipient, content.kind(), content.readable(), provider, group, t])?;
    let message_id = conn.last_insert_rowid();
    let json = serde_json::to_string(content).map_err(AppError::internal)?;
    conn.prepare_cached(
        "INSERT INTO outbox (business_id, message_id, recipient, content, state, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6)",
    )?
    .execute(params![business_id, message_id, recipient, json, now_ms(), t])?;
    Ok(message_id)
}

/// A row ready to be sent.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub business_id: i64,
    pub message_id: i64,
    pub recipient: String,
    pub content: Content,
    pub attempts: u32,
}

/// Rows a previous run claimed but never finished (it stopped mid-send) go back in the queue.
/// Rows claimed long ago and never finished (their send task failed to record the outcome)
/// go back in the queue. A send gives up after 20 s, so five minutes means it is not running.
pub fn release_stale(conn: &Connection, older_than_secs: i64) -> AppResult<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'pending' WHERE state = 'sending' AND updated_at < ?1",
        [now() - older_than_secs],
    )?)
}

pub fn reset_interrupted(conn: &Connection) -> AppResult<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'pending' WHERE state = 'sending'",
        [],
    )?)
}

/// Rows that are due, oldest first: for each recipient only their oldest unsent row (so a
/// person's messages keep their order, and one busy recipient cannot crowd out the rest),
/// skipping businesses whose sending is paused.
pub fn due(conn: &Connection, now_ms: i64, limit: i64) -> AppResult<Vec<Due>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.business_id, o.message_id, o.recipient, o.content, o.attempts FROM outbox o
         LEFT JOIN whatsapp_configs w ON w.business_id = o.business_id
         WHERE o.id IN (SELECT MIN(id) FROM outbox WHERE state IN ('pending', 'sending')
                        GROUP BY business_id, recipient)
           AND o.state = 'pending' AND o.next_attempt_at <= ?1 AND w.paused_reason IS NULL
         ORDER BY o.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now_ms, limit], |r| {
        let content: String = r.get(4)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            content,
            r.get(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, business_id, message_id, recipient, content, attempts) = row?;
        match serde_json::from_str(&content) {
            Ok(content) => out.push(Due {
                id,
                business_id,
                message_id,
                recipient,
                content,
                attempts,
            }),
            Err(e) => fail(
                conn,
                id,
                message_id,
                None,
                &format!("unreadable outbox content: {e}"),
            )?,
        }
    }
    Ok(out)
}

/// When the next pending row falls due, for the sender to sleep until. (A row behind another
/// to the same person may be counted as due early; the loop then finds nothing and sleeps.)
pub fn next_due_at(conn: &Connection) -> AppResult<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT MIN(o.next_attempt_at) FROM outbox o LEFT JOIN whatsapp_configs w ON w.business_id = o.business_id
             WHERE o.state = 'pending' AND w.paused_reason IS NULL",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Takes a row for sending; false if someone else has it.
pub fn claim(conn: &Connection, id: i64) -> AppResult<bool> {
    let n = conn.execute(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1 AND state = 'pending'",
        params![id, now()],
    )?;
    Ok(n == 1)
}

pub fn sent(conn: &Connection, due: &Due, provider_id: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE outbox SET state = 'sent', last_error = NULL, updated_at = ?2 WHERE id = ?1",
        params![due.id, now()],
    )?;
    conn.execute(
        "UPDATE messages SET provider_id = ?2, status = 'sent', updated_at = ?3 WHERE id = ?1 AND status = 'queued'",
        params![due.message_id, provider_id, now()],
    )?;
    store::catch_up_statuses(conn, due.business_id, provider_id)?;
    metrics::bump(conn, due.business_id, Counter::Out)
}

/// Puts a row back for another try at `at_ms` (or back as it was, when `counts` is false:
/// a pause or pacing is not a failed attempt).
pub fn later(
    conn: &Connection,
    id: i64,
    at_ms: i64,
    error: Option<&str>,
    counts: bool,
) -> AppResult<()> {
    conn.execute(
        "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, last_error = COALESCE(?3, last_error),
                attempts = attempts - ?4, updated_at = ?5 WHERE id = ?1",
        params![id, at_ms, error, i64::from(!counts), now()],
    )?;
    Ok(())
}

pub fn fail(
    conn: &Connection,
    id: i64,
    message_id: i64,
    code: Option<i64>,
    reason: &str,
) -> AppResult<()> {
    conn.execute(
        "UPDATE outbox SET state = 'failed', last_error = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, reason, now()],
    )?;
    conn.execute(
        "UPDATE messages SET status = 'failed', error_code = ?2, error = ?3, updated_at = ?4 WHERE id = ?1",
        params![message_id, code, reason, now()],
    )?;
    Ok(())
}

/// Swaps what a row will send (the template fallback) and makes it due now.
pub fn replace(conn: &Connection, id: i64, content: &Content) -> AppResult<()> {
    let json = serde_json::to_string(content).map_err(AppError::internal)?;
    conn.execute(
        "UPDATE outbox SET content = ?2, state = 'pending', next_attempt_at = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, json, now_ms(), now()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn a_row_left_sending_is_released_only_when_stale() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let b = crate::accounts::create_business(&db, "Shop", "shop").unwrap();
        let state = |db: &Db| -> String {
            db.with_conn(|c| Ok(c.query_row("SELECT state FROM outbox", [], |r| r.get(0))?))
                .unwrap()
        };
        db.with_tx(|tx| {
            enqueue(tx, b.id, "919812345678", &Content::text("hi"), "simulator")?;
            let row = due(tx, now_ms(), 10)?.remove(0);
            assert!(claim(tx, row.id)?);
            assert!(!claim(tx, row.id)?, "claimed once");
            Ok::<_, AppError>(())
        })
        .unwrap();
        assert_eq!(
            db.with_tx(|tx| release_stale(tx, 300)).unwrap(),
            0,
            "a fresh claim stays"
        );
        assert_eq!(state(&db), "sending");
        db.with_tx(|tx| {
            Ok::<_, AppError>(tx.execute("UPDATE outbox SET updated_at = updated_at - 600", [])?)
        })
        .unwrap();
        assert_eq!(db.with_tx(|tx| release_stale(tx, 300)).unwrap(), 1);
        assert_eq!(state(&db), "pending");
    }
}
