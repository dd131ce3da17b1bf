//! The outbox: messages waiting to be sent. A row is written in the same transaction as what
//! caused it, so a reply is never lost; the sender claims rows before sending them, so one
//! process never sends a row twice, and a crash mid-send sends it at most once more.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::metrics;
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
    enqueue_held(conn, business_id, recipient, content, provider, None)
}

/// Queues `text` to `recipient` through the provider business `business_id` uses now: what a
/// notice to one person (an order placed, a payment received) needs, in the caller's transaction.
pub fn enqueue_text(
    conn: &Connection,
    business_id: i64,
    recipient: &str,
    text: String,
) -> AppResult<i64> {
    let provider = super::settings::load(conn, business_id)?.provider;
    enqueue(
        conn,
        business_id,
        recipient,
        &Content::text(text),
        provider.as_str(),
    )
}

/// Holds a message back: it is not sent before `until_ms`, and until then
/// [`withdraw_held`] can take it back by the timeline entry it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Hold {
    pub order_event_id: i64,
    pub until_ms: i64,
}

/// [`enqueue`], held back by `hold` when there is one.
pub fn enqueue_held(
    conn: &Connection,
    business_id: i64,
    recipient: &str,
    content: &Content,
    provider: &str,
    hold: Option<Hold>,
) -> AppResult<i64> {
    let json = serde_json::to_string(content).map_err(AppError::internal)?;
    insert(conn, business_id, recipient, content, &json, provider, hold)
}

/// [`enqueue`], unless `content` is already the newest row waiting to go to `recipient`: queued
/// and not on its way yet, not held, with nothing queued after it. Saying it again would say
/// nothing new: a customer who sends the same order again before the first answer went out
/// (the link down, a rush) is answered once, and WhatsApp lets only about one message in 6 s
/// through to one person anyway. `None` when it was not queued again.
pub fn enqueue_new(
    conn: &Connection,
    business_id: i64,
    recipient: &str,
    content: &Content,
    provider: &str,
) -> AppResult<Option<i64>> {
    let json = serde_json::to_string(content).map_err(AppError::internal)?;
    let waiting = conn
        .prepare_cached(
            "SELECT 1 FROM outbox_queues q JOIN outbox o ON o.id = q.tail_id
             WHERE q.business_id = ?1 AND q.recipient = ?2 AND o.state = 'pending'
               AND o.order_event_id IS NULL AND o.content = ?3",
        )?
        .exists(params![business_id, recipient, json])?;
    if waiting {
        return Ok(None);
    }
    insert(conn, business_id, recipient, content, &json, provider, None).map(Some)
}

fn insert(
    conn: &Connection,
    business_id: i64,
    recipient: &str,
    content: &Content,
    json: &str,
    provider: &str,
    hold: Option<Hold>,
) -> AppResult<i64> {
    let t = now();
    let group = recipient.contains('@').then_some(recipient);
    // It names the one before it in its conversation (`threads`) as it is written, so the row
    // is not written a second time for it; a group's messages are not chained.
    conn.prepare_cached(
        "INSERT INTO messages (business_id, phone, customer_id, direction, type, text, provider, group_id,
                               status, handled, seen, created_at, updated_at, prev_id)
         VALUES (?1, ?2, (SELECT id FROM customers WHERE business_id = ?1 AND phone = ?2), 'out', ?3, ?4,
                 ?5, ?6, 'queued', 1, 1, ?7, ?7,
                 CASE WHEN ?6 IS NULL THEN (SELECT last_id FROM chats WHERE business_id = ?1 AND phone = ?2) END)",
    )?
    .execute(params![business_id, recipient, content.kind(), content.readable(), provider, group, t])?;
    let message_id = conn.last_insert_rowid();
    let due = hold.map_or_else(now_ms, |h| h.until_ms);
    conn.prepare_cached(
        "INSERT INTO outbox (business_id, message_id, recipient, content, state, next_attempt_at,
                             created_at, updated_at, order_event_id)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6, ?7)",
    )?
    .execute(params![
        business_id,
        message_id,
        recipient,
        json,
        due,
        t,
        hold.map(|h| h.order_event_id)
    ])?;
    Ok(message_id)
}

/// Takes back the messages held for timeline entry `order_event_id` that have not started
/// out yet, and the chat lines that showed them queued; returns how many.
pub fn withdraw_held(conn: &Connection, business_id: i64, order_event_id: i64) -> AppResult<usize> {
    let ids: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT id, message_id FROM outbox
             WHERE order_event_id = ?1 AND business_id = ?2 AND state = 'pending' AND attempts = 0",
        )?
        .query_map(params![order_event_id, business_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    for (outbox_id, message_id) in &ids {
        conn.execute("DELETE FROM outbox WHERE id = ?1", [outbox_id])?;
        conn.execute("DELETE FROM messages WHERE id = ?1", [message_id])?;
    }
    Ok(ids.len())
}

/// A message held back for a timeline entry that has not started out.
#[derive(Debug, Clone)]
pub struct Held {
    pub id: i64,
    pub message_id: i64,
    pub content: Content,
}

/// The messages held for timeline entry `order_event_id` that have not started out yet.
pub fn held_for(conn: &Connection, business_id: i64, order_event_id: i64) -> AppResult<Vec<Held>> {
    let rows: Vec<(i64, i64, String)> = conn
        .prepare_cached(
            "SELECT id, message_id, content FROM outbox
             WHERE order_event_id = ?1 AND business_id = ?2 AND state = 'pending' AND attempts = 0",
        )?
        .query_map(params![order_event_id, business_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, message_id, json)| {
            let content = serde_json::from_str(&json).map_err(AppError::internal)?;
            Ok(Held {
                id,
                message_id,
                content,
            })
        })
        .collect()
}

/// Lets held row `h` go now, saying `content` instead when given (and the chat line with it).
/// False when it has started out already: its hold ran out first, and it went as it was.
pub fn release_held(conn: &Connection, h: &Held, content: Option<&Content>) -> AppResult<bool> {
    let json = content
        .map(serde_json::to_string)
        .transpose()
        .map_err(AppError::internal)?;
    let changed = conn.execute(
        "UPDATE outbox SET content = COALESCE(?2, content), next_attempt_at = ?3, updated_at = ?4
         WHERE id = ?1 AND state = 'pending' AND attempts = 0",
        params![h.id, json, now_ms(), now()],
    )?;
    if let (1, Some(c)) = (changed, content) {
        conn.execute(
            "UPDATE messages SET text = ?2, updated_at = ?3 WHERE id = ?1",
            params![h.message_id, c.readable(), now()],
        )?;
    }
    Ok(changed == 1)
}

/// Marks queued message `message_id` as written by a person at the shop, so the chat can tell
/// it from Novi's own replies.
pub fn mark_by_staff(conn: &Connection, message_id: i64) -> AppResult<()> {
    conn.execute(
        "UPDATE messages SET data = json_set(data, '$.by', 'staff') WHERE id = ?1",
        params![message_id],
    )?;
    Ok(())
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

/// Rows claimed long ago and never finished (their send task failed to record the outcome)
/// go back in the queue. A send gives up after 20 s, so five minutes means it is not running.
pub fn release_stale(
    conn: &Connection,
    older_than_secs: i64,
    max_attempts: u32,
) -> AppResult<usize> {
    release(conn, now() - older_than_secs, max_attempts)
}

/// Rows a previous run claimed but never finished (it stopped mid-send) go back in the queue.
pub fn reset_interrupted(conn: &Connection, max_attempts: u32) -> AppResult<usize> {
    release(conn, i64::MAX, max_attempts)
}

/// Claimed rows (`sending`) last touched before ?1. The `state` term is the partial index
/// `outbox_claimed`'s own: without it SQLite cannot use that index and reads every row the
/// outbox has ever held (sent rows stay, so millions in a shop of a few years), inside the
/// write transaction webhooks wait on, once a minute.
macro_rules! claimed_before {
    () => {
        "state = 'sending' AND updated_at < ?1"
    };
}

/// Messages of claimed rows whose claims have used up ?2 attempts fail with reason ?3.
const FAIL_SPENT_MESSAGES: &str = concat!(
    "UPDATE messages SET status = 'failed', error = ?3, updated_at = ?4
     WHERE id IN (SELECT message_id FROM outbox WHERE ",
    claimed_before!(),
    " AND attempts >= ?2)"
);
const FAIL_SPENT: &str = concat!(
    "UPDATE outbox SET state = 'failed', last_error = ?3, updated_at = ?4 WHERE ",
    claimed_before!(),
    " AND attempts >= ?2"
);
/// The other claimed rows go back in the queue.
const REQUEUE_CLAIMED: &str = concat!(
    "UPDATE outbox SET state = 'pending' WHERE ",
    claimed_before!()
);

/// Puts `sending` rows claimed before `claimed_before` back in the queue, except those whose
/// claims have used up `max_attempts`: they fail with a reason. Each claim counts as an
/// attempt, so a row whose outcome can never be recorded is not sent again and again.
fn release(conn: &Connection, claimed_before: i64, max_attempts: u32) -> AppResult<usize> {
    let reason = format!(
        "gave up after {max_attempts} attempts: sending never finished, so it may or may not have arrived"
    );
    let spent = params![claimed_before, max_attempts, reason, now()];
    conn.execute(FAIL_SPENT_MESSAGES, spent)?;
    let failed = conn.execute(FAIL_SPENT, spent)?;
    let released = conn.execute(REQUEUE_CLAIMED, [claimed_before])?;
    Ok(failed + released)
}

/// Businesses with a row due by `now_ms`, unless their sending is paused or the business is
/// deactivated (its rows wait, unsent, until reactivation). Only a person's
/// oldest unfinished row may go, so their messages keep their order: such a row is marked
/// `head` (kept right by triggers, see migration V19), and only heads are read here.
pub fn businesses_due(conn: &Connection, now_ms: i64) -> AppResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT b.id FROM businesses b LEFT JOIN whatsapp_configs w ON w.business_id = b.id
         WHERE w.paused_reason IS NULL AND b.deactivated_at IS NULL AND EXISTS (
           SELECT 1 FROM outbox o WHERE o.business_id = b.id AND o.head = 1
             AND o.state = 'pending' AND o.next_attempt_at <= ?1)
         ORDER BY b.id",
    )?;
    let ids = stmt.query_map([now_ms], |r| r.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

type DueRow = (i64, i64, i64, String, String, u32);

/// Up to `limit` of one business's rows due by `now_ms`, oldest first.
fn due_of(conn: &Connection, business_id: i64, now_ms: i64, limit: i64) -> AppResult<Vec<DueRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, business_id, message_id, recipient, content, attempts FROM outbox
         WHERE business_id = ?1 AND head = 1 AND state = 'pending' AND next_attempt_at <= ?2
         ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![business_id, now_ms, limit], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Rows that are due, taking businesses in turn: each business's oldest due row, then each
/// one's second, and so on, at most `per_business` from each; for each recipient only their
/// oldest unsent row, skipping businesses whose sending is paused. Taking turns means one
/// shop's backlog cannot keep another shop's rows out of the batch. The cost is the rows
/// returned, not the backlog.
pub fn due(conn: &Connection, now_ms: i64, per_business: i64) -> AppResult<Vec<Due>> {
    due_among(conn, &businesses_due(conn, now_ms)?, now_ms, per_business)
}

/// [`due`] for these businesses only (the sender leaves out those whose link is down).
pub fn due_among(
    conn: &Connection,
    businesses: &[i64],
    now_ms: i64,
    per_business: i64,
) -> AppResult<Vec<Due>> {
    let mut per: Vec<Vec<DueRow>> = Vec::new();
    for &business_id in businesses {
        per.push(due_of(conn, business_id, now_ms, per_business)?);
    }
    let longest = per.iter().map(Vec::len).max().unwrap_or(0);
    let mut taken: Vec<DueRow> = Vec::new();
    for turn in 0..longest {
        let mut this_turn: Vec<DueRow> = per
            .iter()
            .filter_map(|rows| rows.get(turn).cloned())
            .collect();
        this_turn.sort_by_key(|r| r.0);
        taken.extend(this_turn);
    }
    let mut out = Vec::new();
    for (id, business_id, message_id, recipient, content, attempts) in taken {
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

/// When the next row `due` would return falls due after `after_ms` (rows due by then are the
/// caller's already), or None when nothing waits.
pub fn next_due_at(conn: &Connection, after_ms: i64) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            // In index order, the first one not paused: no scan of what waits behind it.
            "SELECT o.next_attempt_at FROM outbox o
             LEFT JOIN whatsapp_configs w ON w.business_id = o.business_id
             WHERE o.head = 1 AND o.state = 'pending' AND o.next_attempt_at > ?1
               AND w.paused_reason IS NULL AND o.business_id NOT IN
                 (SELECT id FROM businesses WHERE deactivated_at IS NOT NULL)
             ORDER BY o.next_attempt_at LIMIT 1",
        )?
        .query_row([after_ms], |r| r.get(0))
        .optional()?)
}

/// Takes a row for sending; false if someone else has it.
pub fn claim(conn: &Connection, id: i64) -> AppResult<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1 AND state = 'pending'",
        )?
        .execute(params![id, now()])?;
    Ok(n == 1)
}

/// Takes each of these rows for sending; returns those taken (not those someone else has).
pub fn claim_all(conn: &Connection, ids: &[i64]) -> AppResult<HashSet<i64>> {
    let mut claimed = HashSet::new();
    for &id in ids {
        if claim(conn, id)? {
            claimed.insert(id);
        }
    }
    Ok(claimed)
}

/// Records a send WhatsApp accepted with message id `provider_id`.
pub fn sent(conn: &Connection, due: &Due, provider_id: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE outbox SET state = 'sent', last_error = NULL, updated_at = ?2 WHERE id = ?1",
        params![due.id, now()],
    )?;
    let with_id = conn.execute(
        "UPDATE messages SET provider_id = ?2, status = 'sent', updated_at = ?3 WHERE id = ?1 AND status = 'queued'",
        params![due.message_id, provider_id, now()],
    );
    match with_id {
        Ok(_) => store::catch_up_statuses(conn, due.business_id, provider_id)?,
        // Accepted is sent, even when the provider repeats an id it gave one of our earlier
        // messages (that message keeps it, and its statuses). Refusing would leave the row
        // `sending`, holding up this person's replies until it was released and sent again.
        Err(e) if crate::db::is_unique_violation(&e) => {
            tracing::warn!(
                business_id = due.business_id,
                message_id = due.message_id,
                provider_id,
                "the provider repeated a message id; the message counts as sent without it"
            );
            conn.execute(
                "UPDATE messages SET status = 'sent', updated_at = ?2 WHERE id = ?1 AND status = 'queued'",
                params![due.message_id, now()],
            )?;
        }
        Err(e) => return Err(e.into()),
    }
    metrics::count_out(conn, due.business_id)
}

/// Puts a row back for another try at `at_ms`, with `attempts` tries counted: one more for a
/// failed attempt, as many as before for a pause or an unreachable link (not the message's
/// failure).
pub fn later(
    conn: &Connection,
    id: i64,
    at_ms: i64,
    error: Option<&str>,
    attempts: u32,
) -> AppResult<()> {
    conn.execute(
        "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, last_error = COALESCE(?3, last_error),
                attempts = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, at_ms, error, attempts, now()],
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

/// Puts a message's finished outbox row back in the queue. `sent` too: WhatsApp may accept a
/// message and report it failed later, by a status. The state term is the partial index
/// `outbox_done_by_message`'s own, so the row is found by it, never by reading the outbox.
const REQUEUE_DONE: &str =
    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?3, last_error = NULL,
            updated_at = ?4
     WHERE message_id = ?1 AND business_id = ?2 AND state IN ('failed', 'sent')";

/// What came of asking to send a failed message again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retry {
    Queued,
    /// No message of ours with that id in that conversation.
    Unknown,
    /// The message has not failed; its status.
    NotFailed(String),
}

/// Queues failed outgoing message `message_id` in conversation `phone` again, once: its
/// outbox row goes back to `pending` with no attempts counted, and the message to `queued`.
/// A second call finds it queued, not failed, and changes nothing.
pub fn retry(
    conn: &Connection,
    business_id: i64,
    phone: &str,
    message_id: i64,
) -> AppResult<Retry> {
    let status: Option<String> = conn
        .query_row(
            "SELECT status FROM messages WHERE id = ?1 AND business_id = ?2 AND phone = ?3
               AND direction = 'out' AND group_id IS NULL",
            params![message_id, business_id, phone],
            |r| r.get(0),
        )
        .optional()?;
    match status.as_deref() {
        None => return Ok(Retry::Unknown),
        Some("failed") => {}
        Some(other) => return Ok(Retry::NotFailed(other.to_owned())),
    }
    let queued = conn.execute(
        REQUEUE_DONE,
        params![message_id, business_id, now_ms(), now()],
    )?;
    if queued == 0 {
        return Ok(Retry::NotFailed("being sent".to_owned()));
    }
    conn.execute(
        // The old provider id belongs to the attempt that failed; the new send brings its own.
        "UPDATE messages SET status = 'queued', error = NULL, error_code = NULL, provider_id = NULL,
                updated_at = ?2 WHERE id = ?1",
        params![message_id, now()],
    )?;
    Ok(Retry::Queued)
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

/// What `backlog` runs: the waiting count the outbox's triggers keep (`outbox_waiting`), and
/// the rows being sent, few at any moment, from the partial index of claimed rows. One
/// statement, so both are read at one moment.
const BACKLOG: &str = "SELECT (SELECT IFNULL(SUM(n), 0) FROM outbox_waiting),
     (SELECT COUNT(*) FROM outbox WHERE state = 'sending')";

/// How many rows wait to be sent, by state (`pending`, `sending`; both always present).
pub fn backlog(conn: &Connection) -> AppResult<Vec<(String, i64)>> {
    let (waiting, sending): (i64, i64) = conn
        .prepare_cached(BACKLOG)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(vec![
        ("pending".to_owned(), waiting - sending),
        ("sending".to_owned(), sending),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    const ASHA: &str = "919812345678";

    fn shop(code: &str) -> (tempfile::TempDir, Db, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let b = crate::accounts::create_business(&db, "Shop", code).unwrap();
        (dir, db, b.id)
    }

    fn queue(db: &Db, business_id: i64, to: &str, text: &str) -> i64 {
        db.with_tx(|tx| enqueue(tx, business_id, to, &Content::text(text), "simulator"))
            .unwrap()
    }

    fn column(db: &Db, sql: &str) -> String {
        db.with_conn(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
    }

    /// Claims the only due row, as the sender does before sending it.
    fn claim_due(db: &Db) -> Due {
        db.with_tx(|tx| {
            let row = due(tx, now_ms(), 10)?.remove(0);
            assert!(claim(tx, row.id)?);
            Ok::<_, AppError>(row)
        })
        .unwrap()
    }

    fn age_claims(db: &Db) {
        db.with_tx(|tx| {
            Ok::<_, AppError>(tx.execute("UPDATE outbox SET updated_at = updated_at - 600", [])?)
        })
        .unwrap();
    }

    #[test]
    fn a_row_left_sending_is_released_only_when_stale() {
        let (_dir, db, b) = shop("shop");
        queue(&db, b, ASHA, "hi");
        let row = claim_due(&db);
        assert!(!db.with_tx(|tx| claim(tx, row.id)).unwrap(), "claimed once");
        assert_eq!(
            db.with_tx(|tx| release_stale(tx, 300, 10)).unwrap(),
            0,
            "a fresh claim stays"
        );
        assert_eq!(column(&db, "SELECT state FROM outbox"), "sending");
        age_claims(&db);
        assert_eq!(db.with_tx(|tx| release_stale(tx, 300, 10)).unwrap(), 1);
        assert_eq!(column(&db, "SELECT state FROM outbox"), "pending");
    }

    #[test]
    fn a_row_that_keeps_going_stale_fails_after_its_last_attempt() {
        let (_dir, db, b) = shop("shop");
        queue(&db, b, ASHA, "hi");
        for attempt in 1..=3 {
            claim_due(&db);
            age_claims(&db);
            db.with_tx(|tx| release_stale(tx, 300, 3)).unwrap();
            let state = column(&db, "SELECT state FROM outbox");
            let want = if attempt < 3 { "pending" } else { "failed" };
            assert_eq!(state, want, "after attempt {attempt}");
        }
        let error = column(&db, "SELECT error FROM messages WHERE status = 'failed'");
        assert!(error.starts_with("gave up after 3 attempts"), "{error}");
        assert!(db.with_conn(|c| due(c, now_ms(), 10)).unwrap().is_empty());
    }

    #[test]
    fn a_restart_fails_an_interrupted_row_with_no_attempts_left() {
        let (_dir, db, b) = shop("shop");
        queue(&db, b, ASHA, "hi");
        claim_due(&db);
        assert_eq!(db.with_tx(|tx| reset_interrupted(tx, 2)).unwrap(), 1);
        assert_eq!(column(&db, "SELECT state FROM outbox"), "pending");
        claim_due(&db);
        db.with_tx(|tx| reset_interrupted(tx, 2)).unwrap();
        assert_eq!(column(&db, "SELECT state FROM outbox"), "failed");
    }

    #[test]
    fn a_row_behind_one_being_sent_is_not_due_and_does_not_wake_the_sender() {
        let (_dir, db, b) = shop("shop");
        queue(&db, b, ASHA, "first");
        claim_due(&db);
        queue(&db, b, ASHA, "second");
        let in_a_minute = now_ms() + 60_000;
        let soon = |c: &Connection| {
            c.execute("UPDATE outbox SET next_attempt_at = ?1", [in_a_minute])?;
            Ok((due(c, in_a_minute, 10)?, next_due_at(c, now_ms())?))
        };
        let (due_then, next) = db.with_conn(soon).unwrap();
        assert!(due_then.is_empty(), "the second waits for the first");
        assert_eq!(next, None, "nothing to wake for until the first finishes");

        let ravi = queue(&db, b, "919800000002", "hello");
        let (due_then, next) = db.with_conn(soon).unwrap();
        assert_eq!(due_then.len(), 1);
        assert_eq!(due_then[0].message_id, ravi);
        assert_eq!(next, Some(in_a_minute), "another person's row");
    }

    /// Every row `sql` gives, each read by `row`.
    fn all<T>(db: &Db, sql: &str, row: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>) -> Vec<T> {
        db.with_conn(|c| {
            let mut s = c.prepare(sql)?;
            let rows = s.query_map([], |r| row(r))?;
            Ok::<_, AppError>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
    }

    /// A person's queue: recipient, unfinished rows, head.
    type Queue = (String, i64, i64);

    /// Each person's queue as kept, and as the rows give it; the rows flagged head.
    fn queues(db: &Db) -> (Vec<Queue>, Vec<Queue>, Vec<i64>) {
        let three = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
        let kept = all(
            db,
            "SELECT recipient, open, head_id FROM outbox_queues ORDER BY 1",
            three,
        );
        let counted = all(
            db,
            "SELECT recipient, COUNT(*), MIN(id) FROM outbox
             WHERE state IN ('pending', 'sending') GROUP BY business_id, recipient ORDER BY 1",
            three,
        );
        let flagged = all(
            db,
            "SELECT id FROM outbox WHERE head = 1 ORDER BY recipient",
            |r| r.get(0),
        );
        (kept, counted, flagged)
    }

    fn queues_agree(db: &Db, step: &str) {
        let (kept, counted, flagged) = queues(db);
        assert_eq!(kept, counted, "{step}");
        let heads: Vec<i64> = kept.iter().map(|q| q.2).collect();
        assert_eq!(flagged, heads, "{step}");
    }

    /// Which of a person's rows may go next, by message id: the oldest unfinished one,
    /// through sending, failing, sending again and taking back.
    #[test]
    fn the_head_is_always_the_oldest_unfinished_row() {
        let (_dir, db, b) = shop("shop");
        let heads = || -> Vec<i64> {
            queues_agree(&db, "each step");
            db.with_conn(|c| {
                let mut s = c.prepare("SELECT message_id FROM outbox WHERE head = 1 AND state IN ('pending', 'sending') ORDER BY id")?;
                let ids = s.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
                Ok(ids)
            })
            .unwrap()
        };
        let (first, second, third) = (
            queue(&db, b, ASHA, "1"),
            queue(&db, b, ASHA, "2"),
            queue(&db, b, ASHA, "3"),
        );
        let ravi = queue(&db, b, "919800000002", "hello");
        assert_eq!(heads(), vec![first, ravi]);
        let row = claim_due(&db);
        assert_eq!(
            (row.message_id, heads()),
            (first, vec![first, ravi]),
            "a send under way holds its place"
        );
        db.with_tx(|tx| sent(tx, &row, "wamid.1")).unwrap();
        assert_eq!(heads(), vec![second, ravi]);
        let id = |m: i64| -> i64 {
            db.with_conn(|c| {
                Ok(
                    c.query_row("SELECT id FROM outbox WHERE message_id = ?1", [m], |r| {
                        r.get(0)
                    })?,
                )
            })
            .unwrap()
        };
        db.with_tx(|tx| fail(tx, id(second), second, None, "refused"))
            .unwrap();
        assert_eq!(heads(), vec![third, ravi]);
        db.with_tx(|tx| retry(tx, b, ASHA, second)).unwrap();
        assert_eq!(
            heads(),
            vec![second, ravi],
            "sent again, it goes before the newer one"
        );
        db.with_tx(|tx| {
            Ok::<_, AppError>(tx.execute("DELETE FROM outbox WHERE message_id = ?1", [second])?)
        })
        .unwrap();
        assert_eq!(heads(), vec![third, ravi], "taken back, the next one is up");
        let rows = db.with_conn(|c| due(c, now_ms(), 10)).unwrap();
        let due_ids: Vec<i64> = rows.iter().map(|r| r.message_id).collect();
        assert_eq!(due_ids, vec![third, ravi]);
    }

    /// Sending a person's next message writes the same few rows however many of theirs wait,
    /// so a backlog of n costs n sends, not n²/2 row writes; a finished row is never a head.
    #[test]
    fn finishing_a_send_writes_a_few_rows_whatever_the_persons_backlog() {
        let (_dir, db, b) = shop("shop");
        let ids: Vec<i64> = (0..50)
            .map(|i| queue(&db, b, ASHA, &i.to_string()))
            .collect();
        let writes = |state: &str, message: i64| -> i64 {
            db.with_conn(|c| {
                let before: i64 = c.query_row("SELECT total_changes()", [], |r| r.get(0))?;
                c.execute(
                    "UPDATE outbox SET state = ?1 WHERE message_id = ?2",
                    params![state, message],
                )?;
                Ok(c.query_row("SELECT total_changes()", [], |r| r.get::<_, i64>(0))? - before)
            })
            .unwrap()
        };
        // The row itself, its flag, the person's queue, the next row's flag, and the shop's
        // count of what waits.
        assert_eq!(writes("sent", ids[0]), 5);
        assert_eq!(writes("failed", ids[5]), 3, "not the head: the head stays");
        assert_eq!(
            writes("pending", ids[0]),
            5,
            "sent again: the row, its flag, the head it displaces, the queue, the count"
        );
        let heads = column(
            &db,
            "SELECT group_concat(message_id) FROM outbox WHERE head = 1",
        );
        assert_eq!(heads, ids[0].to_string());
        assert_eq!(writes("sent", ids[0]), 5);
        let heads = column(
            &db,
            "SELECT group_concat(message_id) FROM outbox WHERE head = 1",
        );
        assert_eq!(heads, ids[1].to_string());
    }

    #[test]
    fn businesses_take_turns_whatever_their_backlog() {
        let (_dir, db, a) = shop("shop-a");
        let b = crate::accounts::create_business(&db, "Other", "shop-b")
            .unwrap()
            .id;
        for i in 0..300 {
            queue(&db, a, &format!("9197{i:08}"), "sale");
        }
        let reply = queue(&db, b, ASHA, "your order");
        queue(&db, b, "919800000002", "your order");
        let rows = db.with_conn(|c| due(c, now_ms(), 50)).unwrap();
        assert_eq!(rows.len(), 52, "at most 50 from each business");
        let order: Vec<i64> = rows.iter().take(4).map(|r| r.business_id).collect();
        assert_eq!(order, vec![a, b, a, b], "oldest of each, in turn");
        assert_eq!(rows[1].message_id, reply);
    }

    #[test]
    fn a_repeated_provider_id_counts_as_sent() {
        let (_dir, db, b) = shop("shop");
        for text in ["first", "second"] {
            queue(&db, b, ASHA, text);
            let row = claim_due(&db);
            db.with_tx(|tx| sent(tx, &row, "wamid.same")).unwrap();
        }
        let states = column(&db, "SELECT group_concat(state) FROM outbox");
        assert_eq!(states, "sent,sent");
        let messages = column(
            &db,
            "SELECT group_concat(status || ':' || IFNULL(provider_id, '-')) FROM messages",
        );
        assert_eq!(
            messages, "sent:wamid.same,sent:-",
            "the id stays with the first"
        );
    }

    /// (business id, rows waiting), by business.
    type Counts = Vec<(i64, i64)>;

    /// The kept count of what waits, by business, against a count of the rows themselves.
    fn waiting(db: &Db) -> (Counts, Counts) {
        let pairs = |sql: &str| -> Counts { all(db, sql, |r| Ok((r.get(0)?, r.get(1)?))) };
        (
            pairs("SELECT business_id, n FROM outbox_waiting WHERE n <> 0 ORDER BY business_id"),
            pairs(
                "SELECT business_id, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')
                 GROUP BY business_id ORDER BY business_id",
            ),
        )
    }

    /// Whatever happens to a row (claimed, sent, put off, failed, sent again, released as
    /// stale, swapped, taken back), the count the console and `/metrics` read stays the count
    /// of rows waiting, per business.
    #[test]
    fn what_waits_is_counted_through_every_step_of_a_send() {
        let (_dir, db, a) = shop("shop-a");
        let b = crate::accounts::create_business(&db, "Other", "shop-b")
            .unwrap()
            .id;
        let check = |step: &str, expect: &[(i64, i64)]| {
            let (kept, counted) = waiting(&db);
            assert_eq!(kept, counted, "{step}");
            assert_eq!(kept, expect, "{step}");
        };
        let first = queue(&db, a, ASHA, "1");
        queue(&db, a, ASHA, "2");
        let other = queue(&db, b, ASHA, "3");
        check("queued", &[(a, 2), (b, 1)]);
        let row = db
            .with_tx(|tx| {
                let rows = due(tx, now_ms(), 10)?;
                let row = rows.into_iter().find(|r| r.message_id == first).unwrap();
                assert!(claim(tx, row.id)?);
                Ok::<_, AppError>(row)
            })
            .unwrap();
        check("claimed", &[(a, 2), (b, 1)]);
        let sending = db.with_conn(backlog).unwrap();
        assert_eq!(sending, [("pending".into(), 2), ("sending".into(), 1)]);
        db.with_tx(|tx| later(tx, row.id, now_ms() + 60_000, Some("busy"), 1))
            .unwrap();
        check("put off", &[(a, 2), (b, 1)]);
        db.with_tx(|tx| fail(tx, row.id, first, None, "refused"))
            .unwrap();
        check("failed", &[(a, 1), (b, 1)]);
        db.with_tx(|tx| retry(tx, a, ASHA, first)).unwrap();
        check("sent again", &[(a, 2), (b, 1)]);
        db.with_conn(|c| {
            Ok::<_, AppError>(c.execute("UPDATE outbox SET next_attempt_at = 0", [])?)
        })
        .unwrap();
        let row = db
            .with_tx(|tx| {
                let row = due(tx, now_ms(), 10)?.remove(0);
                assert!(claim(tx, row.id)?);
                sent(tx, &row, "wamid.1")?;
                Ok::<_, AppError>(row)
            })
            .unwrap();
        assert_eq!(row.business_id, a);
        check("sent", &[(a, 1), (b, 1)]);
        db.with_tx(|tx| replace(tx, row.id, &Content::text("again")))
            .unwrap();
        check("swapped back in", &[(a, 2), (b, 1)]);
        let claimed = db.with_tx(|tx| claim_all(tx, &[row.id])).unwrap();
        assert_eq!(claimed.len(), 1);
        age_claims(&db);
        db.with_tx(|tx| release_stale(tx, 300, 5)).unwrap();
        check("released as stale", &[(a, 2), (b, 1)]);
        db.with_tx(|tx| {
            Ok::<_, AppError>(tx.execute("DELETE FROM outbox WHERE message_id = ?1", [other])?)
        })
        .unwrap();
        check("taken back", &[(a, 2)]);
        let counted = db.with_conn(backlog).unwrap();
        assert_eq!(counted, [("pending".into(), 2), ("sending".into(), 0)]);
    }

    /// A row queued with an id older than its person's head (only tests give ids) goes first;
    /// the last of a person's rows finishing empties their queue.
    #[test]
    fn a_row_older_than_the_head_goes_first() {
        let (_dir, db, b) = shop("shop");
        let newer = queue(&db, b, ASHA, "newer");
        db.with_conn(|c| {
            c.execute(
                "INSERT INTO messages (id, business_id, phone, direction, type, text, provider,
                                       status, created_at, updated_at)
                 VALUES (900, ?1, ?2, 'out', 'text', 'older', 'simulator', 'queued', 1, 1)",
                params![b, ASHA],
            )?;
            c.execute(
                "INSERT INTO outbox (id, business_id, message_id, recipient, content, state,
                                     next_attempt_at, created_at, updated_at)
                 VALUES (-5, ?1, 900, ?2, '{}', 'pending', 0, 1, 1)",
                params![b, ASHA],
            )?;
            Ok::<_, AppError>(())
        })
        .unwrap();
        queues_agree(&db, "queued before the head");
        assert_eq!(queues(&db).2, [-5]);
        for m in [900, newer] {
            db.with_conn(|c| {
                Ok::<_, AppError>(c.execute(
                    "UPDATE outbox SET state = 'sent' WHERE message_id = ?1",
                    [m],
                )?)
            })
            .unwrap();
            queues_agree(&db, "sent");
        }
        assert!(queues(&db).0.is_empty());
    }

    /// A book from before V38 keeps each person's head, and their queue counts what waits.
    #[test]
    fn an_upgraded_book_queues_what_waits() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::as_of(dir.path(), 37);
        db.with_conn(|c| {
            c.execute_batch(
                "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'one', 'One', 1);",
            )?;
            let rows = [
                (ASHA, "sent"),
                (ASHA, "pending"),
                ("919800000002", "sending"),
                (ASHA, "pending"),
            ];
            for (i, (to, state)) in (1_i64..).zip(rows) {
                c.execute(
                    "INSERT INTO messages (id, business_id, phone, direction, type, text, provider,
                                           status, created_at, updated_at)
                     VALUES (?1, 1, ?2, 'out', 'text', 'hi', 'simulator', 'queued', 1, 1)",
                    params![i, to],
                )?;
                c.execute(
                    "INSERT INTO outbox (business_id, message_id, recipient, content, state,
                                         next_attempt_at, created_at, updated_at)
                     VALUES (1, ?1, ?2, '{}', ?3, 0, 1, 1)",
                    params![i, to, state],
                )?;
            }
            Ok::<_, AppError>(())
        })
        .unwrap();
        db.upgrade_with("V38__outbox_queues");
        queues_agree(&db, "upgraded");
        // By recipient: RAVI's number sorts first.
        assert_eq!(queues(&db).2, [3, 2]);
        queue(&db, 1, ASHA, "new");
        queues_agree(&db, "queued after");
    }

    /// A book from before V32 starts with what waits counted, and the triggers carry on from
    /// there.
    #[test]
    fn an_upgraded_book_counts_what_already_waits() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::as_of(dir.path(), 31);
        db.with_conn(|c| {
            c.execute_batch(
                "INSERT INTO businesses (id, short_code, name, created_at) VALUES
                     (1, 'one', 'One', 1), (2, 'two', 'Two', 1), (3, 'three', 'Three', 1);",
            )?;
            let rows = [(1, "pending"), (1, "sending"), (1, "sent"), (2, "failed")];
            for (i, (shop, state)) in (1_i64..).zip(rows.into_iter().chain([(2, "pending")])) {
                c.execute(
                    "INSERT INTO messages (id, business_id, phone, direction, type, text, provider,
                                           status, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'out', 'text', 'hi', 'simulator', 'queued', 1, 1)",
                    params![i, shop, ASHA],
                )?;
                c.execute(
                    "INSERT INTO outbox (business_id, message_id, recipient, content, state,
                                         next_attempt_at, created_at, updated_at)
                     VALUES (?1, ?2, ?3, '{}', ?4, 0, 1, 1)",
                    params![shop, i, ASHA, state],
                )?;
            }
            Ok(())
        })
        .unwrap();
        db.upgrade_with("V32__bot_status_kept");
        assert_eq!(waiting(&db).0, [(1, 2), (2, 1)]);
        queue(&db, 3, ASHA, "new");
        let (kept, counted) = waiting(&db);
        assert_eq!(kept, [(1, 2), (2, 1), (3, 1)]);
        assert_eq!(kept, counted);
    }

    #[test]
    fn backlogs_sweeps_and_retries_read_their_partial_indexes() {
        let (_dir, db, b) = shop("shop");
        queue(&db, b, ASHA, "one");
        queue(&db, b, ASHA, "two");
        let counted = db.with_conn(backlog).unwrap();
        assert_eq!(counted, [("pending".into(), 2), ("sending".into(), 0)]);
        let plan = |sql: &str, args: &[i64]| {
            db.with_conn(|c| {
                let args = rusqlite::params_from_iter(args);
                Ok::<_, AppError>(crate::db::query_plan(c, sql, args))
            })
            .unwrap()
        };
        let out = plan(BACKLOG, &[]);
        assert!(
            out.contains("outbox_claimed") && !scans_outbox(&out),
            "{out}"
        );
        // The minute's sweep of stale claims reads claimed rows alone, never the whole outbox.
        for (sql, args) in [
            (FAIL_SPENT_MESSAGES, &[0, 3, 0, 0][..]),
            (FAIL_SPENT, &[0, 3, 0, 0]),
            (REQUEUE_CLAIMED, &[0]),
        ] {
            let out = plan(sql, args);
            assert!(
                out.contains("outbox_claimed") && !out.contains("SCAN"),
                "{sql}\n{out}"
            );
        }
        // A retry finds its row by the message, never by reading the outbox.
        let out = plan(REQUEUE_DONE, &[1, b, 0, 0]);
        assert!(
            out.contains("outbox_done_by_message") && !out.contains("SCAN"),
            "{out}"
        );
        let inbound = plan(store::INBOUND_BACKLOG, &[store::BACKLOG_CAP]);
        assert!(inbound.contains("messages_unhandled"), "{inbound}");
    }

    /// Whether a plan reads the outbox row by row (the kept counts' own table may be read whole,
    /// and the partial index of claimed rows holds those alone).
    fn scans_outbox(plan: &str) -> bool {
        plan.lines().map(str::trim).any(|l| {
            l == "SCAN outbox"
                || (l.starts_with("SCAN outbox ") && !l.ends_with("INDEX outbox_claimed"))
        })
    }
}
